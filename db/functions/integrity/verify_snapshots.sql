-- ledger.verify_snapshots(): checks every snapshot against the strict fold of its account's
-- events up to its sequence number. Returns the snapshots that differ (no rows = every snapshot
-- is the state it claims): the snapshot, the replayed state (NULL when the account's history
-- cannot be folded that far: error says why). Snapshots are derived data that reads trust for
-- speed (load_account, account_state_at, ...); a changed snapshot changes their answers, so
-- check them, and repair with ledger.rebuild_snapshots. One pass over the events of the
-- accounts that have snapshots. Raises nothing of its own.
CREATE OR REPLACE FUNCTION ledger.verify_snapshots()
RETURNS TABLE (account_id uuid, sequence_number bigint, snapshot ledger.account, replayed ledger.account, error text)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_account uuid;
    v_numbers bigint[];
    v_states ledger.account[];
BEGIN
    FOR v_account IN SELECT DISTINCT s.account_id FROM ledger.account_snapshots AS s ORDER BY s.account_id LOOP
        -- Computed first, returned after: an error in the fold must not leave half a result.
        BEGIN
            WITH folded AS (
                SELECT e.sequence_number,
                       ledger.account_fold(ROW(e.*)::ledger.events) OVER (ORDER BY e.sequence_number) AS state
                FROM ledger.events AS e
                WHERE e.aggregate_id = v_account
                  AND e.sequence_number <= (SELECT pg_catalog.max(s.sequence_number)
                                            FROM ledger.account_snapshots AS s WHERE s.account_id = v_account)
            )
            SELECT pg_catalog.array_agg(s.sequence_number ORDER BY s.sequence_number),
                   pg_catalog.array_agg(f.state ORDER BY s.sequence_number)
            INTO v_numbers, v_states
            FROM ledger.account_snapshots AS s
            LEFT JOIN folded AS f ON f.sequence_number = s.sequence_number
            WHERE s.account_id = v_account
              AND ROW(s.account_id, s.owner_name, s.balance, s.sequence_number, s.opened_at, s.occurred_at)::ledger.account
                  IS DISTINCT FROM f.state;
        EXCEPTION
            WHEN OTHERS THEN
                RETURN QUERY
                    SELECT s.account_id, s.sequence_number,
                           ROW(s.account_id, s.owner_name, s.balance, s.sequence_number, s.opened_at,
                               s.occurred_at)::ledger.account,
                           NULL::ledger.account, SQLSTATE || ': ' || SQLERRM
                    FROM ledger.account_snapshots AS s
                    WHERE s.account_id = v_account
                    ORDER BY s.sequence_number;
                CONTINUE;
        END;
        RETURN QUERY
            SELECT s.account_id, s.sequence_number,
                   ROW(s.account_id, s.owner_name, s.balance, s.sequence_number, s.opened_at, s.occurred_at)::ledger.account,
                   v_states[d.n], NULL::text
            FROM pg_catalog.unnest(v_numbers) WITH ORDINALITY AS d (sequence_number, n)
            JOIN ledger.account_snapshots AS s ON s.account_id = v_account AND s.sequence_number = d.sequence_number
            ORDER BY s.sequence_number;
    END LOOP;
END;
$function$;

COMMENT ON FUNCTION ledger.verify_snapshots() IS
'Checks every snapshot against the fold of its account''s events up to it; returns those that differ (no rows = all correct).';
