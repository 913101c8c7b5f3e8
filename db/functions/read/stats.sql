-- ledger.stats(): how much the ledger holds: accounts (projection rows), events, snapshots, and
-- the snapshot interval. Exact counts (a full count of each table). Raises nothing.
CREATE OR REPLACE FUNCTION ledger.stats()
RETURNS TABLE (accounts bigint, events bigint, snapshots bigint, snapshot_interval integer)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
    SELECT (SELECT pg_catalog.count(*) FROM ledger.accounts),
           (SELECT pg_catalog.count(*) FROM ledger.events),
           (SELECT pg_catalog.count(*) FROM ledger.account_snapshots),
           (SELECT s.snapshot_interval FROM ledger.settings AS s);
$function$;

COMMENT ON FUNCTION ledger.stats() IS
'Counts of accounts, events and snapshots, and the snapshot interval.';
