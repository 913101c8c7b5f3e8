-- ledger.full_fold_pass(account_id): ledger.full_fold's set-based pass over one account's
-- history: one row when the account has events, with its state when the pass proves the history
-- legal and NULL when it does not (ledger.full_fold then decides, with the PL/pgSQL fold). Raises
-- when the running balance goes negative or an amount cannot be taken in whole bigint cents
-- (ledger.full_fold then lets the PL/pgSQL fold name the error). Internal. ledger.verify runs the
-- same query written out without the account filter, for every account at once
-- (tests/test_fast_fold.py checks that the two stay the same).
--
-- One sort of the events by (account, occurred_at, sequence_number), built-in aggregates, and
-- event 1 looked up by the unique index. A plain SQL function, inlined into its caller's query.
-- The account is a plain equality (no "NULL means all"): PL/pgSQL's generic plan of an OR would
-- scan the whole table.
CREATE OR REPLACE FUNCTION ledger.full_fold_pass(p_account_id uuid)
RETURNS TABLE (account_id uuid, state ledger.account)
LANGUAGE sql
STABLE
AS $function$
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
            WHERE e.aggregate_id = p_account_id
            ORDER BY e.aggregate_id, e.occurred_at, e.sequence_number
        ) AS s
        GROUP BY s.aggregate_id
    ) AS g
    LEFT JOIN ledger.events AS o ON o.aggregate_id = g.aggregate_id AND o.sequence_number = 1;
$function$;

COMMENT ON FUNCTION ledger.full_fold_pass(uuid) IS
'ledger.full_fold''s set-based pass over one account: its state where it proves the history legal, else NULL (internal).';
