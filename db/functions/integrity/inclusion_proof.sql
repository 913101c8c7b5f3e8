-- ledger.inclusion_proof(position, tree_size): the proof that the event at `position` is in the
-- ledger's Merkle tree of `tree_size` events (default: every positioned event), as one JSON
-- object a verifier with no database checks (pgledger.proof.verify_inclusion, or any RFC 9162
-- implementation): format, position, tree_size, root (hex), the event's canonical text and the
-- previous hash of its account (hex; empty for its first event), the event hash, and the audit
-- path (hex hashes, from the leaf up). The verifier recomputes the event hash from the text, the
-- leaf, and the root. Raises LG005 when the position is not in 1..tree_size or tree_size is
-- beyond the positions given.
CREATE OR REPLACE FUNCTION ledger.inclusion_proof(p_position bigint, p_tree_size bigint DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_size bigint;
    v_event ledger.events;
    v_previous bytea;
    v_path bytea[] := '{}';
    v_start bigint := 0;
    v_end bigint;
    v_leaf bigint;
    v_split bigint;
BEGIN
    SELECT coalesce(p_tree_size, p.last_position) INTO v_size FROM ledger.positioner AS p;
    IF p_position IS NULL OR p_position < 1 OR p_position > v_size
        OR v_size > (SELECT p.last_position FROM ledger.positioner AS p) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('no position %s in a tree of %s events (positions given: %s)',
                coalesce(p_position::text, 'NULL'), v_size, (SELECT p.last_position FROM ledger.positioner AS p));
    END IF;
    v_leaf := p_position - 1;
    SELECT (p.event).* INTO STRICT v_event FROM ledger.positioned_events(p_position - 1, p_position) AS p;
    SELECT b.hash INTO v_previous FROM ledger.events AS b
    WHERE b.aggregate_id = v_event.aggregate_id AND b.sequence_number = v_event.sequence_number - 1;
    -- RFC 9162 2.1.3.1, from the root down: the sibling of each half the leaf is in.
    v_end := v_size;
    WHILE v_end - v_start > 1 LOOP
        v_split := 1;
        WHILE v_split * 2 < v_end - v_start LOOP
            v_split := v_split * 2;
        END LOOP;
        IF v_leaf < v_start + v_split THEN
            v_path := ledger.merkle_range(v_start + v_split, v_end) || v_path;
            v_end := v_start + v_split;
        ELSE
            v_path := ledger.merkle_range(v_start, v_start + v_split) || v_path;
            v_start := v_start + v_split;
        END IF;
    END LOOP;
    RETURN pg_catalog.jsonb_build_object(
        'format', 'pgledger-inclusion-v1',
        'position', p_position,
        'tree_size', v_size,
        'root', pg_catalog.encode(ledger.merkle_range(0, v_size), 'hex'),
        'canonical', ledger.event_canonical(v_event),
        'previous_hash', pg_catalog.encode(coalesce(v_previous, '\x'::bytea), 'hex'),
        'event_hash', pg_catalog.encode(v_event.hash, 'hex'),
        'audit_path', (SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.encode(h, 'hex') ORDER BY o), '[]'::jsonb)
                       FROM pg_catalog.unnest(v_path) WITH ORDINALITY AS u (h, o)));
END;
$function$;

COMMENT ON FUNCTION ledger.inclusion_proof(bigint, bigint) IS
'Proof (JSON) that the event at a position is in the Merkle tree of tree_size events: checkable with no database. Raises LG005.';
