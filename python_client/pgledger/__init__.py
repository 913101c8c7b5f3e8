"""pgledger: an append-only, event-sourced account ledger whose logic lives in PostgreSQL.

This package is the thin Python client of the SQL API (schema ``ledger``), its migrator, the
embedded server for zero set-up, and the command line.
"""

from importlib.metadata import PackageNotFoundError, version

from pgledger.async_ledger import AsyncLedger
from pgledger.errors import (
    AccountAlreadyExists,
    AccountNotFound,
    ApiReplaced,
    ConcurrencyError,
    EventTimeOrderError,
    HistoryImmutable,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidEvent,
    LedgerError,
    MigrationError,
    OutcomeUnknown,
    RacedWriters,
    SubscriptionError,
)
from pgledger.events import (
    AccountOpened,
    AccountState,
    Event,
    MoneyDeposited,
    MoneyWithdrawn,
    RecordedEvent,
    new_event_id,
)
from pgledger.ledger import DailyTotal, HistoryEntry, Ledger, Mismatch
from pgledger.retry import Attempt, retry, retry_async
from pgledger.subscriber import AsyncSubscriber, FailurePolicy, HandlerFailed, Subscriber

try:
    __version__ = version("pgledger")
except PackageNotFoundError:  # a source checkout on sys.path that was never installed: no metadata
    __version__ = "0+unknown"

__all__ = [
    "AccountAlreadyExists",
    "AccountNotFound",
    "AccountOpened",
    "AccountState",
    "ApiReplaced",
    "AsyncLedger",
    "AsyncSubscriber",
    "Attempt",
    "ConcurrencyError",
    "DailyTotal",
    "Event",
    "EventTimeOrderError",
    "FailurePolicy",
    "HandlerFailed",
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
    "RacedWriters",
    "RecordedEvent",
    "Subscriber",
    "SubscriptionError",
    "new_event_id",
    "retry",
    "retry_async",
]
