"""The domain events of an account: immutable values, exact money, timezone-aware times.

Pure data: this module imports nothing else of pgledger. It checks only what Python must know
to carry a value to the database exactly (``Decimal`` not ``float``, aware not naive
datetimes); the domain rules (amount > 0, at most 2 decimals, balance never negative, ...) live
in SQL and are not re-checked here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID


def new_event_id() -> UUID:
    """A new event id, time-ordered: the UUID version 7 layout of RFC 9562 (48 bits of Unix time
    in milliseconds, then 74 random bits). New ids land at the right edge of the database's
    event_id index instead of on a random page of it, which keeps appends to a large ledger
    cheaper (docs/decisions.md, "Performance"); the database makes the same kind when none is given.
    """
    millis = time.time_ns() // 1_000_000 & (1 << 48) - 1
    rand = int.from_bytes(os.urandom(10), "big")  # 80 bits, 74 of them used
    value = millis << 80 | 0x7 << 76 | (rand >> 62 & 0xFFF) << 64 | 0b10 << 62 | rand & (1 << 62) - 1
    return UUID(int=value)


def _check_uuid(name: str, value: object) -> None:
    if not isinstance(value, UUID):
        raise TypeError(f"{name} must be a uuid.UUID, got {type(value).__name__}")


def check_time(name: str, value: object) -> None:
    """Refuse what is not a timezone-aware datetime (None passes: the database clock is used)."""
    if value is None:
        return
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be timezone-aware: the naive datetime {value.isoformat()} could be any "
            "instant (give it a tzinfo, e.g. datetime.now(timezone.utc))"
        )


def exact_amount(value: object) -> Decimal:
    """The amount as a Decimal; floats are refused (they are binary fractions), ints are exact."""
    if isinstance(value, float):
        raise TypeError(
            f"amount must be a decimal.Decimal, not a float: {value!r} is a binary fraction and "
            f"money must be exact (use Decimal({str(value)!r}))"
        )
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"amount must be a decimal.Decimal, got {type(value).__name__}")
    return Decimal(value)


def format_amount(amount: Decimal) -> str:
    """The decimal string the SQL API expects: positional notation, scale kept (``"12.50"``)."""
    return format(amount, "f")


def format_time(value: datetime) -> str:
    """ISO 8601 in UTC, microsecond precision: the form the SQL API expects. The instant is kept;
    UTC avoids offsets with seconds (historical zones such as +00:19:32) that not every reader takes."""
    return value.astimezone(timezone.utc).isoformat()


@dataclass(frozen=True, slots=True)
class AccountOpened:
    """An account was opened for an owner."""

    event_type: ClassVar[str] = "AccountOpened"

    account_id: UUID
    owner_name: str
    timestamp: datetime | None = None

    def __post_init__(self) -> None:
        _check_uuid("account_id", self.account_id)
        if not isinstance(self.owner_name, str):
            raise TypeError(f"owner_name must be a str, got {type(self.owner_name).__name__}")
        check_time("timestamp", self.timestamp)

    def payload(self) -> dict[str, str]:
        return {"owner_name": self.owner_name}


@dataclass(frozen=True, slots=True)
class _MoneyMoved:
    """Fields and checks shared by the two money events."""

    account_id: UUID
    amount: Decimal
    timestamp: datetime | None = None

    def __post_init__(self) -> None:
        _check_uuid("account_id", self.account_id)
        object.__setattr__(self, "amount", exact_amount(self.amount))
        check_time("timestamp", self.timestamp)

    def payload(self) -> dict[str, str]:
        return {"amount": format_amount(self.amount)}


@dataclass(frozen=True, slots=True)
class MoneyDeposited(_MoneyMoved):
    """Money was paid into an account, with the payer's reference if there is one (version 2)."""

    event_type: ClassVar[str] = "MoneyDeposited"

    reference: str | None = None

    def __post_init__(self) -> None:
        _MoneyMoved.__post_init__(self)
        if self.reference is not None and not isinstance(self.reference, str):
            raise TypeError(f"reference must be a str or None, got {type(self.reference).__name__}")

    def payload(self) -> dict[str, str]:
        payload = {"amount": format_amount(self.amount)}
        if self.reference is not None:
            payload["reference"] = self.reference
        return payload


@dataclass(frozen=True, slots=True)
class MoneyWithdrawn(_MoneyMoved):
    """Money was taken out of an account."""

    event_type: ClassVar[str] = "MoneyWithdrawn"


Event = AccountOpened | MoneyDeposited | MoneyWithdrawn

EVENT_TYPES: dict[str, type[AccountOpened] | type[MoneyDeposited] | type[MoneyWithdrawn]] = {
    cls.event_type: cls for cls in (AccountOpened, MoneyDeposited, MoneyWithdrawn)
}


def event_from_stored(event_type: str, account_id: UUID, payload: Mapping[str, Any], occurred_at: datetime) -> Event:
    """The domain event of a stored row (its columns event_type, aggregate_id, payload, occurred_at)."""
    if event_type == "AccountOpened":
        return AccountOpened(account_id, str(payload["owner_name"]), occurred_at)
    if event_type == "MoneyDeposited":
        # Read paths upcast version 1 (no reference) to the current version; a version-1 payload
        # read directly from the table has no "reference" key, which is read as None too.
        return MoneyDeposited(account_id, Decimal(str(payload["amount"])), occurred_at, payload.get("reference"))
    if event_type == "MoneyWithdrawn":
        return MoneyWithdrawn(account_id, Decimal(str(payload["amount"])), occurred_at)
    raise ValueError(f"unknown event type {event_type!r}")


def event_to_json(
    event: Event, event_id: UUID | None = None, metadata: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The JSON object ledger.append takes for one event."""
    item: dict[str, Any] = {"event_type": event.event_type, "payload": event.payload()}
    if event.timestamp is not None:
        item["occurred_at"] = format_time(event.timestamp)
    if event_id is not None:
        item["event_id"] = str(event_id)
    if metadata is not None:
        item["metadata"] = dict(metadata)
    return item


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """A stored event: the domain event and what the store recorded with it."""

    event_id: UUID
    account_id: UUID
    sequence_number: int
    event_version: int
    event: Event
    metadata: Mapping[str, Any] = field(default_factory=dict)
    recorded_at: datetime | None = None
    # The event's global position (1, 2, 3 ... across the store), as ledger.read_all gives it;
    # None when read per account (ledger.read_stream).
    position: int | None = None

    @property
    def occurred_at(self) -> datetime:
        assert self.event.timestamp is not None  # stored events always have a time
        return self.event.timestamp


@dataclass(frozen=True, slots=True)
class AccountState:
    """The state of one account: a row of ledger.accounts, ledger.replay and friends."""

    account_id: UUID
    owner_name: str
    balance: Decimal
    version: int
    opened_at: datetime
    last_event_at: datetime


__all__ = [
    "EVENT_TYPES",
    "AccountOpened",
    "AccountState",
    "Event",
    "MoneyDeposited",
    "MoneyWithdrawn",
    "RecordedEvent",
    "check_time",
    "event_from_stored",
    "event_to_json",
    "exact_amount",
    "format_amount",
    "format_time",
]
