-- ledger.read_all(after_transaction xid8, after_id, max_count): replaced by
-- ledger.read_all(after_position bigint, max_count) when global order moved from transaction ids
-- (which belong to one cluster) to positions (0009). Kept for one release so that an old client
-- is told what to call. A position (transaction_id, id) an old client kept converts with
-- ledger.legacy_position. Raises LG010.
CREATE OR REPLACE FUNCTION ledger.read_all(p_after_transaction xid8, p_after_id bigint, p_max_count integer)
RETURNS SETOF ledger.events
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'LG010',
        MESSAGE = 'ledger.read_all(xid8, bigint, integer) was replaced by ledger.read_all(after_position bigint, max_count integer)',
        HINT = pg_catalog.format(
            'Every event now has a global position; your position (%s, %s) is ledger.legacy_position(%L, %s).',
            p_after_transaction, p_after_id, p_after_transaction, p_after_id);
END;
$function$;

COMMENT ON FUNCTION ledger.read_all(xid8, bigint, integer) IS
'Replaced by ledger.read_all(bigint, integer) (kept for one release). Raises LG010.';
