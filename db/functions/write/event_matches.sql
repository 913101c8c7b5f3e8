-- ledger.event_matches(stored, aggregate_id, event_type, event_version, payload, occurred_at):
-- whether a stored event is the event of account `aggregate_id` described by the other
-- arguments (as ledger.parse_event returns them): same account and type, the same payload once
-- both are upcast to the current version (a retry written by an older client still matches),
-- and the same occurred_at unless that argument is NULL. The idempotency rule of
-- ledger.stored_batch_version. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.event_matches(
    p_stored ledger.events,
    p_aggregate_id uuid,
    p_event_type text,
    p_event_version smallint,
    p_payload jsonb,
    p_occurred_at timestamptz
)
RETURNS boolean
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $function$
    SELECT p_stored.aggregate_id = p_aggregate_id
        AND p_stored.event_type = p_event_type
        AND ledger.upcast_payload(p_stored.event_type, p_stored.event_version, p_stored.payload)
            = ledger.upcast_payload(p_event_type, p_event_version, p_payload)
        AND (p_occurred_at IS NULL OR p_stored.occurred_at = p_occurred_at);
$function$;

COMMENT ON FUNCTION ledger.event_matches(ledger.events, uuid, text, smallint, jsonb, timestamptz) IS
'Whether a stored event is the given event of an account (occurred_at compared unless NULL): the idempotency rule.';
