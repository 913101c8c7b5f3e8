-- 0009_global_positions: every event gets a dense global position (1, 2, 3 ... across the
-- store, no gaps, no reuse), stored as data, so it is the same on the primary, on a physical
-- standby, in a dump restored into any cluster and on a logical-replication copy. Readers follow
-- the store by position (ledger.read_all(after_position, max_count)); subscriber checkpoints
-- are positions. See docs/decisions.md ("Global positions") for the design and the alternatives.
--
-- Events are immutable, so positions live beside them in ledger.event_positions, assigned after
-- commit by the positioner (ledger.assign_positions), one at a time under the lock of the row of
-- ledger.positioner: events of transactions that have committed, in one batch per run, each
-- account's events in sequence order. An event of a transaction still open waits for it; nothing
-- else does.

CREATE TABLE ledger.event_positions (
    position bigint PRIMARY KEY,
    -- ledger.events.id of the event at this position.
    id bigint NOT NULL,
    CONSTRAINT event_positions_id_key UNIQUE (id),
    CONSTRAINT event_positions_position_check CHECK (position >= 1)
);

COMMENT ON TABLE ledger.event_positions IS
'Global position of each event (1, 2, 3 ... without gaps), assigned after commit by ledger.assign_positions.';

-- The positioner's state, one row; its row lock is the positioner's lock. Which events may still
-- lack a position is kept as transaction ids of this cluster: frontier (every transaction from it
-- on) and pending (transactions below it that were still running). system_identifier names the
-- cluster those ids belong to: in another cluster (a restored dump, a logical copy made primary)
-- they mean nothing, and the positioner first finds every event without a position by id
-- (anchor_after: the last id looked at; NULL when not doing that).
CREATE TABLE ledger.positioner (
    singleton boolean PRIMARY KEY DEFAULT TRUE,
    last_position bigint NOT NULL,
    frontier xid8 NOT NULL,
    pending xid8[] NOT NULL,
    system_identifier bigint NOT NULL,
    anchor_after bigint,
    positioned_at timestamptz,
    CONSTRAINT positioner_singleton_check CHECK (singleton)
);

COMMENT ON TABLE ledger.positioner IS
'State of the positioner (ledger.assign_positions): the last position given, and which transactions may still have events without one.';

-- Existing events get positions in the order readers followed them until now, (transaction_id,
-- id). The state comes from a snapshot taken before they are read: every transaction that could
-- commit events later is at or above its xmax or in its xip.
INSERT INTO ledger.positioner (last_position, frontier, pending, system_identifier)
SELECT
    0 AS last_position,
    pg_catalog.pg_snapshot_xmax(s.snap) AS frontier,
    coalesce(
        (SELECT pg_catalog.array_agg(x.xid ORDER BY x.xid) FROM pg_catalog.pg_snapshot_xip(s.snap) AS x (xid)),
        '{}'
    ) AS pending,
    c.system_identifier
FROM (SELECT pg_catalog.pg_current_snapshot() AS snap) AS s
CROSS JOIN pg_catalog.pg_control_system() AS c;

INSERT INTO ledger.event_positions (position, id)
SELECT
    pg_catalog.row_number() OVER (ORDER BY e.transaction_id, e.id) AS position,
    e.id
FROM ledger.events AS e;

UPDATE ledger.positioner
SET
    last_position = (SELECT pg_catalog.count(*) FROM ledger.event_positions),
    positioned_at = pg_catalog.clock_timestamp();

-- Subscriptions: the checkpoint becomes a position. (transaction_id, id) was the position of the
-- last event handled; its new position is the number of events up to it in the old order.
-- claimed_by: the transaction that holds the subscription's current batch (ledger.claim_subscription);
-- consumer_role: who may claim it (NULL: any role allowed to call claim_subscription).
ALTER TABLE ledger.subscriptions
ADD COLUMN position bigint NOT NULL DEFAULT 0,
ADD COLUMN claimed_by xid8,
ADD COLUMN consumer_role text;

UPDATE ledger.subscriptions AS s
SET
    position = (
        SELECT pg_catalog.count(*) FROM ledger.events AS e
        WHERE (e.transaction_id, e.id) <= (s.transaction_id, s.id)
    );

ALTER TABLE ledger.subscriptions
DROP COLUMN transaction_id,
DROP COLUMN id,
ADD CONSTRAINT subscriptions_position_check CHECK (position >= 0),
ADD CONSTRAINT subscriptions_events_processed_check CHECK (events_processed >= 0);

COMMENT ON TABLE ledger.subscriptions IS
'Durable checkpoint of each named subscriber: the global position it has processed up to. Created by the owner (ledger.create_subscription).';

-- The worked example's subscription exists from the start (it used to be made by its first claim).
INSERT INTO ledger.subscriptions (name) VALUES ('daily_totals')
ON CONFLICT (name) DO NOTHING;

-- Functions whose signature or result changes. The functions are created again after the
-- migrations (db/functions); the old signatures stay for one release as stubs that raise LG010
-- and name the call that replaces them (db/functions/replaced).
DROP FUNCTION IF EXISTS ledger.claim_subscription(text);
DROP FUNCTION IF EXISTS ledger.read_all(xid8, bigint, integer);
DROP FUNCTION IF EXISTS ledger.reset_subscription(text);
