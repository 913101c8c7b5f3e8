-- ledger.check_owner_name(owner_name, field): the rule for owner names, shared by
-- ledger.parse_event and ledger.open_account: 1 to 200 characters, at least one visible (not only
-- white space, zero-width or filler characters), no control or bidirectional control characters.
-- Returns the name unchanged. Raises LG005 naming `field` and why.
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
    -- Blank: nothing but white space and characters that show nothing (format and other
    -- default-ignorable code points, Hangul and Braille fillers): such a name cannot be read.
    IF p_owner_name ~ '^[\s\u00a0\u00ad\u034f\u061c\u115f\u1160\u1680\u17b4\u17b5\u180b-\u180f\u2000-\u200f\u2028-\u202f\u205f-\u206f\u2800\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0\U0001d173-\U0001d17a\U000e0000-\U000e0fff]*$' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must not be empty or blank', p_field),
            HINT = 'A name needs at least one visible character (white space, zero-width and filler characters show nothing).';
    END IF;
    -- Bidirectional controls make a name display as something else (U+202E shows the rest reversed).
    IF p_owner_name ~ '[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must not contain bidirectional control characters (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C)', p_field);
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
'The owner name rule (1..200 characters, a visible one among them, no control or bidirectional control characters); returns it or raises LG005 naming the field.';
