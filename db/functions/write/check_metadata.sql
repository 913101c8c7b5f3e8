-- ledger.check_metadata(metadata, field): the rule for event metadata, shared by
-- ledger.parse_event and the commands: a JSON object of at most 64 KiB as text, nested at most
-- 32 levels deep (deeper JSON is a denial of service for clients whose parsers recurse: Python's
-- stops near 1,000 levels), without the keys transfer_id and counterparty, which only
-- ledger.transfer writes (so a history can trust them). NULL becomes {}. Returns it.
-- Raises LG005 naming `field` and why.
CREATE OR REPLACE FUNCTION ledger.check_metadata(p_metadata jsonb, p_field text)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $function$
BEGIN
    IF p_metadata IS NULL OR p_metadata = 'null'::jsonb OR p_metadata = '{}'::jsonb THEN
        RETURN '{}'::jsonb;
    END IF;
    IF pg_catalog.jsonb_typeof(p_metadata) <> 'object' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must be a JSON object, got %s', p_field, pg_catalog.jsonb_typeof(p_metadata));
    END IF;
    IF pg_catalog.octet_length(p_metadata::text) > 65536 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must be at most 65536 bytes as JSON text, got %s',
                p_field, pg_catalog.octet_length(p_metadata::text));
    END IF;
    -- Level 0 is the object itself; a value at level 33 means 33 nested objects or arrays.
    IF pg_catalog.jsonb_path_exists(p_metadata, 'strict $.**{33}') THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must not be nested more than 32 levels deep', p_field);
    END IF;
    IF p_metadata ?| '{transfer_id,counterparty}'::text[] THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must not hold the keys transfer_id or counterparty', p_field),
            HINT = 'ledger.transfer writes them on its two events; a history shows them as the transfer''s.';
    END IF;
    RETURN p_metadata;
END;
$function$;

COMMENT ON FUNCTION ledger.check_metadata(jsonb, text) IS
'The metadata rule (a JSON object of at most 64 KiB, nested at most 32 deep, without the keys transfer_id and counterparty; NULL is {}); returns it or raises LG005 naming the field.';
