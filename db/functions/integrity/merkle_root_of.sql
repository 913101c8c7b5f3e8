-- ledger.merkle_root_of(event_hashes): the Merkle tree hash (RFC 9162) of the given event hashes
-- as leaves, in order, computed from them alone (nothing stored is used): SHA-256 of nothing for
-- none. Internal: what verify_chain and verify_digest compare the stored tree and the digests
-- with. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.merkle_root_of(p_event_hashes bytea[])
RETURNS bytea
LANGUAGE plpgsql
IMMUTABLE
AS $function$
DECLARE
    v_frontier bytea[] := '{}';
    v_hash bytea;
    v_level integer;
    v_index bigint;
    v_root bytea;
BEGIN
    FOR v_leaf IN 1 .. coalesce(pg_catalog.cardinality(p_event_hashes), 0) LOOP
        v_hash := ledger.merkle_leaf(p_event_hashes[v_leaf]);
        v_level := 0;
        v_index := v_leaf - 1;
        WHILE v_index % 2 = 1 LOOP
            v_hash := ledger.merkle_node(v_frontier[v_level + 1], v_hash);
            v_frontier[v_level + 1] := NULL;
            v_level := v_level + 1;
            v_index := v_index / 2;
        END LOOP;
        v_frontier[v_level + 1] := v_hash;
    END LOOP;
    FOR v_level IN 1 .. coalesce(pg_catalog.cardinality(v_frontier), 0) LOOP
        IF v_frontier[v_level] IS NOT NULL THEN
            v_root := CASE WHEN v_root IS NULL THEN v_frontier[v_level]
                           ELSE ledger.merkle_node(v_frontier[v_level], v_root) END;
        END IF;
    END LOOP;
    RETURN coalesce(v_root, pg_catalog.sha256('\x'::bytea));
END;
$function$;

COMMENT ON FUNCTION ledger.merkle_root_of(bytea[]) IS
'RFC 9162 tree hash of the given event hashes as leaves, computed from them alone (internal).';
