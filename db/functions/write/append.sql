-- ledger.append(aggregate_id, expected_version, events): appends a JSON array of 1..100000 events
-- to one account atomically and returns the account's new version (its last sequence number).
--
-- expected_version: NULL = any, 0 = the account must not exist yet, n = its last stored
-- sequence number must be n. Each event: event_type, payload, and optionally occurred_at
-- (ISO 8601 with offset; default: the database clock), event_id (idempotency key),
-- event_version and metadata. Every event is checked by ledger.parse_event, then the batch goes
-- through ledger.append_events, the write path the commands share; see it for how concurrency,
-- idempotency and time work.
--
-- Raises: LG001 expected version mismatch, LG002 account not found, LG003 account already
-- exists, LG004 insufficient funds, LG005 invalid event or argument (with the JSON path of the
-- field), LG006 occurred_at earlier than the previous event, LG008 event_id already used for a
-- different event. Nothing is stored when it raises.
CREATE OR REPLACE FUNCTION ledger.append(
    p_aggregate_id uuid,
    p_expected_version bigint,
    p_events jsonb
)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_count integer;
    v_events ledger.events[];
BEGIN
    IF p_events IS NULL OR pg_catalog.jsonb_typeof(p_events) <> 'array' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('events must be a JSON array of event objects, got %s',
                coalesce(pg_catalog.jsonb_typeof(p_events), 'nothing'));
    END IF;
    v_count := pg_catalog.jsonb_array_length(p_events);
    IF v_count < 1 OR v_count > 100000 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('events must hold 1 to 100000 events, got %s', v_count);
    END IF;
    IF v_count = 1 THEN
        -- A plain expression is much cheaper than a query for the common single event.
        v_events := ARRAY[ledger.parse_event(p_events -> 0, 0)];
    ELSE
        SELECT pg_catalog.array_agg(ledger.parse_event(j.event, (j.position - 1)::integer) ORDER BY j.position)
        INTO v_events
        FROM pg_catalog.jsonb_array_elements(p_events) WITH ORDINALITY AS j (event, position);
    END IF;
    RETURN ledger.append_events(p_aggregate_id, p_expected_version, v_events);
END;
$function$;

COMMENT ON FUNCTION ledger.append(uuid, bigint, jsonb) IS
'Appends 1..100000 events (JSON array) to one account atomically; returns the new version. expected_version: NULL any, 0 new, n exact. Idempotent by event_id. Raises LG001-LG006, LG008.';
