-- ledger.lock_positioner(): the positioner's state row, locked for the caller's transaction, or
-- NULL at once when another session holds it (or a migration: never waits). The one lock that
-- serializes the runs of the positioner. Internal. Raises nothing.
CREATE OR REPLACE FUNCTION ledger.lock_positioner()
RETURNS ledger.positioner
LANGUAGE plpgsql
AS $function$
DECLARE
    v_state ledger.positioner;
BEGIN
    LOCK TABLE ledger.positioner IN ROW SHARE MODE NOWAIT;
    SELECT p.* INTO STRICT v_state FROM ledger.positioner AS p FOR UPDATE NOWAIT;
    RETURN v_state;
EXCEPTION
    WHEN lock_not_available OR serialization_failure THEN
        RETURN NULL;
END;
$function$;

COMMENT ON FUNCTION ledger.lock_positioner() IS
'The positioner''s state row locked for this transaction, or NULL at once when it is held (internal).';
