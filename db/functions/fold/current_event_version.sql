-- ledger.current_event_version(event_type): the payload version that new events of this type
-- are written in and that every read path upcasts stored events to. NULL for an unknown type.
-- Raises nothing.
CREATE OR REPLACE FUNCTION ledger.current_event_version(p_event_type text)
RETURNS smallint
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $function$
    SELECT CASE p_event_type
        WHEN 'AccountOpened' THEN 1
        WHEN 'MoneyDeposited' THEN 2
        WHEN 'MoneyWithdrawn' THEN 1
    END::smallint;
$function$;

COMMENT ON FUNCTION ledger.current_event_version(text) IS
'The current payload version of an event type (what new events are written in and reads upcast to).';
