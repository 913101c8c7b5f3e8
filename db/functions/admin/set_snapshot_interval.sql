-- ledger.set_snapshot_interval(interval): sets settings.snapshot_interval, the number of events
-- between two snapshots of an account. Existing snapshots stay valid (queries use the latest
-- snapshot before their target, whatever its number); ledger.rebuild_snapshots realigns them.
-- The snapshot trigger is redefined with the new interval (a short lock on ledger.accounts
-- that waits for running appends). Returns the previous interval. Raises LG005 unless 1 <= interval <= 1000000.
CREATE OR REPLACE FUNCTION ledger.set_snapshot_interval(p_interval integer)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_previous integer;
BEGIN
    IF p_interval IS NULL OR p_interval NOT BETWEEN 1 AND 1000000 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('snapshot interval must be between 1 and 1000000, got %s',
                coalesce(p_interval::text, 'NULL'));
    END IF;
    SELECT s.snapshot_interval INTO v_previous FROM ledger.settings AS s FOR UPDATE;
    UPDATE ledger.settings SET snapshot_interval = p_interval;
    PERFORM ledger.define_snapshot_trigger();
    RETURN v_previous;
END;
$function$;

COMMENT ON FUNCTION ledger.set_snapshot_interval(integer) IS
'Sets the number of events between snapshots; returns the previous value. Raises LG005 outside 1..1000000.';
