-- ledger.record_positions(state, ids, aggregate_ids, event_hashes): the end of a positioner run.
-- Gives the events `ids` (of those accounts, with those chain hashes; in this order) the positions
-- after state.last_position, extends the Merkle tree by their leaves (each new leaf pairs with
-- the unpaired subtrees below it, like a carry in binary addition: see ledger.merkle_nodes), and
-- stores the positioner's new state (state's frontier, pending, system_identifier and
-- anchor_after as the caller set them). Returns how many positions it gave. Internal: called with
-- the positioner locked (ledger.lock_positioner). Raises nothing of its own.
CREATE OR REPLACE FUNCTION ledger.record_positions(
    p_state ledger.positioner,
    p_ids bigint[],
    p_aggregate_ids uuid[],
    p_event_hashes bytea[]
)
RETURNS integer
LANGUAGE plpgsql
AS $function$
DECLARE
    v_count integer := coalesce(pg_catalog.cardinality(p_ids), 0);
    v_frontier bytea[] := p_state.merkle_frontier;
    v_hash bytea;
    v_level integer;
    v_index bigint;
    v_node_levels smallint[] := '{}';
    v_node_indexes bigint[] := '{}';
    v_node_hashes bytea[] := '{}';
BEGIN
    INSERT INTO ledger.event_positions (position, id, aggregate_id)
    SELECT p_state.last_position + t.n, t.id, p_aggregate_ids[t.n]
    FROM pg_catalog.unnest(p_ids) WITH ORDINALITY AS t (id, n);
    FOR v_leaf IN 1 .. v_count LOOP
        v_hash := ledger.merkle_leaf(p_event_hashes[v_leaf]);
        v_level := 0;
        v_index := p_state.last_position + v_leaf - 1;
        WHILE v_index % 2 = 1 LOOP
            v_hash := ledger.merkle_node(v_frontier[v_level + 1], v_hash);
            v_frontier[v_level + 1] := NULL;
            v_level := v_level + 1;
            v_index := v_index / 2;
            v_node_levels := pg_catalog.array_append(v_node_levels, v_level::smallint);
            v_node_indexes := pg_catalog.array_append(v_node_indexes, v_index);
            v_node_hashes := pg_catalog.array_append(v_node_hashes, v_hash);
        END LOOP;
        v_frontier[v_level + 1] := v_hash;
    END LOOP;
    INSERT INTO ledger.merkle_nodes (level, index, hash)
    SELECT n.level, n.index, n.hash
    FROM ROWS FROM (
        pg_catalog.unnest(v_node_levels), pg_catalog.unnest(v_node_indexes), pg_catalog.unnest(v_node_hashes)
    ) AS n (level, index, hash);
    UPDATE ledger.positioner AS p
    SET last_position = p_state.last_position + v_count,
        frontier = p_state.frontier,
        pending = p_state.pending,
        system_identifier = p_state.system_identifier,
        anchor_after = p_state.anchor_after,
        merkle_frontier = v_frontier,
        positioned_at = CASE WHEN v_count > 0 THEN pg_catalog.clock_timestamp() ELSE p.positioned_at END;
    RETURN v_count;
END;
$function$;

COMMENT ON FUNCTION ledger.record_positions(ledger.positioner, bigint[], uuid[], bytea[]) IS
'The end of a positioner run: positions, Merkle tree and state for the events given (internal).';
