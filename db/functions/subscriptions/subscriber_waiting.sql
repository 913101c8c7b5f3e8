-- ledger.subscriber_waiting(name, waiting): registers (true) or removes (false) the calling
-- connection as subscriber `name` waiting for NOTIFY ledger_events; appends notify only while
-- one is registered (ledger.notify_new_events). Register, then look for events once more, then
-- wait: an append that committed in between is found by that look. waiting NULL counts as false.
-- Registering also forgets registrations of connections that have ended.
--
-- A ledger_writer can register only as the consumer of an existing subscription; while it is
-- registered, appends send a NOTIFY (which serializes their commits): that is the cost of having a
-- subscriber wait, bounded by the subscriptions the owner created.
-- Raises LG005 on a bad name, LG009 when the subscription does not exist or the caller may not
-- consume it.
CREATE OR REPLACE FUNCTION ledger.subscriber_waiting(p_name text, p_waiting boolean)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    PERFORM ledger.subscription_for(p_name);
    IF p_waiting THEN
        DELETE FROM ledger.subscriber_waits AS w
        WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_stat_activity AS a WHERE a.pid = w.pid);
        INSERT INTO ledger.subscriber_waits AS w (pid, name) VALUES (pg_catalog.pg_backend_pid(), p_name)
        ON CONFLICT (pid) DO UPDATE SET name = excluded.name, since = excluded.since;
    ELSE
        DELETE FROM ledger.subscriber_waits AS w WHERE w.pid = pg_catalog.pg_backend_pid();
    END IF;
END;
$function$;

COMMENT ON FUNCTION ledger.subscriber_waiting(text, boolean) IS
'Registers or removes this connection as a subscriber waiting for NOTIFY ledger_events. Raises LG005, LG009.';
