"""Positions are data: a dump restored into another cluster and a physical standby give the same
global order as the primary, and a subscriber goes on across them without a skip or a duplicate."""

from __future__ import annotations

import re
import subprocess
import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pgledger import Ledger, Subscriber
from pgledger.events import RecordedEvent
from pgledger.migrate import migrate
from pgledger.server import EmbeddedServer, bin_dir
from tests.test_global_order import check_stream

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def other_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    """A second PostgreSQL cluster (its own system identifier and transaction ids)."""
    server = EmbeddedServer(tmp_path_factory.mktemp("other") / "data", durable=False)
    server.start()
    try:
        with psycopg.connect(server.conninfo(), autocommit=True) as conn:
            for role in ("ledger_writer", "ledger_reader"):  # the roles the dumped grants name
                conn.execute(f"CREATE ROLE {role} NOLOGIN")
        yield server
    finally:
        server.stop()


class Collector:
    """A subscriber's handler that keeps what it was given."""

    def __init__(self) -> None:
        self.seen: list[RecordedEvent] = []

    def __call__(self, conn: psycopg.Connection[Any], batch: list[RecordedEvent]) -> None:
        self.seen.extend(batch)

    def drain(self, conninfo: str, name: str) -> None:
        subscriber = Subscriber(conninfo, name, self, batch_size=7, listen=False)
        try:
            subscriber.process_available()
        finally:
            subscriber.close()


def scalar(conninfo: str, query: str) -> Any:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute(query).fetchone()
    assert row is not None
    return row[0]


def open_accounts(ledger: Ledger, count: int) -> list[uuid.UUID]:
    accounts = [uuid.uuid4() for _ in range(count)]
    for account in accounts:
        ledger.open_account(account, "Restored")
    return accounts


def dump_and_restore(dsn: str, target: EmbeddedServer, during: threading.Event) -> str:
    """pg_dump the test database (custom format) and restore it into a new database of `target`."""
    name = f"restored_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(target.conninfo(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    dumped = subprocess.run([str(bin_dir() / "pg_dump"), "-Fc", "-d", dsn], capture_output=True, check=False)
    during.set()
    assert dumped.returncode == 0, dumped.stderr.decode()
    script = subprocess.run([str(bin_dir() / "pg_restore"), "-f", "-"], input=dumped.stdout, capture_output=True)
    assert script.returncode == 0, script.stderr.decode()
    restored = subprocess.run(
        [str(bin_dir() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", target.conninfo(name)],
        input=portable(script.stdout.decode()),
        capture_output=True,
        text=True,
        check=False,
    )
    assert restored.returncode == 0, restored.stderr
    return target.conninfo(name)


def portable(script: str) -> str:
    """The restore script without the column options some builds of PostgreSQL put on every column
    (`pg_attver`, seen on this machine's PostgreSQL 15), which another server refuses as unknown."""
    return re.sub(r"^ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET \(pg_attver=\d+\);\n", "", script, flags=re.M)


def test_a_subscriber_goes_on_in_a_dump_restored_into_another_cluster(
    dsn: str, db: psycopg.Connection[Any], other_cluster: EmbeddedServer
) -> None:
    # Transaction ids of the source run ahead of the target's: the case where ids restored from
    # another cluster would hide the target's new events from a positioner comparing them.
    target_next = int(scalar(other_cluster.conninfo(), "SELECT pg_current_xact_id()::text"))
    while int(scalar(dsn, "SELECT pg_current_xact_id()::text")) < target_next + 2000:
        db.execute("SELECT pg_current_xact_id() FROM generate_series(1, 500)")  # one xid per statement
        for _ in range(500):
            db.execute("SELECT pg_current_xact_id()")
    db.execute("SELECT ledger.create_subscription('follower')")
    collector = Collector()
    with Ledger(dsn) as ledger:
        accounts = open_accounts(ledger, 4)
        for i in range(20):
            ledger.deposit(accounts[i % 4], Decimal(i + 1))
        collector.drain(dsn, "follower")  # checkpoint at 24 before the dump
        checkpoint = len(collector.seen)
        for i in range(10):  # after the checkpoint: some positioned, some not, at the dump
            ledger.deposit(accounts[i % 4], Decimal("1.00"))
            if i == 4:
                ledger.assign_positions()
    # Writers keep appending while pg_dump runs; the dump holds a consistent prefix of them.
    stop, dumped = threading.Event(), threading.Event()

    def write() -> None:
        with Ledger(dsn) as writer:
            while not stop.is_set():
                writer.deposit(accounts[0], Decimal("0.01"))
                if dumped.is_set():
                    stop.set()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        restored = dump_and_restore(dsn, other_cluster, dumped)
    finally:
        stop.set()
        thread.join()

    migrate(restored)  # what a DBA runs after a restore; it changes nothing here
    with psycopg.connect(restored, autocommit=True) as target:
        dumped_events = target.execute("SELECT count(*) FROM ledger.events").fetchone()
        assert dumped_events is not None
        with Ledger(restored) as ledger:  # appends go on there (before anything positions there) ...
            for account in accounts:
                ledger.deposit(account, Decimal("7.00"))
            assert ledger.verify() == []
        collector.drain(restored, "follower")  # ... and the subscriber goes on from its checkpoint
        assert len(collector.seen) == dumped_events[0] + 4
        check_stream(collector.seen, target)
        assert collector.seen[checkpoint].position == checkpoint + 1


def wait_for_replay(primary: psycopg.Connection[Any], standby: psycopg.Connection[Any]) -> None:
    """Wait until the standby has replayed everything the primary has written (a condition)."""
    lsn = primary.execute("SELECT pg_current_wal_lsn()").fetchone()
    assert lsn is not None
    while True:
        row = standby.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn[0],)).fetchone()
        if row is not None and row[0]:
            return
        standby.execute("SELECT pg_sleep(0.01)")


def answers(conn: psycopg.Connection[Any], accounts: list[uuid.UUID], at: Any) -> list[Any]:
    rows: list[Any] = [conn.execute("SELECT * FROM ledger.read_all(0, 1000)").fetchall()]
    for account in accounts:
        for query in (
            "SELECT * FROM ledger.account_state(%s)",
            "SELECT * FROM ledger.load_account(%s)",
            "SELECT * FROM ledger.read_stream(%s)",
        ):
            rows.append(conn.execute(query, (account,)).fetchall())
        rows.append(conn.execute("SELECT * FROM ledger.account_state_at(%s, %s)", (account, at)).fetchall())
    return rows


def test_a_physical_standby_answers_as_the_primary_and_a_consumer_moves_over(tmp_path: Path) -> None:
    primary = EmbeddedServer(tmp_path / "primary", durable=False)
    primary.start()
    standby: EmbeddedServer | None = None
    try:
        migrate(primary.conninfo())
        with Ledger(primary.conninfo()) as ledger:
            accounts = open_accounts(ledger, 3)
            for i in range(120):  # past two snapshots of each account
                ledger.deposit(accounts[i % 3], Decimal("1.25"))
            at = ledger.state(accounts[0])
            ledger.assign_positions()
            standby = primary.standby(tmp_path / "standby")
            standby.start()
            for i in range(9):
                ledger.deposit(accounts[i % 3], Decimal("2.00"))
            with (
                psycopg.connect(primary.conninfo(), autocommit=True) as main,
                psycopg.connect(standby.conninfo(), autocommit=True) as replica,
            ):
                # Read on the standby first: it cannot give positions, so it must not try.
                assert len(replica.execute("SELECT * FROM ledger.read_all(0, 1000)").fetchall()) <= 123
                main.execute("SELECT ledger.assign_positions()")
                wait_for_replay(main, replica)
                assert at is not None
                assert answers(replica, accounts, at.last_event_at) == answers(main, accounts, at.last_event_at)
                # A consumer reads on the standby and keeps its position, then goes on on the primary.
                on_standby = Ledger(replica).read_all(0, 100)
                for i in range(5):
                    ledger.deposit(accounts[i % 3], Decimal("3.00"))
                last = on_standby[-1].position
                assert last == 100
                on_primary = Ledger(main).read_all(last, 1000)
                assert [e.position for e in on_standby + on_primary] == list(range(1, 123 + 9 + 5 + 1))
                check_stream(on_standby + on_primary, main)
    finally:
        if standby is not None:
            standby.stop()
        primary.stop()
