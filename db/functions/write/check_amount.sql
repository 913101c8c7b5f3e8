-- ledger.check_amount(amount, field): the rule for money amounts, shared by ledger.parse_event
-- and the commands: a finite decimal > 0 with at most 2 decimal places and at most 10^15.
-- Returns the amount. Raises LG005 naming `field` (e.g. events[0].payload.amount) and why.
CREATE OR REPLACE FUNCTION ledger.check_amount(p_amount numeric, p_field text)
RETURNS numeric
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $function$
BEGIN
    IF p_amount IS NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s is required', p_field);
    END IF;
    IF p_amount = 'NaN'::numeric OR p_amount IN ('Infinity'::numeric, '-Infinity'::numeric) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must be a decimal such as "12.50", got %s', p_field, p_amount);
    END IF;
    IF p_amount <= 0 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must be greater than 0, got %s', p_field, p_amount);
    END IF;
    IF pg_catalog.scale(p_amount) > 2 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must have at most 2 decimal places, got %s', p_field, p_amount);
    END IF;
    IF p_amount > 1000000000000000 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must be at most 1000000000000000, got %s', p_field, p_amount);
    END IF;
    RETURN p_amount;
END;
$function$;

COMMENT ON FUNCTION ledger.check_amount(numeric, text) IS
'The amount rule (> 0, at most 2 decimal places, at most 10^15); returns the amount or raises LG005 naming the field.';
