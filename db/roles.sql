-- Roles: run by `pgledger migrate` and db/install.sql after the migrations, before the
-- privileges. Makes sure the installation's two roles (ledger.settings.writer_role and
-- reader_role, recorded at the first install) exist: a missing one is created (NOLOGIN) when
-- the installing role may create roles, else the install stops and says what a DBA must run.
-- Names asked for in this run (pgledger.writer_role / pgledger.reader_role) must be the
-- recorded ones: an installation does not change roles silently. Neither role may be the
-- installing role itself. Raises LG011.
DO $roles$
DECLARE
    v_writer text;
    v_reader text;
    v_role text;
    v_asked text;
    v_recorded text;
    v_may_create boolean;
BEGIN
    SELECT s.writer_role, s.reader_role INTO STRICT v_writer, v_reader FROM ledger.settings AS s;
    FOREACH v_role IN ARRAY ARRAY['writer', 'reader'] LOOP
        v_asked := nullif(pg_catalog.current_setting('pgledger.' || v_role || '_role', TRUE), '');
        v_recorded := CASE v_role WHEN 'writer' THEN v_writer ELSE v_reader END;
        IF v_asked <> v_recorded THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG011',
                MESSAGE = pg_catalog.format('this installation''s %s role is %I, not %I', v_role, v_recorded, v_asked),
                HINT = 'Role names are chosen at the first install; migrate without them, or with the recorded ones.';
        END IF;
    END LOOP;
    SELECT r.rolsuper OR r.rolcreaterole INTO v_may_create FROM pg_catalog.pg_roles AS r WHERE r.rolname = current_user;
    FOREACH v_role IN ARRAY ARRAY[v_writer, v_reader] LOOP
        IF v_role = current_user THEN
            RAISE EXCEPTION USING
                ERRCODE = 'LG011',
                MESSAGE = pg_catalog.format('role %I installs pgledger and cannot also be its writer or reader role',
                    v_role);
        END IF;
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles AS r WHERE r.rolname = v_role) THEN
            IF NOT v_may_create THEN
                RAISE EXCEPTION USING
                    ERRCODE = 'LG011',
                    MESSAGE = pg_catalog.format('role %I does not exist, and %I may not create roles', v_role,
                        current_user),
                    HINT = pg_catalog.format('A DBA runs: CREATE ROLE %I NOLOGIN; then install again.', v_role);
            END IF;
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', v_role);
            v_recorded := CASE v_role WHEN v_writer THEN 'may append and read through the ledger functions.'
                ELSE 'may read through the ledger functions only.' END;
            EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', v_role,
                pg_catalog.format('pgledger (database %s): %s', pg_catalog.current_database(), v_recorded));
        END IF;
    END LOOP;
END;
$roles$;
