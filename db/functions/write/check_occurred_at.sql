-- ledger.check_occurred_at(occurred_at, field): the rule for a given business time, shared by
-- ledger.parse_event and the commands: finite and not before 1900-01-01 00:00 UTC (every client
-- can read it back in any time zone; a ledger has no earlier events). NULL passes (the
-- database clock is used). Later than the clock is refused by ledger.append_events. Returns it.
-- Raises LG005 naming `field`.
CREATE OR REPLACE FUNCTION ledger.check_occurred_at(p_occurred_at timestamptz, p_field text)
RETURNS timestamptz
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $function$
BEGIN
    IF p_occurred_at IS NOT NULL
        AND (NOT pg_catalog.isfinite(p_occurred_at) OR p_occurred_at < '1900-01-01 00:00:00+00'::timestamptz) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('%s must be a time from 1900-01-01T00:00:00Z on, got %s', p_field, p_occurred_at);
    END IF;
    RETURN p_occurred_at;
END;
$function$;

COMMENT ON FUNCTION ledger.check_occurred_at(timestamptz, text) IS
'The occurred_at rule (finite, from 1900-01-01 UTC on; NULL passes); returns it or raises LG005 naming the field.';
