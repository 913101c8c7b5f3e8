-- ledger.claim_subscription(name): starts a batch of subscriber `name` in the caller's
-- transaction and returns its checkpoint (the position of the last event it handled), or NULL
-- when another instance holds it right now (then do nothing and try later). The claim is the
-- row's lock plus the claiming transaction's id stored in the row: it ends with the
-- transaction, and no other transaction can act on it. Then read with ledger.read_all(checkpoint,
-- n), handle the events, and ledger.advance_subscription(name, last position handled), all in
-- this transaction: what the handler writes in it commits with the checkpoint (exactly once).
-- Call ledger.assign_positions() before the transaction, so the batch sees the newest events.
--
-- A ledger_writer can claim only subscriptions the owner created, and only as their consumer;
-- as a consumer it reads events and moves the checkpoint forward, which is what a consumer does.
-- Raises LG005 on a bad name, LG009 when the subscription does not exist or the caller may not
-- consume it.
CREATE OR REPLACE FUNCTION ledger.claim_subscription(p_name text)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_position bigint;
BEGIN
    PERFORM ledger.subscription_for(p_name);
    SELECT s.position INTO v_position
    FROM ledger.subscriptions AS s
    WHERE s.name = p_name
    FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    UPDATE ledger.subscriptions AS s SET claimed_by = pg_catalog.pg_current_xact_id() WHERE s.name = p_name;
    RETURN v_position;
END;
$function$;

COMMENT ON FUNCTION ledger.claim_subscription(text) IS
'Claims a subscriber''s batch for this transaction and returns its checkpoint position; NULL when another instance holds it. Raises LG005, LG009.';
