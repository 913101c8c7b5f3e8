-- ledger.subscriber_waiting(name, waiting): registers (true) or removes (false) the calling
-- connection as a subscriber `name` waiting for NOTIFY ledger_events; appends notify only while
-- one is registered (ledger.notify_new_events). Register, then look for events once more, then
-- wait: an append that committed in between is found by that look. waiting NULL counts as
-- false. Raises LG005 on a bad name.
CREATE OR REPLACE FUNCTION ledger.subscriber_waiting(p_name text, p_waiting boolean)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    PERFORM ledger.check_subscription_name(p_name);
    IF p_waiting THEN
        INSERT INTO ledger.subscriber_waits AS w (pid, name) VALUES (pg_catalog.pg_backend_pid(), p_name)
        ON CONFLICT (pid) DO UPDATE SET name = excluded.name, since = excluded.since;
    ELSE
        DELETE FROM ledger.subscriber_waits AS w WHERE w.pid = pg_catalog.pg_backend_pid();
    END IF;
END;
$function$;

COMMENT ON FUNCTION ledger.subscriber_waiting(text, boolean) IS
'Registers or removes this connection as a subscriber waiting for NOTIFY ledger_events.';
