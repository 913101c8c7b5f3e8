-- ledger.read_stream(aggregate_id, after_version, max_count): the events of one account in
-- sequence order, those with sequence_number > after_version (default 0: from the start), at
-- most max_count of them (default NULL: all), upcast to the current event versions. Raises LG005 on a negative after_version or
-- max_count.
CREATE OR REPLACE FUNCTION ledger.read_stream(
    p_aggregate_id uuid,
    p_after_version bigint DEFAULT 0,
    p_max_count integer DEFAULT NULL
)
RETURNS SETOF ledger.events
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF p_after_version < 0 OR p_max_count < 0 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('after_version and max_count must not be negative, got %s and %s',
                p_after_version, p_max_count);
    END IF;
    RETURN QUERY
        SELECT (ledger.upcast(ROW(e.*)::ledger.events)).*
        FROM ledger.events AS e
        WHERE e.aggregate_id = p_aggregate_id
          AND e.sequence_number > coalesce(p_after_version, 0)
        ORDER BY e.sequence_number
        LIMIT p_max_count;
END;
$function$;

COMMENT ON FUNCTION ledger.read_stream(uuid, bigint, integer) IS
'Events of one account in sequence order after a version, at most max_count (NULL: all). Raises LG005 on negative arguments.';
