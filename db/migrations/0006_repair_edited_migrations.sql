-- 0006_repair_edited_migrations: brings forward databases installed from commits whose migrations
-- were edited after they were committed, so that every database has the schema the current
-- files describe. A no-op on every other database. The migrator accepts the checksums of those
-- earlier texts (pgledger.migrate.EARLIER_TEXTS); this migration does what the edits added:
--   0001_core.sql before b370d4c: events_occurred_at_check without the 1900-01-01 lower bound.
--     Re-created NOT VALID: new rows are checked; rows stored under the old rule (which allowed
--     earlier times) stay as they are, since history is never rewritten.
--   0002_snapshots.sql before 6d29501: snapshot interval default 100 instead of 50. The default
--     changes; the interval a database runs with is its setting, left as it is.
--   0004_global_order.sql before f25ac72: no ledger.subscriber_waits table.
DO $repair$
BEGIN
    IF pg_catalog.strpos(pg_catalog.pg_get_constraintdef((
        SELECT c.oid FROM pg_catalog.pg_constraint AS c
        WHERE c.conrelid = 'ledger.events'::pg_catalog.regclass AND c.conname = 'events_occurred_at_check'
    )), '1900') = 0 THEN
        ALTER TABLE ledger.events DROP CONSTRAINT events_occurred_at_check;
        ALTER TABLE ledger.events ADD CONSTRAINT events_occurred_at_check CHECK (
            pg_catalog.isfinite(occurred_at)
            AND occurred_at OPERATOR(pg_catalog.>=) '1900-01-01 00:00:00+00'::timestamptz
        ) NOT VALID;
    END IF;
END;
$repair$;

ALTER TABLE ledger.settings ALTER COLUMN snapshot_interval SET DEFAULT 50;

CREATE UNLOGGED TABLE IF NOT EXISTS ledger.subscriber_waits (
    pid integer PRIMARY KEY,
    name text NOT NULL,
    since timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);

COMMENT ON TABLE ledger.subscriber_waits IS
'Connections of subscribers waiting for NOTIFY ledger_events; appends notify only while one is here.';
