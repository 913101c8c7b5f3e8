-- ledger.accounts_list(after, max_count): every account's current state (the projection), a page
-- of at most max_count in account id order after the id `after` (NULL: from the first). Read the
-- next page with the last id of this one. Backed by the primary key: a page costs the same on a
-- million accounts as on ten. A ledger_reader sees only what the projection holds (no events).
-- Raises LG005 on max_count outside 1..10000.
CREATE OR REPLACE FUNCTION ledger.accounts_list(p_after uuid DEFAULT NULL, p_max_count integer DEFAULT 100)
RETURNS SETOF ledger.account
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    PERFORM ledger.check_page_size(p_max_count);
    RETURN QUERY
        SELECT a.account_id, a.owner_name, a.balance, a.version, a.opened_at, a.last_event_at
        FROM ledger.accounts AS a
        WHERE p_after IS NULL OR a.account_id > p_after
        ORDER BY a.account_id
        LIMIT p_max_count;
END;
$function$;

COMMENT ON FUNCTION ledger.accounts_list(uuid, integer) IS
'A page of accounts (current state) in id order after an id; index-backed. Raises LG005.';
