-- ledger.read_all(after_transaction, after_id, max_count): events of all accounts in global
-- order, for consumers that follow the whole store. Returns at most max_count events whose
-- position (transaction_id, id) is after (after_transaction, after_id) (start with 0, 0) and
-- whose transaction is older than the oldest transaction still running, ordered by position.
-- Payloads are upcast to the current event versions.
--
-- The guarantee: once a reader has seen position P, no event at a position before P can
-- become visible later, because every transaction older than the horizon has ended. Writers
-- are not serialized. The cost: a transaction that stays open (anywhere in the cluster, once
-- it has an xid) holds the horizon back, so later events wait until it ends; see
-- ledger.read_all_horizon. Raises LG005 on a NULL position or max_count outside 1..100000.
CREATE OR REPLACE FUNCTION ledger.read_all(
    p_after_transaction xid8 DEFAULT '0',
    p_after_id bigint DEFAULT 0,
    p_max_count integer DEFAULT 1000
)
RETURNS SETOF ledger.events
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF p_after_transaction IS NULL OR p_after_id IS NULL OR p_max_count IS NULL
        OR p_max_count NOT BETWEEN 1 AND 100000 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format(
                'read_all needs a position (transaction, id) and max_count between 1 and 100000, got (%s, %s) and %s',
                coalesce(p_after_transaction::text, 'NULL'), coalesce(p_after_id::text, 'NULL'),
                coalesce(p_max_count::text, 'NULL'));
    END IF;
    RETURN QUERY
        SELECT (ledger.upcast(e)).*
        FROM ledger.events AS e
        WHERE (e.transaction_id, e.id) > (p_after_transaction, p_after_id)
          AND e.transaction_id < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())
        ORDER BY e.transaction_id, e.id
        LIMIT p_max_count;
END;
$function$;

COMMENT ON FUNCTION ledger.read_all(xid8, bigint, integer) IS
'Events of all accounts after a global position (transaction_id, id), in that order, only from ended transactions: gap-safe. Raises LG005.';
