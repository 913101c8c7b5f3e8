-- ledger.reset_subscription(name): puts subscriber `name` back at position (0, 0), to rebuild
-- what it builds; waits for a running batch of it to end. Returns whether it existed.
-- Administration: granted to no role. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.reset_subscription(p_name text)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    UPDATE ledger.subscriptions AS s
    SET transaction_id = '0'::xid8, id = 0, events_processed = 0, updated_at = pg_catalog.clock_timestamp()
    WHERE s.name = p_name;
    RETURN FOUND;
END;
$function$;

COMMENT ON FUNCTION ledger.reset_subscription(text) IS
'Puts a subscriber back at position (0, 0) so it rebuilds from the start. Administration.';
