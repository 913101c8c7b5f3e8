-- ledger.read_all_horizon(): replaced by ledger.read_all_status() when global order moved from
-- transaction ids to positions (0009). Kept for one release so that an old client is told what
-- to call instead of "function does not exist". Raises LG010.
CREATE OR REPLACE FUNCTION ledger.read_all_horizon()
RETURNS TABLE (
    horizon xid8,
    oldest_xact_age interval,
    oldest_pid integer,
    oldest_state text,
    withheld_events bigint
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'LG010',
        MESSAGE = 'ledger.read_all_horizon() was replaced by ledger.read_all_status()',
        HINT = 'Global order is now a dense position per event: a transaction left open no longer holds readers back; read_all_status() shows the last position and what waits for one.';
END;
$function$;

COMMENT ON FUNCTION ledger.read_all_horizon() IS
'Replaced by ledger.read_all_status() (kept for one release). Raises LG010.';
