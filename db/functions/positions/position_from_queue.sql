-- ledger.position_from_queue(max_count): the positioner on Citus (called by
-- ledger.assign_positions). There the events live on the workers, whose transaction ids the
-- coordinator cannot compare; instead each append queues its events on their shard
-- (ledger.position_queue, by a trigger, in its transaction), and a run takes at most max_count
-- queued events, committed by definition, oldest recorded first (an account's events are recorded
-- in sequence order), gives them the next positions on the coordinator (ledger.record_positions:
-- positions and tree commit there together, so readers never see a gap) and removes them from
-- the queue. A queued event that already has a position (its removal by an earlier run not yet
-- committed on its worker) is skipped. Internal. Raises nothing of its own.
CREATE OR REPLACE FUNCTION ledger.position_from_queue(p_max_count integer)
RETURNS bigint
LANGUAGE plpgsql
AS $function$
DECLARE
    v_state ledger.positioner;
    v_ids bigint[];
    v_aggregates uuid[];
    v_hashes bytea[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ledger.position_queue) THEN
        RETURN 0;
    END IF;
    v_state := ledger.lock_positioner();
    IF v_state IS NULL THEN
        RETURN 0;
    END IF;
    WITH queued AS MATERIALIZED (
        SELECT q.aggregate_id, q.id, q.hash, q.recorded_at, q.sequence_number
        FROM ledger.position_queue AS q
        ORDER BY q.recorded_at, q.aggregate_id, q.sequence_number
        LIMIT p_max_count
    )
    SELECT pg_catalog.array_agg(q.id ORDER BY q.recorded_at, q.aggregate_id, q.sequence_number),
           pg_catalog.array_agg(q.aggregate_id ORDER BY q.recorded_at, q.aggregate_id, q.sequence_number),
           pg_catalog.array_agg(q.hash ORDER BY q.recorded_at, q.aggregate_id, q.sequence_number)
    INTO v_ids, v_aggregates, v_hashes
    FROM queued AS q
    WHERE NOT EXISTS (SELECT FROM ledger.event_positions AS p WHERE p.id = q.id);
    DELETE FROM ledger.position_queue AS q
    WHERE q.aggregate_id = ANY (v_aggregates) AND q.id = ANY (v_ids);
    RETURN ledger.record_positions(v_state, v_ids, v_aggregates, v_hashes);
END;
$function$;

COMMENT ON FUNCTION ledger.position_from_queue(integer) IS
'The positioner on Citus: positions for the queued (committed) events, oldest recorded first (internal).';
