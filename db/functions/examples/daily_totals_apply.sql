-- ledger.daily_totals_apply(through_position): the handler of the projection ledger.daily_totals.
-- In the transaction that claimed subscription "daily_totals" (ledger.claim_subscription), adds
-- the events after its checkpoint up to through_position to the totals of their account and UTC
-- day, and advances the checkpoint there: totals and checkpoint commit together, so each event
-- is counted exactly once however often it is called. Returns the number of events applied.
--
-- A ledger_writer can only do what the daily_totals subscriber does (see claim_subscription).
-- Raises LG009 (from ledger.advance_subscription) when the subscription is not claimed in this
-- transaction or the position is behind its checkpoint or beyond the last position.
CREATE OR REPLACE FUNCTION ledger.daily_totals_apply(p_through_position bigint)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_from bigint;
BEGIN
    SELECT s.position INTO v_from FROM ledger.subscriptions AS s WHERE s.name = 'daily_totals';
    PERFORM ledger.advance_subscription('daily_totals', p_through_position);
    INSERT INTO ledger.daily_totals AS t (account_id, day, deposits, withdrawals, event_count)
    SELECT u.aggregate_id,
           (u.occurred_at AT TIME ZONE 'UTC')::date,
           coalesce(pg_catalog.sum((u.payload ->> 'amount')::numeric) FILTER (WHERE u.event_type = 'MoneyDeposited'), 0),
           coalesce(pg_catalog.sum((u.payload ->> 'amount')::numeric) FILTER (WHERE u.event_type = 'MoneyWithdrawn'), 0),
           pg_catalog.count(*)
    FROM ledger.positioned_events(v_from, p_through_position) AS p
    CROSS JOIN LATERAL ledger.upcast(p.event) AS u
    GROUP BY u.aggregate_id, (u.occurred_at AT TIME ZONE 'UTC')::date
    ON CONFLICT (account_id, day) DO UPDATE
    SET deposits = t.deposits + excluded.deposits,
        withdrawals = t.withdrawals + excluded.withdrawals,
        event_count = t.event_count + excluded.event_count;
    RETURN p_through_position - v_from;
END;
$function$;

COMMENT ON FUNCTION ledger.daily_totals_apply(bigint) IS
'Handler of the daily_totals projection: adds the claimed batch''s events up to a position to their day''s totals and advances the checkpoint. Raises LG009.';
