-- ledger.notify_new_events(): statement trigger on ledger.events. Sends NOTIFY ledger_events
-- (empty payload) once per appending statement, delivered when the append commits. A wake-up
-- only: subscribers read from their checkpoint with ledger.read_all and also poll on a timer,
-- so a lost notification delays a subscriber and never loses an event. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.notify_new_events()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    PERFORM pg_catalog.pg_notify('ledger_events', '');
    RETURN NULL;
END;
$function$;

COMMENT ON FUNCTION ledger.notify_new_events() IS
'Trigger: NOTIFY ledger_events once per appending statement, a wake-up for subscribers.';

CREATE OR REPLACE TRIGGER events_notify
AFTER INSERT ON ledger.events
FOR EACH STATEMENT EXECUTE FUNCTION ledger.notify_new_events();
