-- ledger.replay(account_id): the account's state computed from its full event history by the
-- fold ledger.account_fold, ignoring the projection. Same row shape as ledger.account_state.
-- One row, or no row when the account has no events. Raises nothing on a stored history.
CREATE OR REPLACE FUNCTION ledger.replay(p_account_id uuid)
RETURNS SETOF ledger.account
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    RETURN QUERY
        SELECT (f.state).*
        FROM (
            SELECT ledger.account_fold(ROW(e.*)::ledger.events ORDER BY e.sequence_number) AS state
            FROM ledger.events AS e
            WHERE e.aggregate_id = p_account_id
        ) AS f
        WHERE (f.state).version IS NOT NULL;
END;
$function$;

COMMENT ON FUNCTION ledger.replay(uuid) IS
'State of an account folded from its full event history (no projection, no snapshot): one row, or none.';
