-- ledger.verify_account(account_id): one account's projection row, its state replayed with the
-- strict fold (ledger.full_fold), whether they are equal, and `error` (SQLSTATE: message) when
-- its history cannot be folded. Internal: the per-account step of ledger.verify and
-- ledger.verify_batch. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.verify_account(p_account_id uuid)
RETURNS TABLE (account_id uuid, equal boolean, projection ledger.account, replayed ledger.account, error text)
LANGUAGE plpgsql
STABLE
AS $function$
BEGIN
    account_id := p_account_id;
    -- SELECT INTO, not an assignment from a scalar subquery: on Citus the latter is planned with
    -- the function's variables as parameters of unknown type, and fails.
    SELECT a.account_id, a.owner_name, a.balance, a.version, a.opened_at, a.last_event_at
    INTO projection
    FROM ledger.accounts AS a
    WHERE a.account_id = p_account_id;
    BEGIN
        replayed := ledger.full_fold(p_account_id);
    EXCEPTION
        WHEN OTHERS THEN
            replayed := NULL;
            error := SQLSTATE || ': ' || SQLERRM;
    END;
    IF replayed.version IS NULL THEN
        replayed := NULL;
    END IF;
    IF projection.version IS NULL THEN
        projection := NULL;
    END IF;
    equal := error IS NULL AND projection IS NOT DISTINCT FROM replayed;
    RETURN NEXT;
END;
$function$;

COMMENT ON FUNCTION ledger.verify_account(uuid) IS
'One account''s projection and replayed state, equal or not, and the fold''s error if its history cannot be folded (internal).';
