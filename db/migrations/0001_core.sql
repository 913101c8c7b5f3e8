-- 0001_core: the event store, the state type of the fold, and the current-state projection.
--
-- Applied once, inside the migrator's transaction, after db/bootstrap.sql has created the
-- schema `ledger` and the table `ledger.schema_migrations`. Never edit this file once it is
-- merged: write a new migration instead (the migrator refuses to run when a checksum changes).

-- The state of one account, as produced by the fold ledger.account_fold and stored, one row per
-- account, in the projection ledger.accounts (same columns, same order).
CREATE TYPE ledger.account AS (
    account_id uuid,
    owner_name text,
    balance numeric,
    version bigint,
    opened_at timestamptz,
    last_event_at timestamptz
);

COMMENT ON TYPE ledger.account IS
'State of one account: what ledger.account_fold computes from its events and what the projection ledger.accounts stores.';

-- The append-only event store. Rows are written only by ledger.append and never updated or deleted.
CREATE TABLE ledger.events (
    -- Store-wide insertion order. A sequence is not transactional, so `id` order is not commit
    -- order: readers that follow the whole store use (transaction_id, id), see docs/architecture.md.
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Idempotency key: a retried append carrying the same event_id is a no-op.
    event_id uuid NOT NULL,
    aggregate_id uuid NOT NULL,
    -- 1, 2, 3, ... per aggregate, without gaps.
    sequence_number bigint NOT NULL,
    event_type varchar(64) NOT NULL,
    -- Schema version of the payload of this event type.
    event_version smallint NOT NULL DEFAULT 1,
    payload jsonb NOT NULL,
    -- Correlation/causation ids, actor and the like; never read by the fold.
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- When it happened (business time, given by the caller or stamped by the database).
    occurred_at timestamptz NOT NULL,
    -- When it was stored (database clock after the aggregate's lock was taken).
    recorded_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    -- The writing transaction, for a gap-safe global read order.
    transaction_id xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
    CONSTRAINT events_event_id_key UNIQUE (event_id),
    CONSTRAINT events_aggregate_sequence_key UNIQUE (aggregate_id, sequence_number),
    CONSTRAINT events_sequence_number_check CHECK (sequence_number >= 1),
    CONSTRAINT events_event_type_check CHECK (
        event_type IN ('AccountOpened', 'MoneyDeposited', 'MoneyWithdrawn')
    ),
    -- An account's history starts with its opening, and it is opened once.
    CONSTRAINT events_opening_first_check CHECK (
        (event_type = 'AccountOpened') = (sequence_number = 1)
    ),
    CONSTRAINT events_event_version_check CHECK (event_version >= 1),
    CONSTRAINT events_payload_check CHECK (
        pg_catalog.jsonb_typeof(payload) = 'object'
        AND CASE event_type
            WHEN 'AccountOpened'
                THEN
                    pg_catalog.jsonb_typeof(payload -> 'owner_name') = 'string'
                    AND pg_catalog.char_length(payload ->> 'owner_name') BETWEEN 1 AND 200
            ELSE
                -- CASE, not AND: the cast must only run on a string the pattern accepted.
                CASE
                    WHEN (payload ->> 'amount') ~ '^[0-9]+(\.[0-9]{1,2})?$'
                        THEN (payload ->> 'amount')::numeric BETWEEN 0.01 AND 1000000000000000
                    ELSE FALSE
                END
        END
    ),
    CONSTRAINT events_metadata_check CHECK (pg_catalog.jsonb_typeof(metadata) = 'object'),
    CONSTRAINT events_occurred_at_check CHECK (
        pg_catalog.isfinite(occurred_at) AND occurred_at >= '1900-01-01 00:00:00+00'::timestamptz
    )
);

COMMENT ON TABLE ledger.events IS
'Append-only event store: one row per domain event, written only through ledger.append.';

-- The current-state projection: the fold of each account's events, updated in the same
-- transaction as every append, so it is never behind. The row is also the account's lock:
-- writers of one account serialize on it, writers of different accounts never meet.
CREATE TABLE ledger.accounts (
    account_id uuid PRIMARY KEY,
    owner_name text NOT NULL,
    balance numeric NOT NULL,
    version bigint NOT NULL,
    opened_at timestamptz NOT NULL,
    last_event_at timestamptz NOT NULL,
    CONSTRAINT accounts_owner_name_check CHECK (pg_catalog.char_length(owner_name) BETWEEN 1 AND 200),
    CONSTRAINT accounts_balance_check CHECK (balance >= 0 AND pg_catalog.scale(balance) = 2),
    CONSTRAINT accounts_version_check CHECK (version >= 1),
    CONSTRAINT accounts_time_check CHECK (opened_at <= last_event_at)
) WITH (fillfactor = 80);

COMMENT ON TABLE ledger.accounts IS
'Current state of every account (projection of ledger.events), maintained by ledger.append.';
