-- ledger.consistency_proof(old_size, new_size): the proof that the ledger's Merkle tree of
-- new_size events (default: every positioned event) extends the tree of old_size events, i.e.
-- that nothing up to position old_size changed, as one JSON object a verifier with no database
-- checks (pgledger.proof.verify_consistency, or any RFC 9162 implementation): format, old_size,
-- new_size, old_root, new_root and the path (hex hashes). Keep the old digest (old_size,
-- old_root) outside the database; compare old_root with it. Raises LG005 unless
-- 1 <= old_size <= new_size <= the positions given.
CREATE OR REPLACE FUNCTION ledger.consistency_proof(p_old_size bigint, p_new_size bigint DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_last bigint;
    v_new bigint;
    v_path bytea[] := '{}';
    v_m bigint := p_old_size;
    v_start bigint := 0;
    v_end bigint;
    v_whole boolean := TRUE;
    v_split bigint;
BEGIN
    SELECT p.last_position INTO v_last FROM ledger.positioner AS p;
    v_new := coalesce(p_new_size, v_last);
    IF p_old_size IS NULL OR p_old_size < 1 OR p_old_size > v_new OR v_new > v_last THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('a consistency proof needs 1 <= old_size <= new_size <= %s, got %s and %s',
                v_last, coalesce(p_old_size::text, 'NULL'), v_new);
    END IF;
    -- RFC 9162 2.1.4.1, SUBPROOF(m, D[start:end], whole), from the root down.
    v_end := v_new;
    WHILE v_m < v_end - v_start LOOP
        v_split := 1;
        WHILE v_split * 2 < v_end - v_start LOOP
            v_split := v_split * 2;
        END LOOP;
        IF v_m <= v_split THEN
            v_path := ledger.merkle_range(v_start + v_split, v_end) || v_path;
            v_end := v_start + v_split;
        ELSE
            v_path := ledger.merkle_range(v_start, v_start + v_split) || v_path;
            v_m := v_m - v_split;
            v_start := v_start + v_split;
            v_whole := FALSE;
        END IF;
    END LOOP;
    IF NOT v_whole THEN
        v_path := ledger.merkle_range(v_start, v_end) || v_path;
    END IF;
    RETURN pg_catalog.jsonb_build_object(
        'format', 'pgledger-consistency-v1',
        'old_size', p_old_size,
        'new_size', v_new,
        'old_root', pg_catalog.encode(ledger.merkle_range(0, p_old_size), 'hex'),
        'new_root', pg_catalog.encode(ledger.merkle_range(0, v_new), 'hex'),
        'path', (SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.encode(h, 'hex') ORDER BY o), '[]'::jsonb)
                 FROM pg_catalog.unnest(v_path) WITH ORDINALITY AS u (h, o)));
END;
$function$;

COMMENT ON FUNCTION ledger.consistency_proof(bigint, bigint) IS
'Proof (JSON) that the Merkle tree of new_size events extends the tree of old_size events: checkable with no database. Raises LG005.';
