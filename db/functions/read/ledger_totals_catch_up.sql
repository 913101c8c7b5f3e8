-- ledger.ledger_totals_catch_up(max_count): adds the events after the checkpoint of
-- subscription "ledger_totals" (at most max_count) to ledger.ledger_totals and advances the
-- checkpoint, in the caller's transaction; returns how many. 0 when another session holds the
-- subscription. Internal (called by ledger.totals): granted to no role. Raises nothing of its own.
CREATE OR REPLACE FUNCTION ledger.ledger_totals_catch_up(p_max_count integer)
RETURNS bigint
LANGUAGE plpgsql
AS $function$
DECLARE
    v_from bigint;
    v_through bigint;
BEGIN
    v_from := ledger.claim_subscription('ledger_totals');
    IF v_from IS NULL THEN
        RETURN 0;
    END IF;
    SELECT LEAST(v_from + p_max_count, coalesce(pg_catalog.max(p.position), 0)) INTO v_through
    FROM ledger.event_positions AS p;
    IF v_through <= v_from THEN
        RETURN 0;
    END IF;
    UPDATE ledger.ledger_totals AS t
    SET account_count = t.account_count + n.account_count,
        event_count = t.event_count + n.event_count,
        deposited = t.deposited + n.deposited,
        withdrawn = t.withdrawn + n.withdrawn
    FROM (
        SELECT pg_catalog.count(*) FILTER (WHERE (p.event).event_type = 'AccountOpened') AS account_count,
               pg_catalog.count(*) AS event_count,
               coalesce(pg_catalog.sum(((p.event).payload ->> 'amount')::numeric)
                   FILTER (WHERE (p.event).event_type = 'MoneyDeposited'), 0) AS deposited,
               coalesce(pg_catalog.sum(((p.event).payload ->> 'amount')::numeric)
                   FILTER (WHERE (p.event).event_type = 'MoneyWithdrawn'), 0) AS withdrawn
        FROM ledger.positioned_events(v_from, v_through) AS p
    ) AS n;
    PERFORM ledger.advance_subscription('ledger_totals', v_through);
    RETURN v_through - v_from;
END;
$function$;

COMMENT ON FUNCTION ledger.ledger_totals_catch_up(integer) IS
'Adds the events after the ledger_totals checkpoint (at most max_count) to ledger.ledger_totals (internal).';
