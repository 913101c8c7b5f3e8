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
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_state ledger.positioner;
BEGIN
    SELECT p.* INTO STRICT v_state FROM ledger.positioner AS p;
    last_position := v_state.last_position;
    positioned_at := v_state.positioned_at;
    IF pg_catalog.to_regclass('ledger.position_queue') IS NOT NULL THEN
        -- Citus: what is queued and has no position yet.
        WITH queued AS MATERIALIZED (SELECT q.id FROM ledger.position_queue AS q)
        SELECT pg_catalog.count(*) INTO waiting FROM queued AS q
        WHERE NOT EXISTS (SELECT FROM ledger.event_positions AS p WHERE p.id = q.id);
    ELSE
        SELECT pg_catalog.count(*) INTO waiting
        FROM ledger.events AS e
        WHERE (e.transaction_id >= v_state.frontier OR e.transaction_id = ANY (v_state.pending)
               OR e.id > v_state.anchor_after
               OR v_state.system_identifier <> (SELECT c.system_identifier FROM pg_catalog.pg_control_system() AS c))
          AND NOT EXISTS (SELECT FROM ledger.event_positions AS q WHERE q.id = e.id);
    END IF;
    -- Only the positioner locks ledger.positioner for writing (a migration locks it EXCLUSIVE).
    SELECT l.pid, a.state, pg_catalog.clock_timestamp() - a.xact_start
    INTO holder_pid, holder_state, holder_xact_age
    FROM pg_catalog.pg_locks AS l
    LEFT JOIN pg_catalog.pg_stat_activity AS a ON a.pid = l.pid
    WHERE l.relation = 'ledger.positioner'::pg_catalog.regclass AND l.granted
      AND l.mode IN ('RowShareLock', 'RowExclusiveLock', 'ExclusiveLock')
      AND l.pid <> pg_catalog.pg_backend_pid()
    ORDER BY a.xact_start
    LIMIT 1;
    RETURN NEXT;
END;
$function$;

COMMENT ON FUNCTION ledger.read_all_status() IS
'How far global positions have come: the last position, when it was given, how many committed events wait for one, and the session holding the positioner.';
