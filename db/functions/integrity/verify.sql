-- ledger.verify(): replays every account from its full history and compares the result with
-- the projection. Returns one row per account whose replay differs from its projection row
-- (or that has events but no projection row, or a projection row but no events); no rows
-- means the projection equals the replay. Raises nothing on a stored history.
CREATE OR REPLACE FUNCTION ledger.verify()
RETURNS TABLE (account_id uuid, projection ledger.account, replayed ledger.account)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
    SELECT coalesce(a.account_id, r.aggregate_id),
           CASE WHEN a.account_id IS NOT NULL THEN
               ROW(a.account_id, a.owner_name, a.balance, a.version, a.opened_at,
                   a.last_event_at)::ledger.account
           END,
           r.state
    FROM ledger.accounts AS a
    FULL JOIN (
        SELECT e.aggregate_id, ledger.account_fold(e ORDER BY e.sequence_number) AS state
        FROM ledger.events AS e
        GROUP BY e.aggregate_id
    ) AS r ON r.aggregate_id = a.account_id
    WHERE r.aggregate_id IS NULL
       OR a.account_id IS NULL
       OR ROW(a.account_id, a.owner_name, a.balance, a.version, a.opened_at, a.last_event_at)::ledger.account
          IS DISTINCT FROM r.state;
$function$;

COMMENT ON FUNCTION ledger.verify() IS
'Replays every account and returns those whose replay differs from the projection; no rows = equivalent.';
