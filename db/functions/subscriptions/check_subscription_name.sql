-- ledger.check_subscription_name(name): the rule for subscriber names, shared by
-- ledger.claim_subscription and ledger.subscriber_waiting: 1 to 63 characters of [a-z0-9_.-]
-- starting with a letter. Returns it. Raises LG005.
CREATE OR REPLACE FUNCTION ledger.check_subscription_name(p_name text)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $function$
BEGIN
    IF p_name IS NULL OR p_name !~ '^[a-z][a-z0-9_.-]{0,62}$' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format(
                'subscription name %s is not 1-63 characters of [a-z0-9_.-] starting with a letter',
                coalesce(pg_catalog.quote_literal(pg_catalog.left(p_name, 100)), 'NULL'));
    END IF;
    RETURN p_name;
END;
$function$;

COMMENT ON FUNCTION ledger.check_subscription_name(text) IS
'The subscriber name rule (1-63 characters of [a-z0-9_.-] starting with a letter); returns it or raises LG005.';
