-- ledger.check_owner_name(owner_name, field): the rule for owner names, shared by
-- ledger.parse_event and ledger.open_account: 1 to 200 characters, not blank, no control
-- characters. Returns the name unchanged. Raises LG005 naming `field` and why.
CREATE OR REPLACE FUNCTION ledger.check_owner_name(p_owner_name text, p_field text)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $function$
BEGIN
    IF p_owner_name IS NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s is required', p_field);
    END IF;
    -- Blank: nothing but Unicode white space (no-break, ideographic and other spaces included).
    IF p_owner_name ~ '^[\s\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff]*$' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must not be empty or blank', p_field);
    END IF;
    IF pg_catalog.char_length(p_owner_name) > 200 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must be at most 200 characters, got %s',
                p_field, pg_catalog.char_length(p_owner_name));
    END IF;
    IF p_owner_name ~ '[[:cntrl:]\u0080-\u009f\u2028\u2029]' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must not contain control characters', p_field);
    END IF;
    RETURN p_owner_name;
END;
$function$;

COMMENT ON FUNCTION ledger.check_owner_name(text, text) IS
'The owner name rule (1..200 characters, not blank, no control characters); returns it or raises LG005 naming the field.';
