-- ledger.claim_subscription(name): starts a batch of subscriber `name` in the caller's
-- transaction. Creates the subscription at position (0, 0) if it is new, locks its row until
-- the transaction ends (two instances of one subscriber never process the same batch; the
-- second one gets no row while the first holds it), and returns its position. Call
-- ledger.read_all after it, handle the events, then ledger.advance_subscription, all in one
-- transaction: effects the handler writes to PostgreSQL in that transaction commit together
-- with the position (exactly once). Raises LG005 on a name that is not 1-63 characters of
-- [a-z0-9_.-] starting with a letter.
CREATE OR REPLACE FUNCTION ledger.claim_subscription(p_name text)
RETURNS TABLE (transaction_id xid8, id bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    PERFORM ledger.check_subscription_name(p_name);
    INSERT INTO ledger.subscriptions AS s (name) VALUES (p_name) ON CONFLICT (name) DO NOTHING;
    RETURN QUERY
        SELECT s.transaction_id, s.id
        FROM ledger.subscriptions AS s
        WHERE s.name = p_name
        FOR UPDATE SKIP LOCKED;
    IF FOUND THEN
        -- Remembered until the transaction ends, for ledger.advance_subscription to check.
        PERFORM pg_catalog.set_config('ledger.claimed_subscription', p_name, TRUE);
    END IF;
END;
$function$;

COMMENT ON FUNCTION ledger.claim_subscription(text) IS
'Locks a subscriber''s checkpoint row for this transaction (created at (0, 0) if new) and returns its position; no row if another instance holds it.';
