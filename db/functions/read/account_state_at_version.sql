-- ledger.account_state_at_version(account_id, version): the account's state right after its
-- event number `version`, from the latest snapshot at or before it. No row when the account
-- does not exist or has fewer events. Raises LG005 when version is NULL or below 1.
CREATE OR REPLACE FUNCTION ledger.account_state_at_version(p_account_id uuid, p_version bigint)
RETURNS SETOF ledger.account
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_state ledger.account;
BEGIN
    IF p_version IS NULL OR p_version < 1 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('version must be 1 or more, got %s', coalesce(p_version::text, 'NULL'));
    END IF;
    v_state := ledger.state_until(p_account_id, p_version, NULL);
    IF v_state.version = p_version THEN
        RETURN NEXT v_state;
    END IF;
END;
$function$;

COMMENT ON FUNCTION ledger.account_state_at_version(uuid, bigint) IS
'State of an account right after a given version; no row when it has no such version. Raises LG005 on a version below 1.';
