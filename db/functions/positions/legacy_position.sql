-- ledger.legacy_position(transaction_id, id): the global position of a position of the earlier
-- form (transaction_id, id), as a client of an earlier release kept it: every event stored before
-- the upgrade got its position in that order (0009), so the position of the event with that id.
-- NULL when no such event exists. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.legacy_position(p_transaction_id xid8, p_id bigint)
RETURNS bigint
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF p_transaction_id = '0'::xid8 AND p_id = 0 THEN
        RETURN 0;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM ledger.events AS e WHERE e.id = p_id AND e.transaction_id = p_transaction_id) THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT p.position FROM ledger.event_positions AS p WHERE p.id = p_id);
END;
$function$;

COMMENT ON FUNCTION ledger.legacy_position(xid8, bigint) IS
'The global position of an old-style position (transaction_id, id); NULL when there is no such event.';
