-- 0003_security, as a database that has not applied it yet runs it (see db/fresh/README.md):
-- the same as db/migrations/0003_security.sql without creating or commenting on the roles.
-- Roles are set up after the migrations by db/roles.sql, with the names chosen for this
-- installation, and creating them needs CREATEROLE only when they do not exist yet.
--
-- 0003_security: the event store is append-only for everyone, and the application's roles can
-- reach the data only through the ledger's functions.
--
-- The roles' privileges are in db/privileges.sql, re-applied on every migrate after the
-- functions; neither role gets any privilege on a table or sequence.

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
