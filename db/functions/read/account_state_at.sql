-- ledger.account_state_at(account_id, at): the account's state as of time `at`: the fold of
-- every event with occurred_at <= at (an event at exactly `at` is included; several events at
-- the same instant are all included, since occurred_at never decreases along an account's
-- sequence). Starts from the latest snapshot at or before `at`, so its cost does not grow with
-- the length of the history. No row when the account did not exist yet at `at` (or at all).
-- Raises LG005 when `at` is NULL.
CREATE OR REPLACE FUNCTION ledger.account_state_at(p_account_id uuid, p_at timestamptz)
RETURNS SETOF ledger.account
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_state ledger.account;
BEGIN
    IF p_at IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LG005', MESSAGE = 'at must not be null';
    END IF;
    v_state := ledger.state_until(p_account_id, NULL, p_at);
    IF v_state.version IS NOT NULL THEN
        RETURN NEXT v_state;
    END IF;
END;
$function$;

COMMENT ON FUNCTION ledger.account_state_at(uuid, timestamptz) IS
'State of an account as of a time (events at exactly that time included); no row before it was opened. Raises LG005 on NULL.';
