"""pgledger.testing, the pytest plugin for users' own tests: each test gets a fresh, migrated
database, dropped afterwards; on a server given by PGLEDGER_TEST_DATABASE_URL, else on a
throwaway embedded server. Run as a user would: pytest in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import ServerInfo

USER_TESTS = """
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg

from pgledger import InsufficientFunds

NAMES = Path(__file__).with_name("databases.txt")


def remember(dsn):
    with psycopg.connect(dsn) as conn:
        NAMES.open("a").write(conn.info.dbname + "\\n")
        data_directory = conn.execute("SELECT current_setting('data_directory')").fetchone()[0]
        NAMES.with_name("servers.txt").write_text(data_directory)


def test_a_ledger_on_a_migrated_database(pgledger_ledger, pgledger_dsn):
    remember(pgledger_dsn)
    account = uuid.uuid4()
    assert pgledger_ledger.open_account(account, "Ada") == 1
    assert pgledger_ledger.deposit(account, Decimal("10.00")) == 2
    try:
        pgledger_ledger.withdraw(account, Decimal("20.00"))
    except InsufficientFunds:
        pass


def test_each_test_has_its_own_database(pgledger_ledger, pgledger_dsn):
    remember(pgledger_dsn)
    assert pgledger_ledger.stats().accounts == 0
"""


def run_user_suite(tmp_path: Path, server_url: str | None) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["pgledger.testing"]\n')
    (tmp_path / "test_users_code.py").write_text(USER_TESTS)
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "PGLEDGER_TEST_DATABASE_URL")}
    if server_url is not None:
        env["PGLEDGER_TEST_DATABASE_URL"] = server_url
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    names = (tmp_path / "databases.txt").read_text().split() if (tmp_path / "databases.txt").exists() else []
    return result, names


def databases(admin: psycopg.Connection[Any], names: list[str]) -> list[str]:
    rows = admin.execute("SELECT datname FROM pg_database WHERE datname = ANY(%s)", (names,)).fetchall()
    return [row[0] for row in rows]


def test_users_tests_get_fresh_migrated_databases_on_the_given_server(tmp_path: Path, pg_server: ServerInfo) -> None:
    result, names = run_user_suite(tmp_path, pg_server.conninfo(pg_server.maintenance_dbname))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    assert len(set(names)) == 2  # one database each
    with psycopg.connect(pg_server.conninfo(pg_server.maintenance_dbname), autocommit=True) as admin:
        assert databases(admin, names) == []  # dropped afterwards
        leftover = admin.execute("SELECT datname FROM pg_database WHERE datname LIKE 'pgledger\\_template\\_%'")
        assert leftover.fetchall() == []


@pytest.mark.slow
def test_without_a_server_the_plugin_starts_a_throwaway_embedded_one(tmp_path: Path) -> None:
    result, names = run_user_suite(tmp_path, None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout and len(set(names)) == 2
    # The throwaway server's data directory, in a scratch directory of its own, is gone.
    data_directory = Path((tmp_path / "servers.txt").read_text())
    assert data_directory.parent.name.startswith("pgledger-pytest-")
    assert data_directory.parent.parent == Path(tempfile.gettempdir())
    assert not data_directory.parent.exists()  # stopped and removed
