-- ledger.totals(): the whole ledger in one row: as_of_position (every event up to this global
-- position is counted), accounts, events, deposited and withdrawn (sums of the amounts) and
-- balance (their difference: the sum of every account's balance). Reads one row, whatever the
-- size of the ledger: the totals are kept in ledger.ledger_totals from the events after its
-- checkpoint. On the primary, when its transaction has written nothing yet, it first brings them
-- up to date (positions for new events, then at most 100,000 events counted; a larger backlog
-- is finished by the next calls). On a standby, or when another session is updating them, it
-- answers as of the last update: as_of_position says how far that is.
--
-- A ledger_reader can only make the totals current. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.totals()
RETURNS TABLE (
    as_of_position bigint,
    accounts bigint,
    events bigint,
    deposited numeric,
    withdrawn numeric,
    balance numeric
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF pg_catalog.pg_current_xact_id_if_assigned() IS NULL AND NOT pg_catalog.pg_is_in_recovery()
        AND NOT pg_catalog.current_setting('transaction_read_only')::boolean THEN
        PERFORM ledger.assign_positions(100000);
        PERFORM ledger.ledger_totals_catch_up(100000);
    END IF;
    RETURN QUERY
        SELECT s.position, t.account_count, t.event_count, t.deposited, t.withdrawn, t.deposited - t.withdrawn
        FROM ledger.ledger_totals AS t
        CROSS JOIN ledger.subscriptions AS s
        WHERE s.name = 'ledger_totals';
END;
$function$;

COMMENT ON FUNCTION ledger.totals() IS
'The whole ledger in one row (accounts, events, deposited, withdrawn, balance) as of a global position; never scans the store.';
