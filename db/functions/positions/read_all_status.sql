-- ledger.read_all_status(): how far global positions have come, and what holds them back.
-- last_position: the highest position given; positioned_at: when the last ones were given;
-- waiting: events that have committed but have no position yet (those of transactions still
-- open are not counted: they hold back only themselves); holder_pid, holder_state,
-- holder_xact_age: the session holding the positioner (a transaction that called
-- ledger.assign_positions or ledger.read_all and is still open), NULL when none. While one holds
-- it, no new positions are given and followers wait. (holder_state and holder_xact_age need the
-- owner to see other roles' sessions: GRANT pg_read_all_stats to it.) Raises nothing.
CREATE OR REPLACE FUNCTION ledger.read_all_status()
RETURNS TABLE (
    last_position bigint,
    positioned_at timestamptz,
    waiting bigint,
    holder_pid integer,
    holder_state text,
    holder_xact_age interval
)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
    SELECT p.last_position,
           p.positioned_at,
           (SELECT pg_catalog.count(*)
            FROM ledger.events AS e
            WHERE (e.transaction_id >= p.frontier OR e.transaction_id = ANY (p.pending) OR e.id > p.anchor_after
                   OR p.system_identifier <> (SELECT c.system_identifier FROM pg_catalog.pg_control_system() AS c))
              AND NOT EXISTS (SELECT FROM ledger.event_positions AS q WHERE q.id = e.id)),
           l.pid,
           a.state,
           pg_catalog.clock_timestamp() - a.xact_start
    FROM ledger.positioner AS p
    -- Only the positioner locks ledger.positioner for writing (a migration locks it EXCLUSIVE).
    LEFT JOIN pg_catalog.pg_locks AS l
        ON l.relation = 'ledger.positioner'::pg_catalog.regclass AND l.granted
       AND l.mode IN ('RowShareLock', 'RowExclusiveLock', 'ExclusiveLock')
       AND l.pid <> pg_catalog.pg_backend_pid()
    LEFT JOIN pg_catalog.pg_stat_activity AS a ON a.pid = l.pid
    ORDER BY a.xact_start
    LIMIT 1;
$function$;

COMMENT ON FUNCTION ledger.read_all_status() IS
'How far global positions have come: the last position, when it was given, how many committed events wait for one, and the session holding the positioner.';
