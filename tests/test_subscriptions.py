"""Subscribers: durable checkpoints, NOTIFY as a wake-up only, reconnection, exactly-once
effects in PostgreSQL, and a projection that rebuilds from position zero to the live one."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from pgledger import AccountOpened, Ledger, MoneyDeposited, Subscriber, SubscriptionError
from pgledger.events import RecordedEvent
from pgledger.queries import Call
from pgledger.subscriber import DAILY_TOTALS, daily_totals_handler
from tests.conftest import RoleFactory

TRUTH = """
    SELECT aggregate_id, (occurred_at AT TIME ZONE 'UTC')::date,
           coalesce(sum((payload->>'amount')::numeric) FILTER (WHERE event_type = 'MoneyDeposited'), 0),
           coalesce(sum((payload->>'amount')::numeric) FILTER (WHERE event_type = 'MoneyWithdrawn'), 0),
           count(*)::integer
    FROM ledger.events GROUP BY 1, 2 ORDER BY 1, 2
"""
PROJECTION = "SELECT account_id, day, deposits, withdrawals, event_count FROM ledger.daily_totals ORDER BY 1, 2"


def wait_for(condition: Any, timeout: float = 30.0) -> None:
    """Wait until condition() holds (checked in the database), or fail."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition never held")
        time.sleep(0.01)


@pytest.fixture
def accounts(ledger: Ledger) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(3)]
    for account in ids:
        ledger.open_account(account, "Owner")
        ledger.deposit(account, Decimal("100.00"))
    return ids


@pytest.fixture
def running(dsn: str) -> Iterator[Any]:
    """Starts subscribers in threads; stops and joins them after the test."""
    started: list[tuple[threading.Thread, threading.Event]] = []

    def start(subscriber: Subscriber) -> Subscriber:
        stop = threading.Event()
        thread = threading.Thread(target=subscriber.run, args=(stop,))
        thread.start()
        started.append((thread, stop))
        return subscriber

    yield start
    for thread, stop in started:
        stop.set()
        thread.join(timeout=30)


def create(db: psycopg.Connection[Any], name: str, consumer_role: str | None = None) -> None:
    """Create a subscription, as the ledger's owner does (no application role may)."""
    db.execute("SELECT ledger.create_subscription(%s, %s)", (name, consumer_role))


def checkpoint(db: psycopg.Connection[Any], name: str) -> tuple[int, int]:
    row = db.execute("SELECT position, events_processed FROM ledger.subscriptions WHERE name = %s", (name,)).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def processed(db: psycopg.Connection[Any], name: str) -> int:
    row = db.execute("SELECT events_processed FROM ledger.subscriptions WHERE name = %s", (name,)).fetchone()
    return int(row[0]) if row else 0


def events(db: psycopg.Connection[Any]) -> int:
    row = db.execute("SELECT count(*) FROM ledger.events").fetchone()
    assert row is not None
    return int(row[0])


def test_a_subscriber_catches_up_from_its_checkpoint_then_follows(
    dsn: str, db: psycopg.Connection[Any], ledger: Ledger, accounts: list[uuid.UUID], running: Any
) -> None:
    seen: list[RecordedEvent] = []

    def collect(conn: psycopg.Connection[Any], batch: Sequence[RecordedEvent]) -> None:
        seen.extend(batch)

    create(db, "collector")
    first = Subscriber(dsn, "collector", collect, batch_size=2)
    assert first.process_available() == 6  # three batches of two
    first.close()
    ledger.deposit(accounts[0], Decimal("5"))
    # A new instance goes on from the durable checkpoint, not from the start.
    second = running(Subscriber(dsn, "collector", collect, poll_interval=30.0))
    wait_for(lambda: processed(db, "collector") == 7)
    ledger.withdraw(accounts[1], Decimal("5"))  # the NOTIFY wakes it long before its 30 s poll
    wait_for(lambda: processed(db, "collector") == 8, timeout=10)
    assert [e.sequence_number for e in seen] == [1, 2, 1, 2, 1, 2, 3, 3]
    assert len({e.event_id for e in seen}) == 8
    assert second.processed == 2


def test_without_notifications_the_timer_still_delivers_everything(
    dsn: str, db: psycopg.Connection[Any], ledger: Ledger, accounts: list[uuid.UUID], running: Any
) -> None:
    running(Subscriber(dsn, DAILY_TOTALS, daily_totals_handler, listen=False, poll_interval=0.05))
    for i in range(20):
        ledger.deposit(accounts[i % 3], Decimal("1.50"))
    wait_for(lambda: processed(db, DAILY_TOTALS) == events(db))
    assert db.execute(PROJECTION).fetchall() == db.execute(TRUTH).fetchall()


def test_killed_connections_mid_batch_skip_nothing_and_apply_nothing_twice(
    dsn: str, db: psycopg.Connection[Any], ledger: Ledger, accounts: list[uuid.UUID], running: Any
) -> None:
    inside = threading.Event()
    release = threading.Event()
    kills = 3

    def slow_totals(conn: psycopg.Connection[Any], batch: Sequence[RecordedEvent]) -> None:
        daily_totals_handler(conn, batch)  # the effect is written, not yet committed ...
        if not release.is_set():
            inside.set()
            release.wait(30)  # ... while the test kills this connection

    subscriber = running(
        Subscriber(dsn, DAILY_TOTALS, slow_totals, batch_size=7, poll_interval=0.05, reconnect_delay=0.01)
    )
    for round_ in range(kills):
        for i in range(10):
            ledger.deposit(accounts[i % 3], Decimal(i + 1))
        assert inside.wait(30)
        inside.clear()
        pid = db.execute(
            "SELECT pid FROM pg_stat_activity WHERE query LIKE %s AND pid <> pg_backend_pid()",
            ("%daily_totals_apply%",),
        ).fetchone()
        assert pid is not None
        db.execute("SELECT pg_terminate_backend(%s)", (pid[0],))
        release.set()  # the handler returns onto a dead connection: the batch is lost, not half-applied
        if round_ < kills - 1:
            wait_for(lambda: not inside.is_set())
            release.clear()
    wait_for(lambda: processed(db, DAILY_TOTALS) == events(db))
    assert subscriber.reconnects >= 1
    assert db.execute(PROJECTION).fetchall() == db.execute(TRUTH).fetchall()


def test_two_instances_of_one_subscriber_never_double_count(
    dsn: str, db: psycopg.Connection[Any], ledger: Ledger, accounts: list[uuid.UUID], running: Any
) -> None:
    for _ in range(2):
        running(Subscriber(dsn, DAILY_TOTALS, daily_totals_handler, batch_size=3, poll_interval=0.02))
    for i in range(40):
        ledger.deposit(accounts[i % 3], Decimal("0.25"))
    wait_for(lambda: processed(db, DAILY_TOTALS) == events(db))
    assert db.execute(PROJECTION).fetchall() == db.execute(TRUTH).fetchall()


def test_the_projection_rebuilt_from_zero_equals_the_live_one(
    dsn: str, db: psycopg.Connection[Any], ledger: Ledger, accounts: list[uuid.UUID], running: Any
) -> None:
    start = datetime.now(timezone.utc) - timedelta(days=10)
    spread = uuid.uuid4()
    ledger.append(
        spread,
        [AccountOpened(spread, "Spread", start)]
        + [MoneyDeposited(spread, Decimal(d + 1), start + timedelta(hours=7 * d)) for d in range(30)],
    )
    live = running(Subscriber(dsn, DAILY_TOTALS, daily_totals_handler, batch_size=5, poll_interval=0.02))
    for i in range(30):
        ledger.withdraw(accounts[i % 3], Decimal("1.10"))
    wait_for(lambda: processed(db, DAILY_TOTALS) == events(db))
    live_rows = db.execute(PROJECTION).fetchall()
    assert len({row[1] for row in live_rows}) >= 9  # many days
    assert live.processed == events(db)

    db.execute("SELECT ledger.daily_totals_reset()")
    assert db.execute(PROJECTION).fetchall() == []
    wait_for(lambda: processed(db, DAILY_TOTALS) == events(db))
    assert db.execute(PROJECTION).fetchall() == live_rows == db.execute(TRUTH).fetchall()
    assert sum(t.deposits for t in ledger.daily_totals(spread)) == Decimal(sum(range(1, 31)))


def test_a_checkpoint_moves_only_forward_and_only_when_claimed(
    db: psycopg.Connection[Any], ledger: Ledger, accounts: list[uuid.UUID]
) -> None:
    create(db, "mover")
    ledger.assign_positions()  # six events: positions 1..6
    with pytest.raises(SubscriptionError, match="is not claimed in this transaction"):
        ledger.run(Call("SELECT ledger.advance_subscription('mover', 5)", (), list))
    with db.transaction():
        assert db.execute("SELECT ledger.claim_subscription('mover')").fetchone() == (0,)
        db.execute("SELECT ledger.advance_subscription('mover', 4)")
        for bad in (3, 7, 2**63 - 1):  # backwards, beyond the last position
            with pytest.raises(psycopg.Error) as caught, db.transaction():
                db.execute("SELECT ledger.advance_subscription('mover', %s)", (bad,))
            assert caught.value.sqlstate == "LG009"
    assert checkpoint(db, "mover") == (4, 4)  # the count comes from the positions, not the caller
    for call in ("SELECT ledger.claim_subscription('Bad Name!')", "SELECT ledger.claim_subscription(NULL)"):
        with pytest.raises(psycopg.Error) as caught:
            db.execute(call)
        assert caught.value.sqlstate == "LG005"
    with pytest.raises(psycopg.Error) as caught:
        db.execute("SELECT ledger.claim_subscription('never_created')")
    assert caught.value.sqlstate == "LG009"
    assert (
        caught.value.diag.message_hint
        == "The ledger's owner creates it: SELECT ledger.create_subscription('never_created');"
    )


def test_a_claimed_subscription_is_skipped_by_another_instance(dsn: str, db: psycopg.Connection[Any]) -> None:
    create(db, "busy")
    with psycopg.connect(dsn) as holder:
        assert holder.execute("SELECT ledger.claim_subscription('busy')").fetchone() == (0,)
        assert db.execute("SELECT ledger.claim_subscription('busy')").fetchone() == (None,)
        holder.rollback()  # the lock is released when ROLLBACK returns (closing would not wait)
        assert db.execute("SELECT ledger.claim_subscription('busy')").fetchone() == (0,)


def test_a_writer_cannot_move_a_checkpoint_it_did_not_claim(
    dsn: str, db: psycopg.Connection[Any], ledger: Ledger, accounts: list[uuid.UUID], login_role: RoleFactory
) -> None:
    ledger.assign_positions()
    create(db, "victim")
    attacker = login_role("ledger_writer")
    with psycopg.connect(attacker, autocommit=True) as conn:
        # The claim of earlier releases was a setting any session could set.
        conn.execute("SET ledger.claimed_subscription = 'victim'")
        with pytest.raises(psycopg.Error) as caught:
            conn.execute("SELECT ledger.advance_subscription('victim', 6)")
        assert caught.value.sqlstate == "LG009"
        # While the real consumer holds its batch, a spoofed advance fails at once (no waiting,
        # no moving the checkpoint after the consumer commits).
        with psycopg.connect(dsn) as consumer:
            consumer.execute("SELECT ledger.claim_subscription('victim')")
            with pytest.raises(psycopg.Error) as caught:
                conn.execute("SELECT ledger.advance_subscription('victim', 6)")
            assert caught.value.sqlstate == "LG009"
            consumer.execute("SELECT ledger.advance_subscription('victim', 3)")
            consumer.commit()
        assert checkpoint(db, "victim") == (3, 3)
        # No subscriptions made up by an application role, and no totals added outside a batch.
        for call in (
            "SELECT ledger.create_subscription('mine')",
            "SELECT ledger.reset_subscription('victim')",
            "SELECT ledger.drop_subscription('victim')",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(call)
        for _ in range(3):
            with pytest.raises(psycopg.Error) as caught:
                conn.execute("SELECT ledger.daily_totals_apply(6)")
            assert caught.value.sqlstate == "LG009"
    assert db.execute(PROJECTION).fetchall() == []


def test_only_members_of_a_consumer_role_may_consume(
    db: psycopg.Connection[Any], ledger: Ledger, accounts: list[uuid.UUID], login_role: RoleFactory
) -> None:
    consumers = f"consumers_{uuid.uuid4().hex[:8]}"
    db.execute(f"CREATE ROLE {consumers} NOLOGIN")
    try:
        db.execute(f"GRANT ledger_writer TO {consumers}")
        create(db, "private", consumers)
        outsider, insider = login_role("ledger_writer"), login_role(consumers)
        with psycopg.connect(outsider, autocommit=True) as conn, pytest.raises(psycopg.Error) as caught:
            conn.execute("SELECT ledger.claim_subscription('private')")
        assert caught.value.sqlstate == "LG009" and "may not consume" in str(caught.value)
        with psycopg.connect(insider, autocommit=True) as conn:
            assert conn.execute("SELECT ledger.claim_subscription('private')").fetchone() == (0,)
    finally:
        db.execute(f"DROP OWNED BY {consumers}")
        db.execute(f"DROP ROLE {consumers}")


def test_daily_totals_count_each_event_once_however_often_applied(
    db: psycopg.Connection[Any], ledger: Ledger, accounts: list[uuid.UUID]
) -> None:
    ledger.assign_positions()
    with db.transaction():
        db.execute("SELECT ledger.claim_subscription('daily_totals')")
        assert db.execute("SELECT ledger.daily_totals_apply(6)").fetchone() == (6,)
        assert db.execute("SELECT ledger.daily_totals_apply(6)").fetchone() == (0,)
    with db.transaction():
        db.execute("SELECT ledger.claim_subscription('daily_totals')")
        assert db.execute("SELECT ledger.daily_totals_apply(6)").fetchone() == (0,)
    assert db.execute(PROJECTION).fetchall() == db.execute(TRUTH).fetchall()


def test_daily_totals_catch_up_from_sql_alone(
    db: psycopg.Connection[Any], ledger: Ledger, accounts: list[uuid.UUID]
) -> None:
    for i in range(25):
        ledger.deposit(accounts[i % 3], Decimal("2.00"))
    applied = [db.execute("SELECT ledger.daily_totals_catch_up(10)").fetchone() for _ in range(5)]
    assert applied == [(10,), (10,), (10,), (1,), (0,)]
    assert db.execute(PROJECTION).fetchall() == db.execute(TRUTH).fetchall()
    assert checkpoint(db, DAILY_TOTALS) == (31, 31)


def test_appends_notify_only_while_a_subscriber_waits(dsn: str, ledger: Ledger, accounts: list[uuid.UUID]) -> None:
    with psycopg.connect(dsn, autocommit=True) as listener:
        listener.execute("LISTEN ledger_events")
        ledger.deposit(accounts[0], Decimal("1"))
        assert list(listener.notifies(timeout=0.3, stop_after=1)) == []  # nobody waits: no NOTIFY
        with pytest.raises(psycopg.Error) as caught:
            listener.execute("SELECT ledger.subscriber_waiting('watcher', true)")
        assert caught.value.sqlstate == "LG009"  # only for a subscription the owner created
        listener.execute("SELECT ledger.create_subscription('watcher')")
        listener.execute("SELECT ledger.subscriber_waiting('watcher', true)")
        ledger.deposit(accounts[0], Decimal("1"))
        assert [n.channel for n in listener.notifies(timeout=5, stop_after=1)] == ["ledger_events"]
        listener.execute("SELECT ledger.subscriber_waiting('watcher', false)")
        ledger.deposit(accounts[0], Decimal("1"))
        assert list(listener.notifies(timeout=0.3, stop_after=1)) == []


def test_a_subscriber_that_ends_stops_the_notifies(dsn: str, ledger: Ledger, accounts: list[uuid.UUID]) -> None:
    with psycopg.connect(dsn, autocommit=True) as listener:
        listener.execute("LISTEN ledger_events")
        listener.execute("SELECT ledger.create_subscription('watcher')")
        with psycopg.connect(dsn, autocommit=True) as waiter:
            # Registering twice is registering once: one "false" ends it.
            waiter.execute("SELECT ledger.subscriber_waiting('watcher', true)")
            waiter.execute("SELECT ledger.subscriber_waiting('watcher', true)")
            ledger.deposit(accounts[0], Decimal("1"))
            assert [n.channel for n in listener.notifies(timeout=5, stop_after=1)] == ["ledger_events"]
            waiter.execute("SELECT ledger.subscriber_waiting('watcher', false)")
            ledger.deposit(accounts[0], Decimal("1"))
            assert list(listener.notifies(timeout=0.3, stop_after=1)) == []
            waiter.execute("SELECT ledger.subscriber_waiting('watcher', true)")
        # The waiter's connection ended without saying so: its registration ended with it.
        with psycopg.connect(dsn, autocommit=True) as probe:
            wait_for(
                lambda: (
                    probe.execute(
                        "SELECT NOT EXISTS (SELECT FROM pg_locks AS l JOIN pg_database AS d ON d.oid = l.database"
                        " WHERE d.datname = current_database() AND l.locktype = 'advisory' AND l.classid = 1885826148)"
                    ).fetchone()
                    == (True,)
                )
            )
        ledger.deposit(accounts[0], Decimal("1"))
        assert list(listener.notifies(timeout=0.3, stop_after=1)) == []
