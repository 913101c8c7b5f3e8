-- 0004_global_order: a global read order that is safe to follow, durable subscription
-- checkpoints, and a second projection (daily totals per account) built by a subscriber.
--
-- The global position of an event is (transaction_id, id): the xid8 of the transaction that
-- wrote it, then its id. ledger.read_all returns only events whose transaction is older than
-- the oldest transaction still running (pg_snapshot_xmin), in position order: every
-- transaction before that horizon has ended, so no event can later appear before a position a
-- reader has already passed. See docs/architecture.md for the trade-off.
CREATE INDEX events_global_order_idx ON ledger.events (transaction_id, id);

-- One row per named subscriber: the position of the last event it has processed.
CREATE TABLE ledger.subscriptions (
    name text PRIMARY KEY,
    transaction_id xid8 NOT NULL DEFAULT '0'::xid8,
    id bigint NOT NULL DEFAULT 0,
    events_processed bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    CONSTRAINT subscriptions_name_check CHECK (name ~ '^[a-z][a-z0-9_.-]{0,62}$')
);

COMMENT ON TABLE ledger.subscriptions IS
'Durable checkpoint of each named subscriber: the global position (transaction_id, id) it has processed up to.';

-- Subscribers waiting for a wake-up, one row per waiting connection. A NOTIFY makes PostgreSQL
-- serialize the commits of the notifying transactions, so appends notify only while a row here
-- says someone is waiting (ledger.notify_new_events). Unlogged: after a crash it is empty, and
-- waiting subscribers register again on their next wait.
CREATE UNLOGGED TABLE ledger.subscriber_waits (
    pid integer PRIMARY KEY,
    name text NOT NULL,
    since timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);

COMMENT ON TABLE ledger.subscriber_waits IS
'Connections of subscribers waiting for NOTIFY ledger_events; appends notify only while one is here.';

-- The worked example of a projection built by a subscriber: per account and UTC day, the sums
-- of deposits and withdrawals and the number of events.
CREATE TABLE ledger.daily_totals (
    account_id uuid NOT NULL,
    day date NOT NULL,
    deposits numeric NOT NULL DEFAULT 0,
    withdrawals numeric NOT NULL DEFAULT 0,
    event_count integer NOT NULL DEFAULT 0,
    CONSTRAINT daily_totals_pkey PRIMARY KEY (account_id, day)
);

COMMENT ON TABLE ledger.daily_totals IS
'Projection built by the subscriber "daily_totals": deposits, withdrawals and event count per account and UTC day.';
