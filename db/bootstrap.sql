-- Bootstrap: the first step of `pgledger migrate` and of db/install.sql, in their transaction,
-- with search_path = pg_catalog, pg_temp (so nothing an untrusted role put in another schema
-- is picked up). Idempotent. It:
--   1. refuses a schema `ledger` or a table `ledger.schema_migrations` that the installing role
--      does not own (a role that created them first could later drop or alter the ledger);
--   2. takes the migration lock: an EXCLUSIVE lock on ledger.schema_migrations, which only its
--      owner can take, or, on a database without pgledger yet, an advisory lock (anyone can
--      take an advisory lock: after 60 s, or the seconds in the setting
--      pgledger.migration_lock_wait, it fails naming who holds it);
--   3. creates the schema and the migrations table;
--   4. locks the tables the append path writes, in the order the writers take them (accounts,
--      snapshots, events, then the positioning tables), so re-creating their triggers while
--      writers run cannot deadlock with them.
-- Raises LG011 (installation refused) for 1 and for a lock it cannot get.
DO $bootstrap$
DECLARE
    v_owner name;
    v_holders text;
    v_wait numeric := coalesce(nullif(pg_catalog.current_setting('pgledger.migration_lock_wait', TRUE), ''), '60');
    v_deadline timestamptz := pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => v_wait);
BEGIN
    SELECT r.rolname INTO v_owner
    FROM pg_catalog.pg_namespace AS n
    JOIN pg_catalog.pg_roles AS r ON r.oid = n.nspowner
    WHERE n.nspname = 'ledger';
    IF FOUND AND v_owner <> current_user THEN
        RAISE EXCEPTION USING
            ERRCODE = 'LG011',
            MESSAGE = pg_catalog.format('schema ledger belongs to role %I, not to %I, the role installing pgledger',
                v_owner, current_user),
            HINT = 'Install as the role that owns schema ledger, or drop a schema ledger that another role created.';
    END IF;
    IF pg_catalog.to_regclass('ledger.schema_migrations') IS NOT NULL THEN
        SELECT r.rolname INTO v_owner
        FROM pg_catalog.pg_class AS c
        JOIN pg_catalog.pg_roles AS r ON r.oid = c.relowner
        WHERE c.oid = 'ledger.schema_migrations'::pg_catalog.regclass;
        IF v_owner <> current_user THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG011',
                MESSAGE = pg_catalog.format('table ledger.schema_migrations belongs to role %I, not to %I',
                    v_owner, current_user),
                HINT = 'Install as the role that owns the ledger.';
        END IF;
        LOCK TABLE ledger.schema_migrations IN EXCLUSIVE MODE;
    ELSE
        -- 8099561637581120882: the bytes of "pgledger" read as a bigint.
        WHILE NOT pg_catalog.pg_try_advisory_xact_lock(8099561637581120882) LOOP
            IF pg_catalog.clock_timestamp() > v_deadline THEN
                SELECT pg_catalog.string_agg(pg_catalog.format('pid %s (role %s)', a.pid, a.usename), ', ')
                INTO v_holders
                FROM pg_catalog.pg_locks AS l
                JOIN pg_catalog.pg_stat_activity AS a ON a.pid = l.pid
                WHERE l.locktype = 'advisory' AND l.granted AND l.database = (
                    SELECT d.oid FROM pg_catalog.pg_database AS d WHERE d.datname = pg_catalog.current_database()
                ) AND l.classid = 1885826149 AND l.objid = 1684497778;
                RAISE EXCEPTION USING
                    ERRCODE = 'LG011',
                    MESSAGE = pg_catalog.format('the migration lock has been held for %s s by %s',
                        v_wait, coalesce(v_holders, 'a session that has ended')),
                    HINT = 'Another installation is running, or a session holds advisory lock 8099561637581120882.';
            END IF;
            PERFORM pg_catalog.pg_sleep(0.05);
        END LOOP;
    END IF;
END;
$bootstrap$;

CREATE SCHEMA IF NOT EXISTS ledger;

REVOKE ALL ON SCHEMA ledger FROM public;

COMMENT ON SCHEMA ledger IS
'pgledger: append-only, event-sourced account ledger. The API is the functions of this schema.';

CREATE TABLE IF NOT EXISTS ledger.schema_migrations (
    version text PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);

COMMENT ON TABLE ledger.schema_migrations IS
'One row per applied file of db/migrations, with the SHA-256 of its text when it was applied.';

-- The writers' order: the projection row (and its snapshot trigger), then the event rows; the
-- positioner its state row, then the positions. SHARE ROW EXCLUSIVE keeps writers out and
-- lets readers read; EXCLUSIVE on the positioner's state also keeps the positioner out.
DO $lock$
DECLARE
    v_table text;
BEGIN
    FOREACH v_table IN ARRAY ARRAY['accounts', 'account_snapshots', 'events', 'event_positions', 'merkle_nodes'] LOOP
        IF pg_catalog.to_regclass('ledger.' || v_table) IS NOT NULL THEN
            EXECUTE pg_catalog.format('LOCK TABLE ledger.%I IN SHARE ROW EXCLUSIVE MODE', v_table);
        END IF;
        IF v_table = 'events' AND pg_catalog.to_regclass('ledger.positioner') IS NOT NULL THEN
            LOCK TABLE ledger.positioner IN EXCLUSIVE MODE;
        END IF;
    END LOOP;
END;
$lock$;
