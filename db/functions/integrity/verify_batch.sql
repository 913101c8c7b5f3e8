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
    WITH page AS (
        -- The next ids of the event store and of the projection. (A loose index scan by a
        -- recursive CTE would read fewer index entries, but the page folds every event of these
        -- accounts anyway, and Citus runs a recursive CTE only with a filter on the account.)
        SELECT u.id
        FROM (
            (SELECT DISTINCT e.aggregate_id AS id FROM ledger.events AS e
             WHERE p_after IS NULL OR e.aggregate_id > p_after
             ORDER BY e.aggregate_id LIMIT p_max_count)
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
