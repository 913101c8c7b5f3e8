-- ledger.notify_new_events(): statement trigger on ledger.events. While a subscriber waits
-- (ledger.subscriber_waits, see ledger.subscriber_waiting), sends NOTIFY ledger_events (empty
-- payload) once per appending statement, delivered when the append commits. A wake-up only:
-- subscribers read from their checkpoint with ledger.read_all and also poll on a timer, so a
-- missed notification delays a subscriber and never loses an event. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.notify_new_events()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    -- Only while a subscriber waits: a NOTIFY serializes the commits of notifying transactions.
    -- Rows older than ten minutes are a subscriber that died waiting.
    IF EXISTS (
        SELECT FROM ledger.subscriber_waits AS w WHERE w.since > pg_catalog.now() - interval '10 minutes'
    ) THEN
        PERFORM pg_catalog.pg_notify('ledger_events', '');
    END IF;
    RETURN NULL;
END;
$function$;

COMMENT ON FUNCTION ledger.notify_new_events() IS
'Trigger: NOTIFY ledger_events once per appending statement while a subscriber waits, a wake-up only.';

-- The trigger, on one server only: on Citus the events live on the workers, whose NOTIFY no
-- subscriber (on the coordinator) hears; subscribers there wake by their timer.
DO $trigger$
BEGIN
    IF pg_catalog.to_regclass('ledger.position_queue') IS NULL THEN
        CREATE OR REPLACE TRIGGER events_notify
        AFTER INSERT ON ledger.events
        FOR EACH STATEMENT EXECUTE FUNCTION ledger.notify_new_events();
    END IF;
END;
$trigger$;
