"""The peer in our benchmark: the Python ``eventsourcing`` library on PostgreSQL.

We drive the library the way its users do: an ``Application`` configured with
environment-style settings (``PERSISTENCE_MODULE='eventsourcing.postgres'``, ``POSTGRES_*``),
which records events with its ``PostgresApplicationRecorder`` and snapshots with a
``PostgresAggregateRecorder``; an ``Aggregate`` whose ``@event``-decorated command emits one
``Deposited`` event; ``Application.save`` to record, ``repository.get`` to reconstruct and
``Application.take_snapshot`` for snapshots. No recorder is called directly: even the
one-transaction batch is a single ``save`` of an aggregate holding that many pending events.

One setting is not the library's default: ``POSTGRES_ENABLE_DB_FUNCTIONS='y'``. With it, a
save is one statement, ``SELECT * FROM peer_eventsourcing.es_insert_events_uuid(events)``
(a PL/pgSQL function the library installs: ``NOTIFY``, then ``INSERT ... SELECT FROM
unnest(events)``), run in autocommit, so one save is one transaction and one round trip.
The default path (``LOCK TABLE ... IN EXCLUSIVE MODE``, ``NOTIFY`` and the ``INSERT`` sent
in psycopg pipeline mode, then ``Pipeline.sync()``) hangs for ever on psycopg 3.3.9 when a
save's data outgrows the socket's send buffer: ``sync()`` stops flushing once its command
queue is empty and waits for a reply the server cannot send, since it still waits for the
rest of the INSERT. Over a Unix socket (our embedded server) it hung now and then from
about 3,000 events and every time at 10,000, so the default path cannot run
``batch_append``. Measured on loopback TCP, where the default path does finish, the function
path records a 10,000-event batch in the same time and single events about 1.8 times faster
(no table lock, one round trip instead of two), so this setting favours the peer if anything.

The peer's tables live in their own schema (``peer_eventsourcing``, created here because the
library does not create schemas), so they never collide with pgledger's. Nothing is dropped
or truncated: every trial uses fresh aggregate ids, and a rerun against the same database
only adds rows.

What each key of :func:`run_peer`'s result measures (seconds per trial, wall clock,
``time.perf_counter``; ``warmup`` untimed trials of each measure first):

``single_event_append``
    An account is created and saved before the clock starts. Timed: ``single_events``
    iterations of ``account.deposit(amount)`` then ``app.save(account)``: one event and one
    transaction per iteration. Total for all events.
``batch_append``
    An account is created and saved, then ``batch_events`` deposits are made in memory
    (pending events), all before the clock starts. Timed: the one ``app.save(account)`` that
    encodes the events to JSON and inserts them in one transaction.
``reconstruct``
    Before the clock: an account with ``aggregate_events`` events in all (its ``Created``
    event and ``aggregate_events - 1`` deposits), saved. Timed: ``repository.get(id)`` on an
    application without snapshotting (one query for the events, then decoding and folding
    them in Python).
``reconstruct_snapshot``
    Before the clock: the same kind of account, then ``take_snapshot(id)`` at its latest
    version. Timed: ``repository.get(id)`` on an application with snapshotting enabled (one
    query for the latest snapshot, one for the events after it: none).

Every result is checked after the clock stops (the account's version, and a reconstructed
account's balance). The repository's aggregate cache is off (the library's default), so
every ``get`` reads the database.
"""

from __future__ import annotations

import importlib.metadata
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import Environment, EnvType
from psycopg import sql

SCHEMA = "peer_eventsourcing"
DEPOSIT = Decimal("10.00")
MEASURES = ("single_event_append", "batch_append", "reconstruct", "reconstruct_snapshot")

__all__ = ["MEASURES", "PeerSettings", "peer_version", "run_peer"]


@dataclass(frozen=True)
class PeerSettings:
    """Where the peer's PostgreSQL is; ``host`` may be a Unix-socket directory."""

    host: str
    port: int
    user: str
    password: str | None
    dbname: str


class Account(Aggregate):
    """A bank-account-like aggregate: opened with an owner, then credited by deposits."""

    def __init__(self, owner_name: str) -> None:
        self.owner_name = owner_name
        self.balance = Decimal(0)

    def deposit(self, amount: Decimal) -> None:
        """Validate, then emit one ``Deposited`` event."""
        if amount <= 0:
            raise ValueError(f"deposit amount must be positive, got {amount}")
        self._deposited(amount)

    @event("Deposited")
    def _deposited(self, amount: Decimal) -> None:
        self.balance += amount


class PeerBank(Application[UUID]):
    """The peer's application: its tables are ``peerbank_events`` and ``peerbank_snapshots``."""

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Configure from the given settings only, never from ``os.environ``.

        The library's default merges the process environment in, so a stray
        ``AGGREGATE_CACHE_MAXSIZE`` or ``POSTGRES_*`` in the shell would change what we measure.
        """
        return Environment(name, dict(env or {}))


def peer_version() -> str:
    """The installed eventsourcing version (it has no ``__version__``)."""
    return importlib.metadata.version("eventsourcing")


def run_peer(
    settings: PeerSettings,
    *,
    single_events: int,
    batch_events: int,
    aggregate_events: int,
    trials: int,
    warmup: int = 1,
) -> dict[str, list[float]]:
    """Run the peer's workload; seconds per timed trial for each measure (see the module doc)."""
    if min(single_events, batch_events, aggregate_events, trials) < 1 or warmup < 0:
        raise ValueError("event counts and trials must be at least 1, warmup at least 0")
    ensure_schema(settings)
    plain = PeerBank(env=app_env(settings, snapshotting=False))
    snapshotting = PeerBank(env=app_env(settings, snapshotting=True))
    try:
        workloads: dict[str, Callable[[], float]] = {
            "single_event_append": lambda: time_single_event_append(plain, single_events),
            "batch_append": lambda: time_batch_append(plain, batch_events),
            "reconstruct": lambda: time_reconstruct(plain, aggregate_events),
            "reconstruct_snapshot": lambda: time_reconstruct_snapshot(snapshotting, aggregate_events),
        }
        results: dict[str, list[float]] = {}
        for measure in MEASURES:
            trial = workloads[measure]
            for _ in range(warmup):
                trial()
            results[measure] = [trial() for _ in range(trials)]
        return results
    finally:
        snapshotting.close()
        plain.close()


def app_env(settings: PeerSettings, *, snapshotting: bool) -> dict[str, str]:
    """The library's environment-style settings for one application."""
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": settings.dbname,
        "POSTGRES_HOST": settings.host,
        "POSTGRES_PORT": str(settings.port),
        "POSTGRES_USER": settings.user,
        "POSTGRES_PASSWORD": settings.password or "",
        "POSTGRES_SCHEMA": SCHEMA,
        # One statement per save; the default pipelined path hangs on large saves (module doc).
        "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
        "IS_SNAPSHOTTING_ENABLED": "y" if snapshotting else "n",
    }


def ensure_schema(settings: PeerSettings) -> None:
    """Create the peer's schema if it is missing (the library creates tables, not schemas)."""
    conninfo: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "user": settings.user,
        "dbname": settings.dbname,
    }
    if settings.password is not None:
        conninfo["password"] = settings.password
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(SCHEMA)))


def new_account(app: PeerBank) -> Account:
    """A fresh account, saved: one ``Created`` event at version 1."""
    account = Account(owner_name="peer benchmark")
    app.save(account)
    return account


def saved_account_with_events(app: PeerBank, events: int) -> Account:
    """A fresh account with ``events`` events in all (``Created`` plus deposits), in one save."""
    account = Account(owner_name="peer benchmark")
    for _ in range(events - 1):
        account.deposit(DEPOSIT)
    app.save(account)
    return account


def time_single_event_append(app: PeerBank, events: int) -> float:
    account = new_account(app)
    started = time.perf_counter()
    for _ in range(events):
        account.deposit(DEPOSIT)
        app.save(account)
    elapsed = time.perf_counter() - started
    check_version(account, 1 + events)
    return elapsed


def time_batch_append(app: PeerBank, events: int) -> float:
    account = new_account(app)
    for _ in range(events):
        account.deposit(DEPOSIT)
    started = time.perf_counter()
    app.save(account)
    elapsed = time.perf_counter() - started
    check_version(account, 1 + events)
    return elapsed


def time_reconstruct(app: PeerBank, events: int) -> float:
    account_id = saved_account_with_events(app, events).id
    started = time.perf_counter()
    account: Account = app.repository.get(account_id)
    elapsed = time.perf_counter() - started
    check_reconstructed(account, events)
    return elapsed


def time_reconstruct_snapshot(app: PeerBank, events: int) -> float:
    account_id = saved_account_with_events(app, events).id
    app.take_snapshot(account_id)
    started = time.perf_counter()
    account: Account = app.repository.get(account_id)
    elapsed = time.perf_counter() - started
    check_reconstructed(account, events)
    return elapsed


def check_version(account: Account, expected: int) -> None:
    if account.version != expected:
        raise AssertionError(f"account {account.id} is at version {account.version}, expected {expected}")


def check_reconstructed(account: Account, events: int) -> None:
    """A reconstructed account must hold all its events: the timing is void otherwise."""
    check_version(account, events)
    expected_balance = DEPOSIT * (events - 1)
    if account.balance != expected_balance:
        raise AssertionError(f"account {account.id} has balance {account.balance}, expected {expected_balance}")


def _demo(argv: list[str] | None = None) -> None:
    """Run a small workload on a throwaway embedded PostgreSQL and print the result."""
    import argparse
    import shutil
    import tempfile
    from pathlib import Path

    # pgledger has no py.typed marker yet, so mypy treats the installed package as untyped;
    # 'unused-ignore' keeps this line clean once the marker is added.
    from pgledger.server import EmbeddedServer  # type: ignore[import-untyped, unused-ignore]

    parser = argparse.ArgumentParser(description="Run the eventsourcing peer on a throwaway embedded PostgreSQL.")
    parser.add_argument("--single-events", type=int, default=5)
    parser.add_argument("--batch-events", type=int, default=20)
    parser.add_argument("--aggregate-events", type=int, default=20)
    parser.add_argument("--trials", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=1)
    args = parser.parse_args(argv)

    root = Path(tempfile.mkdtemp(prefix="peer-eventsourcing-"))
    server = EmbeddedServer(root / "data")
    server.start()
    try:
        settings = PeerSettings(
            host=str(server.socket_dir), port=5432, user="postgres", password=None, dbname="postgres"
        )
        print(f"eventsourcing {peer_version()}")
        results = run_peer(
            settings,
            single_events=args.single_events,
            batch_events=args.batch_events,
            aggregate_events=args.aggregate_events,
            trials=args.trials,
            warmup=args.warmup,
        )
        print(results)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    _demo()
