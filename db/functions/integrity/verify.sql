-- ledger.verify(): replays every account with the strict fold and compares it with the
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
AS $function$
DECLARE
    v_differing uuid[];
BEGIN
    -- One set-based pass; if a history cannot be folded, account by account instead.
    BEGIN
        SELECT pg_catalog.array_agg(coalesce(a.account_id, r.aggregate_id))
        INTO v_differing
        FROM ledger.accounts AS a
        FULL JOIN (
            SELECT e.aggregate_id, ledger.account_fold(ROW(e.*)::ledger.events ORDER BY e.sequence_number) AS state
            FROM ledger.events AS e
            GROUP BY e.aggregate_id
        ) AS r ON r.aggregate_id = a.account_id
        WHERE r.aggregate_id IS NULL
           OR a.account_id IS NULL
           OR ROW(a.account_id, a.owner_name, a.balance, a.version, a.opened_at, a.last_event_at)::ledger.account
              IS DISTINCT FROM r.state;
    EXCEPTION
        WHEN OTHERS THEN
            v_differing := NULL;
            RETURN QUERY
                SELECT c.account_id, c.projection, c.replayed, c.error
                FROM (
                    SELECT a.account_id FROM ledger.accounts AS a
                    UNION
                    SELECT DISTINCT e.aggregate_id FROM ledger.events AS e
                ) AS ids
                CROSS JOIN LATERAL ledger.verify_account(ids.account_id) AS c
                WHERE NOT c.equal
                ORDER BY c.account_id;
            RETURN;
    END;
    RETURN QUERY
        SELECT c.account_id, c.projection, c.replayed, c.error
        FROM pg_catalog.unnest(v_differing) AS d (id)
        CROSS JOIN LATERAL ledger.verify_account(d.id) AS c
        ORDER BY c.account_id;
END;
$function$;

COMMENT ON FUNCTION ledger.verify() IS
'Replays every account and returns those whose replay differs from the projection, or whose history cannot be folded (error); no rows = equivalent.';
