-- ledger.assign_positions(max_count): the positioner. Gives the next global positions to at most
-- max_count events whose transactions have committed, and returns how many it gave. Called by
-- ledger.read_all, by subscribers before each batch, and by anyone who wants positions now (a
-- scheduled job, for instance); safe to call at any time, from any number of sessions.
--
-- Guarantees (docs/decisions.md, "Global positions"):
--   - dense and final: positions 1, 2, 3 ... without gaps; a position, once committed, never
--     changes and is never given again. Runs are serialized by the row lock of ledger.positioner,
--     and a run's positions commit together, after every earlier run's;
--   - gap-safe for readers: once a reader has seen position P, no event can later appear at or
--     below P;
--   - each account's events get positions in sequence order;
--   - only committed events get positions (or the caller's own, in its own transaction): an
--     open transaction holds back its own events, nothing else;
--   - the ledger's Merkle tree (ledger.merkle_nodes, digest) grows by the same events, in the
--     same order, in the same transaction.
-- Never waits: when another session is positioning (or a migration runs), it returns 0 at once.
-- Returns 0 on a hot standby, in a read-only transaction, and on a logical-replication copy that
-- is still subscribed to ledger.event_positions (the primary's positions arrive as data there).
-- A run holds the positioner until its transaction ends: call it in a transaction of its own
-- (read_all does so only when its transaction has written nothing yet).
--
-- How it finds events without a position: see ledger.positioner. Each run takes the events of
-- transactions in `pending` or from `frontier` on that its snapshot sees and that have no
-- position, in (transaction_id, id) order, at most max_count; adds, for each account among them,
-- the account's earlier events that have no position yet (so each account's positioned events
-- stay its first ones, in sequence order); gives them positions in id order (the order they were
-- inserted in); then keeps as pending exactly the transactions that may still bring events. In
-- another cluster (system identifier changed) it first finds every event without a position by id.
--
-- A ledger_writer or ledger_reader can only make positions come sooner, or hold the positioner
-- by keeping its transaction open after a call (followers then wait for it: read_all_status
-- names the session).
--
-- Raises: LG005 on max_count outside 1..100000.
CREATE OR REPLACE FUNCTION ledger.assign_positions(p_max_count integer DEFAULT 10000)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_state ledger.positioner;
    v_system_identifier bigint;
    v_snapshot pg_snapshot;
    v_ids bigint[];
    v_xids xid8[];
    v_count integer;
    v_cut xid8;
    v_taken bigint[];
    v_held xid8[];
BEGIN
    IF p_max_count IS NULL OR p_max_count NOT BETWEEN 1 AND 100000 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('max_count must be between 1 and 100000, got %s',
                coalesce(p_max_count::text, 'NULL'));
    END IF;
    IF pg_catalog.pg_is_in_recovery() OR pg_catalog.current_setting('transaction_read_only')::boolean THEN
        RETURN 0;
    END IF;
    IF pg_catalog.to_regclass('ledger.position_queue') IS NOT NULL THEN
        RETURN ledger.position_from_queue(p_max_count);  -- Citus: the events are on the workers
    END IF;
    SELECT c.system_identifier INTO v_system_identifier FROM pg_catalog.pg_control_system() AS c;
    -- "Not positioned yet" is written as a scalar subquery, (SELECT position ...) IS NULL, not as
    -- NOT EXISTS: the planner may turn NOT EXISTS into a hash anti-join that reads every position
    -- of the store, and did, 200-350 ms a call at a million events, whenever the statistics
    -- overestimated the new events (as right after a bulk load). The subquery is one index probe
    -- per candidate, whatever the estimates.
    -- A look without any lock first: most calls find nothing to do and write nothing.
    SELECT p.* INTO STRICT v_state FROM ledger.positioner AS p;
    IF v_state.system_identifier = v_system_identifier AND v_state.anchor_after IS NULL
        AND NOT EXISTS (
            SELECT FROM ledger.events AS e
            WHERE e.transaction_id >= v_state.frontier
              AND (SELECT p.position FROM ledger.event_positions AS p WHERE p.id = e.id) IS NULL
        )
        AND NOT EXISTS (
            SELECT FROM ledger.events AS e
            WHERE e.transaction_id = ANY (v_state.pending)
              AND (SELECT p.position FROM ledger.event_positions AS p WHERE p.id = e.id) IS NULL
        ) THEN
        RETURN 0;
    END IF;
    -- On a logical-replication copy, positions arrive from the primary.
    IF EXISTS (
        SELECT FROM pg_catalog.pg_subscription_rel AS r
        WHERE r.srrelid = 'ledger.event_positions'::pg_catalog.regclass
    ) THEN
        RETURN 0;
    END IF;
    v_state := ledger.lock_positioner();
    IF v_state IS NULL THEN
        RETURN 0;
    END IF;

    IF v_state.system_identifier <> v_system_identifier THEN
        -- Restored or copied into another cluster: transaction ids from there mean nothing here.
        -- Every event is looked at once by id; transactions from now on are tracked as usual.
        v_snapshot := pg_catalog.pg_current_snapshot();
        v_state.system_identifier := v_system_identifier;
        v_state.anchor_after := 0;
        v_state.frontier := pg_catalog.pg_snapshot_xmax(v_snapshot);
        v_state.pending := ARRAY(SELECT x FROM pg_catalog.pg_snapshot_xip(v_snapshot) AS x ORDER BY x);
    END IF;

    IF v_state.anchor_after IS NOT NULL THEN
        SELECT pg_catalog.array_agg(c.id ORDER BY c.id), pg_catalog.array_agg(c.transaction_id ORDER BY c.id)
        INTO v_ids, v_xids
        FROM (
            SELECT e.id, e.transaction_id
            FROM ledger.events AS e
            WHERE e.id > v_state.anchor_after
              AND NOT EXISTS (SELECT FROM ledger.event_positions AS p WHERE p.id = e.id)
            ORDER BY e.id
            LIMIT p_max_count
        ) AS c;
        v_count := coalesce(pg_catalog.cardinality(v_ids), 0);
        v_state.anchor_after := CASE WHEN v_count < p_max_count THEN NULL ELSE v_ids[v_count] END;
    ELSE
        -- One statement, so the snapshot recorded is the one the candidates were read with.
        WITH snap AS MATERIALIZED (
            SELECT pg_catalog.pg_current_snapshot() AS snapshot
        )
        SELECT
            (SELECT s.snapshot FROM snap AS s),
            pg_catalog.array_agg(c.id ORDER BY c.transaction_id, c.id),
            pg_catalog.array_agg(c.transaction_id ORDER BY c.transaction_id, c.id)
        INTO v_snapshot, v_ids, v_xids
        FROM (
            SELECT u.id, u.transaction_id
            FROM (
                SELECT e.id, e.transaction_id
                FROM ledger.events AS e
                WHERE e.transaction_id = ANY (v_state.pending)
                  AND (SELECT p.position FROM ledger.event_positions AS p WHERE p.id = e.id) IS NULL
                UNION ALL
                SELECT e.id, e.transaction_id
                FROM ledger.events AS e
                WHERE e.transaction_id >= v_state.frontier
                  AND (SELECT p.position FROM ledger.event_positions AS p WHERE p.id = e.id) IS NULL
            ) AS u
            ORDER BY u.transaction_id, u.id
            LIMIT p_max_count
        ) AS c;
        v_count := coalesce(pg_catalog.cardinality(v_ids), 0);
        IF v_count < p_max_count THEN
            -- Every candidate was taken: what can still bring events is what was running.
            v_state.pending := ARRAY(
                SELECT x FROM pg_catalog.pg_snapshot_xip(v_snapshot) AS x
                WHERE x = ANY (v_state.pending) OR x >= v_state.frontier
                ORDER BY x
            );
            v_state.frontier := pg_catalog.pg_snapshot_xmax(v_snapshot);
        ELSE
            -- Cut inside transaction v_cut: it and the candidates after it stay candidates,
            -- and so do the transactions before it that were running.
            v_cut := v_xids[v_count];
            v_state.pending := ARRAY(
                SELECT DISTINCT x
                FROM (
                    SELECT p FROM pg_catalog.unnest(v_state.pending) AS p WHERE p >= v_cut
                    UNION ALL
                    SELECT s FROM pg_catalog.pg_snapshot_xip(v_snapshot) AS s
                    WHERE (s = ANY (v_state.pending) OR s >= v_state.frontier) AND s < v_cut
                ) AS k (x)
                ORDER BY x
            );
            v_state.frontier := GREATEST(v_state.frontier, v_cut);
        END IF;
    END IF;

    -- Each account in sequence order. The events of an account that have a position are always
    -- its first ones (1..done); so for each account in the batch, every event from done + 1 up
    -- to the highest one in the batch is taken (earlier ones the batch did not reach included:
    -- they committed before it, so this snapshot sees them). An account whose run has a gap (a
    -- history someone tampered with) waits, its transactions pending.
    WITH batch AS (
        SELECT e.aggregate_id, pg_catalog.min(e.sequence_number) AS low, pg_catalog.max(e.sequence_number) AS high
        FROM pg_catalog.unnest(v_ids) AS i (id)
        JOIN ledger.events AS e ON e.id = i.id
        GROUP BY e.aggregate_id
    ),
    runs AS (
        SELECT
            b.aggregate_id,
            b.high,
            coalesce((
                SELECT d.sequence_number
                FROM ledger.events AS d
                WHERE d.aggregate_id = b.aggregate_id AND d.sequence_number < b.low
                  AND EXISTS (SELECT FROM ledger.event_positions AS p WHERE p.id = d.id)
                ORDER BY d.sequence_number DESC
                LIMIT 1
            ), 0) AS done
        FROM batch AS b
    ),
    found AS (
        SELECT
            e.id,
            e.transaction_id,
            r.high - r.done AS expected,
            pg_catalog.count(*) OVER (PARTITION BY r.aggregate_id) AS present
        FROM runs AS r
        CROSS JOIN LATERAL (
            -- One index range per account. OFFSET 0 keeps it a subquery run per account: as a
            -- plain join the planner hashed every unpositioned event of the store against every
            -- position, a scan of both tables per call (250 ms at 300,000 events).
            SELECT e.id, e.transaction_id
            FROM ledger.events AS e
            WHERE e.aggregate_id = r.aggregate_id AND e.sequence_number > r.done AND e.sequence_number <= r.high
              AND (SELECT p.position FROM ledger.event_positions AS p WHERE p.id = e.id) IS NULL
            OFFSET 0
        ) AS e
    )
    SELECT
        pg_catalog.array_agg(f.id ORDER BY f.id) FILTER (WHERE f.present = f.expected),
        pg_catalog.array_agg(DISTINCT f.transaction_id) FILTER (WHERE f.present <> f.expected)
    INTO v_taken, v_held
    FROM found AS f;
    IF v_held IS NOT NULL THEN
        v_state.pending := ARRAY(
            SELECT DISTINCT x FROM pg_catalog.unnest(v_state.pending || v_held) AS x ORDER BY x
        );
    END IF;

    RETURN ledger.record_positions(
        v_state,
        v_taken,
        ARRAY(SELECT e.aggregate_id FROM pg_catalog.unnest(v_taken) WITH ORDINALITY AS t (id, n)
              JOIN ledger.events AS e ON e.id = t.id ORDER BY t.n),
        ARRAY(SELECT e.hash FROM pg_catalog.unnest(v_taken) WITH ORDINALITY AS t (id, n)
              JOIN ledger.events AS e ON e.id = t.id ORDER BY t.n));
END;
$function$;

COMMENT ON FUNCTION ledger.assign_positions(integer) IS
'The positioner: gives the next global positions to at most max_count committed events (each account in order); returns how many. Never waits. Raises LG005.';
