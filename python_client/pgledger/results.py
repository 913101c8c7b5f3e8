"""What the ledger's reads return, beyond events and account states (events.py): one frozen
dataclass per row shape of the SQL API. Pure data: this module imports nothing else of pgledger
but the events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pgledger.events import AccountState


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One event of ledger.account_history with the balance right after it; a deposit's payer
    reference; a transfer's other account and id."""

    sequence_number: int
    event_type: str
    occurred_at: datetime
    amount: Decimal | None
    balance: Decimal
    reference: str | None = None
    counterparty: UUID | None = None
    transfer_id: UUID | None = None
    event_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class DailyTotal:
    """A row of the projection ledger.daily_totals: one account's day (UTC)."""

    day: date
    deposits: Decimal
    withdrawals: Decimal
    event_count: int


@dataclass(frozen=True, slots=True)
class LedgerStats:
    """A row of ledger.stats()."""

    accounts: int
    events: int
    snapshots: int
    snapshot_interval: int


@dataclass(frozen=True, slots=True)
class Totals:
    """A row of ledger.totals(): the whole ledger as of a global position."""

    as_of_position: int
    accounts: int
    events: int
    deposited: Decimal
    withdrawn: Decimal
    balance: Decimal


@dataclass(frozen=True, slots=True)
class Mismatch:
    """An account whose replay differs from its projection row (a row of ledger.verify()); error
    when its history cannot be folded at all (SQLSTATE: message)."""

    account_id: UUID
    projection: AccountState | None
    replayed: AccountState | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class SnapshotMismatch:
    """A snapshot that is not the fold of its account's events up to it (ledger.verify_snapshots())."""

    account_id: UUID
    sequence_number: int
    snapshot: AccountState
    replayed: AccountState | None
    error: str | None


@dataclass(frozen=True, slots=True)
class ChainProblem:
    """A row of ledger.verify_chain(): where the stored history is not the one written (account_id
    None: the whole ledger's positions or Merkle tree)."""

    account_id: UUID | None
    sequence_number: int | None
    position: int | None
    problem: str


@dataclass(frozen=True, slots=True)
class Digest:
    """The ledger's digest (ledger.digest()): the Merkle root of every event up to `position`."""

    position: int
    root: bytes

    def to_json(self) -> dict[str, Any]:
        return {"format": "pgledger-digest-v1", "position": self.position, "root": self.root.hex()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Digest:
        if data.get("format") != "pgledger-digest-v1":
            raise ValueError(f"not a pgledger digest (format {data.get('format')!r})")
        position, root = data["position"], data["root"]
        if isinstance(position, bool) or not isinstance(position, int):
            raise TypeError(f"position must be an int, got {type(position).__name__}")
        if not isinstance(root, str):
            raise TypeError(f"root must be a str, got {type(root).__name__}")
        return cls(position, bytes.fromhex(root))


@dataclass(frozen=True, slots=True)
class DigestCheck:
    """The answer of ledger.verify_digest(): whether today's history extends a digest."""

    matches: bool
    computed_root: bytes
    first_changed_position: int | None
    detail: str


__all__ = [
    "ChainProblem",
    "DailyTotal",
    "Digest",
    "DigestCheck",
    "HistoryEntry",
    "LedgerStats",
    "Mismatch",
    "SnapshotMismatch",
    "Totals",
]
