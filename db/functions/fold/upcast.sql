-- The upcasters, as a small family. Stored events are never rewritten; what reads them sees
-- them in the current shape.
--
-- ledger.upcast_payload(event_type, event_version, payload): the payload in the shape of the
-- current version of its type. One step per old version, applied in order, so each new version
-- adds one WHEN (see docs/versioning.md):
--   MoneyDeposited 1 -> 2: adds "reference": null.
--
-- ledger.upcast(event): the stored event with its payload upcast and event_version set to the
-- current version; an event already current is returned as it is. Both are plain SQL
-- expressions that the planner inlines into the queries using them. Raise nothing.
CREATE OR REPLACE FUNCTION ledger.upcast_payload(p_event_type text, p_event_version smallint, p_payload jsonb)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $function$
    SELECT CASE
        WHEN p_event_type = 'MoneyDeposited' AND p_event_version = 1
            THEN p_payload || '{"reference": null}'::jsonb
        ELSE p_payload
    END;
$function$;

COMMENT ON FUNCTION ledger.upcast_payload(text, smallint, jsonb) IS
'A stored payload in the shape of the current version of its event type.';

CREATE OR REPLACE FUNCTION ledger.upcast(p_event ledger.events)
RETURNS ledger.events
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $function$
    SELECT CASE
        WHEN p_event.event_version = ledger.current_event_version(p_event.event_type) THEN p_event
        ELSE ROW(
            p_event.id, p_event.event_id, p_event.aggregate_id, p_event.sequence_number, p_event.event_type,
            ledger.current_event_version(p_event.event_type),
            ledger.upcast_payload(p_event.event_type, p_event.event_version, p_event.payload),
            p_event.metadata, p_event.occurred_at, p_event.recorded_at, p_event.transaction_id, p_event.hash
        )::ledger.events
    END;
$function$;

COMMENT ON FUNCTION ledger.upcast(ledger.events) IS
'A stored event in the current version of its type (payload upcast); stored rows are never rewritten.';
