-- ledger.check_page_size(max_count): the page size rule of the paged reads (1..10000). Returns
-- it. Internal. Raises LG005.
CREATE OR REPLACE FUNCTION ledger.check_page_size(p_max_count integer)
RETURNS integer
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $function$
BEGIN
    IF p_max_count IS NULL OR p_max_count NOT BETWEEN 1 AND 10000 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('max_count must be between 1 and 10000, got %s',
                coalesce(p_max_count::text, 'NULL'));
    END IF;
    RETURN p_max_count;
END;
$function$;

COMMENT ON FUNCTION ledger.check_page_size(integer) IS
'The page size rule of the paged reads (1..10000); returns it or raises LG005.';
