"""Installing as a DBA: no superuser needed, roles per installation, a schema another role made is
refused, search_path pinned, the migration lock cannot be squatted, migrate beside live writers."""

from __future__ import annotations

import shutil
import subprocess
import threading
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from pgledger import Ledger, MigrationError
from pgledger.migrate import migrate
from pgledger.server import bin_dir
from tests.conftest import Cluster

REPO = Path(__file__).resolve().parents[1]


def grant(cluster: Cluster, dbname: str, statement: str) -> None:
    """Run a statement as the server's superuser in `dbname`."""
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        conn.execute(statement)


def plain_owner(cluster: Cluster, dbname: str) -> str:
    """A login role with no special attribute that may create schemas in `dbname`: an owner."""
    owner = cluster.role("owner")
    grant(cluster, dbname, f'GRANT CREATE ON DATABASE "{dbname}" TO "{owner}"')
    return owner


def member(cluster: Cluster, group: str) -> str:
    login = cluster.role("app")
    with cluster.admin() as conn:
        conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(login)))
    return login


def psql(conninfo: str, script: Path, *variables: str) -> subprocess.CompletedProcess[str]:
    args = [str(bin_dir() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    for variable in variables:
        args += ["-v", variable]
    return subprocess.run(
        [*args, "-d", conninfo, "-f", str(script)], capture_output=True, text=True, cwd="/", check=False
    )


def test_a_plain_owner_installs_when_a_dba_made_the_roles(cluster: Cluster) -> None:
    db = cluster.database()
    owner = plain_owner(cluster, db)
    writer, reader = cluster.role("w", login=False), cluster.role("r", login=False)
    report = migrate(cluster.conninfo(db, owner), writer_role=writer, reader_role=reader)
    assert "0001_core.sql" in report.applied
    assert migrate(cluster.conninfo(db, owner)).applied == []  # later runs need no names
    app = member(cluster, writer)
    with Ledger(cluster.conninfo(db, app)) as ledger:
        account = uuid.uuid4()
        ledger.open_account(account, "Installed without a superuser")
        assert ledger.deposit(account, Decimal("5.00")) == 2
        assert ledger.verify() == []
    with psycopg.connect(cluster.conninfo(db)) as conn:
        row = conn.execute("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'ledger'").fetchone()
        assert row == (owner,)


def test_a_plain_owner_is_told_which_roles_a_dba_must_create(cluster: Cluster) -> None:
    db = cluster.database()
    owner = plain_owner(cluster, db)
    missing = f"missing_writer_{uuid.uuid4().hex[:8]}"
    with pytest.raises(MigrationError) as caught:
        migrate(cluster.conninfo(db, owner), writer_role=missing, reader_role=cluster.role("r", login=False))
    assert caught.value.sqlstate == "LG011"
    assert f"role {missing} does not exist" in str(caught.value)
    assert caught.value.hint == f"A DBA runs: CREATE ROLE {missing} NOLOGIN; then install again."
    with psycopg.connect(cluster.conninfo(db)) as conn:  # nothing was installed
        assert conn.execute("SELECT to_regnamespace('ledger')").fetchone() == (None,)


def test_the_psql_script_installs_as_a_plain_owner_with_chosen_roles(cluster: Cluster, tmp_path: Path) -> None:
    db = cluster.database()
    owner = plain_owner(cluster, db)
    writer, reader = cluster.role("w", login=False), cluster.role("r", login=False)
    script = tmp_path / "install.sql"  # one file, copied anywhere
    shutil.copy(REPO / "db" / "install.sql", script)
    result = psql(cluster.conninfo(db, owner), script, f"writer_role={writer}", f"reader_role={reader}")
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")  # quiet: no NOTICE noise, no row counts
    app = member(cluster, writer)
    with Ledger(cluster.conninfo(db, app)) as ledger:
        ledger.open_account(uuid.uuid4(), "Installed by psql")


def test_a_writer_of_one_database_cannot_append_to_another(cluster: Cluster) -> None:
    one, two = cluster.database(), cluster.database()
    roles = {}
    for db in (one, two):
        writer, reader = cluster.role("w", login=False), cluster.role("r", login=False)
        migrate(cluster.conninfo(db), writer_role=writer, reader_role=reader)
        roles[db] = writer
    app = member(cluster, roles[one])
    with Ledger(cluster.conninfo(one, app)) as ledger:
        ledger.open_account(uuid.uuid4(), "Allowed here")
    with (
        psycopg.connect(cluster.conninfo(two, app), autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("SELECT ledger.open_account(%s, 'Not here')", (uuid.uuid4(),))
    with psycopg.connect(cluster.conninfo(two)) as conn:
        assert conn.execute("SELECT count(*) FROM ledger.events").fetchone() == (0,)


def test_an_installation_keeps_its_role_names(cluster: Cluster) -> None:
    db = cluster.database()
    writer, reader = cluster.role("w", login=False), cluster.role("r", login=False)
    migrate(cluster.conninfo(db), writer_role=writer, reader_role=reader)
    other = cluster.role("other", login=False)
    with pytest.raises(MigrationError, match=f"this installation's writer role is {writer}, not {other}"):
        migrate(cluster.conninfo(db), writer_role=other)


def test_a_schema_ledger_made_by_another_role_is_refused(cluster: Cluster) -> None:
    db = cluster.database()
    squatter = plain_owner(cluster, db)
    with psycopg.connect(cluster.conninfo(db, squatter), autocommit=True) as conn:
        conn.execute("CREATE SCHEMA ledger")
    with pytest.raises(MigrationError, match=f"schema ledger belongs to role {squatter}"):
        migrate(cluster.conninfo(db))
    with psycopg.connect(cluster.conninfo(db)) as conn:
        assert conn.execute("SELECT count(*) FROM pg_class WHERE relnamespace = 'ledger'::regnamespace").fetchone() == (
            0,
        )


def test_objects_another_role_planted_in_public_are_never_bound(cluster: Cluster) -> None:
    """CVE-2018-1058's pattern: an operator on varchar in public would be preferred to pg_catalog's
    text operator by a CHECK created under the default search_path."""
    db = cluster.database()
    attacker = cluster.role("attacker")
    grant(cluster, db, "GRANT CREATE ON SCHEMA public TO PUBLIC")  # as on PostgreSQL <= 14
    with psycopg.connect(cluster.conninfo(db, attacker), autocommit=True) as conn:
        conn.execute("CREATE TABLE public.calls (who text)")
        conn.execute("GRANT INSERT ON public.calls TO PUBLIC")
        conn.execute(
            "CREATE FUNCTION public.spy(varchar, varchar) RETURNS boolean LANGUAGE sql AS"
            " $$ INSERT INTO public.calls VALUES (current_user) RETURNING $1::text = $2::text $$"
        )
        conn.execute("CREATE OPERATOR public.= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = public.spy)")
        conn.execute(
            "CREATE FUNCTION public.spy_ge(numeric, integer) RETURNS boolean LANGUAGE sql AS"
            " $$ INSERT INTO public.calls VALUES (current_user) RETURNING $1 >= $2::numeric $$"
        )
        conn.execute("CREATE OPERATOR public.>= (LEFTARG = numeric, RIGHTARG = integer, FUNCTION = public.spy_ge)")
    migrate(cluster.conninfo(db))
    with psycopg.connect(cluster.conninfo(db), autocommit=True) as conn:
        foreign = conn.execute(
            "SELECT DISTINCT d.classid::regclass::text, d.refobjid FROM pg_depend d"
            " JOIN pg_operator o ON d.refclassid = 'pg_operator'::regclass AND o.oid = d.refobjid"
            " WHERE o.oprnamespace = 'public'::regnamespace"
        ).fetchall()
        assert foreign == []
        account = uuid.uuid4()
        conn.execute("SET search_path = public, pg_catalog")  # the attacker's operators first
        conn.execute("SELECT ledger.open_account(%s, 'Ada')", (account,))
        conn.execute("SELECT ledger.deposit(%s, 10)", (account,))
        assert conn.execute("SELECT count(*) FROM public.calls").fetchone() == (0,)


def test_migrations_run_with_search_path_pinned(empty_db: str, sql_copy: Path) -> None:
    (sql_copy / "migrations" / "9000_probe.sql").write_text(
        "CREATE TABLE ledger.probe AS SELECT current_setting('search_path') AS path;\n"
    )
    migrate(empty_db)
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT path FROM ledger.probe").fetchone() == ("pg_catalog, pg_temp",)


def test_the_migration_lock_cannot_be_held_by_an_application_role(cluster: Cluster) -> None:
    db = cluster.database()
    writer, reader = cluster.role("w", login=False), cluster.role("r", login=False)
    migrate(cluster.conninfo(db), writer_role=writer, reader_role=reader)
    app = member(cluster, writer)
    with psycopg.connect(cluster.conninfo(db, app)) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("LOCK TABLE ledger.schema_migrations IN ACCESS SHARE MODE")
        conn.rollback()
        # The advisory key the first install uses does not stop an installed ledger's migrate.
        conn.execute("SELECT pg_advisory_lock(8099561637581120882)")
        assert migrate(cluster.conninfo(db)).applied == []


def test_a_first_install_names_who_holds_the_advisory_lock(cluster: Cluster) -> None:
    db = cluster.database()
    squatter = cluster.role("squatter")
    with psycopg.connect(cluster.conninfo(db, squatter)) as holder:
        holder.execute("SELECT pg_advisory_lock(8099561637581120882)")
        conninfo = cluster.conninfo(db) + " options='-c pgledger.migration_lock_wait=0.2'"
        with pytest.raises(MigrationError, match=f"held for 0.2 s by pid \\d+ \\(role {squatter}\\)"):
            migrate(conninfo)


def test_migrating_while_writers_append_never_deadlocks(dsn: str) -> None:
    accounts = [uuid.uuid4() for _ in range(8)]
    with Ledger(dsn) as ledger:
        for account in accounts:
            ledger.open_account(account, "Busy")
    stop = threading.Event()
    errors: list[BaseException] = []
    appended = [0] * len(accounts)

    def write(index: int) -> None:
        with Ledger(dsn) as ledger:
            while not stop.is_set():
                try:
                    ledger.deposit(accounts[index], Decimal("1.00"))
                    appended[index] += 1
                except BaseException as error:
                    errors.append(error)
                    return

    writers = [threading.Thread(target=write, args=(i,)) for i in range(len(accounts))]
    for thread in writers:
        thread.start()
    try:
        for _ in range(3):
            migrate(dsn)
    finally:
        stop.set()
        for thread in writers:
            thread.join(timeout=60)
    assert errors == []
    assert all(count > 0 for count in appended)
    with Ledger(dsn) as ledger:
        assert ledger.verify() == []


def _role_exists(conn: psycopg.Connection[Any], name: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone() is not None


def test_an_owner_with_createrole_creates_the_missing_roles(cluster: Cluster) -> None:
    db = cluster.database()
    owner = cluster.role("owner", options="CREATEROLE")
    grant(cluster, db, f'GRANT CREATE ON DATABASE "{db}" TO "{owner}"')
    writer, reader = f"w_{uuid.uuid4().hex[:8]}", f"r_{uuid.uuid4().hex[:8]}"
    cluster.roles += [writer, reader]  # dropped at the end
    migrate(cluster.conninfo(db, owner), writer_role=writer, reader_role=reader)
    with cluster.admin() as conn:
        assert _role_exists(conn, writer) and _role_exists(conn, reader)


def test_migrate_catches_the_id_sequence_up_after_a_logical_copy(dsn: str, db: psycopg.Connection[Any]) -> None:
    """A logical-replication copy receives rows, not sequence values: made the primary, its appends
    would collide with the copied ids. `pgledger migrate` (the documented cut-over step) moves the
    identity sequence past them."""
    with Ledger(dsn) as ledger:
        account = uuid.uuid4()
        ledger.open_account(account, "Copied")
        ledger.deposit(account, Decimal("1.00"))
        db.execute("SELECT setval(pg_get_serial_sequence('ledger.events', 'id'), 1)")  # as on the copy
        with pytest.raises(psycopg.errors.UniqueViolation):
            ledger.deposit(account, Decimal("1.00"))
        migrate(dsn)
        assert ledger.deposit(account, Decimal("1.00")) == 3
