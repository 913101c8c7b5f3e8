-- ledger.legacy_position(transaction_id, id): the global position of a position of the earlier
-- form (transaction_id, id), as a client of an earlier release kept it: every event stored before
-- the upgrade got its position in that order (0009), so the position of the event with that id.
-- NULL when no such event exists. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.legacy_position(p_transaction_id xid8, p_id bigint)
RETURNS bigint
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
    SELECT CASE WHEN p_transaction_id = '0'::xid8 AND p_id = 0 THEN 0 ELSE p.position END
    FROM (SELECT 1) AS one
    LEFT JOIN ledger.events AS e ON e.id = p_id AND e.transaction_id = p_transaction_id
    LEFT JOIN ledger.event_positions AS p ON p.id = e.id;
$function$;

COMMENT ON FUNCTION ledger.legacy_position(xid8, bigint) IS
'The global position of an old-style position (transaction_id, id); NULL when there is no such event.';
