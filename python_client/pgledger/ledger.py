"""Ledger: the thin Python client of the SQL API in schema ``ledger``.

Each method is one call of one SQL function, one round trip. The rules are enforced by the
database; this class carries values across and turns ``LG`` SQLSTATEs into exceptions.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

import psycopg
from psycopg.rows import class_row
from psycopg.types.composite import CompositeInfo, register_composite
from psycopg.types.json import Jsonb, set_json_loads

from pgledger.errors import OutcomeUnknown, translate
from pgledger.events import (
    AccountOpened,
    AccountState,
    Event,
    MoneyDeposited,
    MoneyWithdrawn,
    RecordedEvent,
    check_time,
    event_from_stored,
    event_to_json,
    exact_amount,
)

_Row = TypeVar("_Row")

_ACCOUNT_COLUMNS = "account_id, owner_name, balance, version, opened_at, last_event_at"

# ledger.read_all with the columns `recorded` reads.
READ_ALL = (
    "SELECT position, event_id, aggregate_id, sequence_number, event_version, event_type, payload, metadata,"
    " occurred_at, recorded_at FROM ledger.read_all(%s::bigint, %s::integer)"
)

# ledger.read_stream with the same columns (no global position).
READ_STREAM = (
    "SELECT NULL::bigint, event_id, aggregate_id, sequence_number, event_version, event_type, payload,"
    " metadata, occurred_at, recorded_at FROM ledger.read_stream(%s::uuid, %s::bigint, %s::integer)"
)


def recorded(row: Sequence[Any]) -> RecordedEvent:
    """A RecordedEvent from a row of READ_ALL's (or READ_STREAM's) columns."""
    return RecordedEvent(
        event_id=row[1],
        account_id=row[2],
        sequence_number=row[3],
        event_version=row[4],
        event=event_from_stored(row[5], row[2], row[6], row[8]),
        metadata=row[7],
        recorded_at=row[9],
        position=row[0],
    )


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
        return cls(_int("position", data["position"]), bytes.fromhex(_str("root", data["root"])))


@dataclass(frozen=True, slots=True)
class DigestCheck:
    """The answer of ledger.verify_digest(): whether today's history extends a digest."""

    matches: bool
    computed_root: bytes
    first_changed_position: int | None
    detail: str


#: The key under which read_json keeps JSON text too deeply nested for Python's parser.
UNPARSED_JSON = "pgledger.unparsed_json"


def read_json(text: str | bytes) -> Any:
    """JSON as the client reads it: numbers with a fraction as Decimal, never float. A document
    nested deeper than Python's parser can go (events stored before the ledger capped metadata
    at 32 levels) comes back as {UNPARSED_JSON: its text} instead of breaking every read."""
    try:
        return json.loads(text, parse_float=Decimal)
    except RecursionError:
        return {UNPARSED_JSON: text if isinstance(text, str) else text.decode("utf-8")}


def configure(connection: psycopg.Connection[Any]) -> None:
    """Make the connection read JSON with read_json."""
    set_json_loads(read_json, connection)


class Ledger:
    """The ledger in one PostgreSQL database.

    ``Ledger(conninfo)`` opens its own connection in autocommit mode: every call is its own
    transaction, and a lost connection is reopened on the next call. ``Ledger(connection)`` uses
    the caller's connection as it is, so several calls can share the caller's transaction; the
    caller then commits and closes it.

    Every command carries event ids (made here when not given). When the connection is lost
    while a command is in flight, the command raises ``OutcomeUnknown`` with those ids: retrying
    with them applies the command at most once.
    """

    def __init__(self, conninfo_or_connection: str | psycopg.Connection[Any]) -> None:
        self._conninfo: str | None = None
        if isinstance(conninfo_or_connection, str):
            self._conninfo = conninfo_or_connection
            self._conn: psycopg.Connection[Any] = psycopg.connect(conninfo_or_connection, autocommit=True)
            self._owned = True
        else:
            self._conn = conninfo_or_connection
            self._owned = False
        configure(self._conn)
        self._composites_registered = False

    @property
    def connection(self) -> psycopg.Connection[Any]:
        return self._connection()

    def close(self) -> None:
        """Close the connection if this Ledger opened it."""
        if self._owned:
            self._conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- commands -------------------------------------------------------------------------

    def open_account(
        self,
        account_id: UUID,
        owner_name: str,
        *,
        occurred_at: datetime | None = None,
        event_id: UUID | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> int:
        """Open an account; returns its version (1). Raises AccountAlreadyExists, InvalidEvent."""
        check_time("occurred_at", occurred_at)
        key = _uuid("event_id", event_id, optional=True) or uuid.uuid4()
        return self._command(
            "SELECT ledger.open_account(%s::uuid, %s::text, %s::timestamptz, %s::uuid, %s::jsonb)",
            (_uuid("account_id", account_id), _str("owner_name", owner_name), occurred_at, key, _jsonb(metadata)),
            [key],
        )

    def deposit(
        self,
        account_id: UUID,
        amount: Decimal,
        *,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
        event_id: UUID | None = None,
        metadata: Mapping[str, Any] | None = None,
        reference: str | None = None,
    ) -> int:
        """Deposit money; returns the new version. Raises AccountNotFound, ConcurrencyError, InvalidEvent, ..."""
        return self._money(
            "deposit",
            account_id,
            amount,
            expected_version,
            occurred_at,
            event_id,
            metadata,
            (_str("reference", reference, optional=True),),
        )

    def withdraw(
        self,
        account_id: UUID,
        amount: Decimal,
        *,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
        event_id: UUID | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> int:
        """Withdraw money; returns the new version. Raises InsufficientFunds, AccountNotFound, ..."""
        return self._money("withdraw", account_id, amount, expected_version, occurred_at, event_id, metadata)

    def transfer(
        self,
        from_account: UUID,
        to_account: UUID,
        amount: Decimal,
        *,
        occurred_at: datetime | None = None,
        transfer_id: UUID | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> tuple[int, int]:
        """Move money between two accounts atomically; returns their new versions (from, to).

        Deadlock-free (the database writes the two accounts in a fixed order) and idempotent by
        ``transfer_id`` (made here when not given; OutcomeUnknown carries it).
        """
        check_time("occurred_at", occurred_at)
        key = _uuid("transfer_id", transfer_id, optional=True) or uuid.uuid4()
        query = (
            "SELECT from_version, to_version"
            " FROM ledger.transfer(%s::uuid, %s::uuid, %s::numeric, %s::timestamptz, %s::uuid, %s::jsonb)"
        )
        params = (
            _uuid("from_account", from_account),
            _uuid("to_account", to_account),
            exact_amount(amount),
            occurred_at,
            key,
            _jsonb(metadata),
        )
        with self._unknown_outcome([key]), self._translated():
            row = self._connection().execute(query, params).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])

    def append(
        self,
        account_id: UUID,
        events: Sequence[Event],
        *,
        expected_version: int | None = None,
        event_ids: Sequence[UUID] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> int:
        """Append events to one account atomically; returns the new version.

        ``expected_version``: None = any, 0 = the account must not exist yet, n = its version
        must be n. ``event_ids`` (one per event) make a retry idempotent; fresh ids are made
        when they are not given. ``metadata`` is stored with every event of the batch.
        """
        _uuid("account_id", account_id)
        _int("expected_version", expected_version, optional=True)
        if not all(isinstance(e, (AccountOpened, MoneyDeposited, MoneyWithdrawn)) for e in events):
            raise TypeError("events must be AccountOpened, MoneyDeposited or MoneyWithdrawn values")
        if event_ids is not None and not all(isinstance(i, UUID) for i in event_ids):
            raise TypeError("event_ids must be uuid.UUID values")
        if event_ids is not None and len(event_ids) != len(events):
            raise ValueError(f"event_ids has {len(event_ids)} ids for {len(events)} events")
        for event in events:
            if event.account_id != account_id:
                raise ValueError(f"event {event!r} belongs to account {event.account_id}, not {account_id}")
        ids = list(event_ids) if event_ids is not None else [uuid.uuid4() for _ in events]
        items = [event_to_json(event, event_id, metadata) for event, event_id in zip(events, ids, strict=True)]
        query = "SELECT ledger.append(%s::uuid, %s::bigint, %s::jsonb)"
        return self._command(query, (account_id, expected_version, Jsonb(items)), ids)

    # -- queries --------------------------------------------------------------------------

    def events(self, account_id: UUID, *, after_version: int = 0, limit: int | None = None) -> list[RecordedEvent]:
        """The account's stored events in sequence order."""
        params = (
            _uuid("account_id", account_id),
            _int("after_version", after_version),
            _int("limit", limit, optional=True),
        )
        return [recorded(row) for row in self._rows(READ_STREAM, params)]

    def read_all(self, after: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        """Events of all accounts after the global position `after`, in position order (see
        ledger.read_all): dense and gap-safe to follow; keep the last position you handled."""
        return [recorded(row) for row in self._rows(READ_ALL, (_int("after", after), _int("limit", limit)))]

    def assign_positions(self, max_count: int = 10000) -> int:
        """Give global positions to newly committed events now (ledger.assign_positions); how many."""
        return self._scalar("SELECT ledger.assign_positions(%s::integer)", (_int("max_count", max_count),))

    def daily_totals(self, account_id: UUID, start: date | None = None, end: date | None = None) -> list[DailyTotal]:
        """The projection ledger.daily_totals for one account, days start..end inclusive."""
        return self._typed(
            DailyTotal,
            "SELECT day, deposits, withdrawals, event_count FROM ledger.daily_totals(%s::uuid, %s::date, %s::date)",
            (_uuid("account_id", account_id), _day("start", start), _day("end", end)),
        )

    def state(self, account_id: UUID) -> AccountState | None:
        """The account's current state from the projection, or None if it does not exist."""
        return self._one_state(
            f"SELECT {_ACCOUNT_COLUMNS} FROM ledger.account_state(%s::uuid)", (_uuid("account_id", account_id),)
        )

    def replay(self, account_id: UUID) -> AccountState | None:
        """The account's state folded from its full history, or None if it has no events."""
        return self._one_state(
            f"SELECT {_ACCOUNT_COLUMNS} FROM ledger.replay(%s::uuid)", (_uuid("account_id", account_id),)
        )

    def verify(self) -> list[Mismatch]:
        """Every account whose replay differs from its projection row (empty: all equal)."""
        self._register_composites()
        rows = self._rows("SELECT account_id, projection, replayed, error FROM ledger.verify()", ())
        return [Mismatch(*row) for row in rows]

    def verify_batch(self, after: UUID | None, max_count: int) -> list[tuple[UUID, bool, Mismatch]]:
        """One page of verify: (account_id, replay equals projection, both states) per account."""
        self._register_composites()
        rows = self._rows(
            "SELECT account_id, equal, projection, replayed, error FROM ledger.verify_batch(%s::uuid, %s::integer)",
            (_uuid("after", after, optional=True), _int("max_count", max_count)),
        )
        return [(row[0], row[1], Mismatch(row[0], row[2], row[3], row[4])) for row in rows]

    def verify_snapshots(self) -> list[SnapshotMismatch]:
        """Every snapshot that is not the fold of its account's events up to it (empty: all correct)."""
        self._register_composites()
        rows = self._rows(
            "SELECT account_id, sequence_number, snapshot, replayed, error FROM ledger.verify_snapshots()", ()
        )
        return [SnapshotMismatch(*row) for row in rows]

    def verify_chain(self) -> list[ChainProblem]:
        """Where the stored history is not the one written (empty: intact): the first broken event of
        each account, and the ledger's positions and Merkle tree (see ledger.verify_chain)."""
        return self._typed(
            ChainProblem, "SELECT account_id, sequence_number, position, problem FROM ledger.verify_chain()", ()
        )

    def digest(self) -> Digest:
        """The ledger's digest now: keep it outside the database, check it later with verify_digest."""
        (row,) = self._typed(Digest, "SELECT position, root FROM ledger.digest()", ())
        return row

    def verify_digest(self, digest: Digest) -> DigestCheck:
        """Whether today's history extends `digest`, every hash recomputed from the content."""
        if not isinstance(digest, Digest):
            raise TypeError(f"digest must be a pgledger Digest, got {type(digest).__name__}")
        (row,) = self._typed(
            DigestCheck,
            "SELECT matches, computed_root, first_changed_position, detail"
            " FROM ledger.verify_digest(%s::bigint, %s::bytea)",
            (digest.position, digest.root),
        )
        return row

    def inclusion_proof(self, position: int, tree_size: int | None = None) -> dict[str, Any]:
        """The proof (JSON) that the event at `position` is in the tree of `tree_size` events;
        pgledger.proof.verify_inclusion checks it with no database."""
        return self._json(
            "SELECT ledger.inclusion_proof(%s::bigint, %s::bigint)",
            (_int("position", position), _int("tree_size", tree_size, optional=True)),
        )

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> dict[str, Any]:
        """The proof (JSON) that the tree of `new_size` events extends the tree of `old_size`;
        pgledger.proof.verify_consistency checks it with no database."""
        return self._json(
            "SELECT ledger.consistency_proof(%s::bigint, %s::bigint)",
            (_int("old_size", old_size), _int("new_size", new_size, optional=True)),
        )

    def stats(self) -> LedgerStats:
        """How many accounts, events and snapshots the ledger holds, and the snapshot interval."""
        (row,) = self._typed(
            LedgerStats, "SELECT accounts, events, snapshots, snapshot_interval FROM ledger.stats()", ()
        )
        return row

    def accounts(self, *, after: UUID | None = None, limit: int = 100) -> list[AccountState]:
        """A page of accounts (current state) in id order after the id `after` (None: the first)."""
        return self._typed(
            AccountState,
            f"SELECT {_ACCOUNT_COLUMNS} FROM ledger.accounts_list(%s::uuid, %s::integer)",
            (_uuid("after", after, optional=True), _int("limit", limit)),
        )

    def find_accounts(self, owner_prefix: str, *, after: UUID | None = None, limit: int = 100) -> list[AccountState]:
        """Accounts whose owner name starts with `owner_prefix` (any case), a page at a time."""
        return self._typed(
            AccountState,
            f"SELECT {_ACCOUNT_COLUMNS} FROM ledger.find_accounts(%s::text, %s::uuid, %s::integer)",
            (_str("owner_prefix", owner_prefix), _uuid("after", after, optional=True), _int("limit", limit)),
        )

    def totals(self) -> Totals:
        """The whole ledger in one row (accounts, events, deposited, withdrawn, balance)."""
        (row,) = self._typed(
            Totals, "SELECT as_of_position, accounts, events, deposited, withdrawn, balance FROM ledger.totals()", ()
        )
        return row

    def load(self, account_id: UUID) -> AccountState | None:
        """The account's current state from its latest snapshot and the events after it."""
        return self._one_state(
            f"SELECT {_ACCOUNT_COLUMNS} FROM ledger.load_account(%s::uuid)", (_uuid("account_id", account_id),)
        )

    def state_at(self, account_id: UUID, at: datetime) -> AccountState | None:
        """The account's state as of `at` (events at exactly `at` included); None before it was opened."""
        check_time("at", at)
        return self._one_state(
            f"SELECT {_ACCOUNT_COLUMNS} FROM ledger.account_state_at(%s::uuid, %s::timestamptz)",
            (_uuid("account_id", account_id), at),
        )

    def state_at_version(self, account_id: UUID, version: int) -> AccountState | None:
        """The account's state right after event number `version`; None when it has no such event."""
        return self._one_state(
            f"SELECT {_ACCOUNT_COLUMNS} FROM ledger.account_state_at_version(%s::uuid, %s::bigint)",
            (_uuid("account_id", account_id), _int("version", version)),
        )

    def history(
        self, account_id: UUID, start: datetime | None = None, end: datetime | None = None
    ) -> list[HistoryEntry]:
        """The account's events with occurred_at in [start, end], each with the balance after it."""
        check_time("start", start)
        check_time("end", end)
        return self._typed(
            HistoryEntry,
            "SELECT sequence_number, event_type, occurred_at, amount, balance, reference, counterparty, transfer_id,"
            " event_id FROM ledger.account_history(%s::uuid, %s::timestamptz, %s::timestamptz)",
            (_uuid("account_id", account_id), start, end),
        )

    def rebuild_snapshots(self, account_id: UUID | None = None) -> int:
        """Recompute the snapshots of one account (None: all) from the full history; returns how many."""
        return self._scalar(
            "SELECT ledger.rebuild_snapshots(%s::uuid)", (_uuid("account_id", account_id, optional=True),)
        )

    def set_snapshot_interval(self, interval: int) -> int:
        """Take a snapshot every `interval` events from now on; returns the previous interval."""
        return self._scalar("SELECT ledger.set_snapshot_interval(%s::integer)", (_int("interval", interval),))

    # -- plumbing -------------------------------------------------------------------------

    def _money(
        self,
        function: str,
        account_id: UUID,
        amount: Decimal,
        expected_version: int | None,
        occurred_at: datetime | None,
        event_id: UUID | None,
        metadata: Mapping[str, Any] | None,
        extra: tuple[Any, ...] = (),
    ) -> int:
        check_time("occurred_at", occurred_at)
        key = _uuid("event_id", event_id, optional=True) or uuid.uuid4()
        params = (
            _uuid("account_id", account_id),
            exact_amount(amount),
            _int("expected_version", expected_version, optional=True),
            occurred_at,
            key,
            _jsonb(metadata),
            *extra,
        )
        types = ["uuid", "numeric", "bigint", "timestamptz", "uuid", "jsonb", "text"][: len(params)]
        placeholders = ", ".join(f"%s::{t}" for t in types)
        return self._command(f"SELECT ledger.{function}({placeholders})", params, [key])

    def _command(self, query: str, params: Sequence[Any], event_ids: Sequence[UUID]) -> int:
        with self._unknown_outcome(event_ids):
            return self._scalar(query, params)

    @contextmanager
    def _unknown_outcome(self, event_ids: Sequence[UUID]) -> Iterator[None]:
        """Around one write: a dropped connection means its outcome is unknown (OutcomeUnknown)."""
        try:
            yield
        except psycopg.OperationalError as error:
            if not (self._conn.broken or self._conn.closed):
                raise
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise OutcomeUnknown(
                f"the connection was lost during the command, which may or may not have been applied ({reason}); "
                f"retry it with the same ids {[str(i) for i in event_ids]}: it is applied at most once",
                event_ids=event_ids,
            ) from error

    def _json(self, query: str, params: Sequence[Any]) -> dict[str, Any]:
        with self._translated():
            row = self._connection().execute(query, params).fetchone()
        assert row is not None and isinstance(row[0], dict)
        return row[0]

    def _scalar(self, query: str, params: Sequence[Any]) -> int:
        with self._translated():
            row = self._connection().execute(query, params).fetchone()
        assert row is not None
        return int(row[0])

    def _connection(self) -> psycopg.Connection[Any]:
        """The connection; one this Ledger opened is reopened if it was lost."""
        if self._owned and (self._conn.broken or self._conn.closed) and self._conninfo is not None:
            self._conn = psycopg.connect(self._conninfo, autocommit=True)
            configure(self._conn)
            self._composites_registered = False
        return self._conn

    def _rows(self, query: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self._translated():
            return self._connection().execute(query, params).fetchall()

    def _typed(self, cls: type[_Row], query: str, params: Sequence[Any]) -> list[_Row]:
        """The rows of a query, each made into a `cls` from its columns in order."""
        with self._translated(), self._connection().cursor(row_factory=class_row(cls)) as cur:
            return cur.execute(query, params).fetchall()

    def _one_state(self, query: str, params: Sequence[Any]) -> AccountState | None:
        rows = self._typed(AccountState, query, params)
        return rows[0] if rows else None

    def _register_composites(self) -> None:
        if self._composites_registered:
            return
        conn = self._connection()
        info = CompositeInfo.fetch(conn, "ledger.account")
        assert info is not None, "type ledger.account is missing: run `pgledger migrate`"
        register_composite(info, conn, factory=AccountState, make_sequence=_state_fields)
        self._composites_registered = True

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except psycopg.Error as error:
            ledger_error = translate(error)
            if ledger_error is None:
                raise
            raise ledger_error from error


# -- argument types: what Python must check to carry a value to SQL (the rules are in SQL) ----------


def _uuid(name: str, value: object, *, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if not isinstance(value, UUID):
        raise TypeError(f"{name} must be a uuid.UUID, got {type(value).__name__}")
    return value


def _int(name: str, value: object, *, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return value


def _str(name: str, value: object, *, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value


def _day(name: str, value: object) -> Any:
    if value is not None and (isinstance(value, datetime) or not isinstance(value, date)):
        raise TypeError(f"{name} must be a datetime.date, got {type(value).__name__}")
    return value


def _state_fields(state: AccountState, _info: CompositeInfo) -> tuple[Any, ...]:
    return astuple(state)


def _jsonb(value: Mapping[str, Any] | None) -> Jsonb | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(f"metadata must be a mapping, got {type(value).__name__}")
    return Jsonb(dict(value))


__all__ = [
    "READ_ALL",
    "READ_STREAM",
    "ChainProblem",
    "DailyTotal",
    "Digest",
    "DigestCheck",
    "HistoryEntry",
    "Ledger",
    "LedgerStats",
    "Mismatch",
    "SnapshotMismatch",
    "Totals",
    "configure",
    "recorded",
]
