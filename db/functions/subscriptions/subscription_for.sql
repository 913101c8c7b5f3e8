-- ledger.subscription_for(name): the subscription row a subscriber function works on, after
-- checking that it exists and that the calling login may consume it (a member of its
-- consumer_role, when it has one). Internal: granted to no role. Raises LG005 on a bad name,
-- LG009 when the subscription does not exist or the caller is not its consumer.
CREATE OR REPLACE FUNCTION ledger.subscription_for(p_name text)
RETURNS ledger.subscriptions
LANGUAGE plpgsql
STABLE
AS $function$
DECLARE
    v_subscription ledger.subscriptions;
BEGIN
    PERFORM ledger.check_subscription_name(p_name);
    SELECT s.* INTO v_subscription FROM ledger.subscriptions AS s WHERE s.name = p_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG009',
            MESSAGE = pg_catalog.format('subscription %L does not exist', p_name),
            HINT = pg_catalog.format('The ledger''s owner creates it: SELECT ledger.create_subscription(%L);', p_name);
    END IF;
    IF v_subscription.consumer_role IS NOT NULL
        AND NOT pg_catalog.pg_has_role(session_user, v_subscription.consumer_role, 'MEMBER') THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG009',
            MESSAGE = pg_catalog.format('role %I may not consume subscription %L (its consumers are role %I)',
                session_user, p_name, v_subscription.consumer_role);
    END IF;
    RETURN v_subscription;
END;
$function$;

COMMENT ON FUNCTION ledger.subscription_for(text) IS
'The subscription row, after checking that it exists and the caller may consume it (internal). Raises LG005, LG009.';
