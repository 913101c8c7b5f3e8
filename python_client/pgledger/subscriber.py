"""Subscriber and AsyncSubscriber: follow every account's events in global order from a durable
checkpoint.

Before each batch, newly committed events get their global positions (ledger.assign_positions, in
a transaction of its own). Each batch is then one transaction: claim the checkpoint
(ledger.claim_subscription), read the next events after it (ledger.read_all), hand them to the
handler with the transaction's connection, and advance the checkpoint to the last one's position
(ledger.advance_subscription). What the handler writes to PostgreSQL through that connection
commits with the checkpoint, or not at all: exactly-once effects. What it does elsewhere (an
e-mail, another system) happens at least once: a batch that fails after the handler ran is
delivered again.

When the handler raises, the FailurePolicy decides: the batch is rolled back, its events are
retried one at a time with a growing pause, and an event that keeps failing either stops the
subscriber (HandlerFailed) or is parked (skipped, with a hook to record it). Every failure is
logged on the logger "pgledger.subscriber".

Waiting for new events uses LISTEN ledger_events as a wake-up only, with a poll on a timer as
well, so a lost notification delays the subscriber but never loses an event. Appends notify only
while a subscriber is registered as waiting (ledger.subscriber_waiting), because a NOTIFY makes
PostgreSQL serialize the commits of the transactions that send one. A lost connection is
reopened after a pause; the checkpoint in the database says where to go on.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, Literal

import psycopg

from pgledger.errors import LedgerError, translate
from pgledger.events import RecordedEvent
from pgledger.queries import (
    ADVANCE_SUBSCRIPTION,
    ASSIGN_POSITIONS,
    CLAIM_SUBSCRIPTION,
    DAILY_TOTALS_APPLY,
    READ_ALL,
    SUBSCRIBER_WAITING,
    configure,
    recorded,
)

Handler = Callable[[psycopg.Connection[Any], Sequence[RecordedEvent]], None]
Park = Callable[[psycopg.Connection[Any], RecordedEvent, BaseException], None]
AsyncHandler = Callable[[psycopg.AsyncConnection[Any], Sequence[RecordedEvent]], Awaitable[None]]
AsyncPark = Callable[[psycopg.AsyncConnection[Any], RecordedEvent, BaseException], Awaitable[None]]

_log = logging.getLogger(__name__)

# Events given positions before each batch (ledger.assign_positions' own default).
_POSITIONS_PER_RUN = 10000
# How often a waiting subscriber looks at its stop signal.
_WAIT_SLICE = 0.2


@dataclass(frozen=True)
class FailurePolicy:
    """What a subscriber does when its handler raises.

    The batch is rolled back (nothing it wrote stays, the checkpoint does not move) and its
    events are handed over again one at a time, so the events before the failing one are
    handled and committed. The failing event is retried ``retries`` times, the first time after
    ``backoff`` seconds, each pause twice the one before, at most ``max_backoff``. Then:

    - ``then="stop"``: the subscriber stops and raises HandlerFailed; its checkpoint stays just
      before the event, so a restart begins with it;
    - ``then="park"``: the event is skipped: the checkpoint moves past it in one transaction
      with the subscriber's ``park(connection, event, error)`` hook (write it to a table of
      yours there, to handle it later), and the subscriber goes on.

    Each retry is logged as a warning, a stop or a park as an error, with the traceback.
    """

    retries: int = 5
    backoff: float = 1.0
    max_backoff: float = 60.0
    then: Literal["stop", "park"] = "stop"

    def __post_init__(self) -> None:
        if self.then not in ("stop", "park"):
            raise ValueError(f'then must be "stop" or "park", got {self.then!r}')
        if self.retries < 0 or self.backoff < 0 or self.max_backoff < 0:
            raise ValueError("retries, backoff and max_backoff must not be negative")

    def pause(self, failures: int) -> float:
        """The pause before the retry that follows failure number `failures` (1, 2, ...)."""
        return float(min(self.max_backoff, self.backoff * 2 ** (failures - 1)))


class HandlerFailed(LedgerError):
    """A subscriber stopped because its handler kept failing on one event (FailurePolicy "stop");
    the handler's last exception is the __cause__. The checkpoint stays just before the event."""

    def __init__(self, subscription: str, event: RecordedEvent, failures: int) -> None:
        super().__init__(
            f"subscriber {subscription}: the handler failed {failures} times on the event at position "
            f"{event.position} ({type(event.event).__name__} {event.event_id}); stopped before it"
        )
        self.subscription = subscription
        self.event = event
        self.failures = failures


class _HandlerRaised(Exception):
    """Internal: the handler raised `error` on `events` (the batch has been rolled back)."""

    def __init__(self, events: Sequence[RecordedEvent], error: Exception) -> None:
        super().__init__(str(error))
        self.events = events
        self.error = error


class _Failures:
    """The failure policy's memory, shared by Subscriber and AsyncSubscriber: which positions are
    being handed over one at a time, and how often the event at the head has failed."""

    def __init__(self, name: str, policy: FailurePolicy) -> None:
        self.name = name
        self.policy = policy
        self.one_at_a_time_until: int | None = None
        self.position: int | None = None
        self.count = 0

    def batch_size(self, normal: int) -> int:
        return normal if self.one_at_a_time_until is None else 1

    def passed(self, position: int | None) -> None:
        """The checkpoint is now at `position` (handled or parked; read_all always gives one)."""
        assert position is not None
        if self.one_at_a_time_until is not None and position >= self.one_at_a_time_until:
            self.one_at_a_time_until = None
        if self.position is not None and position >= self.position:
            self.position, self.count = None, 0

    def failed(self, events: Sequence[RecordedEvent], error: Exception) -> float | Literal["stop", "park"]:
        """What to do after the handler raised `error` on `events`: pause that long and go on, stop, or park."""
        first, last = events[0], events[-1]
        if len(events) > 1:
            self.one_at_a_time_until = last.position
            _log.warning(
                "subscriber %s: the handler failed on the batch of positions %s-%s; handing them over one at a time",
                self.name,
                first.position,
                last.position,
                exc_info=error,
            )
            return 0.0
        if self.position != first.position:
            self.position, self.count = first.position, 0
        self.count += 1
        what = f"the event at position {first.position} ({type(first.event).__name__} {first.event_id})"
        if self.count <= self.policy.retries:
            pause = self.policy.pause(self.count)
            _log.warning(
                "subscriber %s: the handler failed on %s (failure %d; retry %d of %d in %.3g s)",
                self.name,
                what,
                self.count,
                self.count,
                self.policy.retries,
                pause,
                exc_info=error,
            )
            return pause
        if self.policy.then == "stop":
            _log.error(
                "subscriber %s: the handler failed %d times on %s; stopping before it",
                self.name,
                self.count,
                what,
                exc_info=error,
            )
            return "stop"
        _log.error(
            "subscriber %s: the handler failed %d times on %s; parking it (the checkpoint moves past it)",
            self.name,
            self.count,
            what,
            exc_info=error,
        )
        return "park"


@contextmanager
def _ledger_errors() -> Iterator[None]:
    """The ledger's exception for an LG SQLSTATE of the protocol's calls (SubscriptionError, ...)."""
    try:
        yield
    except psycopg.Error as error:
        ledger_error = translate(error)
        if ledger_error is None:
            raise
        raise ledger_error from error


def _lost(error: Exception, conn: psycopg.Connection[Any] | psycopg.AsyncConnection[Any]) -> bool:
    """Whether an exception out of the handler is the connection's loss rather than the handler's failure."""
    return isinstance(error, psycopg.OperationalError) and (conn.broken or conn.closed)


class Subscriber:
    """A named, durable follower of the whole store.

    ``handler(connection, events)`` is called with each batch, inside the batch's transaction.
    Two instances with the same name never process the same batch: the checkpoint row is locked
    for the batch, and the other instance skips its turn. ``on_failure`` says what happens when
    the handler raises (FailurePolicy); ``park(connection, event, error)`` is called in the
    transaction that skips a parked event.
    """

    def __init__(
        self,
        conninfo: str,
        name: str,
        handler: Handler,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        listen: bool = True,
        reconnect_delay: float = 0.5,
        on_failure: FailurePolicy | None = None,
        park: Park | None = None,
    ) -> None:
        self.conninfo = conninfo
        self.name = name
        self.handler = handler
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.listen = listen
        self.reconnect_delay = reconnect_delay
        self.on_failure = on_failure or FailurePolicy()
        self.park = park
        self.processed = 0
        self.parked = 0
        self.reconnects = 0
        self._failures = _Failures(name, self.on_failure)
        self._conn: psycopg.Connection[Any] | None = None

    def process_available(self) -> int:
        """Process batches until none is left now; returns how many events were handled. Raises
        HandlerFailed when the failure policy stops."""
        return self._catch_up(threading.Event())

    def run(self, stop: threading.Event) -> None:
        """Follow the store until `stop` is set: catch up, wait for a wake-up or the poll timer,
        repeat; reopen a lost connection after `reconnect_delay`. Raises HandlerFailed when the
        failure policy stops."""
        try:
            while not stop.is_set():
                try:
                    self._catch_up(stop)
                    self._wait(stop)
                except psycopg.OperationalError as error:
                    _log.warning("subscriber %s lost its connection (%s); reconnecting", self.name, error)
                    self._drop_connection()
                    self.reconnects += 1
                    stop.wait(self.reconnect_delay)
        finally:
            self.close()

    def close(self) -> None:
        self._drop_connection()

    # -- internals ----------------------------------------------------------------------------

    def _catch_up(self, stop: threading.Event) -> int:
        total = 0
        while not stop.is_set() and (count := self._step(stop)) is not None:
            total += count
        return total

    def _step(self, stop: threading.Event) -> int | None:
        """One batch under the failure policy: how many events it handled (0 after a failure),
        None when there is nothing to do now."""
        try:
            with _ledger_errors():
                return self._batch(self._failures.batch_size(self.batch_size))
        except _HandlerRaised as raised:
            decision = self._failures.failed(raised.events, raised.error)
            if decision == "stop":
                raise HandlerFailed(self.name, raised.events[0], self._failures.count) from raised.error
            if decision == "park":
                with _ledger_errors():
                    return self._park(raised.events[0], raised.error)
            stop.wait(decision)
            return 0

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(self.conninfo, autocommit=True)
            configure(self._conn)
            if self.listen:
                self._conn.execute("LISTEN ledger_events")
        return self._conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def _batch(self, limit: int) -> int | None:
        conn = self._connection()
        # Positions for newly committed events, in a transaction of its own (the batch below has
        # written once it claims, and then reads only what is positioned).
        conn.execute(ASSIGN_POSITIONS, (_POSITIONS_PER_RUN,))
        events: list[RecordedEvent] = []
        with conn.transaction() as batch:
            row = conn.execute(CLAIM_SUBSCRIPTION, (self.name,)).fetchone()
            if row is None or row[0] is None:  # another instance holds this subscription right now
                raise psycopg.Rollback(batch)
            events = [recorded(r) for r in conn.execute(READ_ALL, (row[0], limit)).fetchall()]
            if not events:
                raise psycopg.Rollback(batch)  # nothing new: leave no trace of the claim
            try:
                self.handler(conn, events)
            except Exception as error:
                if _lost(error, conn):
                    raise
                raise _HandlerRaised(events, error) from error
            conn.execute(ADVANCE_SUBSCRIPTION, (self.name, events[-1].position))
        if not events:
            return None
        self.processed += len(events)
        self._failures.passed(events[-1].position)
        return len(events)

    def _park(self, event: RecordedEvent, error: Exception) -> int:
        """Skip `event`: move the checkpoint past it with the park hook, in one transaction."""
        assert event.position is not None
        conn = self._connection()
        with conn.transaction():
            row = conn.execute(CLAIM_SUBSCRIPTION, (self.name,)).fetchone()
            if row is None or row[0] != event.position - 1:  # claimed elsewhere, or moved on meanwhile
                return 0
            if self.park is not None:
                self.park(conn, event, error)
            conn.execute(ADVANCE_SUBSCRIPTION, (self.name, event.position))
        self.parked += 1
        self._failures.passed(event.position)
        return 0

    def _wait(self, stop: threading.Event) -> None:
        conn = self._connection()
        if not self.listen:
            stop.wait(self.poll_interval)
            return
        # Appends notify only while someone is registered as waiting: register, then look once
        # more (an append that committed meanwhile did not notify), then wait.
        with _ledger_errors():
            conn.execute(SUBSCRIBER_WAITING, (self.name, True))
        try:
            if self._step(stop) is not None:
                return
            # Any notification, or the timer, ends the wait; what arrived is read from the
            # checkpoint. Waited in short slices so that `stop` is noticed quickly.
            deadline = time.monotonic() + self.poll_interval
            while not stop.is_set() and (remaining := deadline - time.monotonic()) > 0:
                for _ in conn.notifies(timeout=min(remaining, _WAIT_SLICE), stop_after=1):
                    return
        finally:
            if not (conn.closed or conn.broken):
                conn.execute(SUBSCRIBER_WAITING, (self.name, False))


class AsyncSubscriber:
    """Subscriber for asyncio: the same protocol, policy and guarantees, with an async handler
    ``await handler(connection, events)`` on a psycopg AsyncConnection."""

    def __init__(
        self,
        conninfo: str,
        name: str,
        handler: AsyncHandler,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        listen: bool = True,
        reconnect_delay: float = 0.5,
        on_failure: FailurePolicy | None = None,
        park: AsyncPark | None = None,
    ) -> None:
        self.conninfo = conninfo
        self.name = name
        self.handler = handler
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.listen = listen
        self.reconnect_delay = reconnect_delay
        self.on_failure = on_failure or FailurePolicy()
        self.park = park
        self.processed = 0
        self.parked = 0
        self.reconnects = 0
        self._failures = _Failures(name, self.on_failure)
        self._conn: psycopg.AsyncConnection[Any] | None = None

    async def process_available(self) -> int:
        """Process batches until none is left now; returns how many events were handled. Raises
        HandlerFailed when the failure policy stops."""
        return await self._catch_up(asyncio.Event())

    async def run(self, stop: asyncio.Event) -> None:
        """Follow the store until `stop` is set (see Subscriber.run)."""
        try:
            while not stop.is_set():
                try:
                    await self._catch_up(stop)
                    await self._wait(stop)
                except psycopg.OperationalError as error:
                    _log.warning("subscriber %s lost its connection (%s); reconnecting", self.name, error)
                    await self._drop_connection()
                    self.reconnects += 1
                    await _pause(stop, self.reconnect_delay)
        finally:
            await self.close()

    async def close(self) -> None:
        await self._drop_connection()

    # -- internals ----------------------------------------------------------------------------

    async def _catch_up(self, stop: asyncio.Event) -> int:
        total = 0
        while not stop.is_set() and (count := await self._step(stop)) is not None:
            total += count
        return total

    async def _step(self, stop: asyncio.Event) -> int | None:
        try:
            with _ledger_errors():
                return await self._batch(self._failures.batch_size(self.batch_size))
        except _HandlerRaised as raised:
            decision = self._failures.failed(raised.events, raised.error)
            if decision == "stop":
                raise HandlerFailed(self.name, raised.events[0], self._failures.count) from raised.error
            if decision == "park":
                with _ledger_errors():
                    return await self._park(raised.events[0], raised.error)
            await _pause(stop, decision)
            return 0

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
            configure(self._conn)
            if self.listen:
                await self._conn.execute("LISTEN ledger_events")
        return self._conn

    async def _drop_connection(self) -> None:
        if self._conn is not None:
            try:
                await self._conn.close()
            finally:
                self._conn = None

    async def _batch(self, limit: int) -> int | None:
        conn = await self._connection()
        await conn.execute(ASSIGN_POSITIONS, (_POSITIONS_PER_RUN,))
        events: list[RecordedEvent] = []
        async with conn.transaction() as batch:
            row = await (await conn.execute(CLAIM_SUBSCRIPTION, (self.name,))).fetchone()
            if row is None or row[0] is None:
                raise psycopg.Rollback(batch)
            cursor = await conn.execute(READ_ALL, (row[0], limit))
            events = [recorded(r) for r in await cursor.fetchall()]
            if not events:
                raise psycopg.Rollback(batch)
            try:
                await self.handler(conn, events)
            except Exception as error:
                if _lost(error, conn):
                    raise
                raise _HandlerRaised(events, error) from error
            await conn.execute(ADVANCE_SUBSCRIPTION, (self.name, events[-1].position))
        if not events:
            return None
        self.processed += len(events)
        self._failures.passed(events[-1].position)
        return len(events)

    async def _park(self, event: RecordedEvent, error: Exception) -> int:
        assert event.position is not None
        conn = await self._connection()
        async with conn.transaction():
            row = await (await conn.execute(CLAIM_SUBSCRIPTION, (self.name,))).fetchone()
            if row is None or row[0] != event.position - 1:
                return 0
            if self.park is not None:
                await self.park(conn, event, error)
            await conn.execute(ADVANCE_SUBSCRIPTION, (self.name, event.position))
        self.parked += 1
        self._failures.passed(event.position)
        return 0

    async def _wait(self, stop: asyncio.Event) -> None:
        conn = await self._connection()
        if not self.listen:
            await _pause(stop, self.poll_interval)
            return
        with _ledger_errors():
            await conn.execute(SUBSCRIBER_WAITING, (self.name, True))
        try:
            if await self._step(stop) is not None:
                return
            deadline = time.monotonic() + self.poll_interval
            while not stop.is_set() and (remaining := deadline - time.monotonic()) > 0:
                async for _ in conn.notifies(timeout=min(remaining, _WAIT_SLICE), stop_after=1):
                    return
        finally:
            if not (conn.closed or conn.broken):
                await conn.execute(SUBSCRIBER_WAITING, (self.name, False))


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`, or less when `stop` is set meanwhile."""
    with suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def daily_totals_handler(conn: psycopg.Connection[Any], events: Sequence[RecordedEvent]) -> None:
    """The handler of the projection ledger.daily_totals (subscriber name "daily_totals")."""
    conn.execute(DAILY_TOTALS_APPLY, (events[-1].position,))


async def async_daily_totals_handler(conn: psycopg.AsyncConnection[Any], events: Sequence[RecordedEvent]) -> None:
    """daily_totals_handler for AsyncSubscriber."""
    await conn.execute(DAILY_TOTALS_APPLY, (events[-1].position,))


DAILY_TOTALS = "daily_totals"

__all__ = [
    "DAILY_TOTALS",
    "AsyncHandler",
    "AsyncPark",
    "AsyncSubscriber",
    "FailurePolicy",
    "Handler",
    "HandlerFailed",
    "Park",
    "Subscriber",
    "async_daily_totals_handler",
    "daily_totals_handler",
]
