"""A subscriber's handler that raises: the batch is rolled back, its events are retried one at a
time with backoff, and an event that keeps failing stops the subscriber or is parked; logged
with the logging module. The same for AsyncSubscriber."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from pgledger import AsyncSubscriber, FailurePolicy, HandlerFailed, Ledger, Subscriber
from pgledger.events import RecordedEvent

NAME = "mailer"
LOGGER = "pgledger.subscriber"


@pytest.fixture
def six_events(ledger: Ledger, db: psycopg.Connection[Any]) -> None:
    """Positions 1-6 (three accounts opened and paid into), a subscription, and a table the
    handlers write to in the batch's transaction."""
    for _ in range(3):
        account = uuid.uuid4()
        ledger.open_account(account, "Owner")
        ledger.deposit(account, Decimal("10.00"))
    db.execute("SELECT ledger.create_subscription(%s)", (NAME,))
    db.execute("CREATE TABLE public.handled (position bigint PRIMARY KEY)")
    db.execute("CREATE TABLE public.parked (position bigint PRIMARY KEY, error text NOT NULL)")


def handled(db: psycopg.Connection[Any]) -> list[int]:
    return [row[0] for row in db.execute("SELECT position FROM public.handled ORDER BY 1").fetchall()]


def checkpoint(db: psycopg.Connection[Any]) -> int:
    row = db.execute("SELECT position FROM ledger.subscriptions WHERE name = %s", (NAME,)).fetchone()
    assert row is not None
    return int(row[0])


class Flaky:
    """A handler that records each event in public.handled, and fails on the event at `position`
    `failures` times (a division by zero in the database: the transaction is then in error)."""

    def __init__(self, position: int, failures: int) -> None:
        self.position = position
        self.failures = failures
        self.batches: list[list[int]] = []

    def __call__(self, conn: psycopg.Connection[Any], events: Sequence[RecordedEvent]) -> None:
        self.batches.append([e.position or 0 for e in events])
        for event in events:
            conn.execute("INSERT INTO public.handled VALUES (%s)", (event.position,))
            if event.position == self.position and self.failures > 0:
                self.failures -= 1
                conn.execute("SELECT 1 / 0")


def record_park(conn: psycopg.Connection[Any], event: RecordedEvent, error: BaseException) -> None:
    conn.execute("INSERT INTO public.parked VALUES (%s, %s)", (event.position, type(error).__name__))


def test_a_failure_is_retried_and_the_effects_happen_once(
    dsn: str, db: psycopg.Connection[Any], six_events: None, caplog: pytest.LogCaptureFixture
) -> None:
    handler = Flaky(position=4, failures=2)
    subscriber = Subscriber(dsn, NAME, handler, batch_size=10, on_failure=FailurePolicy(retries=3, backoff=0))
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert subscriber.process_available() == 6
    # The batch of six failed and was rolled back; then its events one at a time: 1-3 passed, 4
    # failed once more and then passed, 5 and 6 passed.
    assert handler.batches == [[1, 2, 3, 4, 5, 6], [1], [2], [3], [4], [4], [5], [6]]
    assert handled(db) == [1, 2, 3, 4, 5, 6]
    assert checkpoint(db) == 6
    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert len(messages) == 2
    assert "failed on the batch of positions 1-6; handing them over one at a time" in messages[0]
    assert "failed on the event at position 4 (MoneyDeposited " in messages[1] and "retry 1 of 3" in messages[1]
    assert all(r.exc_info is not None and r.levelno == logging.WARNING for r in caplog.records if r.name == LOGGER)


def test_an_event_that_keeps_failing_stops_the_subscriber_just_before_it(
    dsn: str, db: psycopg.Connection[Any], six_events: None, caplog: pytest.LogCaptureFixture
) -> None:
    policy = FailurePolicy(retries=2, backoff=0, then="stop")
    subscriber = Subscriber(dsn, NAME, Flaky(position=4, failures=100), batch_size=10, on_failure=policy)
    with caplog.at_level(logging.WARNING, logger=LOGGER), pytest.raises(HandlerFailed) as caught:
        subscriber.process_available()
    assert caught.value.event.position == 4 and caught.value.failures == 3
    assert isinstance(caught.value.__cause__, psycopg.errors.DivisionByZero)
    assert "failed 3 times on the event at position 4" in str(caught.value)
    assert handled(db) == [1, 2, 3] and checkpoint(db) == 3
    last = caplog.records[-1]
    assert last.levelno == logging.ERROR and "stopping before it" in last.getMessage() and last.exc_info
    # A new instance (after a fix) begins with that event.
    assert Subscriber(dsn, NAME, Flaky(position=0, failures=0)).process_available() == 3
    assert handled(db) == [1, 2, 3, 4, 5, 6]


def test_an_event_that_keeps_failing_is_parked_with_the_hook_and_skipped(
    dsn: str, db: psycopg.Connection[Any], six_events: None, caplog: pytest.LogCaptureFixture
) -> None:
    policy = FailurePolicy(retries=1, backoff=0, then="park")
    subscriber = Subscriber(dsn, NAME, Flaky(4, 100), batch_size=10, on_failure=policy, park=record_park)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert subscriber.process_available() == 5
    assert handled(db) == [1, 2, 3, 5, 6] and checkpoint(db) == 6
    assert db.execute("SELECT position, error FROM public.parked").fetchall() == [(4, "DivisionByZero")]
    assert (subscriber.processed, subscriber.parked) == (5, 1)
    parked = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(parked) == 1 and "parking it (the checkpoint moves past it)" in parked[0].getMessage()


def test_stop_ends_the_pause_between_retries(dsn: str, db: psycopg.Connection[Any], six_events: None) -> None:
    failed = threading.Event()

    def always_fails(conn: psycopg.Connection[Any], events: Sequence[RecordedEvent]) -> None:
        failed.set()
        raise RuntimeError("downstream unavailable")

    subscriber = Subscriber(dsn, NAME, always_fails, batch_size=1, on_failure=FailurePolicy(backoff=600))
    stop = threading.Event()
    thread = threading.Thread(target=subscriber.run, args=(stop,))
    started = time.monotonic()
    thread.start()
    assert failed.wait(30)
    stop.set()
    thread.join(timeout=30)
    assert not thread.is_alive() and time.monotonic() - started < 30
    assert checkpoint(db) == 0


def test_the_pauses_double_up_to_the_maximum() -> None:
    policy = FailurePolicy(retries=6, backoff=0.5, max_backoff=3)
    assert [policy.pause(n) for n in range(1, 7)] == [0.5, 1, 2, 3, 3, 3]
    with pytest.raises(ValueError, match='"stop" or "park"'):
        FailurePolicy(then="ignore")  # type: ignore[arg-type]


class AsyncFlaky:
    def __init__(self, position: int, failures: int) -> None:
        self.position = position
        self.failures = failures

    async def __call__(self, conn: psycopg.AsyncConnection[Any], events: Sequence[RecordedEvent]) -> None:
        for event in events:
            await conn.execute("INSERT INTO public.handled VALUES (%s)", (event.position,))
            if event.position == self.position and self.failures > 0:
                self.failures -= 1
                raise ConnectionRefusedError("the mail server said no")


async def async_record_park(conn: psycopg.AsyncConnection[Any], event: RecordedEvent, error: BaseException) -> None:
    await conn.execute("INSERT INTO public.parked VALUES (%s, %s)", (event.position, str(error)))


def test_async_subscriber_retries_stops_and_parks_like_the_sync_one(
    dsn: str, db: psycopg.Connection[Any], six_events: None
) -> None:
    async def main() -> None:
        stopping = AsyncSubscriber(
            dsn, NAME, AsyncFlaky(2, 100), batch_size=4, on_failure=FailurePolicy(retries=1, backoff=0)
        )
        with pytest.raises(HandlerFailed) as caught:
            await stopping.process_available()
        assert caught.value.event.position == 2 and isinstance(caught.value.__cause__, ConnectionRefusedError)
        assert handled(db) == [1] and checkpoint(db) == 1
        await stopping.close()
        parking = AsyncSubscriber(
            dsn,
            NAME,
            AsyncFlaky(2, 100),
            on_failure=FailurePolicy(retries=0, then="park"),
            park=async_record_park,
        )
        assert await parking.process_available() == 4
        await parking.close()
        retrying = AsyncSubscriber(dsn, NAME, AsyncFlaky(0, 0), on_failure=FailurePolicy(backoff=0))
        assert await retrying.process_available() == 0
        await retrying.close()

    asyncio.run(main())
    assert handled(db) == [1, 3, 4, 5, 6] and checkpoint(db) == 6
    assert db.execute("SELECT position, error FROM public.parked").fetchall() == [(2, "the mail server said no")]


def test_async_subscriber_follows_new_events_until_stopped(
    dsn: str, db: psycopg.Connection[Any], ledger: Ledger, six_events: None
) -> None:
    account = uuid.uuid4()

    async def main() -> int:
        subscriber = AsyncSubscriber(dsn, NAME, AsyncFlaky(0, 0), poll_interval=30)
        stop = asyncio.Event()
        following = asyncio.create_task(subscriber.run(stop))
        await asyncio.to_thread(ledger.open_account, account, "Late")  # the NOTIFY wakes it, not the 30 s poll
        await asyncio.to_thread(wait_until, lambda: checkpoint(db) == 7)
        stop.set()
        await asyncio.wait_for(following, timeout=30)
        return subscriber.processed

    assert asyncio.run(main()) == 7
    assert handled(db) == [1, 2, 3, 4, 5, 6, 7]


def wait_until(condition: Any, timeout: float = 20.0) -> None:
    """Wait until condition() holds (checked in the database), or fail."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition never held")
        time.sleep(0.01)
