-- 0007_installation_roles: the names of this installation's two roles, recorded in the database
-- so that every later migrate grants to the same roles. Chosen at the first install
-- (`pgledger migrate --writer-role R --reader-role R`, or `psql -v writer_role=R -v
-- reader_role=R -f install.sql`), which the migrator passes in the settings
-- pgledger.writer_role and pgledger.reader_role; default ledger_writer and ledger_reader, the
-- roles that earlier releases created. Two databases of one cluster that must not share their
-- writers use different names. db/roles.sql creates missing roles (when the installing role
-- may) and db/privileges.sql grants to them.
ALTER TABLE ledger.settings
ADD COLUMN writer_role text,
ADD COLUMN reader_role text;

UPDATE ledger.settings
SET
    writer_role = coalesce(nullif(pg_catalog.current_setting('pgledger.writer_role', TRUE), ''), 'ledger_writer'),
    reader_role = coalesce(nullif(pg_catalog.current_setting('pgledger.reader_role', TRUE), ''), 'ledger_reader');

ALTER TABLE ledger.settings
ALTER COLUMN writer_role SET NOT NULL,
ALTER COLUMN reader_role SET NOT NULL,
ADD CONSTRAINT settings_roles_check CHECK (
    writer_role <> reader_role
    AND pg_catalog.char_length(writer_role) BETWEEN 1 AND 63
    AND pg_catalog.char_length(reader_role) BETWEEN 1 AND 63
);

COMMENT ON COLUMN ledger.settings.writer_role IS
'The role that may append and read through the ledger functions (granted to application logins).';
COMMENT ON COLUMN ledger.settings.reader_role IS 'The role that may only read through the ledger functions.';
