-- ledger.daily_totals_apply(ids): the handler of the projection ledger.daily_totals: adds the
-- events with these ids (upcast) to the totals of their account and UTC day. Call it in the
-- subscriber's batch transaction so totals and checkpoint commit together (exactly once).
-- Returns the number of events applied. Raises nothing on stored events.
CREATE OR REPLACE FUNCTION ledger.daily_totals_apply(p_ids bigint[])
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_count bigint;
BEGIN
    INSERT INTO ledger.daily_totals AS t (account_id, day, deposits, withdrawals, event_count)
    SELECT u.aggregate_id,
           (u.occurred_at AT TIME ZONE 'UTC')::date,
           coalesce(pg_catalog.sum((u.payload ->> 'amount')::numeric) FILTER (WHERE u.event_type = 'MoneyDeposited'), 0),
           coalesce(pg_catalog.sum((u.payload ->> 'amount')::numeric) FILTER (WHERE u.event_type = 'MoneyWithdrawn'), 0),
           pg_catalog.count(*)
    FROM ledger.events AS e
    CROSS JOIN LATERAL ledger.upcast(e) AS u
    WHERE e.id = ANY(p_ids)
    GROUP BY u.aggregate_id, (u.occurred_at AT TIME ZONE 'UTC')::date
    ON CONFLICT (account_id, day) DO UPDATE
    SET deposits = t.deposits + excluded.deposits,
        withdrawals = t.withdrawals + excluded.withdrawals,
        event_count = t.event_count + excluded.event_count;
    SELECT pg_catalog.count(*) INTO v_count FROM pg_catalog.unnest(p_ids);
    RETURN v_count;
END;
$function$;

COMMENT ON FUNCTION ledger.daily_totals_apply(bigint[]) IS
'Handler of the daily_totals projection: adds the events with these ids to their account''s totals for their UTC day.';
