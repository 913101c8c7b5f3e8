-- Bootstrap: what the migrator needs before the first migration. Idempotent; run by
-- `pgledger migrate` and by db/install.sql inside their transaction, after the migration lock.
CREATE SCHEMA IF NOT EXISTS ledger;

COMMENT ON SCHEMA ledger IS
'pgledger: append-only, event-sourced account ledger. The API is the functions of this schema.';

CREATE TABLE IF NOT EXISTS ledger.schema_migrations (
    version text PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);

COMMENT ON TABLE ledger.schema_migrations IS
'One row per applied file of db/migrations, with the SHA-256 of its text when it was applied.';
