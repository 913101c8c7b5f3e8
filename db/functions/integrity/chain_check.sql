-- ledger.chain_check(): every stored event, account by account in sequence order, with its
-- stored hash and the hash recomputed from its content: `local` on the stored hash of its
-- predecessor (differs exactly at a row whose content, or whose hash, was changed) and `chained`
-- along the account's recomputed chain (what the hash would be had nothing been changed since
-- the account's first event); `follows` is the sequence number before it in the table (a gap
-- means an event was removed). One pass over the store. Internal: the shared work of
-- ledger.verify_chain and ledger.verify_digest. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.chain_check()
RETURNS TABLE (
    id bigint,
    aggregate_id uuid,
    sequence_number bigint,
    follows bigint,
    stored bytea,
    local bytea,
    chained bytea
)
LANGUAGE plpgsql
STABLE
AS $function$
DECLARE
    v_event ledger.events;
    v_account uuid;
    v_stored_previous bytea;
    v_chained_previous bytea;
BEGIN
    FOR v_event IN SELECT e.* FROM ledger.events AS e ORDER BY e.aggregate_id, e.sequence_number LOOP
        IF v_event.aggregate_id IS DISTINCT FROM v_account THEN
            v_account := v_event.aggregate_id;
            v_stored_previous := NULL;
            v_chained_previous := NULL;
            follows := 0;
        END IF;
        id := v_event.id;
        aggregate_id := v_event.aggregate_id;
        sequence_number := v_event.sequence_number;
        stored := v_event.hash;
        local := ledger.event_hash(v_stored_previous, v_event);
        chained := ledger.event_hash(v_chained_previous, v_event);
        RETURN NEXT;
        follows := v_event.sequence_number;
        v_stored_previous := v_event.hash;
        v_chained_previous := chained;
    END LOOP;
END;
$function$;

COMMENT ON FUNCTION ledger.chain_check() IS
'Every event with its stored hash and the hashes recomputed from its content (internal; one pass over the store).';
