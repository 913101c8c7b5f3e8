"""Migrations: applied once, in order, under a lock; edits refused; SQL shipped in the wheel; psql installer."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import uuid
import zipfile
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pgledger import Ledger, MigrationError
from pgledger.migrate import EARLIER_TEXTS, load_migrations, migrate, render_install_script, sql_root
from pgledger.server import bin_dir

REPO = Path(__file__).resolve().parents[1]


def applied(conninfo: str) -> list[tuple[str, str, str]]:
    with psycopg.connect(conninfo) as conn:
        return [
            (r[0], r[1], r[2])
            for r in conn.execute(
                "SELECT version, name, checksum FROM ledger.schema_migrations ORDER BY version"
            ).fetchall()
        ]


def ledger_functions(conninfo: str) -> list[tuple[str, str]]:
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT p.oid::regprocedure::text, md5(pg_get_functiondef(p.oid) || coalesce(obj_description(p.oid), ''))"
            " FROM pg_proc p WHERE p.pronamespace = 'ledger'::regnamespace AND p.prokind <> 'a' ORDER BY 1"
        ).fetchall()
        return [(r[0], r[1]) for r in rows]


def test_migrating_twice_applies_each_migration_once(empty_db: str) -> None:
    first = migrate(empty_db)
    second = migrate(empty_db)
    expected = [m.path.name for m in load_migrations(sql_root())]
    assert first.applied == expected
    assert second.applied == [] and second.already_applied == expected
    assert [(v, c) for v, _, c in applied(empty_db)] == [(m.version, m.checksum) for m in load_migrations(sql_root())]
    with Ledger(empty_db) as ledger:
        account = uuid.uuid4()
        assert ledger.open_account(account, "Ada") == 1


def test_concurrent_migrators_are_safe(empty_db: str) -> None:
    migrators = 4
    barrier = threading.Barrier(migrators)
    errors: list[BaseException] = []
    reports: list[Any] = []

    def run() -> None:
        barrier.wait()
        try:
            reports.append(migrate(empty_db))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(migrators)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sorted(len(r.applied) for r in reports) == [0] * (migrators - 1) + [len(load_migrations(sql_root()))]
    assert len(applied(empty_db)) == len(load_migrations(sql_root()))


def test_an_edited_applied_migration_is_refused_and_nothing_changes(empty_db: str, sql_copy: Path) -> None:
    migrate(empty_db)
    before = applied(empty_db)
    first = sorted((sql_copy / "migrations").glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- a harmless-looking edit\n")
    (sql_copy / "migrations" / "9000_new_table.sql").write_text("CREATE TABLE ledger.should_not_exist (x int);\n")
    with pytest.raises(MigrationError, match=f"{first.name} was edited after it was applied"):
        migrate(empty_db)
    assert applied(empty_db) == before
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT to_regclass('ledger.should_not_exist')").fetchone() == (None,)


def test_a_failing_migration_rolls_back_everything(empty_db: str, sql_copy: Path) -> None:
    (sql_copy / "migrations" / "9000_broken.sql").write_text("CREATE TABLE ledger.half_done (x int);\nSELECT 1/0;\n")
    with pytest.raises(psycopg.errors.DivisionByZero):
        migrate(empty_db)
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT to_regnamespace('ledger')").fetchone() == (None,)


def test_a_database_newer_than_the_package_is_refused(empty_db: str) -> None:
    migrate(empty_db)
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute("INSERT INTO ledger.schema_migrations (version, name, checksum) VALUES ('9999', 'future', 'x')")
    with pytest.raises(MigrationError, match=r"has migrations \['9999'\]"):
        migrate(empty_db)


def test_install_sql_is_current() -> None:
    assert (REPO / "db" / "install.sql").read_text() == render_install_script(REPO / "db"), (
        "db/install.sql is stale: run `make install-sql`"
    )


def psql_install(conninfo: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(bin_dir() / "psql"),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            conninfo,
            "-f",
            str(REPO / "db" / "install.sql"),
        ],
        capture_output=True,
        text=True,
        cwd="/",
        check=False,
    )


def test_psql_install_script_gives_the_same_schema_as_the_python_migrator(empty_db: str, dsn: str) -> None:
    result = psql_install(empty_db)
    assert result.returncode == 0, result.stderr
    assert psql_install(empty_db).returncode == 0  # re-runnable
    assert [(v, c) for v, _, c in applied(empty_db)] == [(v, c) for v, _, c in applied(dsn)]
    assert ledger_functions(empty_db) == ledger_functions(dsn)
    assert migrate(empty_db).applied == []
    with Ledger(empty_db) as ledger:
        account = uuid.uuid4()
        ledger.open_account(account, "Installed by psql")
        assert ledger.verify() == []


def test_psql_install_script_refuses_an_edited_migration(empty_db: str) -> None:
    migrate(empty_db)
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute("UPDATE ledger.schema_migrations SET checksum = 'edited' WHERE version = '0001'")
    result = psql_install(empty_db)
    assert result.returncode != 0
    assert "0001_core.sql was edited after it was applied" in result.stderr


@pytest.mark.slow
def test_a_built_wheel_carries_the_sql_and_migrates(empty_db: str, tmp_path: Path) -> None:
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    wheel = next(tmp_path.glob("pgledger-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    for path in sorted((REPO / "db").rglob("*.sql")):
        assert f"pgledger/db/{path.relative_to(REPO / 'db')}" in names
    # Import pgledger from the unpacked wheel only (not the source tree) and migrate.
    code = "import pgledger.migrate as m, sys; print(m.sql_root()); print(m.migrate(sys.argv[1]).applied)"
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    result = subprocess.run(
        [sys.executable, "-c", code, empty_db], capture_output=True, text=True, cwd=tmp_path, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith(str(tmp_path / "site"))
    assert "0001_core.sql" in result.stdout


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, check=True).stdout


def _history(path: Path) -> list[str]:
    """SHA-256 of every committed text of a file, oldest first (empty when never committed)."""
    relative = path.relative_to(REPO).as_posix()
    commits = _git("log", "--format=%H", "--", relative).split()[::-1]
    texts = [_git("show", f"{commit}:{relative}") for commit in commits]
    return [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts if t]


def test_committed_migrations_are_never_edited() -> None:
    """A migration is history: its text stays as first committed. The only exceptions are the three
    edits made before this test existed (EARLIER_TEXTS), which 0006 repairs."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout: the history of db/migrations cannot be read")
    files = sorted((REPO / "db" / "migrations").glob("*.sql")) + sorted((REPO / "db" / "fresh").glob("*.sql"))
    for path in files:
        history = _history(path)
        if not history:
            continue  # a new migration, not committed yet
        current = hashlib.sha256(path.read_text(encoding="utf-8").encode("utf-8")).hexdigest()
        earlier = set(EARLIER_TEXTS.get(path.name[:4], {})) if path.parent.name == "migrations" else set()
        assert history[0] in earlier | {current}, f"{path.name}: first committed text is not accounted for"
        assert set(history) <= earlier | {current}, f"{path.name} was edited after it was committed"
        assert current == history[-1], f"{path.name} differs from its committed text: write a new migration"
