-- ledger.daily_totals_reset(): empties the projection ledger.daily_totals and puts its
-- subscriber "daily_totals" back at position 0, in one transaction, so the subscriber
-- rebuilds it from the first event. Administration: granted to no role. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.daily_totals_reset()
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    PERFORM 1 FROM ledger.subscriptions AS s WHERE s.name = 'daily_totals' FOR UPDATE;
    DELETE FROM ledger.daily_totals;
    PERFORM ledger.reset_subscription('daily_totals');
END;
$function$;

COMMENT ON FUNCTION ledger.daily_totals_reset() IS
'Empties ledger.daily_totals and resets its subscriber to position 0 so it rebuilds. Administration.';
