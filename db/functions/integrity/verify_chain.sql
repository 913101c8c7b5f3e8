-- ledger.verify_chain(): checks that the history is the one that was written. One row per
-- problem; no rows: intact. For each account, its first broken event (account_id,
-- sequence_number, position): a row whose content no longer matches its hash (changed by any
-- means: UPDATE with the triggers disabled, ALTER COLUMN ... USING, a restored file), a removed
-- event (a gap in the sequence), or a projection row whose head (version, last hash) is not the
-- end of the chain (the last event removed). For the whole ledger (account_id NULL): positions
-- that are not exactly 1..N or point at a missing event, and a Merkle tree that does not match
-- the stored hashes. What it cannot see alone: a history rewritten consistently, hashes and tree
-- included; a digest kept outside the database catches that (ledger.verify_digest).
-- A full pass over the store. A ledger_reader learns only whether and where the history was
-- changed. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.verify_chain()
RETURNS TABLE (account_id uuid, sequence_number bigint, "position" bigint, problem text)  -- noqa: RF06
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_last bigint;
    v_count bigint;
    v_max bigint;
    v_frontier bytea[];
    v_root bytea;
    v_stored_root bytea;
BEGIN
    RETURN QUERY
        WITH checked AS (
            SELECT c.*, pg_catalog.row_number() OVER (PARTITION BY c.aggregate_id ORDER BY c.sequence_number) AS n
            FROM ledger.chain_check() AS c
        ),
        broken AS (
            SELECT DISTINCT ON (c.aggregate_id) c.aggregate_id, c.sequence_number, c.id,
                CASE
                    WHEN c.sequence_number <> c.follows + 1 THEN
                        pg_catalog.format('event %s follows event %s: the events between were removed',
                            c.sequence_number, c.follows)
                    ELSE 'its content does not match its hash: changed after it was written'
                END AS problem
            FROM checked AS c
            WHERE c.sequence_number <> c.follows + 1 OR c.local IS DISTINCT FROM c.stored
            ORDER BY c.aggregate_id, c.sequence_number
        ),
        heads AS (
            SELECT coalesce(a.account_id, l.aggregate_id) AS account_id, l.sequence_number, l.id,
                CASE
                    WHEN a.account_id IS NULL THEN 'events without a projection row'
                    WHEN l.aggregate_id IS NULL THEN 'a projection row without events'
                    ELSE pg_catalog.format(
                        'the projection is at version %s with head %s, the chain ends at event %s with %s',
                        a.version, pg_catalog.left(pg_catalog.encode(a.last_hash, 'hex'), 16), l.sequence_number,
                        pg_catalog.left(pg_catalog.encode(l.stored, 'hex'), 16))
                END AS problem
            FROM ledger.accounts AS a
            FULL JOIN (
                SELECT DISTINCT ON (c.aggregate_id) c.aggregate_id, c.sequence_number, c.id, c.stored
                FROM checked AS c ORDER BY c.aggregate_id, c.sequence_number DESC
            ) AS l ON l.aggregate_id = a.account_id
            WHERE a.account_id IS NULL OR l.aggregate_id IS NULL
               OR a.version <> l.sequence_number OR a.last_hash IS DISTINCT FROM l.stored
        )
        SELECT x.account_id, x.sequence_number, p.position, x.problem
        FROM (
            SELECT b.aggregate_id AS account_id, b.sequence_number, b.id, b.problem FROM broken AS b
            UNION ALL
            SELECT h.account_id, h.sequence_number, h.id, h.problem FROM heads AS h
            WHERE NOT EXISTS (SELECT FROM broken AS b WHERE b.aggregate_id = h.account_id)
        ) AS x
        LEFT JOIN ledger.event_positions AS p ON p.id = x.id
        ORDER BY x.account_id;

    SELECT p.last_position, p.merkle_frontier INTO v_last, v_frontier FROM ledger.positioner AS p;
    SELECT pg_catalog.count(*), pg_catalog.max(p.position) INTO v_count, v_max FROM ledger.event_positions AS p;
    IF v_count <> v_last OR coalesce(v_max, 0) <> v_last THEN
        RETURN QUERY SELECT NULL::uuid, NULL::bigint, NULL::bigint,
            pg_catalog.format('positions are not exactly 1..%s: %s positions up to %s', v_last, v_count, v_max);
    END IF;
    RETURN QUERY
        WITH present AS MATERIALIZED (SELECT e.id FROM ledger.events AS e)
        SELECT NULL::uuid, NULL::bigint, p.position,
               pg_catalog.format('position %s points at event id %s, which does not exist', p.position, p.id)
        FROM ledger.event_positions AS p
        WHERE NOT EXISTS (SELECT FROM present AS e WHERE e.id = p.id)
        ORDER BY p.position;
    -- The tree's root from the stored frontier, against the root of the stored event hashes.
    FOR v_level IN 1 .. coalesce(pg_catalog.cardinality(v_frontier), 0) LOOP
        IF v_frontier[v_level] IS NOT NULL THEN
            v_stored_root := CASE WHEN v_stored_root IS NULL THEN v_frontier[v_level]
                                  ELSE ledger.merkle_node(v_frontier[v_level], v_stored_root) END;
        END IF;
    END LOOP;
    v_root := ledger.merkle_root_of(ARRAY(
        SELECT (p.event).hash FROM ledger.positioned_events(0, v_last) AS p ORDER BY p.position));
    IF v_root IS DISTINCT FROM coalesce(v_stored_root, pg_catalog.sha256('\x'::bytea)) THEN
        RETURN QUERY SELECT NULL::uuid, NULL::bigint, NULL::bigint,
            'the Merkle tree does not match the stored event hashes: positions or hashes were changed'::text;
    END IF;
END;
$function$;

COMMENT ON FUNCTION ledger.verify_chain() IS
'Tamper evidence: the first broken event of each account (content vs hash, removed events, projection head), and positions and Merkle tree vs the stored hashes. No rows: intact.';
