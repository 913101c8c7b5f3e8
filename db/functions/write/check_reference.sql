-- ledger.check_reference(reference, field): the rule for a deposit's reference (MoneyDeposited
-- version 2): NULL, or 1 to 140 characters without control characters. Returns it. Raises
-- LG005 naming `field` and why.
CREATE OR REPLACE FUNCTION ledger.check_reference(p_reference text, p_field text)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $function$
BEGIN
    IF p_reference IS NULL THEN
        RETURN NULL;
    END IF;
    IF pg_catalog.char_length(p_reference) NOT BETWEEN 1 AND 140 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must be 1 to 140 characters, got %s', p_field,
                pg_catalog.char_length(p_reference));
    END IF;
    IF p_reference ~ '[[:cntrl:]\u0080-\u009f\u2028\u2029]' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must not contain control characters', p_field);
    END IF;
    RETURN p_reference;
END;
$function$;

COMMENT ON FUNCTION ledger.check_reference(text, text) IS
'The deposit reference rule (NULL, or 1..140 characters without control characters); returns it or raises LG005.';
