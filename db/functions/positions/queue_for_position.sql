-- ledger.queue_for_position(): on Citus only, the AFTER INSERT row trigger of ledger.events that
-- puts each new event in ledger.position_queue, on the same shard, in the append's transaction:
-- the coordinator's positioner takes committed events from there (see ledger.assign_positions).
-- Raises nothing.
CREATE OR REPLACE FUNCTION ledger.queue_for_position()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    INSERT INTO ledger.position_queue (aggregate_id, id, sequence_number, recorded_at, hash)
    VALUES (NEW.aggregate_id, NEW.id, NEW.sequence_number, NEW.recorded_at, NEW.hash);
    RETURN NULL;
END;
$function$;

COMMENT ON FUNCTION ledger.queue_for_position() IS
'Citus: trigger queueing each new event on its shard for the coordinator''s positioner.';

DO $trigger$
BEGIN
    IF pg_catalog.to_regclass('ledger.position_queue') IS NOT NULL THEN
        EXECUTE 'CREATE OR REPLACE TRIGGER events_queue_for_position AFTER INSERT ON ledger.events'
            ' FOR EACH ROW EXECUTE FUNCTION ledger.queue_for_position()';
    END IF;
END;
$trigger$;
