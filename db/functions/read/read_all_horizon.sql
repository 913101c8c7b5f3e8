-- ledger.read_all_horizon(): what holds ledger.read_all back. horizon is the oldest transaction
-- still running (events of it and of later transactions are withheld); oldest_xact_age how long
-- the transaction holding it has been open, its pid and state (NULL when it is not visible,
-- e.g. a prepared transaction); withheld_events how many stored events wait behind the
-- horizon. A consumer's lag that keeps growing while withheld_events grows points here.
-- Raises nothing.
CREATE OR REPLACE FUNCTION ledger.read_all_horizon()
RETURNS TABLE (
    horizon xid8,
    oldest_xact_age interval,
    oldest_pid integer,
    oldest_state text,
    withheld_events bigint
)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
    SELECT h.xmin,
           pg_catalog.clock_timestamp() - a.xact_start,
           a.pid,
           a.state,
           (SELECT pg_catalog.count(*) FROM ledger.events AS e WHERE e.transaction_id >= h.xmin)
    FROM (SELECT pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot()) AS xmin) AS h
    LEFT JOIN pg_catalog.pg_stat_activity AS a
        ON a.backend_xid IS NOT NULL
       AND a.backend_xid::text::bigint = (h.xmin::text::bigint % 4294967296)
       AND a.pid <> pg_catalog.pg_backend_pid();
$function$;

COMMENT ON FUNCTION ledger.read_all_horizon() IS
'What holds ledger.read_all back: the horizon, the age, pid and state of the transaction holding it, and how many events wait behind it.';
