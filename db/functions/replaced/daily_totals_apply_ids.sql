-- ledger.daily_totals_apply(ids bigint[]): replaced by ledger.daily_totals_apply(through_position)
-- (0009): it applied whatever events it was given, as often as it was called; the projection is
-- now applied only from the claimed batch of its subscription. Kept for one release so that an
-- old client is told what to call. Raises LG010.
CREATE OR REPLACE FUNCTION ledger.daily_totals_apply(p_ids bigint[])
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'LG010',
        MESSAGE = 'ledger.daily_totals_apply(bigint[]) was replaced by ledger.daily_totals_apply(through_position bigint)',
        HINT = 'Call it in the batch that claimed subscription daily_totals, or call ledger.daily_totals_catch_up().';
END;
$function$;

COMMENT ON FUNCTION ledger.daily_totals_apply(bigint[]) IS
'Replaced by ledger.daily_totals_apply(bigint) (kept for one release). Raises LG010.';
