-- 0012_position_accounts: each position also names its event's account. On Citus the events are
-- sharded by account, and a position must say where its event lives for a read to go straight to
-- that shard (ledger.read_all); on one server it costs 16 bytes a position and changes nothing.
ALTER TABLE ledger.event_positions ADD COLUMN aggregate_id uuid;

UPDATE ledger.event_positions AS p
SET aggregate_id = e.aggregate_id
FROM ledger.events AS e
WHERE e.id = p.id;

ALTER TABLE ledger.event_positions ALTER COLUMN aggregate_id SET NOT NULL;

COMMENT ON COLUMN ledger.event_positions.aggregate_id IS 'The account of the event at this position.';
