-- ledger.create_subscription(name, consumer_role, position): creates the durable checkpoint of
-- a subscriber, at `position` (default 0: it will read every event). consumer_role: the role
-- whose members may claim it (NULL: any role allowed to call ledger.claim_subscription, the
-- writer role). Administration: granted to no one, so an application role cannot create
-- subscriptions at will. Returns false (and changes nothing) when it exists already.
-- Raises LG005 on a bad name or a negative position, LG009 when consumer_role does not exist.
CREATE OR REPLACE FUNCTION ledger.create_subscription(
    p_name text,
    p_consumer_role text DEFAULT NULL,
    p_position bigint DEFAULT 0
)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    PERFORM ledger.check_subscription_name(p_name);
    IF p_position IS NULL OR p_position < 0 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('position must be 0 or more, got %s', coalesce(p_position::text, 'NULL'));
    END IF;
    IF p_consumer_role IS NOT NULL AND NOT EXISTS (
        SELECT FROM pg_catalog.pg_roles AS r WHERE r.rolname = p_consumer_role
    ) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG009',
            MESSAGE = pg_catalog.format('role %I does not exist', p_consumer_role);
    END IF;
    INSERT INTO ledger.subscriptions AS s (name, position, consumer_role)
    VALUES (p_name, p_position, p_consumer_role)
    ON CONFLICT (name) DO NOTHING;
    RETURN FOUND;
END;
$function$;

COMMENT ON FUNCTION ledger.create_subscription(text, text, bigint) IS
'Creates a subscriber''s checkpoint at a position (default 0), claimable by members of consumer_role (NULL: any writer). Administration. Raises LG005, LG009.';
