-- 0003_security: the event store is append-only for everyone, and the application's roles can
-- reach the data only through the ledger's functions.
--
-- Roles (NOLOGIN groups; cluster-wide, created once, shared by every database that installs
-- pgledger): grant them to your login roles.
--   ledger_writer: may call the commands, ledger.append and the read functions.
--   ledger_reader: may call the read functions only.
-- Neither gets any privilege on a table or sequence. The privileges themselves are in
-- db/privileges.sql, re-applied on every migrate after the functions.
DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'ledger_writer') THEN
        CREATE ROLE ledger_writer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'ledger_reader') THEN
        CREATE ROLE ledger_reader NOLOGIN;
    END IF;
END;
$roles$;

COMMENT ON ROLE ledger_writer IS 'pgledger: may append (commands, ledger.append) and read through the ledger functions.';
COMMENT ON ROLE ledger_reader IS 'pgledger: may read through the ledger functions only.';

-- Immutability: UPDATE, DELETE and TRUNCATE of ledger.events raise LG007 for every role, the
-- table owner and superusers included. ENABLE ALWAYS: the triggers fire even under
-- session_replication_role = replica, which silences ordinary triggers.
CREATE FUNCTION ledger.refuse_history_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'LG007',
        MESSAGE = pg_catalog.format('%s on ledger.events is refused: the event history is append-only', TG_OP),
        HINT = 'Correct a mistake by appending a compensating event (for example MoneyDeposited after a wrong MoneyWithdrawn).';
END;
$function$;

COMMENT ON FUNCTION ledger.refuse_history_change() IS
'Trigger: refuses UPDATE, DELETE and TRUNCATE on ledger.events with LG007.';

CREATE TRIGGER events_refuse_update_delete
BEFORE UPDATE OR DELETE ON ledger.events
FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_history_change();

CREATE TRIGGER events_refuse_truncate
BEFORE TRUNCATE ON ledger.events
FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_history_change();

ALTER TABLE ledger.events ENABLE ALWAYS TRIGGER events_refuse_update_delete;
ALTER TABLE ledger.events ENABLE ALWAYS TRIGGER events_refuse_truncate;

-- Nothing in schema ledger is anyone's but the owner's unless db/privileges.sql grants it.
REVOKE ALL ON SCHEMA ledger FROM public;
REVOKE ALL ON ALL TABLES IN SCHEMA ledger FROM public;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA ledger FROM public;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ledger FROM public;
ALTER DEFAULT PRIVILEGES IN SCHEMA ledger REVOKE EXECUTE ON FUNCTIONS FROM public;
