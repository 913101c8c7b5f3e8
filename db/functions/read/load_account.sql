-- ledger.load_account(account_id): the account's current state computed from its latest
-- snapshot and the events after it (at most snapshot_interval - 1 of them when the snapshots
-- are complete; the full history when there are none). Same row shape as ledger.replay and
-- ledger.account_state: one row, or no row when the account has no events. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.load_account(p_account_id uuid)
RETURNS SETOF ledger.account
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_state ledger.account;
BEGIN
    v_state := ledger.state_until(p_account_id, NULL, NULL);
    IF v_state.version IS NOT NULL THEN
        RETURN NEXT v_state;
    END IF;
END;
$function$;

COMMENT ON FUNCTION ledger.load_account(uuid) IS
'Current state of an account from its latest snapshot plus the later events: one row, or none.';
