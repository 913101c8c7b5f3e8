-- ledger.full_fold_all(accounts): ledger.full_fold's set-based pass for many accounts at once
-- (every account when NULL): one row per account with events, its state when the pass proves
-- its history legal, NULL when it does not (ledger.full_fold then decides, with the PL/pgSQL
-- fold). Raises when any history's running balance goes negative or an amount cannot be taken in
-- whole bigint cents: the caller then goes account by account. Internal: ledger.full_fold
-- calls it for one account; ledger.verify runs the same query written out, for all accounts.
--
-- One sort of all their events by (account, occurred_at, sequence_number), the same aggregates as
-- ledger.full_fold per account, and event 1 of each account looked up by the unique index. A
-- plain SQL function so that it is inlined into its caller's query (on Citus too).
CREATE OR REPLACE FUNCTION ledger.full_fold_all(p_accounts uuid[])
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
            WHERE p_accounts IS NULL OR e.aggregate_id = ANY(p_accounts)
            ORDER BY e.aggregate_id, e.occurred_at, e.sequence_number
        ) AS s
        GROUP BY s.aggregate_id
    ) AS g
    LEFT JOIN ledger.events AS o ON o.aggregate_id = g.aggregate_id AND o.sequence_number = 1;
$function$;

COMMENT ON FUNCTION ledger.full_fold_all(uuid[]) IS
'ledger.full_fold''s set-based pass over many accounts (all when NULL): the state where it proves the history legal, else NULL (internal).';
