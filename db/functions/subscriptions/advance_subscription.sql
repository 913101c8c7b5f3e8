-- ledger.advance_subscription(name, transaction_id, id, events): moves subscriber `name` to the
-- position of the last event it handled, adding `events` to its count, in the transaction that
-- claimed it. Raises LG005 when the subscription was not claimed in this transaction, or when
-- the position would go backwards.
CREATE OR REPLACE FUNCTION ledger.advance_subscription(
    p_name text,
    p_transaction_id xid8,
    p_id bigint,
    p_events bigint
)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_current record;
BEGIN
    SELECT s.transaction_id, s.id
    INTO v_current
    FROM ledger.subscriptions AS s
    WHERE s.name = p_name;
    IF NOT FOUND
        OR pg_catalog.current_setting('ledger.claimed_subscription', TRUE) IS DISTINCT FROM p_name THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('subscription %L is not claimed in this transaction', p_name),
            HINT = 'Call ledger.claim_subscription first, in the same transaction.';
    END IF;
    IF (p_transaction_id, p_id) < (v_current.transaction_id, v_current.id) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('subscription %L cannot go back from (%s, %s) to (%s, %s)',
                p_name, v_current.transaction_id, v_current.id, p_transaction_id, p_id);
    END IF;
    UPDATE ledger.subscriptions AS s
    SET transaction_id = p_transaction_id,
        id = p_id,
        events_processed = s.events_processed + coalesce(p_events, 0),
        updated_at = pg_catalog.clock_timestamp()
    WHERE s.name = p_name;
END;
$function$;

COMMENT ON FUNCTION ledger.advance_subscription(text, xid8, bigint, bigint) IS
'Moves a claimed subscriber to the position of the last event it handled (never backwards). Raises LG005.';
