-- ledger.state_until(account_id, version, at): the account's state after its last event with
-- sequence_number <= version and occurred_at <= at (either may be NULL: no bound), from the
-- latest snapshot within those bounds (ledger.snapshot_before) plus the events after it
-- (ledger.fold_after). NULL when no event qualifies. The one place the read functions
-- (load_account, account_state_at, account_state_at_version, account_history) pair the two
-- with the same bounds. Raises what ledger.account_apply raises, which a stored history never
-- does.
CREATE OR REPLACE FUNCTION ledger.state_until(p_account_id uuid, p_version bigint, p_at timestamptz)
RETURNS ledger.account
LANGUAGE plpgsql
STABLE
AS $function$
BEGIN
    RETURN ledger.fold_after(
        ledger.snapshot_before(p_account_id, p_version, p_at), p_account_id, p_version, p_at);
END;
$function$;

COMMENT ON FUNCTION ledger.state_until(uuid, bigint, timestamptz) IS
'State of an account up to a version and/or a time, from the latest snapshot within them plus the later events.';
