-- 0011_integrity: tamper evidence that even the owner cannot defeat silently.
--
-- 1. A per-account hash chain. Each event carries hash = SHA-256(previous event's hash of its
--    account || the event's canonical text) (empty previous hash for the account's first event),
--    computed by the append path; the projection row keeps its account's last hash. A row that
--    is changed, removed or reordered breaks the chain at that row (ledger.verify_chain).
-- 2. A ledger-wide Merkle tree over the events in global-position order, as in Certificate
--    Transparency (RFC 9162): leaf = SHA-256(0x00 || event hash), node = SHA-256(0x01 || left ||
--    right). The positioner extends it as it gives positions; ledger.digest() returns (position,
--    root hash) at any time from a few stored hashes; ledger.verify_digest proves that today's
--    history still extends a digest taken earlier; inclusion and consistency proofs can be
--    checked with no database (pgledger.proof).
--
-- The functions defining the hashed bytes are part of the format: they live here, not in
-- db/functions, so that they can never change under stored hashes. A new format would be a new
-- function and a new migration.
--
-- Events stored before this migration get their hashes here: this is the one time rows of
-- ledger.events are rewritten (the immutability trigger is disabled for that UPDATE only, in the
-- migration's transaction); their content does not change. The table doubles in size until the
-- next VACUUM.

-- The canonical text of an event (format v1): ten lines, in this order, joined by a line feed:
-- the format name, event_id, aggregate_id, sequence_number, event_type, event_version, payload
-- and metadata as PostgreSQL prints jsonb, occurred_at and recorded_at as microseconds since
-- 1970-01-01 UTC. No field can hold a line feed (jsonb escapes it in strings), so the text is
-- unambiguous and a verifier can split it back into the event.
CREATE FUNCTION ledger.event_canonical(p_event ledger.events)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $function$
    SELECT pg_catalog.concat_ws(
        E'\n',
        'pgledger-event-v1',
        p_event.event_id::text,
        p_event.aggregate_id::text,
        p_event.sequence_number::text,
        p_event.event_type::text,
        p_event.event_version::text,
        p_event.payload::text,
        p_event.metadata::text,
        (pg_catalog.extract('epoch', p_event.occurred_at) OPERATOR(pg_catalog.*) 1000000)::bigint::text,
        (pg_catalog.extract('epoch', p_event.recorded_at) OPERATOR(pg_catalog.*) 1000000)::bigint::text
    );
$function$;

COMMENT ON FUNCTION ledger.event_canonical(ledger.events) IS
'The canonical text of an event (format v1) that its hash covers. Part of the format: never changed.';

-- An event's chain hash: SHA-256(previous hash || canonical text in UTF-8).
CREATE FUNCTION ledger.event_hash(p_previous bytea, p_event ledger.events)
RETURNS bytea
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $function$
    SELECT pg_catalog.sha256(
        coalesce(p_previous, '\x'::bytea) OPERATOR(pg_catalog.||)
        pg_catalog.convert_to(ledger.event_canonical(p_event), 'UTF8')
    );
$function$;

COMMENT ON FUNCTION ledger.event_hash(bytea, ledger.events) IS
'An event''s chain hash: SHA-256(previous event''s hash in its account || canonical text). Part of the format.';

-- RFC 9162's leaf and interior node hashes.
CREATE FUNCTION ledger.merkle_leaf(p_event_hash bytea)
RETURNS bytea
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $function$
    SELECT pg_catalog.sha256('\x00'::bytea OPERATOR(pg_catalog.||) p_event_hash);
$function$;

COMMENT ON FUNCTION ledger.merkle_leaf(bytea) IS 'RFC 9162 leaf hash: SHA-256(0x00 || event hash). Part of the format.';

CREATE FUNCTION ledger.merkle_node(p_left bytea, p_right bytea)
RETURNS bytea
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $function$
    SELECT pg_catalog.sha256('\x01'::bytea OPERATOR(pg_catalog.||) p_left OPERATOR(pg_catalog.||) p_right);
$function$;

COMMENT ON FUNCTION ledger.merkle_node(bytea, bytea) IS
'RFC 9162 interior node hash: SHA-256(0x01 || left || right). Part of the format.';

ALTER TABLE ledger.events ADD COLUMN hash bytea;
ALTER TABLE ledger.accounts ADD COLUMN last_hash bytea;

COMMENT ON COLUMN ledger.events.hash IS
'Chain hash: SHA-256(hash of the account''s previous event || ledger.event_canonical(event)).';
COMMENT ON COLUMN ledger.accounts.last_hash IS 'The hash of the account''s last event (the head of its chain).';

-- Hashes of the events stored so far, account by account in sequence order.
ALTER TABLE ledger.events DISABLE TRIGGER events_refuse_update_delete;

DO $backfill$
DECLARE
    v_event ledger.events;
    v_account uuid;
    v_previous bytea;
    v_ids bigint[] := '{}';
    v_hashes bytea[] := '{}';
BEGIN
    FOR v_event IN SELECT e.* FROM ledger.events AS e ORDER BY e.aggregate_id, e.sequence_number LOOP
        IF v_event.aggregate_id IS DISTINCT FROM v_account THEN
            v_account := v_event.aggregate_id;
            v_previous := NULL;
        END IF;
        v_previous := ledger.event_hash(v_previous, v_event);
        v_ids := v_ids || v_event.id;
        v_hashes := v_hashes || v_previous;
        IF pg_catalog.cardinality(v_ids) >= 10000 THEN
            UPDATE ledger.events AS e SET hash = h.hash
            FROM ROWS FROM (pg_catalog.unnest(v_ids), pg_catalog.unnest(v_hashes)) AS h (id, hash) WHERE e.id = h.id;
            v_ids := '{}';
            v_hashes := '{}';
        END IF;
    END LOOP;
    UPDATE ledger.events AS e SET hash = h.hash
    FROM ROWS FROM (pg_catalog.unnest(v_ids), pg_catalog.unnest(v_hashes)) AS h (id, hash) WHERE e.id = h.id;
END;
$backfill$;

ALTER TABLE ledger.events ENABLE ALWAYS TRIGGER events_refuse_update_delete;

UPDATE ledger.accounts AS a
SET last_hash = e.hash
FROM ledger.events AS e
WHERE e.aggregate_id = a.account_id AND e.sequence_number = a.version;

ALTER TABLE ledger.events ALTER COLUMN hash SET NOT NULL;
ALTER TABLE ledger.accounts ALTER COLUMN last_hash SET NOT NULL;

-- The Merkle tree. merkle_nodes holds every interior node of a complete (perfect) subtree:
-- (level, index) covers leaves [index * 2^level, (index + 1) * 2^level) (leaf n is the event at
-- position n + 1); levels from 1 (leaves are computed from the events). The positioner's
-- merkle_frontier holds, for each level, the root of the complete subtree not yet paired (the
-- binary digits of the tree size): digest() folds them into the root.
CREATE TABLE ledger.merkle_nodes (
    level smallint NOT NULL,
    index bigint NOT NULL,
    hash bytea NOT NULL,
    CONSTRAINT merkle_nodes_pkey PRIMARY KEY (level, index),
    CONSTRAINT merkle_nodes_level_check CHECK (level BETWEEN 1 AND 62 AND index >= 0)
);

COMMENT ON TABLE ledger.merkle_nodes IS
'Interior nodes of the complete subtrees of the ledger''s Merkle tree (RFC 9162) over events in position order.';

ALTER TABLE ledger.positioner ADD COLUMN merkle_frontier bytea[] NOT NULL DEFAULT '{}';

COMMENT ON COLUMN ledger.positioner.merkle_frontier IS
'Element k (from 1): the root of the unpaired complete subtree of 2^(k-1) leaves, or NULL.';

-- The tree over the positions given so far.
DO $tree$
DECLARE
    v_frontier bytea[] := '{}';
    v_hash bytea;
    v_level integer;
    v_index bigint;
    v_leaf bigint := 0;
BEGIN
    FOR v_hash IN
        SELECT ledger.merkle_leaf(e.hash)
        FROM ledger.event_positions AS p
        JOIN ledger.events AS e ON e.id = p.id
        ORDER BY p.position
    LOOP
        v_level := 0;
        v_index := v_leaf;
        WHILE v_index % 2 = 1 LOOP
            v_hash := ledger.merkle_node(v_frontier[v_level + 1], v_hash);
            v_frontier[v_level + 1] := NULL;
            v_level := v_level + 1;
            v_index := v_index / 2;
            INSERT INTO ledger.merkle_nodes (level, index, hash) VALUES (v_level, v_index, v_hash);
        END LOOP;
        v_frontier[v_level + 1] := v_hash;
        v_leaf := v_leaf + 1;
    END LOOP;
    UPDATE ledger.positioner SET merkle_frontier = v_frontier;
END;
$tree$;

-- Functions whose result changes: verify() and verify_batch() report a damaged account as a row
-- with its error and go on to the next (db/functions creates them again).
DROP FUNCTION IF EXISTS ledger.verify();
DROP FUNCTION IF EXISTS ledger.verify_batch(uuid, integer);
DROP FUNCTION IF EXISTS ledger.store_projection(ledger.account, bigint);
