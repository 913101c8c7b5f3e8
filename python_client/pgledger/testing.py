"""A pytest plugin for your own tests: a fresh, migrated pgledger database per test.

Turn it on in your conftest.py (or with ``pytest -p pgledger.testing``)::

    pytest_plugins = ["pgledger.testing"]

    def test_rent_is_paid(pgledger_ledger):
        account = uuid4()
        pgledger_ledger.open_account(account, "Ada")
        ...

Fixtures:

- ``pgledger_dsn``: the conninfo of a database of this test alone, migrated, dropped afterwards;
- ``pgledger_ledger``: a Ledger on it, closed afterwards;
- ``pgledger_server`` (session): the server they live on. ``PGLEDGER_TEST_DATABASE_URL`` when it
  is set: a server where the tests may create and drop databases (its user needs CREATEDB, and
  CREATEROLE the first time, to create the roles ledger_writer and ledger_reader); otherwise a
  throwaway embedded PostgreSQL (pgledger[embedded]) in a temporary directory, with fsync off,
  stopped when the session ends.

The session migrates one template database once; each test's database is a copy of it
(CREATE DATABASE ... TEMPLATE), which takes a few tens of milliseconds. For AsyncLedger, open
``AsyncLedger(pgledger_dsn)`` in your async test.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pgledger.ledger import Ledger
from pgledger.migrate import migrate

#: A server where the tests may create and drop databases (else an embedded one is started).
SERVER_VARIABLE = "PGLEDGER_TEST_DATABASE_URL"


@dataclass(frozen=True)
class TestServer:
    """The server of the session's test databases and the migrated template they are copied from."""

    __test__ = False  # not a test class, whatever pytest thinks of its name

    conninfo: str  # of the server's maintenance database
    template: str

    def database_conninfo(self, dbname: str) -> str:
        params = conninfo_to_dict(self.conninfo)
        params["dbname"] = dbname
        return make_conninfo(**{key: str(value) for key, value in params.items() if value is not None})

    def create_database(self) -> str:
        """A new database copied from the template; its name."""
        name = f"pgledger_test_{uuid.uuid4().hex[:12]}"
        with self._admin() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(self.template))
            )
        return name

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def _admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.conninfo, autocommit=True)


@pytest.fixture(scope="session")
def pgledger_server() -> Iterator[TestServer]:
    """The session's test server with a migrated template database (see the module docstring)."""
    url = os.environ.get(SERVER_VARIABLE)
    scratch: Path | None = None
    embedded: Any = None
    if url:
        conninfo = url
    else:
        from pgledger.server import EmbeddedServer  # only when no server is given

        scratch = Path(tempfile.mkdtemp(prefix="pgledger-pytest-"))
        embedded = EmbeddedServer(scratch / "data", durable=False)
        embedded.start()
        conninfo = str(embedded.conninfo())
    server = TestServer(conninfo, f"pgledger_template_{os.getpid()}_{uuid.uuid4().hex[:6]}")
    try:
        with server._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(server.template)))
        try:
            migrate(server.database_conninfo(server.template))
            yield server
        finally:
            server.drop_database(server.template)
    finally:
        if embedded is not None:
            embedded.stop()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture
def pgledger_dsn(pgledger_server: TestServer) -> Iterator[str]:
    """The conninfo of a fresh, migrated database of this test alone (dropped afterwards)."""
    name = pgledger_server.create_database()
    try:
        yield pgledger_server.database_conninfo(name)
    finally:
        pgledger_server.drop_database(name)


@pytest.fixture
def pgledger_ledger(pgledger_dsn: str) -> Iterator[Ledger]:
    """A Ledger on this test's fresh database."""
    with Ledger(pgledger_dsn) as ledger:
        yield ledger


__all__ = ["SERVER_VARIABLE", "TestServer", "pgledger_dsn", "pgledger_ledger", "pgledger_server"]
