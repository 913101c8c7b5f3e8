-- ledger.drop_subscription(name): removes subscriber `name`'s checkpoint (waits for a running
-- batch of it to end). Returns whether it existed. Administration: granted to no role.
-- Raises nothing.
CREATE OR REPLACE FUNCTION ledger.drop_subscription(p_name text)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    DELETE FROM ledger.subscriptions AS s WHERE s.name = p_name;
    RETURN FOUND;
END;
$function$;

COMMENT ON FUNCTION ledger.drop_subscription(text) IS
'Removes a subscriber''s checkpoint. Administration.';
