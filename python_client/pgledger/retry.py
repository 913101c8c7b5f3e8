"""Retrying a command that met a concurrent writer (ConcurrencyError) or lost its connection
(OutcomeUnknown), with the same event ids on every attempt.

    from pgledger.retry import retry

    def pay_rent(attempt):
        state = ledger.state(account)               # read again on every attempt
        return ledger.withdraw(account, rent, expected_version=state.version,
                               event_id=attempt.event_id)   # the same id on every attempt

    version = retry(pay_rent)

Why the ids must be the same: after OutcomeUnknown the first attempt may have been applied.
The database answers a command whose event ids are already stored, as the same event, with the
version it had then, without applying it again; so the retry is applied at most once, whatever
happened to the first attempt. A ConcurrencyError stored nothing, so the same ids are free for
the next attempt. If an attempt describes a different event under the same id (a different
amount, because it read a different state), the database refuses it with IdempotencyConflict
(LG008), which is not retried: an earlier attempt was applied.

Other errors (InsufficientFunds, InvalidEvent, ...) are raised at once: trying again would not
change the answer. ``retry_async`` is the same for AsyncLedger.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar
from uuid import UUID

from pgledger.errors import ConcurrencyError, LedgerError, OutcomeUnknown
from pgledger.events import new_event_id

T = TypeVar("T")

#: The errors retry tries again after.
RETRIED: tuple[type[LedgerError], ...] = (ConcurrencyError, OutcomeUnknown)

_log = logging.getLogger(__name__)


class Attempt:
    """One attempt of a retried command: its number (1, 2, ...) and ids that are the same on
    every attempt (``event_id``, ``ids(n)`` for a batch or several commands)."""

    def __init__(self) -> None:
        self.number = 0
        self._ids: list[UUID] = []

    @property
    def event_id(self) -> UUID:
        """The first id: the event id of a single command (or a transfer's transfer_id)."""
        return self.ids(1)[0]

    def ids(self, count: int) -> list[UUID]:
        """`count` ids, the same ones on every attempt (made on first use)."""
        while len(self._ids) < count:
            self._ids.append(new_event_id())
        return self._ids[:count]


def _pause(attempt: int, backoff: float, max_backoff: float) -> float:
    """Exponential, with jitter so that writers who collided do not collide again in step."""
    return float(min(max_backoff, backoff * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0))


def _give_up(error: LedgerError, attempt: Attempt, attempts: int) -> bool:
    if not isinstance(error, RETRIED) or attempt.number >= attempts:
        return True
    _log.info("attempt %d of %d failed (%s); retrying", attempt.number, attempts, error)
    return False


def retry(
    command: Callable[[Attempt], T],
    *,
    attempts: int = 5,
    backoff: float = 0.05,
    max_backoff: float = 2.0,
) -> T:
    """Call ``command(attempt)`` until it returns, at most `attempts` times, while it raises
    ConcurrencyError or OutcomeUnknown; pauses ``backoff`` seconds (with jitter) before the
    second attempt, twice that before the third, ..., at most ``max_backoff``. The command
    takes its ids from `attempt` and reads what it decides on again each time. Raises the last
    error when the attempts run out, and any other error at once."""
    attempt = Attempt()
    while True:
        attempt.number += 1
        try:
            return command(attempt)
        except LedgerError as error:
            if _give_up(error, attempt, attempts):
                raise
        time.sleep(_pause(attempt.number, backoff, max_backoff))


async def retry_async(
    command: Callable[[Attempt], Awaitable[T]],
    *,
    attempts: int = 5,
    backoff: float = 0.05,
    max_backoff: float = 2.0,
) -> T:
    """retry for AsyncLedger: ``await retry_async(command)`` with an async ``command(attempt)``."""
    attempt = Attempt()
    while True:
        attempt.number += 1
        try:
            return await command(attempt)
        except LedgerError as error:
            if _give_up(error, attempt, attempts):
                raise
        await asyncio.sleep(_pause(attempt.number, backoff, max_backoff))


__all__ = ["RETRIED", "Attempt", "retry", "retry_async"]
