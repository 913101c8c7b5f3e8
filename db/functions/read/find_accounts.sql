-- ledger.find_accounts(owner_prefix, after, max_count): accounts whose owner name starts with
-- owner_prefix, ignoring case ('ada' finds 'Ada Lovelace'; % and _ are plain characters), with
-- their current state, at most max_count, ordered by lower-cased owner name (bytes) then id; the next
-- page starts after the last id of this one. Backed by the index on the lower-cased owner name.
-- Raises LG005 on a prefix that is NULL, empty or longer than 200 characters, or max_count
-- outside 1..10000.
CREATE OR REPLACE FUNCTION ledger.find_accounts(
    p_owner_prefix text,
    p_after uuid DEFAULT NULL,
    p_max_count integer DEFAULT 100
)
RETURNS SETOF ledger.account
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_pattern text;
    v_after_name text;
BEGIN
    PERFORM ledger.check_page_size(p_max_count);
    IF p_owner_prefix IS NULL OR pg_catalog.char_length(p_owner_prefix) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('owner_prefix must be 1 to 200 characters, got %s',
                coalesce(pg_catalog.char_length(p_owner_prefix)::text || ' characters', 'NULL'));
    END IF;
    v_pattern := pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
        pg_catalog.lower(p_owner_prefix), '\', '\\'), '%', '\%'), '_', '\_') || '%';
    IF p_after IS NOT NULL THEN
        SELECT pg_catalog.lower(a.owner_name) INTO v_after_name FROM ledger.accounts AS a WHERE a.account_id = p_after;
    END IF;
    RETURN QUERY
        SELECT a.account_id, a.owner_name, a.balance, a.version, a.opened_at, a.last_event_at
        FROM ledger.accounts AS a
        WHERE pg_catalog.lower(a.owner_name) COLLATE "C" LIKE v_pattern
          AND (v_after_name IS NULL
               OR (pg_catalog.lower(a.owner_name) COLLATE "C", a.account_id) > (v_after_name COLLATE "C", p_after))
        ORDER BY pg_catalog.lower(a.owner_name) COLLATE "C", a.account_id
        LIMIT p_max_count;
END;
$function$;

COMMENT ON FUNCTION ledger.find_accounts(text, uuid, integer) IS
'Accounts whose owner name starts with a prefix (any case), a page at a time; index-backed. Raises LG005.';
