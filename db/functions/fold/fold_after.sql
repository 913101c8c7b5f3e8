-- ledger.fold_after(start, account_id, to_version, to_time): folds onto `start` (a snapshot, or
-- NULL for the beginning) the account's events after start.version, in sequence order, up to
-- sequence number `to_version` and up to time `to_time` inclusive (either may be NULL: no
-- bound). With a time bound, only the events up to the first later snapshot are read
-- (ledger.sequence_bound), so the cost does not grow with the rest of the history. Returns NULL when no event qualifies and start is NULL.
-- Raises what ledger.account_apply raises, which a stored history never does.
CREATE OR REPLACE FUNCTION ledger.fold_after(
    p_start ledger.account,
    p_account_id uuid,
    p_to_version bigint,
    p_to_time timestamptz
)
RETURNS ledger.account
LANGUAGE plpgsql
STABLE
AS $function$
DECLARE
    v_state ledger.account := p_start;
    v_event ledger.events;
    v_last bigint := coalesce(p_to_version, 9223372036854775807);
BEGIN
    IF p_to_time IS NOT NULL THEN
        -- Without this bound the planner would read and sort every later event of the account.
        v_last := LEAST(v_last, coalesce(ledger.sequence_bound(p_account_id, p_to_time), v_last));
    END IF;
    FOR v_event IN
        SELECT e.*
        FROM ledger.events AS e
        WHERE e.aggregate_id = p_account_id
          AND e.sequence_number > coalesce(p_start.version, 0)
          AND e.sequence_number <= v_last
        ORDER BY e.sequence_number
    LOOP
        EXIT WHEN v_event.occurred_at > p_to_time;
        v_state := ledger.account_apply(v_state, v_event);
    END LOOP;
    RETURN v_state;
END;
$function$;

COMMENT ON FUNCTION ledger.fold_after(ledger.account, uuid, bigint, timestamptz) IS
'Folds an account''s events after a starting state (snapshot or NULL) up to a version and/or a time.';
