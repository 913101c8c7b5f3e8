"""One Ledger serves many threads through its connection pool; lost connections are replaced;
Ledger.from_env finds the database."""

from __future__ import annotations

import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pgledger import Ledger
from pgledger.migrate import migrate
from pgledger.server import EmbeddedServer
from tests.helpers import sequence_numbers


def backends(db: psycopg.Connection[Any], *, waiting_for_lock: bool = False) -> int:
    row = db.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        + (" AND wait_event_type = 'Lock'" if waiting_for_lock else "")
    ).fetchone()
    assert row is not None
    return int(row[0])


def wait_for(condition: Any, timeout: float = 30.0) -> None:
    """Wait until condition() holds (checked in the database), or fail."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition never held")
        time.sleep(0.005)


def test_one_ledger_serves_many_threads_with_at_most_its_connections(dsn: str, db: psycopg.Connection[Any]) -> None:
    threads, per_thread = 8, 25
    shared = uuid.uuid4()
    before = backends(db)
    with Ledger(dsn, max_connections=3) as ledger:
        ledger.open_account(shared, "Shared")
        start = threading.Barrier(threads)
        failures: list[BaseException] = []

        def work() -> None:
            try:
                start.wait()
                for _ in range(per_thread):
                    ledger.deposit(shared, Decimal("0.10"))
            except BaseException as error:
                failures.append(error)

        workers = [threading.Thread(target=work) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
        assert failures == []
        assert 1 <= backends(db) - before <= 3
        state = ledger.state(shared)
    assert state is not None and (state.balance, state.version) == (Decimal("20.00"), 1 + threads * per_thread)
    assert sequence_numbers(db, shared) == list(range(1, 2 + threads * per_thread))
    wait_for(lambda: backends(db) == before)  # close() ended them


def test_after_a_restart_the_pool_replaces_every_dead_idle_connection(dsn: str, db: psycopg.Connection[Any]) -> None:
    account = uuid.uuid4()
    with Ledger(dsn, max_connections=3) as ledger:
        ledger.open_account(account, "Ada")
        # Three calls at once (held on the account's row lock) make the pool open three connections.
        with psycopg.connect(dsn) as holder:
            holder.execute("SELECT 1 FROM ledger.accounts WHERE account_id = %s FOR UPDATE", (account,))
            callers = [threading.Thread(target=ledger.deposit, args=(account, Decimal("1"))) for _ in range(3)]
            for caller in callers:
                caller.start()
            wait_for(lambda: backends(db, waiting_for_lock=True) == 3)
            holder.rollback()
            for caller in callers:
                caller.join(timeout=60)
        # What a server restart does to them: every idle connection is gone.
        db.execute(
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        with pytest.raises(psycopg.OperationalError):
            ledger.state(account)  # the first call meets a dead one ...
        for version in (5, 6, 7):  # ... and the pool has replaced the others
            assert ledger.deposit(account, Decimal("1")) == version
    assert sequence_numbers(db, account) == list(range(1, 8))


def test_a_wrong_conninfo_fails_at_once_with_the_drivers_error(dsn: str) -> None:
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    params["dbname"] = f"missing_{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError, match="does not exist"):
        Ledger(psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in params.items() if v is not None}))
    assert time.monotonic() - started < 10  # not the pool's 30 s of retries


def test_from_env_uses_database_url(dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", dsn)
    account = uuid.uuid4()
    with Ledger.from_env() as ledger:
        ledger.open_account(account, "Ada")
    with Ledger(dsn) as ledger:
        assert ledger.state(account) is not None


@pytest.mark.slow
def test_from_env_without_database_url_uses_the_embedded_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("PGLEDGER_HOME", str(home))
    server = EmbeddedServer(home / "pgdata")
    try:
        with Ledger.from_env() as ledger:  # starts the server, creates its database "pgledger"
            info = ledger.connection.info
            assert (Path(info.host), info.dbname) == (server.socket_dir, "pgledger")
            migrate(server.conninfo("pgledger"))  # as `pgledger migrate` does
            assert ledger.open_account(uuid.uuid4(), "Ada") == 1
    finally:
        server.stop()
