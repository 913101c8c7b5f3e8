-- 0002_snapshots: the settings row, and snapshots of account state taken every N events.
--
-- A snapshot is the state of one account right after its event number `sequence_number`. They
-- are derived data, written by the trigger ledger.take_snapshot on ledger.accounts from the
-- state that ledger.append has just computed, and rebuilt by ledger.rebuild_snapshots. Deleting
-- every snapshot changes no answer, only the time it takes.

-- One row of settings. snapshot_interval: a snapshot every N events of an account (see
-- docs/decisions.md for why 50).
CREATE TABLE ledger.settings (
    singleton boolean PRIMARY KEY DEFAULT TRUE,
    snapshot_interval integer NOT NULL DEFAULT 50,
    CONSTRAINT settings_singleton_check CHECK (singleton),
    CONSTRAINT settings_snapshot_interval_check CHECK (snapshot_interval BETWEEN 1 AND 1000000)
);

INSERT INTO ledger.settings DEFAULT VALUES;

COMMENT ON TABLE ledger.settings IS
'pgledger settings, one row. Change with the ledger functions (ledger.set_snapshot_interval).';

CREATE TABLE ledger.account_snapshots (
    account_id uuid NOT NULL,
    sequence_number bigint NOT NULL,
    owner_name text NOT NULL,
    balance numeric NOT NULL,
    opened_at timestamptz NOT NULL,
    -- occurred_at of the event at sequence_number: the state holds from then on.
    occurred_at timestamptz NOT NULL,
    taken_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    CONSTRAINT account_snapshots_pkey PRIMARY KEY (account_id, sequence_number),
    CONSTRAINT account_snapshots_sequence_number_check CHECK (sequence_number >= 1),
    CONSTRAINT account_snapshots_balance_check CHECK (balance >= 0)
);

-- "The latest snapshot at or before time T" for temporal queries.
CREATE INDEX account_snapshots_time_idx
ON ledger.account_snapshots (account_id, occurred_at, sequence_number);

COMMENT ON TABLE ledger.account_snapshots IS
'Account state after every Nth event (derived; maintained by a trigger on ledger.accounts, rebuilt by ledger.rebuild_snapshots).';
