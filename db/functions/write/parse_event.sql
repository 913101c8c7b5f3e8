-- ledger.parse_event(event, index): checks one element of the JSON array given to
-- ledger.append and returns it as a ledger.events row, canonical and not yet stored.
--
-- Guarantees: every field has the right JSON type for the event's version (default: the
-- current one; older versions are accepted as they were), unknown fields are refused, amounts are
-- decimal strings that pass ledger.check_amount (stored in canonical form), owner_name passes
-- ledger.check_owner_name, metadata ledger.check_metadata, occurred_at is ISO 8601 with an
-- explicit UTC offset. Fields the caller left out stay NULL: event_id,
-- occurred_at (ledger.append fills both in), aggregate_id, sequence_number, recorded_at.
--
-- Raises: LG005 with the JSON path of the offending field (events[i].payload.amount ...).
CREATE OR REPLACE FUNCTION ledger.parse_event(p_event jsonb, p_index integer)
RETURNS ledger.events
LANGUAGE plpgsql
STABLE
PARALLEL SAFE
AS $function$
DECLARE
    v_where text := 'events[' || p_index || ']';
    v_result ledger.events;
    v_payload jsonb;
    v_value jsonb;
    v_text text;
    v_amount numeric;
    v_key text;
    v_allowed text[];
BEGIN
    IF p_event IS NULL OR pg_catalog.jsonb_typeof(p_event) <> 'object' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must be a JSON object, got %s',
                v_where, coalesce(pg_catalog.jsonb_typeof(p_event), 'nothing'));
    END IF;
    IF p_event - '{event_type,event_version,payload,occurred_at,event_id,metadata}'::text[]
        <> '{}'::jsonb THEN
        SELECT pg_catalog.min(k) INTO v_key
        FROM pg_catalog.jsonb_object_keys(
            p_event - '{event_type,event_version,payload,occurred_at,event_id,metadata}'::text[]
        ) AS k;
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s has an unknown field %I', v_where, v_key),
            HINT = 'An event has event_type and payload, and optionally event_version, occurred_at, event_id and metadata.';
    END IF;

    -- event_type
    v_value := p_event -> 'event_type';
    IF pg_catalog.jsonb_typeof(v_value) IS DISTINCT FROM 'string' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s.event_type is required and must be a JSON string, got %s',
                v_where, coalesce(pg_catalog.jsonb_typeof(v_value), 'nothing'));
    END IF;
    -- Checked before it goes into the row, whose column is varchar(64).
    IF ledger.current_event_version(v_value #>> '{}') IS NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s.event_type %L is not a known event type',
                v_where, pg_catalog.left(v_value #>> '{}', 100)),
            HINT = 'Known event types: AccountOpened, MoneyDeposited, MoneyWithdrawn.';
    END IF;
    v_result.event_type := v_value #>> '{}';

    -- event_version: the payload schema version; default the current one (ledger.current_event_version).
    v_value := p_event -> 'event_version';
    IF v_value IS NULL OR v_value = 'null'::jsonb THEN
        v_result.event_version := ledger.current_event_version(v_result.event_type);
    ELSIF pg_catalog.jsonb_typeof(v_value) <> 'number'
        OR v_value::text !~ '^[0-9]{1,4}$'
        OR (v_value::text)::integer NOT BETWEEN 1 AND ledger.current_event_version(v_result.event_type) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s.event_version must be a version of %s from 1 to %s, got %s',
                v_where, v_result.event_type, ledger.current_event_version(v_result.event_type),
                pg_catalog.left(v_value::text, 100));
    ELSE
        v_result.event_version := (v_value::text)::smallint;
    END IF;

    -- payload
    v_payload := p_event -> 'payload';
    IF pg_catalog.jsonb_typeof(v_payload) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s.payload is required and must be a JSON object, got %s',
                v_where, coalesce(pg_catalog.jsonb_typeof(v_payload), 'nothing'));
    END IF;
    IF v_result.event_type = 'AccountOpened' THEN
        IF v_payload - 'owner_name' <> '{}'::jsonb THEN
            SELECT pg_catalog.min(k) INTO v_key FROM pg_catalog.jsonb_object_keys(v_payload - 'owner_name') AS k;
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format('%s.payload has an unknown field %I', v_where, v_key),
                HINT = 'An AccountOpened payload has exactly one field: owner_name.';
        END IF;
        v_value := v_payload -> 'owner_name';
        IF pg_catalog.jsonb_typeof(v_value) IS DISTINCT FROM 'string' THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format('%s.payload.owner_name is required and must be a JSON string, got %s',
                    v_where, coalesce(pg_catalog.jsonb_typeof(v_value), 'nothing'));
        END IF;
        PERFORM ledger.check_owner_name(v_value #>> '{}', v_where || '.payload.owner_name');
        v_result.payload := v_payload;
    ELSE
        -- MoneyDeposited from version 2 may carry a reference; everything else has only amount.
        v_allowed := CASE WHEN v_result.event_type = 'MoneyDeposited' AND v_result.event_version >= 2
                          THEN '{amount,reference}'::text[] ELSE '{amount}'::text[] END;
        IF v_payload - v_allowed <> '{}'::jsonb THEN
            SELECT pg_catalog.min(k) INTO v_key FROM pg_catalog.jsonb_object_keys(v_payload - v_allowed) AS k;
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format('%s.payload has an unknown field %I', v_where, v_key),
                HINT = pg_catalog.format('A %s version %s payload has the fields %s.', v_result.event_type,
                    v_result.event_version, pg_catalog.array_to_string(v_allowed, ', '));
        END IF;
        v_value := v_payload -> 'amount';
        IF pg_catalog.jsonb_typeof(v_value) IS DISTINCT FROM 'string' THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format(
                    '%s.payload.amount is required and must be a JSON string holding a decimal, got %s',
                    v_where, coalesce(pg_catalog.jsonb_typeof(v_value), 'nothing')),
                HINT = 'Money is sent as a decimal string such as "12.50", never as a JSON number (most JSON parsers read numbers as binary floats).';
        END IF;
        v_text := v_value #>> '{}';
        IF v_text !~ '^[+-]?[0-9]{1,40}(\.[0-9]{1,40})?$' THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format('%s.payload.amount must be a decimal such as "12.50", got %L',
                    v_where, pg_catalog.left(v_text, 100));
        END IF;
        v_amount := ledger.check_amount(v_text::numeric, v_where || '.payload.amount');
        -- Canonical text: no sign, no leading zeros, the given scale kept ("007.50" -> "7.50").
        v_result.payload := pg_catalog.jsonb_build_object('amount', v_amount::text);
        IF 'reference' = ANY(v_allowed) THEN
            v_value := v_payload -> 'reference';
            IF v_value IS NOT NULL AND v_value <> 'null'::jsonb
                AND pg_catalog.jsonb_typeof(v_value) <> 'string' THEN
                RAISE EXCEPTION USING
                    ERRCODE = 'LG005',
                    MESSAGE = pg_catalog.format('%s.payload.reference must be a JSON string or null, got %s',
                        v_where, pg_catalog.jsonb_typeof(v_value));
            END IF;
            v_result.payload := v_result.payload || pg_catalog.jsonb_build_object(
                'reference', ledger.check_reference(v_value #>> '{}', v_where || '.payload.reference'));
        END IF;
    END IF;

    -- occurred_at: optional; ISO 8601 with an explicit offset, at most microsecond precision.
    v_value := p_event -> 'occurred_at';
    IF v_value IS NOT NULL AND v_value <> 'null'::jsonb THEN
        IF pg_catalog.jsonb_typeof(v_value) <> 'string' THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format('%s.occurred_at must be a JSON string, got %s',
                    v_where, pg_catalog.jsonb_typeof(v_value));
        END IF;
        v_text := v_value #>> '{}';
        IF v_text !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|z|[+-][0-9]{2}(:?[0-9]{2}(:?[0-9]{2})?)?)$' THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format(
                    '%s.occurred_at must be an ISO 8601 timestamp with a UTC offset, got %L',
                    v_where, pg_catalog.left(v_text, 100)),
                HINT = 'For example "2024-05-01T12:30:00+00:00" or "2024-05-01T12:30:00.123456Z"; a time without an offset is ambiguous and refused.';
        END IF;
        BEGIN
            v_result.occurred_at := v_text::timestamptz;
        EXCEPTION
            WHEN datetime_field_overflow OR invalid_datetime_format OR invalid_time_zone_displacement_value THEN
                RAISE EXCEPTION USING
                    ERRCODE = 'LG005',
                    MESSAGE = pg_catalog.format('%s.occurred_at %L is not a valid date and time',
                        v_where, v_text);
        END;
        PERFORM ledger.check_occurred_at(v_result.occurred_at, v_where || '.occurred_at');
    END IF;

    -- event_id: optional idempotency key.
    v_value := p_event -> 'event_id';
    IF v_value IS NOT NULL AND v_value <> 'null'::jsonb THEN
        IF pg_catalog.jsonb_typeof(v_value) <> 'string'
            OR (v_value #>> '{}') !~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG005',
                MESSAGE = pg_catalog.format('%s.event_id must be a UUID string, got %s',
                    v_where, pg_catalog.left(v_value::text, 100));
        END IF;
        v_result.event_id := (v_value #>> '{}')::uuid;
    END IF;

    -- metadata: optional JSON object of at most 64 KiB.
    v_result.metadata := ledger.check_metadata(p_event -> 'metadata', v_where || '.metadata');

    RETURN v_result;
END;
$function$;

COMMENT ON FUNCTION ledger.parse_event(jsonb, integer) IS
'Checks one event object given to ledger.append and returns it canonical, as an unsaved ledger.events row. Raises LG005 naming the offending field.';
