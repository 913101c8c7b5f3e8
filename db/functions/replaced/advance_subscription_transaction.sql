-- ledger.advance_subscription(name, transaction_id, id, events): replaced by
-- ledger.advance_subscription(name, position) (0009: checkpoints are positions, and the count of
-- events is derived from them). Kept for one release so that an old client is told what to
-- call. Raises LG010.
CREATE OR REPLACE FUNCTION ledger.advance_subscription(
    p_name text,
    p_transaction_id xid8,
    p_id bigint,
    p_events bigint
)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'LG010',
        MESSAGE = 'ledger.advance_subscription(text, xid8, bigint, bigint) was replaced by ledger.advance_subscription(name text, position bigint)',
        HINT = 'Read with ledger.read_all(after_position, max_count) and advance to the position of the last event handled.';
END;
$function$;

COMMENT ON FUNCTION ledger.advance_subscription(text, xid8, bigint, bigint) IS
'Replaced by ledger.advance_subscription(text, bigint) (kept for one release). Raises LG010.';
