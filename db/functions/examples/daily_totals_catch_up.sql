-- ledger.daily_totals_catch_up(max_count): brings the projection ledger.daily_totals up to date
-- from SQL alone, without a subscriber process: a function a DBA can schedule (pg_cron, a cron
-- job running psql). In one transaction: gives positions to newly committed events (when this
-- transaction has written nothing yet), claims subscription "daily_totals", applies at most
-- max_count events after its checkpoint and advances it. Returns the number of events applied:
-- 0 when there was nothing new or another instance holds the subscription. Call it until it
-- returns 0 to catch up a large backlog.
--
-- A ledger_writer can only do what the daily_totals subscriber does.
-- Raises LG005 on max_count outside 1..100000.
CREATE OR REPLACE FUNCTION ledger.daily_totals_catch_up(p_max_count integer DEFAULT 10000)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_from bigint;
    v_through bigint;
BEGIN
    IF p_max_count IS NULL OR p_max_count NOT BETWEEN 1 AND 100000 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('max_count must be between 1 and 100000, got %s',
                coalesce(p_max_count::text, 'NULL'));
    END IF;
    IF pg_catalog.pg_current_xact_id_if_assigned() IS NULL THEN
        PERFORM ledger.assign_positions(GREATEST(p_max_count, 10000));
    END IF;
    v_from := ledger.claim_subscription('daily_totals');
    IF v_from IS NULL THEN
        RETURN 0;
    END IF;
    SELECT LEAST(v_from + p_max_count, coalesce(pg_catalog.max(p.position), 0))
    INTO v_through
    FROM ledger.event_positions AS p;
    IF v_through <= v_from THEN
        RETURN 0;
    END IF;
    RETURN ledger.daily_totals_apply(v_through);
END;
$function$;

COMMENT ON FUNCTION ledger.daily_totals_catch_up(integer) IS
'Brings ledger.daily_totals up to date from SQL alone (claim, apply at most max_count events, advance); returns how many. Raises LG005.';
