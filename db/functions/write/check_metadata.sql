-- ledger.check_metadata(metadata, field): the rule for event metadata, shared by
-- ledger.parse_event and the commands: a JSON object of at most 64 KiB as text; NULL becomes
-- {}. Returns it. Raises LG005 naming `field` and why.
CREATE OR REPLACE FUNCTION ledger.check_metadata(p_metadata jsonb, p_field text)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $function$
BEGIN
    IF p_metadata IS NULL OR p_metadata = 'null'::jsonb THEN
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
    RETURN p_metadata;
END;
$function$;

COMMENT ON FUNCTION ledger.check_metadata(jsonb, text) IS
'The metadata rule (a JSON object of at most 64 KiB; NULL is {}); returns it or raises LG005 naming the field.';
