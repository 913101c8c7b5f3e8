-- ledger.merkle_range(start, end): the Merkle tree hash (RFC 9162's MTH) of the leaves start ..
-- end - 1 (leaf n is the event at position n + 1), from the stored nodes where the range is a
-- complete aligned subtree, else from its two halves (the largest power of two below the size
-- goes left). Internal: proofs and digests of earlier sizes are made of it. Raises LG005 on an
-- empty range or one beyond the positions given.
CREATE OR REPLACE FUNCTION ledger.merkle_range(p_start bigint, p_end bigint)
RETURNS bytea
LANGUAGE plpgsql
STABLE
AS $function$
DECLARE
    v_size bigint := p_end - p_start;
    v_split bigint := 1;
    v_level integer := 0;
    v_hash bytea;
BEGIN
    IF p_start < 0 OR v_size < 1 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('a Merkle range needs 0 <= start < end, got %s .. %s', p_start, p_end);
    END IF;
    IF v_size = 1 THEN
        SELECT ledger.merkle_leaf((p.event).hash) INTO v_hash
        FROM ledger.positioned_events(p_start, p_start + 1) AS p;
    ELSE
        WHILE v_split * 2 < v_size LOOP
            v_split := v_split * 2;
            v_level := v_level + 1;
        END LOOP;
        IF v_split * 2 = v_size AND p_start % v_size = 0 THEN
            SELECT n.hash INTO v_hash FROM ledger.merkle_nodes AS n
            WHERE n.level = v_level + 1 AND n.index = p_start / v_size;
        ELSE
            v_hash := ledger.merkle_node(
                ledger.merkle_range(p_start, p_start + v_split), ledger.merkle_range(p_start + v_split, p_end));
        END IF;
    END IF;
    IF v_hash IS NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('positions %s to %s are not all given yet', p_start + 1, p_end);
    END IF;
    RETURN v_hash;
END;
$function$;

COMMENT ON FUNCTION ledger.merkle_range(bigint, bigint) IS
'RFC 9162 tree hash of the leaves start .. end - 1 (positions start + 1 .. end), from stored nodes (internal). Raises LG005.';
