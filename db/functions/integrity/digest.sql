-- ledger.digest(): the ledger's digest now: (position, root), the Merkle tree hash (RFC 9162)
-- of every event up to that global position. Cheap at any time (a fold of at most 63 stored
-- hashes). Keep digests outside the database (print them, mail them, commit them elsewhere):
-- ledger.verify_digest(position, root) later proves that the history still extends them, and
-- pgledger.proof checks inclusion and consistency proofs with no database. On the primary, when
-- its transaction has written nothing yet, it first gives positions to newly committed events.
-- The root of an empty ledger is SHA-256 of nothing, as in RFC 9162. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.digest()
RETURNS TABLE ("position" bigint, root bytea)  -- noqa: RF06
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_frontier bytea[];
    v_root bytea;
BEGIN
    IF pg_catalog.pg_current_xact_id_if_assigned() IS NULL THEN
        PERFORM ledger.assign_positions(100000);
    END IF;
    SELECT p.last_position, p.merkle_frontier INTO position, v_frontier FROM ledger.positioner AS p;
    FOR v_level IN 1 .. coalesce(pg_catalog.cardinality(v_frontier), 0) LOOP
        IF v_frontier[v_level] IS NOT NULL THEN
            v_root := CASE WHEN v_root IS NULL THEN v_frontier[v_level]
                           ELSE ledger.merkle_node(v_frontier[v_level], v_root) END;
        END IF;
    END LOOP;
    root := coalesce(v_root, pg_catalog.sha256('\x'::bytea));
    RETURN NEXT;
END;
$function$;

COMMENT ON FUNCTION ledger.digest() IS
'The ledger''s digest: (position, root) of the Merkle tree (RFC 9162) over every event up to that position.';
