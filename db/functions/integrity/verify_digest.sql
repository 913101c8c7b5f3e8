-- ledger.verify_digest(position, root): proves that today's history still extends a digest taken
-- earlier with ledger.digest() and kept outside the database. Recomputes every event's hash from
-- its content along its account's chain (nothing stored is trusted), then the Merkle tree hash
-- of the events at positions 1..position, and compares it with `root`. One row: matches, the
-- root computed, and when it does not match, the first position up to `position` whose event
-- no longer matches what was written (first_changed_position), or why none can be named (the
-- hashes were rewritten consistently along with the content, or positions were removed or
-- reordered: only the digest shows it). A full pass over the store.
-- A ledger_reader learns only whether the history changed and where. Raises LG005 on a NULL or
-- negative position or a root that is not 32 bytes.
CREATE OR REPLACE FUNCTION ledger.verify_digest(p_position bigint, p_root bytea)
RETURNS TABLE (matches boolean, computed_root bytea, first_changed_position bigint, detail text)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_hashes bytea[];
    v_found bigint;
BEGIN
    IF p_position IS NULL OR p_position < 0 OR p_root IS NULL OR pg_catalog.octet_length(p_root) <> 32 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = 'a digest is a position of 0 or more and a 32-byte SHA-256 root';
    END IF;
    -- The recomputed hash of the event at each position 1..p_position, in position order.
    SELECT pg_catalog.array_agg(c.chained ORDER BY p.position), pg_catalog.count(*),
           pg_catalog.min(p.position) FILTER (WHERE c.chained IS DISTINCT FROM c.stored)
    INTO v_hashes, v_found, first_changed_position
    FROM ledger.event_positions AS p
    JOIN ledger.chain_check() AS c ON c.id = p.id
    WHERE p.position <= p_position;
    computed_root := ledger.merkle_root_of(v_hashes);
    matches := computed_root = p_root;
    detail := CASE
        WHEN matches THEN pg_catalog.format('the history up to position %s is the one digested', p_position)
        WHEN v_found < p_position THEN pg_catalog.format(
            'only %s of the events at positions 1..%s exist: events were removed or positions changed',
            v_found, p_position)
        WHEN first_changed_position IS NOT NULL THEN pg_catalog.format(
            'the event at position %s (or one before it in its account) no longer matches what was written',
            first_changed_position)
        ELSE 'the history up to this position differs from the digest, with its hashes rewritten to match: '
             || 'events were changed, removed or reordered and the chain recomputed'
    END;
    RETURN NEXT;
END;
$function$;

COMMENT ON FUNCTION ledger.verify_digest(bigint, bytea) IS
'Proves that today''s history extends a digest (position, root) taken earlier, recomputing every hash from the content; names the first changed position. Raises LG005.';
