-- ledger.positioned_events(after_position, through_position): the events at positions
-- after_position + 1 .. through_position, each with its position, in position order (raw: not
-- upcast). The one place that joins positions with events: on one server a join; on Citus, where
-- positions are on the coordinator and events on the workers (which Citus cannot join directly),
-- the positions first, then their events from the shards of their accounts. Internal. Raises
-- nothing.
--
-- No parallel workers: a page is an index range of at most 100,000 positions, and starting a
-- worker cost 6 ms of a 100-event page's 8.5 ms (PostgreSQL 15, stale statistics after a burst).
CREATE OR REPLACE FUNCTION ledger.positioned_events(p_after_position bigint, p_through_position bigint)
RETURNS TABLE ("position" bigint, event ledger.events)  -- noqa: RF06
LANGUAGE plpgsql
STABLE
SET max_parallel_workers_per_gather = 0
AS $function$
DECLARE
    v_positions bigint[];
    v_ids bigint[];
    v_aggregates uuid[];
BEGIN
    IF pg_catalog.to_regclass('ledger.position_queue') IS NULL THEN
        RETURN QUERY
            SELECT p.position, ROW(e.*)::ledger.events
            FROM ledger.event_positions AS p
            JOIN ledger.events AS e ON e.id = p.id
            WHERE p.position > p_after_position AND p.position <= p_through_position
            ORDER BY p.position;
        RETURN;
    END IF;
    SELECT pg_catalog.array_agg(p.position ORDER BY p.position), pg_catalog.array_agg(p.id ORDER BY p.position),
           pg_catalog.array_agg(p.aggregate_id ORDER BY p.position)
    INTO v_positions, v_ids, v_aggregates
    FROM ledger.event_positions AS p
    WHERE p.position > p_after_position AND p.position <= p_through_position;
    RETURN QUERY
        WITH fetched AS MATERIALIZED (
            SELECT ROW(e.*)::ledger.events AS event
            FROM ledger.events AS e
            WHERE e.aggregate_id = ANY (v_aggregates) AND e.id = ANY (v_ids)
        )
        SELECT t.position, f.event
        FROM ROWS FROM (pg_catalog.unnest(v_positions), pg_catalog.unnest(v_ids)) AS t (position, id)
        JOIN fetched AS f ON (f.event).id = t.id
        ORDER BY t.position;
END;
$function$;

COMMENT ON FUNCTION ledger.positioned_events(bigint, bigint) IS
'The events at positions after .. through, in position order, on one server or Citus alike (internal).';
