-- ledger.command_event(event_type, payload, occurred_at, event_id, metadata): the JSON event
-- object that the commands (open_account, deposit, withdraw) hand to ledger.append. Leaves out
-- the optional fields that are NULL, so ledger.append applies its defaults. Raises nothing:
-- every check happens in ledger.append.
CREATE OR REPLACE FUNCTION ledger.command_event(
    p_event_type text,
    p_payload jsonb,
    p_occurred_at timestamptz,
    p_event_id uuid,
    p_metadata jsonb
)
RETURNS jsonb
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $function$
    SELECT pg_catalog.jsonb_build_object('event_type', p_event_type, 'payload', p_payload)
        || CASE WHEN p_occurred_at IS NULL THEN '{}'::jsonb
                ELSE pg_catalog.jsonb_build_object('occurred_at', p_occurred_at) END
        || CASE WHEN p_event_id IS NULL THEN '{}'::jsonb
                ELSE pg_catalog.jsonb_build_object('event_id', p_event_id) END
        || CASE WHEN p_metadata IS NULL THEN '{}'::jsonb
                ELSE pg_catalog.jsonb_build_object('metadata', p_metadata) END;
$function$;

COMMENT ON FUNCTION ledger.command_event(text, jsonb, timestamptz, uuid, jsonb) IS
'The JSON event object a command passes to ledger.append; NULL optional fields are left out.';
