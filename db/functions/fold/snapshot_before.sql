-- ledger.snapshot_before(account_id, version, at): the latest snapshot of the account taken at or
-- before sequence number `version` (when given) and at or before time `at` (when given), as a
-- ledger.account; NULL when there is none. Uses the primary key or the time index, so it costs
-- the same on an account of a thousand events as on one of millions. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.snapshot_before(p_account_id uuid, p_version bigint, p_at timestamptz)
RETURNS ledger.account
LANGUAGE plpgsql
STABLE
AS $function$
DECLARE
    v_state ledger.account;
BEGIN
    IF p_at IS NULL THEN
        SELECT s.account_id, s.owner_name, s.balance, s.sequence_number, s.opened_at, s.occurred_at
        INTO v_state
        FROM ledger.account_snapshots AS s
        WHERE s.account_id = p_account_id
          AND s.sequence_number <= coalesce(p_version, 9223372036854775807)
        ORDER BY s.sequence_number DESC
        LIMIT 1;
    ELSE
        SELECT s.account_id, s.owner_name, s.balance, s.sequence_number, s.opened_at, s.occurred_at
        INTO v_state
        FROM ledger.account_snapshots AS s
        WHERE s.account_id = p_account_id
          AND s.occurred_at <= p_at
          AND s.sequence_number <= coalesce(p_version, 9223372036854775807)
        ORDER BY s.occurred_at DESC, s.sequence_number DESC
        LIMIT 1;
    END IF;
    RETURN v_state;
END;
$function$;

COMMENT ON FUNCTION ledger.snapshot_before(uuid, bigint, timestamptz) IS
'Latest snapshot of an account at or before a sequence number and/or a time; NULL when none.';
