-- The snapshot trigger on ledger.accounts, as a small family:
--
-- ledger.take_snapshot(): the trigger function. Copies the projection row that an append has
-- just stored (the state it computed, never a re-fold of history) into
-- ledger.account_snapshots, in the append's transaction. ledger.append_events stores the
-- projection at every multiple of the interval inside a batch, so snapshots land exactly every
-- N events. Raises nothing.
--
-- ledger.define_snapshot_trigger(): (re)creates the trigger accounts_take_snapshot with the
-- interval of ledger.settings written into its WHEN clause, so the trigger fires only at
-- snapshot boundaries and costs nothing on the other appends. Called here on every migrate
-- and by ledger.set_snapshot_interval. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.take_snapshot()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    INSERT INTO ledger.account_snapshots (account_id, sequence_number, owner_name, balance, opened_at, occurred_at)
    VALUES (NEW.account_id, NEW.version, NEW.owner_name, NEW.balance, NEW.opened_at, NEW.last_event_at)
    ON CONFLICT (account_id, sequence_number) DO NOTHING;
    RETURN NULL;
END;
$function$;

COMMENT ON FUNCTION ledger.take_snapshot() IS
'Trigger: copies a projection row at a snapshot boundary into ledger.account_snapshots.';

CREATE OR REPLACE FUNCTION ledger.define_snapshot_trigger()
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_interval integer;
BEGIN
    SELECT s.snapshot_interval INTO STRICT v_interval FROM ledger.settings AS s;
    EXECUTE pg_catalog.format(
        'CREATE OR REPLACE TRIGGER accounts_take_snapshot'
        ' AFTER INSERT OR UPDATE OF version ON ledger.accounts'
        ' FOR EACH ROW WHEN (NEW.version %% %s = 0)'
        ' EXECUTE FUNCTION ledger.take_snapshot()',
        v_interval);
END;
$function$;

COMMENT ON FUNCTION ledger.define_snapshot_trigger() IS
'(Re)creates the snapshot trigger on ledger.accounts with the settings'' interval in its WHEN clause.';

DO $define$
BEGIN
    PERFORM ledger.define_snapshot_trigger();
END;
$define$;
