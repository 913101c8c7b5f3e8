"""pgledger: an append-only, event-sourced account ledger whose logic lives in PostgreSQL.

This package is the thin Python client of the SQL API (schema ``ledger``), its migrator, the
embedded server for zero set-up, and the command line.
"""

from pgledger.errors import (
    AccountAlreadyExists,
    AccountNotFound,
    ConcurrencyError,
    EventTimeOrderError,
    HistoryImmutable,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidEvent,
    LedgerError,
    MigrationError,
    OutcomeUnknown,
)
from pgledger.events import (
    AccountOpened,
    AccountState,
    Event,
    MoneyDeposited,
    MoneyWithdrawn,
    RecordedEvent,
)
from pgledger.ledger import HistoryEntry, Ledger, Mismatch

__all__ = [
    "AccountAlreadyExists",
    "AccountNotFound",
    "AccountOpened",
    "AccountState",
    "ConcurrencyError",
    "Event",
    "EventTimeOrderError",
    "HistoryEntry",
    "HistoryImmutable",
    "IdempotencyConflict",
    "InsufficientFunds",
    "InvalidEvent",
    "Ledger",
    "LedgerError",
    "MigrationError",
    "Mismatch",
    "MoneyDeposited",
    "MoneyWithdrawn",
    "OutcomeUnknown",
    "RecordedEvent",
]
