"""Subscriber: follows every account's events in global order from a durable checkpoint.

Before each batch, newly committed events get their global positions (ledger.assign_positions, in
a transaction of its own). Each batch is then one transaction: claim the checkpoint
(ledger.claim_subscription), read the next events after it (ledger.read_all), hand them to the
handler with the transaction's connection, and advance the checkpoint to the last one's position
(ledger.advance_subscription). What the handler writes to PostgreSQL
through that connection commits with the checkpoint, or not at all: exactly-once effects. What
it does elsewhere (an e-mail, another system) happens at least once: a batch that fails after
the handler ran is delivered again.

Waiting for new events uses LISTEN ledger_events as a wake-up only, with a poll on a timer as
well, so a lost notification delays the subscriber but never loses an event. Appends notify only
while a subscriber is registered as waiting (ledger.subscriber_waiting), because a NOTIFY makes
PostgreSQL serialize the commits of the transactions that send one. A lost connection
is reopened after a pause; the checkpoint in the database says where to go on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg

from pgledger.events import RecordedEvent
from pgledger.ledger import READ_ALL, configure, recorded

Handler = Callable[[psycopg.Connection[Any], Sequence[RecordedEvent]], None]

_log = logging.getLogger(__name__)


class Subscriber:
    """A named, durable follower of the whole store.

    ``handler(connection, events)`` is called with each batch, inside the batch's transaction.
    Two instances with the same name never process the same batch: the checkpoint row is locked
    for the batch, and the other instance skips its turn.
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
    ) -> None:
        self.conninfo = conninfo
        self.name = name
        self.handler = handler
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.listen = listen
        self.reconnect_delay = reconnect_delay
        self.processed = 0
        self.reconnects = 0
        self._conn: psycopg.Connection[Any] | None = None

    def process_available(self) -> int:
        """Process batches until none is left now; returns how many events were handled."""
        total = 0
        while (count := self._batch()) > 0:
            total += count
        return total

    def run(self, stop: threading.Event) -> None:
        """Follow the store until `stop` is set: catch up, wait for a wake-up or the poll timer,
        repeat; reopen a lost connection after `reconnect_delay`."""
        while not stop.is_set():
            try:
                self.process_available()
                self._wait(stop)
            except psycopg.OperationalError as error:
                _log.warning("subscriber %s lost its connection (%s); reconnecting", self.name, error)
                self._drop_connection()
                self.reconnects += 1
                stop.wait(self.reconnect_delay)
        self.close()

    def close(self) -> None:
        self._drop_connection()

    # -- internals ----------------------------------------------------------------------------

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

    def _batch(self) -> int:
        conn = self._connection()
        # Positions for newly committed events, in a transaction of its own (the batch below has
        # written once it claims, and then reads only what is positioned).
        conn.execute("SELECT ledger.assign_positions()")
        with conn.transaction():
            row = conn.execute("SELECT ledger.claim_subscription(%s)", (self.name,)).fetchone()
            if row is None or row[0] is None:  # another instance holds this subscription right now
                raise psycopg.Rollback()
            rows = conn.execute(READ_ALL, (row[0], self.batch_size)).fetchall()
            if not rows:
                raise psycopg.Rollback()  # nothing new: leave no trace of the claim
            events = [recorded(r) for r in rows]
            self.handler(conn, events)
            conn.execute("SELECT ledger.advance_subscription(%s, %s)", (self.name, events[-1].position))
            self.processed += len(events)
            return len(events)
        return 0

    def _wait(self, stop: threading.Event) -> None:
        conn = self._connection()
        if not self.listen:
            stop.wait(self.poll_interval)
            return
        # Appends notify only while someone is registered as waiting: register, then look once
        # more (an append that committed meanwhile did not notify), then wait.
        conn.execute("SELECT ledger.subscriber_waiting(%s, true)", (self.name,))
        try:
            if self._batch() > 0:
                return
            # Any notification, or the timer, ends the wait; what arrived is read from the
            # checkpoint. Waited in short slices so that `stop` is noticed quickly.
            deadline = time.monotonic() + self.poll_interval
            while not stop.is_set() and (remaining := deadline - time.monotonic()) > 0:
                for _ in conn.notifies(timeout=min(remaining, 0.2), stop_after=1):
                    return
        finally:
            if not (conn.closed or conn.broken):
                conn.execute("SELECT ledger.subscriber_waiting(%s, false)", (self.name,))


def daily_totals_handler(conn: psycopg.Connection[Any], events: Sequence[RecordedEvent]) -> None:
    """The handler of the projection ledger.daily_totals (subscriber name "daily_totals")."""
    conn.execute("SELECT ledger.daily_totals_apply(%s)", (events[-1].position,))


DAILY_TOTALS = "daily_totals"

__all__ = ["DAILY_TOTALS", "Handler", "Subscriber", "daily_totals_handler"]
