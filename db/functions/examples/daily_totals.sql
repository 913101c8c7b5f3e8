-- ledger.daily_totals(account_id, from, to): the projection ledger.daily_totals for one
-- account, days from..to inclusive (NULL: unbounded). As current as its subscriber.
-- Raises nothing.
CREATE OR REPLACE FUNCTION ledger.daily_totals(p_account_id uuid, p_from date DEFAULT NULL, p_to date DEFAULT NULL)
RETURNS TABLE (day date, deposits numeric, withdrawals numeric, event_count integer)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    RETURN QUERY
        SELECT t.day, t.deposits, t.withdrawals, t.event_count
        FROM ledger.daily_totals AS t
        WHERE t.account_id = p_account_id
          AND (p_from IS NULL OR t.day >= p_from)
          AND (p_to IS NULL OR t.day <= p_to)
        ORDER BY t.day;
END;
$function$;

COMMENT ON FUNCTION ledger.daily_totals(uuid, date, date) IS
'Daily totals of one account (projection built by a subscriber), days from..to inclusive.';
