"""Ledger errors: one exception class per SQLSTATE of class ``LG``.

The rules live in SQL; each rule raises its own stable SQLSTATE. This module maps those codes
to exception classes so callers catch ``InsufficientFunds`` rather than parse messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar
from uuid import UUID

import psycopg


class LedgerError(Exception):
    """Base class of every error pgledger raises on purpose."""

    sqlstate: ClassVar[str | None] = None

    def __init__(self, message: str, *, hint: str | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.detail = detail

    def __str__(self) -> str:
        if self.sqlstate is None:
            return self.message
        return f"{self.sqlstate}: {self.message}"


class ConcurrencyError(LedgerError):
    """LG001: the account's version is not the expected one; another writer appended first."""

    sqlstate = "LG001"


class RacedWriters(ConcurrencyError):
    """40001 (PostgreSQL's serialization failure), raised by the ledger in two rare races of
    writers of one account: an append that lost three rounds, or a retry of a deposit or
    withdrawal racing its original while a third writer appended in between. Nothing was stored;
    the same call again (same event ids) gives the right answer, and ``retry`` does that."""

    sqlstate = "40001"


class AccountNotFound(LedgerError):
    """LG002: the account does not exist (its first event must be AccountOpened)."""

    sqlstate = "LG002"


class AccountAlreadyExists(LedgerError):
    """LG003: the account is already open."""

    sqlstate = "LG003"


class InsufficientFunds(LedgerError):
    """LG004: the withdrawal would take the balance below zero."""

    sqlstate = "LG004"


class InvalidEvent(LedgerError):
    """LG005: an event or an argument is malformed; the message names the field and why."""

    sqlstate = "LG005"


class EventTimeOrderError(LedgerError):
    """LG006: occurred_at is earlier than the account's previous event."""

    sqlstate = "LG006"


class HistoryImmutable(LedgerError):
    """LG007: UPDATE, DELETE or TRUNCATE of ledger.events; the history is append-only."""

    sqlstate = "LG007"


class IdempotencyConflict(LedgerError):
    """LG008: an event_id is already stored for a different event or batch."""

    sqlstate = "LG008"


class SubscriptionError(LedgerError):
    """LG009: a subscription does not exist, the caller may not consume it, it is not claimed in this
    transaction, or its checkpoint would move backwards or beyond the last position."""

    sqlstate = "LG009"


class ApiReplaced(LedgerError):
    """LG010: a call of an earlier release that was replaced; the message names the new call."""

    sqlstate = "LG010"


class OutcomeUnknown(LedgerError):
    """The connection was lost while a command was in flight: it may or may not have been applied.

    Retry the command with the same ``event_ids`` (kept here): a retry is applied at most once,
    and answers like the original when the original was applied.
    """

    def __init__(self, message: str, *, event_ids: Sequence[UUID]) -> None:
        super().__init__(message)
        self.event_ids = list(event_ids)


class MigrationError(LedgerError):
    """LG011: installing or migrating was refused (an applied migration edited, a schema ledger owned
    by another role, roles that do not exist and cannot be created, ...); the message says why."""

    sqlstate = "LG011"


_BY_SQLSTATE: dict[str, type[LedgerError]] = {
    cls.sqlstate: cls
    for cls in (
        ConcurrencyError,
        RacedWriters,
        AccountNotFound,
        AccountAlreadyExists,
        InsufficientFunds,
        InvalidEvent,
        EventTimeOrderError,
        HistoryImmutable,
        IdempotencyConflict,
        SubscriptionError,
        ApiReplaced,
        MigrationError,
    )
    if cls.sqlstate is not None
}


def error_class(sqlstate: str) -> type[LedgerError] | None:
    """The exception class of an ``LG`` SQLSTATE (or 40001), or None for any other code."""
    return _BY_SQLSTATE.get(sqlstate)


def translate(error: psycopg.Error) -> LedgerError | None:
    """The ledger exception for a driver error carrying an ``LG`` SQLSTATE, else None."""
    if error.sqlstate is None:
        return None
    cls = error_class(error.sqlstate)
    if cls is None:
        return None
    diag = error.diag
    return cls(diag.message_primary or str(error), hint=diag.message_hint, detail=diag.message_detail)


__all__ = [
    "AccountAlreadyExists",
    "AccountNotFound",
    "ApiReplaced",
    "ConcurrencyError",
    "EventTimeOrderError",
    "HistoryImmutable",
    "IdempotencyConflict",
    "InsufficientFunds",
    "InvalidEvent",
    "LedgerError",
    "MigrationError",
    "OutcomeUnknown",
    "RacedWriters",
    "SubscriptionError",
    "error_class",
    "translate",
]
