-- ledger.sequence_bound(account_id, at): an upper bound, known from the snapshots, on the
-- sequence numbers of the account's events with occurred_at <= at: one less than the first
-- snapshot taken at a later time (occurred_at never decreases along an account's sequence, so
-- that snapshot's event and every one after it are later than `at`). NULL when no snapshot is
-- later than `at` (then the bound is the end of the history) or when `at` is NULL. Lets time
-- queries read at most about two snapshot intervals of events. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.sequence_bound(p_account_id uuid, p_at timestamptz)
RETURNS bigint
LANGUAGE plpgsql
STABLE
PARALLEL SAFE
AS $function$
BEGIN
    RETURN (
        SELECT s.sequence_number - 1
        FROM ledger.account_snapshots AS s
        WHERE s.account_id = p_account_id
          AND s.occurred_at > p_at
        ORDER BY s.occurred_at, s.sequence_number
        LIMIT 1
    );
END;
$function$;

COMMENT ON FUNCTION ledger.sequence_bound(uuid, timestamptz) IS
'Upper bound (from the snapshots) on the sequence numbers of an account''s events at or before a time; NULL: none known.';
