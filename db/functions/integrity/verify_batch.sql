-- ledger.verify_batch(after, max_count): ledger.verify one page at a time, for progress
-- reporting. Takes the next `max_count` account ids after `after` (NULL: from the start) among
-- the accounts of the projection and of the event store, and returns one row per account:
-- whether its full replay equals its projection row, both states, and the fold's error when its
-- history cannot be folded (the account is reported, the page goes on). Page on the last
-- account_id returned; an empty page means done. Raises LG005 unless max_count >= 1.
CREATE OR REPLACE FUNCTION ledger.verify_batch(p_after uuid, p_max_count integer)
RETURNS TABLE (account_id uuid, equal boolean, projection ledger.account, replayed ledger.account, error text)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF p_max_count IS NULL OR p_max_count < 1 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG005',
            MESSAGE = pg_catalog.format('max_count must be 1 or more, got %s', coalesce(p_max_count::text, 'NULL'));
    END IF;
    RETURN QUERY
    WITH RECURSIVE event_ids (id, n) AS (
        -- The distinct aggregate ids of the event store after p_after, one index probe each.
        SELECT (SELECT e.aggregate_id FROM ledger.events AS e
                WHERE p_after IS NULL OR e.aggregate_id > p_after
                ORDER BY e.aggregate_id LIMIT 1), 1
        UNION ALL
        SELECT (SELECT e.aggregate_id FROM ledger.events AS e
                WHERE e.aggregate_id > i.id
                ORDER BY e.aggregate_id LIMIT 1), i.n + 1
        FROM event_ids AS i
        WHERE i.id IS NOT NULL AND i.n < p_max_count
    ),
    page AS (
        SELECT u.id
        FROM (
            SELECT i.id FROM event_ids AS i WHERE i.id IS NOT NULL
            UNION
            (SELECT a.account_id FROM ledger.accounts AS a
             WHERE p_after IS NULL OR a.account_id > p_after
             ORDER BY a.account_id LIMIT p_max_count)
        ) AS u
        ORDER BY u.id
        LIMIT p_max_count
    ),
    checked AS (
        SELECT c.*
        FROM page AS p
        CROSS JOIN LATERAL ledger.verify_account(p.id) AS c
    )
    SELECT c.account_id, c.equal, c.projection, c.replayed, c.error
    FROM checked AS c
    ORDER BY c.account_id;
END;
$function$;

COMMENT ON FUNCTION ledger.verify_batch(uuid, integer) IS
'One page of ledger.verify: the next accounts after an id, each with whether replay equals projection (and the fold''s error, if any). Raises LG005 on max_count < 1.';
