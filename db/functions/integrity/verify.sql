-- ledger.verify(): replays every account with the strict fold (the set-based checks of
-- ledger.full_fold over all accounts at once, ledger.verify_account for any they do not prove) and compares it with the
-- projection. Returns the accounts that differ (no rows = every replay equals its projection):
-- the projection row, the replayed state, and `error` when the account's history cannot be
-- folded at all (a damaged history: the fold's SQLSTATE and message); every other account is
-- still checked. Snapshots: ledger.verify_snapshots; tampering: ledger.verify_chain. Raises
-- nothing of its own.
CREATE OR REPLACE FUNCTION ledger.verify()
RETURNS TABLE (account_id uuid, projection ledger.account, replayed ledger.account, error text)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET work_mem = '64MB'
AS $function$
DECLARE
    v_differing uuid[];
BEGIN
    -- One set-based pass; if it raises (a negative running balance, a malformed amount), account
    -- by account instead.
    BEGIN
        -- The query of ledger.full_fold_pass, for every account, written out: Citus plans a SQL function's
        -- query over distributed tables only when it is the whole statement, not when it is
        -- joined. An account whose history it does not prove legal gets a NULL state and goes to
        -- ledger.verify_account. (tests/test_fast_fold.py holds both to the PL/pgSQL fold.)
        SELECT pg_catalog.array_agg(coalesce(a.account_id, r.account_id))
        INTO v_differing
        FROM ledger.accounts AS a
        FULL JOIN (
            SELECT
                g.aggregate_id AS account_id,
                CASE
                    WHEN g.sequence = ARRAY(SELECT pg_catalog.generate_series(1::bigint, g.events))
                        AND g.amounts = g.events AND g.max_scale <= 2 AND g.zero = 1
                        AND o.event_type = 'AccountOpened'
                        THEN ROW(
                            g.aggregate_id,
                            ledger.upcast_payload(o.event_type, o.event_version, o.payload) ->> 'owner_name',
                            (g.running::numeric + 9223372036854775808) * 0.01,
                            g.events,
                            o.occurred_at,
                            g.last_at
                        )::ledger.account
                END AS state
            FROM (
                SELECT
                    s.aggregate_id,
                    count(*) AS events,
                    pg_catalog.array_agg(s.sequence_number) AS sequence,
                    ledger.nonnegative_running_sum((s.signed_amount * 100)::bigint) AS running,
                    max(pg_catalog.scale(s.signed_amount)) AS max_scale,
                    count(s.signed_amount) AS amounts,
                    count(*) FILTER (WHERE s.signed_amount = 0) AS zero,
                    max(s.occurred_at) AS last_at
                FROM (
                    SELECT
                        e.aggregate_id,
                        e.sequence_number,
                        e.occurred_at,
                        CASE e.event_type
                            WHEN 'MoneyDeposited'
                                THEN (ledger.upcast_payload(e.event_type, e.event_version, e.payload) ->> 'amount')::numeric
                            WHEN 'MoneyWithdrawn'
                                THEN -(ledger.upcast_payload(e.event_type, e.event_version, e.payload) ->> 'amount')::numeric
                            WHEN 'AccountOpened' THEN 0
                        END AS signed_amount
                    FROM ledger.events AS e
                    ORDER BY e.aggregate_id, e.occurred_at, e.sequence_number
                ) AS s
                GROUP BY s.aggregate_id
            ) AS g
            LEFT JOIN ledger.events AS o ON o.aggregate_id = g.aggregate_id AND o.sequence_number = 1
        ) AS r ON r.account_id = a.account_id
        WHERE r.account_id IS NULL
           OR a.account_id IS NULL
           OR r.state IS NULL
           OR ROW(a.account_id, a.owner_name, a.balance, a.version, a.opened_at, a.last_event_at)::ledger.account
              IS DISTINCT FROM r.state;
    EXCEPTION
        WHEN OTHERS THEN
            -- The ids first, then one account at a time (Citus cannot join a function call
            -- laterally to a union of distributed tables).
            v_differing := ARRAY(
                SELECT a.account_id FROM ledger.accounts AS a
                UNION
                SELECT DISTINCT e.aggregate_id FROM ledger.events AS e
            );
    END;
    RETURN QUERY
        SELECT c.account_id, c.projection, c.replayed, c.error
        FROM (SELECT DISTINCT d.id FROM pg_catalog.unnest(v_differing) AS d (id)) AS d
        CROSS JOIN LATERAL ledger.verify_account(d.id) AS c
        WHERE NOT c.equal
        ORDER BY c.account_id;
END;
$function$;

COMMENT ON FUNCTION ledger.verify() IS
'Replays every account and returns those whose replay differs from the projection, or whose history cannot be folded (error); no rows = equivalent.';
