-- ledger.replay(account_id): the account's state computed from its full event history by the
-- strict fold (ledger.full_fold: what ledger.account_fold returns), ignoring the projection.
-- Same row shape as ledger.account_state.
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
        SELECT s.*
        FROM ledger.full_fold(p_account_id) AS s
        WHERE s.version IS NOT NULL;
END;
$function$;

COMMENT ON FUNCTION ledger.replay(uuid) IS
'State of an account folded from its full event history (no projection, no snapshot): one row, or none.';
