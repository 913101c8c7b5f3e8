-- Citus: the distributed layout. Run by `pgledger migrate` (and db/install.sql) after the
-- migrations, on a Citus coordinator only; idempotent. The single-node layout stays as the
-- migrations make it; here:
--   - accounts, events, account_snapshots, daily_totals and the position queue are distributed
--     by the account id, co-located: every command touches one shard group, on one worker;
--   - settings becomes a reference table (the append path on the workers reads it);
--   - subscriptions, positions, the Merkle tree, totals and the migrations stay on the
--     coordinator (the positioner there gives the global positions);
--   - keys that must include the distribution column do: events (aggregate_id, id), and the
--     event_id key becomes unique per account (docs/decisions.md, "Citus");
--   - a row trigger queues each new event for the positioner, on its shard, in its transaction;
--     the NOTIFY trigger goes (a worker's NOTIFY reaches no subscriber).
-- Triggers on distributed tables need citus.enable_unsafe_triggers (the migrator sets it):
-- each of ours touches only rows of the same account, on the same shard.
DO $distribute$
BEGIN
    IF EXISTS (
        SELECT FROM pg_catalog.pg_dist_partition AS d WHERE d.logicalrelid = 'ledger.accounts'::pg_catalog.regclass
    ) THEN
        RETURN;
    END IF;
    ALTER TABLE ledger.events DROP CONSTRAINT events_pkey;
    ALTER TABLE ledger.events ADD CONSTRAINT events_pkey PRIMARY KEY (aggregate_id, id);
    ALTER TABLE ledger.events DROP CONSTRAINT events_event_id_key;
    ALTER TABLE ledger.events ADD CONSTRAINT events_event_id_key UNIQUE (aggregate_id, event_id);
    DROP TRIGGER IF EXISTS events_notify ON ledger.events;

    CREATE TABLE ledger.position_queue (
        aggregate_id uuid NOT NULL,
        id bigint NOT NULL,
        sequence_number bigint NOT NULL,
        recorded_at timestamptz NOT NULL,
        hash bytea NOT NULL,
        CONSTRAINT position_queue_pkey PRIMARY KEY (aggregate_id, id)
    );
    COMMENT ON TABLE ledger.position_queue IS
    'Citus: committed events waiting for a global position, queued on their shard by their append.';

    PERFORM pg_catalog.create_distributed_table('ledger.accounts', 'account_id');
    PERFORM pg_catalog.create_distributed_table('ledger.events', 'aggregate_id', colocate_with => 'ledger.accounts');
    PERFORM pg_catalog.create_distributed_table(
        'ledger.account_snapshots', 'account_id', colocate_with => 'ledger.accounts');
    PERFORM pg_catalog.create_distributed_table('ledger.daily_totals', 'account_id', colocate_with => 'ledger.accounts');
    PERFORM pg_catalog.create_distributed_table(
        'ledger.position_queue', 'aggregate_id', colocate_with => 'ledger.accounts');
    PERFORM pg_catalog.create_reference_table('ledger.settings');
END;
$distribute$;
