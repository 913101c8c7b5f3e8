-- ledger.reset_subscription(name, position): puts subscriber `name` at `position` (default 0, to
-- rebuild what it builds from the first event); waits for a running batch of it to end. Returns
-- whether it existed. Administration: granted to no role. Raises LG005 on a negative position or
-- one beyond the last position.
CREATE OR REPLACE FUNCTION ledger.reset_subscription(p_name text, p_position bigint DEFAULT 0)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF p_position IS NULL OR p_position < 0
        OR p_position > (SELECT coalesce(pg_catalog.max(p.position), 0) FROM ledger.event_positions AS p) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('position must be between 0 and the last position, got %s',
                coalesce(p_position::text, 'NULL'));
    END IF;
    UPDATE ledger.subscriptions AS s
    SET position = p_position, events_processed = 0, updated_at = pg_catalog.clock_timestamp()
    WHERE s.name = p_name;
    RETURN FOUND;
END;
$function$;

COMMENT ON FUNCTION ledger.reset_subscription(text, bigint) IS
'Puts a subscriber back at a position (default 0) so it rebuilds from there. Administration. Raises LG005.';
