-- ledger.account_state(account_id): the account's current state, read from the projection
-- ledger.accounts. One row, or no row when the account does not exist. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.account_state(p_account_id uuid)
RETURNS SETOF ledger.account
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    RETURN QUERY
        SELECT a.account_id, a.owner_name, a.balance, a.version, a.opened_at, a.last_event_at
        FROM ledger.accounts AS a
        WHERE a.account_id = p_account_id;
END;
$function$;

COMMENT ON FUNCTION ledger.account_state(uuid) IS
'Current state of an account from the projection: one row, or none when it does not exist.';
