-- ledger.new_event(event_type, payload, occurred_at, event_id, metadata): the unsaved
-- ledger.events row a command hands to ledger.append_events, from already-checked type and
-- payload (in the current version of the type). Checks what the command's own arguments can get
-- wrong: occurred_at must pass ledger.check_occurred_at, metadata ledger.check_metadata.
-- Raises LG005 naming the field.
CREATE OR REPLACE FUNCTION ledger.new_event(
    p_event_type text,
    p_payload jsonb,
    p_occurred_at timestamptz,
    p_event_id uuid,
    p_metadata jsonb
)
RETURNS ledger.events
LANGUAGE plpgsql
STABLE
PARALLEL SAFE
AS $function$
DECLARE
    v_event ledger.events;
BEGIN
    -- The checks are skipped for the NULLs they would pass anyway: a PL/pgSQL call costs about
    -- 13,000 instructions, 2% of an append (docs/decisions.md, "Performance").
    IF p_occurred_at IS NOT NULL THEN
        PERFORM ledger.check_occurred_at(p_occurred_at, 'events[0].occurred_at');
    END IF;
    v_event.event_type := p_event_type;
    v_event.event_version := ledger.current_event_version(p_event_type);
    v_event.payload := p_payload;
    v_event.occurred_at := p_occurred_at;
    v_event.event_id := p_event_id;
    IF p_metadata IS NULL THEN
        v_event.metadata := '{}'::jsonb;
    ELSE
        v_event.metadata := ledger.check_metadata(p_metadata, 'events[0].metadata');
    END IF;
    RETURN v_event;
END;
$function$;

COMMENT ON FUNCTION ledger.new_event(text, jsonb, timestamptz, uuid, jsonb) IS
'The unsaved event row a command passes to ledger.append_events. Raises LG005 on a bad occurred_at or metadata.';
