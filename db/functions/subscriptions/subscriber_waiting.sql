-- ledger.subscriber_waiting(name, waiting): registers (true) or removes (false) the calling
-- connection as subscriber `name` waiting for NOTIFY ledger_events. Appends send that NOTIFY
-- only while some connection is registered (see the end of ledger.append_events).
-- Register, then look for events once more, then wait: an append that committed in between is
-- found by that look. waiting NULL counts as false. Registering twice is registering once.
--
-- How: a registered connection holds the advisory lock (1885826148, 1) in shared mode, at session
-- level, so a connection that ends stops being registered with it; the write path probes that
-- lock (exclusive, released at once) and notifies when the probe fails. An application that takes
-- the same advisory key makes appends notify (harmless, slower commits); docs/decisions.md.
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
DECLARE
    v_registered boolean;
BEGIN
    PERFORM ledger.subscription_for(p_name);
    SELECT EXISTS (
        SELECT FROM pg_catalog.pg_locks AS l
        WHERE l.locktype = 'advisory' AND l.pid = pg_catalog.pg_backend_pid()
          AND l.classid = 1885826148 AND l.objid = 1 AND l.objsubid = 2 AND l.mode = 'ShareLock' AND l.granted
    ) INTO v_registered;
    IF coalesce(p_waiting, false) AND NOT v_registered THEN
        -- Never wait behind an exclusive holder (an append's probe lasts microseconds; anyone else
        -- holding it makes every append notify anyway).
        FOR v_try IN 1 .. 1000 LOOP
            EXIT WHEN pg_catalog.pg_try_advisory_lock_shared(1885826148, 1);
        END LOOP;
    ELSIF NOT coalesce(p_waiting, false) AND v_registered THEN
        PERFORM pg_catalog.pg_advisory_unlock_shared(1885826148, 1);
    END IF;
END;
$function$;

COMMENT ON FUNCTION ledger.subscriber_waiting(text, boolean) IS
'Registers or removes this connection as a subscriber waiting for NOTIFY ledger_events. Raises LG005, LG009.';
