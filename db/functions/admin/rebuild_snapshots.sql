-- ledger.rebuild_snapshots(account_id): recomputes the snapshots of one account (or of every
-- account when NULL) from the full history: deletes them, folds the events with
-- ledger.account_fold as a running (window) aggregate, and keeps the state after every
-- multiple of settings.snapshot_interval. Each account's row lock is taken first, so appends to
-- it wait instead of racing the rebuild. Returns the number of snapshots written. Raises
-- nothing on a stored history.
CREATE OR REPLACE FUNCTION ledger.rebuild_snapshots(p_account_id uuid DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_interval integer;
    v_account uuid;
    v_written bigint;
    v_total bigint := 0;
BEGIN
    SELECT s.snapshot_interval INTO v_interval FROM ledger.settings AS s;
    FOR v_account IN
        SELECT a.account_id
        FROM ledger.accounts AS a
        WHERE p_account_id IS NULL OR a.account_id = p_account_id
        ORDER BY a.account_id
        FOR UPDATE
    LOOP
        DELETE FROM ledger.account_snapshots AS s WHERE s.account_id = v_account;
        INSERT INTO ledger.account_snapshots (account_id, sequence_number, owner_name, balance, opened_at, occurred_at)
        SELECT (r.state).account_id, (r.state).version, (r.state).owner_name, (r.state).balance,
               (r.state).opened_at, (r.state).last_event_at
        FROM (
            SELECT e.sequence_number,
                   ledger.account_fold(ROW(e.*)::ledger.events) OVER (ORDER BY e.sequence_number) AS state
            FROM ledger.events AS e
            WHERE e.aggregate_id = v_account
        ) AS r
        WHERE r.sequence_number % v_interval = 0;
        GET DIAGNOSTICS v_written = ROW_COUNT;
        v_total := v_total + v_written;
    END LOOP;
    RETURN v_total;
END;
$function$;

COMMENT ON FUNCTION ledger.rebuild_snapshots(uuid) IS
'Recomputes the snapshots of one account (NULL: all) from the full history; returns how many were written.';
