"""Test servers and databases.

The session uses the server at DATABASE_URL when it is set, otherwise a throwaway embedded
PostgreSQL 18 (fsync off: these data are disposable). pytest-postgresql gives every test a
fresh database cloned from a template that `pgledger.migrate` has migrated once per session.
"""

from __future__ import annotations

import getpass
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pytest_postgresql import factories
from pytest_postgresql.executors import NoopExecutor
from pytest_postgresql.janitor import DatabaseJanitor

from pgledger.ledger import Ledger
from pgledger.migrate import migrate, sql_root
from pgledger.server import EmbeddedServer

# Property tests: bounded and reproducible in CI; HYPOTHESIS_PROFILE=dev explores more.
settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


class ServerInfo(NoopExecutor):
    """pytest-postgresql's description of an existing server, plus how we got it."""

    embedded: EmbeddedServer | None = None

    def conninfo(self, dbname: str) -> str:
        return make_conninfo(host=self.host, port=self.port, user=self.user, password=self.password, dbname=dbname)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[ServerInfo]:
    url = os.environ.get("DATABASE_URL")
    scratch: str | None = None
    embedded: EmbeddedServer | None = None
    if url:
        params = conninfo_to_dict(url)
        host = str(params.get("host") or "localhost")
        port = int(params.get("port") or 5432)
        user = str(params.get("user") or getpass.getuser())
        password = params.get("password")
    else:
        scratch = tempfile.mkdtemp(prefix="pgledger-test-")
        embedded = EmbeddedServer(Path(scratch) / "data", durable=False)
        embedded.start()
        host, port, user, password = str(embedded.socket_dir), 5432, "postgres", None
    server = ServerInfo(
        host=host,
        port=port,
        user=user,
        password=str(password) if password else None,
        options="",
        dbname=f"pgledger_test_{os.getpid()}",
    )
    server.embedded = embedded
    janitor = DatabaseJanitor(
        user=user,
        host=host,
        port=port,
        password=server.password,
        dbname=server.template_dbname,
        as_template=True,
    )
    janitor.drop()
    try:
        with janitor:
            migrate(server.conninfo(server.template_dbname))
            yield server
    finally:
        if embedded is not None:
            embedded.stop()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


postgresql = factories.postgresql("pg_server")


@pytest.fixture
def dsn(postgresql: psycopg.Connection[Any], pg_server: ServerInfo) -> str:
    """Connection string of this test's fresh, migrated database."""
    return pg_server.conninfo(postgresql.info.dbname)


@pytest.fixture
def ledger(dsn: str) -> Iterator[Ledger]:
    with Ledger(dsn) as client:
        yield client


@pytest.fixture
def db(dsn: str) -> Iterator[psycopg.Connection[Any]]:
    """A plain autocommit connection to this test's database, for looking at tables directly."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        yield conn


class Cluster:
    """Databases and roles a test creates on the test server, dropped when it ends."""

    def __init__(self, server: ServerInfo) -> None:
        self.server = server
        self.databases: list[str] = []
        self.roles: list[str] = []

    def admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.server.conninfo(self.server.maintenance_dbname), autocommit=True)

    def conninfo(self, dbname: str, user: str | None = None) -> str:
        params = conninfo_to_dict(self.server.conninfo(dbname))
        if user is not None:
            params["user"] = user
            params.pop("password", None)
        return make_conninfo(**{k: str(v) for k, v in params.items() if v is not None})

    def database(self, prefix: str = "pgledger_t") -> str:
        """A new, empty database (owned by the server's superuser)."""
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with self.admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.databases.append(name)
        return name

    def role(self, prefix: str = "pgledger_r", *, login: bool = True, options: str = "") -> str:
        """A new role; `options` are extra CREATE ROLE options (CREATEROLE, ...)."""
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        with self.admin() as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} {} {}").format(
                    sql.Identifier(name), sql.SQL("LOGIN" if login else "NOLOGIN"), sql.SQL(options)
                )
            )
        self.roles.append(name)
        return name

    def close(self) -> None:
        with self.admin() as conn:
            for name in reversed(self.databases):
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            for name in reversed(self.roles):
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture
def cluster(pg_server: ServerInfo) -> Iterator[Cluster]:
    made = Cluster(pg_server)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def empty_db(pg_server: ServerInfo) -> Iterator[str]:
    """A database with nothing of pgledger in it yet."""
    name = f"pgledger_empty_{uuid.uuid4().hex[:12]}"
    admin = pg_server.conninfo(pg_server.maintenance_dbname)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield pg_server.conninfo(name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def sql_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of db/ that the migrator reads instead of the real one."""
    copy = tmp_path / "db"
    shutil.copytree(sql_root(), copy)
    monkeypatch.setattr("pgledger.migrate.sql_root", lambda: copy)
    return copy


RoleFactory = Callable[[str | None], str]


@pytest.fixture
def login_role(pg_server: ServerInfo, dsn: str, db: psycopg.Connection[Any]) -> Iterator[RoleFactory]:
    """Makes login roles that are members of a ledger group; returns a conninfo for each."""
    made: list[str] = []

    def make(group: str | None) -> str:
        name = f"pgledger_test_{uuid.uuid4().hex[:10]}"
        db.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
        if group:
            db.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(name)))
        made.append(name)
        params = psycopg.conninfo.conninfo_to_dict(dsn)
        params["user"] = name
        params.pop("password", None)
        return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in params.items() if v is not None})

    yield make  # type: ignore[misc]
    for name in made:
        db.execute(sql.SQL("DROP OWNED BY {} CASCADE").format(sql.Identifier(name)))
        db.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))
