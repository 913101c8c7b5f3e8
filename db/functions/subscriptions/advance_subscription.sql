-- ledger.advance_subscription(name, position): moves subscriber `name` to `position`, the
-- position of the last event its batch handled, in the transaction that claimed it; counts the
-- events in between as processed. Returns the new checkpoint.
--
-- Only the claiming transaction can advance (the claim stored in the row is compared with this
-- transaction's id, which SQL cannot forge); only forward; and only up to the last position
-- given, so a checkpoint can never skip events that do not exist yet.
-- Raises LG005 on a bad name, LG009 when the subscription is not claimed in this transaction
-- (or does not exist, or the caller may not consume it), or the position is behind the
-- checkpoint or beyond the last position.
CREATE OR REPLACE FUNCTION ledger.advance_subscription(p_name text, p_position bigint)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_subscription ledger.subscriptions;
    v_last bigint;
BEGIN
    v_subscription := ledger.subscription_for(p_name);
    IF v_subscription.claimed_by IS DISTINCT FROM pg_catalog.pg_current_xact_id() THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG009',
            MESSAGE = pg_catalog.format('subscription %L is not claimed in this transaction', p_name),
            HINT = 'Call ledger.claim_subscription first, in the same transaction.';
    END IF;
    SELECT coalesce(pg_catalog.max(p.position), 0) INTO v_last FROM ledger.event_positions AS p;
    IF p_position IS NULL OR p_position < v_subscription.position OR p_position > v_last THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG009',
            MESSAGE = pg_catalog.format(
                'subscription %L can move from position %s only forward to at most the last position %s, got %s',
                p_name, v_subscription.position, v_last, coalesce(p_position::text, 'NULL'));
    END IF;
    UPDATE ledger.subscriptions AS s
    SET position = p_position,
        events_processed = s.events_processed + (p_position - v_subscription.position),
        updated_at = pg_catalog.clock_timestamp()
    WHERE s.name = p_name;
    RETURN p_position;
END;
$function$;

COMMENT ON FUNCTION ledger.advance_subscription(text, bigint) IS
'Moves a claimed subscriber to the position of the last event it handled (forward only, at most the last position). Raises LG005, LG009.';
