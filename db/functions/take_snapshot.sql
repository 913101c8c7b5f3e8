-- ledger.take_snapshot(): trigger on ledger.accounts. When an append stores a projection row
-- whose version is a multiple of settings.snapshot_interval, the same row (the state the append
-- computed, never a re-fold of history) is copied into ledger.account_snapshots, in the
-- append's transaction. ledger.append stores the projection at every multiple of the interval
-- inside a batch, so snapshots land exactly every N events. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.take_snapshot()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_interval integer;
BEGIN
    SELECT s.snapshot_interval INTO v_interval FROM ledger.settings AS s;
    IF NEW.version % v_interval = 0 THEN
        INSERT INTO ledger.account_snapshots (account_id, sequence_number, owner_name, balance, opened_at, occurred_at)
        VALUES (NEW.account_id, NEW.version, NEW.owner_name, NEW.balance, NEW.opened_at, NEW.last_event_at)
        ON CONFLICT (account_id, sequence_number) DO NOTHING;
    END IF;
    RETURN NULL;
END;
$function$;

COMMENT ON FUNCTION ledger.take_snapshot() IS
'Trigger: copies a projection row whose version is a multiple of the snapshot interval into ledger.account_snapshots.';

CREATE OR REPLACE TRIGGER accounts_take_snapshot
AFTER INSERT OR UPDATE OF version ON ledger.accounts
FOR EACH ROW EXECUTE FUNCTION ledger.take_snapshot();
