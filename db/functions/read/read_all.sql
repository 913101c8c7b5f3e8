-- ledger.read_all(after_position, max_count): the events of every account in global position
-- order, for consumers that follow the whole store: at most max_count events with a position
-- above after_position (start at 0), upcast to the current event versions. A consumer keeps the
-- last position it handled (one number) and asks for what comes after it. hash is the event's
-- chain hash (ledger.event_hash), the leaf of the ledger's Merkle tree (ledger.inclusion_proof).
--
-- Gap-safe: positions are dense and final, so once a reader has seen position P no event can
-- appear at or below P later; nothing is skipped and nothing comes twice. An open transaction
-- holds back only its own events. Positions are the same on the primary, a physical standby, a
-- restored dump and a logical copy, so a consumer can move between them with its number.
--
-- On the primary, when its transaction has written nothing yet, it first gives positions to
-- newly committed events (ledger.assign_positions; never waits). Inside a transaction that has
-- written (a subscriber's batch, for instance), or on a standby, it reads what is positioned:
-- call ledger.assign_positions() first, in a transaction of its own.
--
-- A ledger_reader can do nothing with it but read; see assign_positions for what calling the
-- positioner allows. Raises LG005 on a NULL or negative position or max_count outside 1..100000.
CREATE OR REPLACE FUNCTION ledger.read_all(p_after_position bigint DEFAULT 0, p_max_count integer DEFAULT 1000)
RETURNS TABLE (
    "position" bigint,  -- noqa: RF06
    event_id uuid,
    aggregate_id uuid,
    sequence_number bigint,
    event_type text,
    event_version smallint,
    payload jsonb,
    metadata jsonb,
    occurred_at timestamptz,
    recorded_at timestamptz,
    hash bytea
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF p_after_position IS NULL OR p_after_position < 0 OR p_max_count IS NULL
        OR p_max_count NOT BETWEEN 1 AND 100000 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format(
                'read_all needs a position of 0 or more and max_count between 1 and 100000, got %s and %s',
                coalesce(p_after_position::text, 'NULL'), coalesce(p_max_count::text, 'NULL'));
    END IF;
    IF pg_catalog.pg_current_xact_id_if_assigned() IS NULL THEN
        PERFORM ledger.assign_positions(GREATEST(p_max_count, 10000));
    END IF;
    -- Positions are dense: the next max_count are after + 1 .. after + max_count.
    RETURN QUERY
        SELECT p.position, u.event_id, u.aggregate_id, u.sequence_number, u.event_type::text, u.event_version,
               u.payload, u.metadata, u.occurred_at, u.recorded_at, u.hash
        FROM ledger.positioned_events(
            p_after_position, LEAST(p_after_position, 9223372036854775807 - p_max_count) + p_max_count) AS p
        CROSS JOIN LATERAL ledger.upcast(p.event) AS u
        ORDER BY p.position;
END;
$function$;

COMMENT ON FUNCTION ledger.read_all(bigint, integer) IS
'Events of all accounts after a global position, in position order (dense, gap-safe, the same on every copy of the database). Raises LG005.';
