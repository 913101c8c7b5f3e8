"""The calls of the SQL API that the clients make, one function per client method.

Each function checks what Python must check to carry its arguments to SQL (types, not rules:
the rules are in SQL), and returns a ``Call``: the statement, its parameters, how its rows
become the answer, and for a command the event ids a retry must reuse. ``Ledger`` (ledger.py)
runs a Call on a connection, ``AsyncLedger`` (async_ledger.py) on an async one; both take their
methods, signatures and docstrings from here, so a new method is written once, here, and bound
with one line in each client.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb, set_json_loads

from pgledger.errors import LedgerError, OutcomeUnknown, translate
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
    new_event_id,
)
from pgledger.results import (
    ChainProblem,
    DailyTotal,
    Digest,
    DigestCheck,
    HistoryEntry,
    LedgerStats,
    Mismatch,
    SnapshotMismatch,
    Totals,
)

T = TypeVar("T")
R = TypeVar("R")
Rows = list[tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One call of the SQL API: the statement, its parameters, how its rows become the answer,
    and, for a command, the ids that make a retry idempotent (None for a read)."""

    sql: str
    params: tuple[Any, ...]
    answer: Callable[[Rows], T]
    event_ids: tuple[UUID, ...] | None = None


def failure(call: Call[Any], error: psycopg.Error, connection_lost: bool) -> LedgerError | None:
    """The exception a client raises for `error` from running `call`: OutcomeUnknown when the
    connection was lost during a command, the ledger exception of an ``LG`` SQLSTATE, else None
    (the driver's error is raised as it is)."""
    if call.event_ids is not None and connection_lost and isinstance(error, psycopg.OperationalError):
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        ids = [str(i) for i in call.event_ids]
        return OutcomeUnknown(
            f"the connection was lost during the command, which may or may not have been applied ({reason}); "
            f"retry it with the same ids {ids}: it is applied at most once",
            event_ids=call.event_ids,
        )
    return translate(error)


# -- reading JSON: numbers with a fraction as Decimal -----------------------------------------

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


def configure(connection: psycopg.Connection[Any] | psycopg.AsyncConnection[Any]) -> None:
    """Make the connection read JSON with read_json."""
    set_json_loads(read_json, connection)


# -- events ---------------------------------------------------------------------------------

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

# The subscriber protocol (see subscriber.py and docs/clients.md).
ASSIGN_POSITIONS = "SELECT ledger.assign_positions(%s::integer)"
CLAIM_SUBSCRIPTION = "SELECT ledger.claim_subscription(%s::text)"
ADVANCE_SUBSCRIPTION = "SELECT ledger.advance_subscription(%s::text, %s::bigint)"
SUBSCRIBER_WAITING = "SELECT ledger.subscriber_waiting(%s::text, %s::boolean)"
DAILY_TOTALS_APPLY = "SELECT ledger.daily_totals_apply(%s::bigint)"


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


# -- answers ----------------------------------------------------------------------------------

_ACCOUNT_COLUMNS = "account_id, owner_name, balance, version, opened_at, last_event_at"
_STATE_FIELDS = _ACCOUNT_COLUMNS.split(", ")


def _fields(composite: str) -> str:
    """The fields of a ledger.account value as columns, so no composite type needs registering."""
    return ", ".join(f"({composite}).{name}" for name in _STATE_FIELDS)


def _state_at(row: Sequence[Any], start: int) -> AccountState | None:
    """The AccountState in row[start:start + 6] (the columns of _fields), None for a NULL value."""
    return None if row[start] is None else AccountState(*row[start : start + len(_STATE_FIELDS)])


def _number(rows: Rows) -> int:
    return int(rows[0][0])


def _json(rows: Rows) -> dict[str, Any]:
    value = rows[0][0]
    assert isinstance(value, dict)
    return value


def _recorded(rows: Rows) -> list[RecordedEvent]:
    return [recorded(row) for row in rows]


def _each(make: Callable[..., R]) -> Callable[[Rows], list[R]]:
    """Every row made into a `make` from its columns in order."""
    return lambda rows: [make(*row) for row in rows]


def _single(make: Callable[..., R]) -> Callable[[Rows], R]:
    """The one row made into a `make`."""

    def answer(rows: Rows) -> R:
        (row,) = rows
        return make(*row)

    return answer


def _optional_state(rows: Rows) -> AccountState | None:
    return AccountState(*rows[0]) if rows else None


def _state(function: str, types: str, params: tuple[Any, ...]) -> Call[AccountState | None]:
    return Call(f"SELECT {_ACCOUNT_COLUMNS} FROM ledger.{function}({types})", params, _optional_state)


# -- commands ---------------------------------------------------------------------------------


def open_account(
    account_id: UUID,
    owner_name: str,
    *,
    occurred_at: datetime | None = None,
    event_id: UUID | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Call[int]:
    """Open an account; returns its version (1). Raises AccountAlreadyExists, InvalidEvent."""
    check_time("occurred_at", occurred_at)
    key = _uuid("event_id", event_id, optional=True) or new_event_id()
    return Call(
        "SELECT ledger.open_account(%s::uuid, %s::text, %s::timestamptz, %s::uuid, %s::jsonb)",
        (_uuid("account_id", account_id), _str("owner_name", owner_name), occurred_at, key, _jsonb(metadata)),
        _number,
        (key,),
    )


def deposit(
    account_id: UUID,
    amount: Decimal,
    *,
    expected_version: int | None = None,
    occurred_at: datetime | None = None,
    event_id: UUID | None = None,
    metadata: Mapping[str, Any] | None = None,
    reference: str | None = None,
) -> Call[int]:
    """Deposit money; returns the new version. Raises AccountNotFound, ConcurrencyError, InvalidEvent, ..."""
    return _money(
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
    account_id: UUID,
    amount: Decimal,
    *,
    expected_version: int | None = None,
    occurred_at: datetime | None = None,
    event_id: UUID | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Call[int]:
    """Withdraw money; returns the new version. Raises InsufficientFunds, AccountNotFound, ..."""
    return _money("withdraw", account_id, amount, expected_version, occurred_at, event_id, metadata)


def transfer(
    from_account: UUID,
    to_account: UUID,
    amount: Decimal,
    *,
    occurred_at: datetime | None = None,
    transfer_id: UUID | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Call[tuple[int, int]]:
    """Move money between two accounts atomically; returns their new versions (from, to).

    Deadlock-free (the database writes the two accounts in a fixed order) and idempotent by
    ``transfer_id`` (made here when not given; OutcomeUnknown carries it).
    """
    check_time("occurred_at", occurred_at)
    key = _uuid("transfer_id", transfer_id, optional=True) or uuid.uuid4()
    params = (
        _uuid("from_account", from_account),
        _uuid("to_account", to_account),
        exact_amount(amount),
        occurred_at,
        key,
        _jsonb(metadata),
    )
    return Call(
        "SELECT from_version, to_version"
        " FROM ledger.transfer(%s::uuid, %s::uuid, %s::numeric, %s::timestamptz, %s::uuid, %s::jsonb)",
        params,
        lambda rows: (int(rows[0][0]), int(rows[0][1])),
        (key,),
    )


def append(
    account_id: UUID,
    events: Sequence[Event],
    *,
    expected_version: int | None = None,
    event_ids: Sequence[UUID] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Call[int]:
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
    ids = tuple(event_ids) if event_ids is not None else tuple(new_event_id() for _ in events)
    items = [event_to_json(event, event_id, metadata) for event, event_id in zip(events, ids, strict=True)]
    return Call(
        "SELECT ledger.append(%s::uuid, %s::bigint, %s::jsonb)",
        (account_id, expected_version, Jsonb(items)),
        _number,
        ids,
    )


def _money(
    function: str,
    account_id: UUID,
    amount: Decimal,
    expected_version: int | None,
    occurred_at: datetime | None,
    event_id: UUID | None,
    metadata: Mapping[str, Any] | None,
    extra: tuple[Any, ...] = (),
) -> Call[int]:
    check_time("occurred_at", occurred_at)
    key = _uuid("event_id", event_id, optional=True) or new_event_id()
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
    return Call(f"SELECT ledger.{function}({placeholders})", params, _number, (key,))


# -- reads ------------------------------------------------------------------------------------


def events(account_id: UUID, *, after_version: int = 0, limit: int | None = None) -> Call[list[RecordedEvent]]:
    """The account's stored events in sequence order."""
    params = (
        _uuid("account_id", account_id),
        _int("after_version", after_version),
        _int("limit", limit, optional=True),
    )
    return Call(READ_STREAM, params, _recorded)


def read_all(after: int = 0, limit: int = 1000) -> Call[list[RecordedEvent]]:
    """Events of all accounts after the global position `after`, in position order (see
    ledger.read_all): dense and gap-safe to follow; keep the last position you handled."""
    return Call(READ_ALL, (_int("after", after), _int("limit", limit)), _recorded)


def assign_positions(max_count: int = 10000) -> Call[int]:
    """Give global positions to newly committed events now (ledger.assign_positions); how many."""
    return Call(ASSIGN_POSITIONS, (_int("max_count", max_count),), _number)


def daily_totals(account_id: UUID, start: date | None = None, end: date | None = None) -> Call[list[DailyTotal]]:
    """The projection ledger.daily_totals for one account, days start..end inclusive."""
    return Call(
        "SELECT day, deposits, withdrawals, event_count FROM ledger.daily_totals(%s::uuid, %s::date, %s::date)",
        (_uuid("account_id", account_id), _day("start", start), _day("end", end)),
        _each(DailyTotal),
    )


def state(account_id: UUID) -> Call[AccountState | None]:
    """The account's current state from the projection, or None if it does not exist."""
    return _state("account_state", "%s::uuid", (_uuid("account_id", account_id),))


def replay(account_id: UUID) -> Call[AccountState | None]:
    """The account's state folded from its full history, or None if it has no events."""
    return _state("replay", "%s::uuid", (_uuid("account_id", account_id),))


def load(account_id: UUID) -> Call[AccountState | None]:
    """The account's current state from its latest snapshot and the events after it."""
    return _state("load_account", "%s::uuid", (_uuid("account_id", account_id),))


def state_at(account_id: UUID, at: datetime) -> Call[AccountState | None]:
    """The account's state as of `at` (events at exactly `at` included); None before it was opened."""
    check_time("at", at)
    return _state("account_state_at", "%s::uuid, %s::timestamptz", (_uuid("account_id", account_id), at))


def state_at_version(account_id: UUID, version: int) -> Call[AccountState | None]:
    """The account's state right after event number `version`; None when it has no such event."""
    params = (_uuid("account_id", account_id), _int("version", version))
    return _state("account_state_at_version", "%s::uuid, %s::bigint", params)


def history(account_id: UUID, start: datetime | None = None, end: datetime | None = None) -> Call[list[HistoryEntry]]:
    """The account's events with occurred_at in [start, end], each with the balance after it."""
    check_time("start", start)
    check_time("end", end)
    return Call(
        "SELECT sequence_number, event_type, occurred_at, amount, balance, reference, counterparty, transfer_id,"
        " event_id FROM ledger.account_history(%s::uuid, %s::timestamptz, %s::timestamptz)",
        (_uuid("account_id", account_id), start, end),
        _each(HistoryEntry),
    )


def accounts(*, after: UUID | None = None, limit: int = 100) -> Call[list[AccountState]]:
    """A page of accounts (current state) in id order after the id `after` (None: the first)."""
    return Call(
        f"SELECT {_ACCOUNT_COLUMNS} FROM ledger.accounts_list(%s::uuid, %s::integer)",
        (_uuid("after", after, optional=True), _int("limit", limit)),
        _each(AccountState),
    )


def find_accounts(owner_prefix: str, *, after: UUID | None = None, limit: int = 100) -> Call[list[AccountState]]:
    """Accounts whose owner name starts with `owner_prefix` (any case), a page at a time."""
    return Call(
        f"SELECT {_ACCOUNT_COLUMNS} FROM ledger.find_accounts(%s::text, %s::uuid, %s::integer)",
        (_str("owner_prefix", owner_prefix), _uuid("after", after, optional=True), _int("limit", limit)),
        _each(AccountState),
    )


def stats() -> Call[LedgerStats]:
    """How many accounts, events and snapshots the ledger holds, and the snapshot interval."""
    return Call("SELECT accounts, events, snapshots, snapshot_interval FROM ledger.stats()", (), _single(LedgerStats))


def totals() -> Call[Totals]:
    """The whole ledger in one row (accounts, events, deposited, withdrawn, balance)."""
    return Call(
        "SELECT as_of_position, accounts, events, deposited, withdrawn, balance FROM ledger.totals()",
        (),
        _single(Totals),
    )


# -- integrity --------------------------------------------------------------------------------


def verify() -> Call[list[Mismatch]]:
    """Every account whose replay differs from its projection row (empty: all equal)."""
    return Call(
        f"SELECT v.account_id, {_fields('v.projection')}, {_fields('v.replayed')}, v.error FROM ledger.verify() AS v",
        (),
        lambda rows: [Mismatch(row[0], _state_at(row, 1), _state_at(row, 7), row[13]) for row in rows],
    )


def verify_batch(after: UUID | None, max_count: int) -> Call[list[tuple[UUID, bool, Mismatch]]]:
    """One page of verify: (account_id, replay equals projection, both states) per account."""
    return Call(
        f"SELECT v.account_id, v.equal, {_fields('v.projection')}, {_fields('v.replayed')}, v.error"
        " FROM ledger.verify_batch(%s::uuid, %s::integer) AS v",
        (_uuid("after", after, optional=True), _int("max_count", max_count)),
        lambda rows: [
            (row[0], row[1], Mismatch(row[0], _state_at(row, 2), _state_at(row, 8), row[14])) for row in rows
        ],
    )


def _snapshot_mismatch(row: Sequence[Any]) -> SnapshotMismatch:
    snapshot = _state_at(row, 2)
    assert snapshot is not None
    return SnapshotMismatch(row[0], row[1], snapshot, _state_at(row, 8), row[14])


def verify_snapshots() -> Call[list[SnapshotMismatch]]:
    """Every snapshot that is not the fold of its account's events up to it (empty: all correct)."""
    return Call(
        f"SELECT v.account_id, v.sequence_number, {_fields('v.snapshot')}, {_fields('v.replayed')}, v.error"
        " FROM ledger.verify_snapshots() AS v",
        (),
        lambda rows: [_snapshot_mismatch(row) for row in rows],
    )


def verify_chain() -> Call[list[ChainProblem]]:
    """Where the stored history is not the one written (empty: intact): the first broken event of
    each account, and the ledger's positions and Merkle tree (see ledger.verify_chain)."""
    return Call(
        "SELECT account_id, sequence_number, position, problem FROM ledger.verify_chain()", (), _each(ChainProblem)
    )


def digest() -> Call[Digest]:
    """The ledger's digest now: keep it outside the database, check it later with verify_digest."""
    return Call("SELECT position, root FROM ledger.digest()", (), _single(Digest))


def verify_digest(digest: Digest) -> Call[DigestCheck]:
    """Whether today's history extends `digest`, every hash recomputed from the content."""
    if not isinstance(digest, Digest):
        raise TypeError(f"digest must be a pgledger Digest, got {type(digest).__name__}")
    return Call(
        "SELECT matches, computed_root, first_changed_position, detail"
        " FROM ledger.verify_digest(%s::bigint, %s::bytea)",
        (digest.position, digest.root),
        _single(DigestCheck),
    )


def inclusion_proof(position: int, tree_size: int | None = None) -> Call[dict[str, Any]]:
    """The proof (JSON) that the event at `position` is in the tree of `tree_size` events;
    pgledger.proof.verify_inclusion checks it with no database."""
    return Call(
        "SELECT ledger.inclusion_proof(%s::bigint, %s::bigint)",
        (_int("position", position), _int("tree_size", tree_size, optional=True)),
        _json,
    )


def consistency_proof(old_size: int, new_size: int | None = None) -> Call[dict[str, Any]]:
    """The proof (JSON) that the tree of `new_size` events extends the tree of `old_size`;
    pgledger.proof.verify_consistency checks it with no database."""
    return Call(
        "SELECT ledger.consistency_proof(%s::bigint, %s::bigint)",
        (_int("old_size", old_size), _int("new_size", new_size, optional=True)),
        _json,
    )


# -- administration (the ledger's owner) ----------------------------------------------------


def rebuild_snapshots(account_id: UUID | None = None) -> Call[int]:
    """Recompute the snapshots of one account (None: all) from the full history; returns how many."""
    return Call("SELECT ledger.rebuild_snapshots(%s::uuid)", (_uuid("account_id", account_id, optional=True),), _number)


def set_snapshot_interval(interval: int) -> Call[int]:
    """Take a snapshot every `interval` events from now on; returns the previous interval."""
    return Call("SELECT ledger.set_snapshot_interval(%s::integer)", (_int("interval", interval),), _number)


#: Every client method, by name: Ledger and AsyncLedger bind each of them (a test checks).
METHODS: dict[str, Callable[..., Call[Any]]] = {
    function.__name__: function
    for function in (
        open_account,
        deposit,
        withdraw,
        transfer,
        append,
        events,
        read_all,
        assign_positions,
        daily_totals,
        state,
        replay,
        load,
        state_at,
        state_at_version,
        history,
        accounts,
        find_accounts,
        stats,
        totals,
        verify,
        verify_batch,
        verify_snapshots,
        verify_chain,
        digest,
        verify_digest,
        inclusion_proof,
        consistency_proof,
        rebuild_snapshots,
        set_snapshot_interval,
    )
}


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


def _jsonb(value: Mapping[str, Any] | None) -> Jsonb | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(f"metadata must be a mapping, got {type(value).__name__}")
    return Jsonb(dict(value))


__all__ = [
    "ADVANCE_SUBSCRIPTION",
    "ASSIGN_POSITIONS",
    "CLAIM_SUBSCRIPTION",
    "DAILY_TOTALS_APPLY",
    "METHODS",
    "READ_ALL",
    "READ_STREAM",
    "SUBSCRIBER_WAITING",
    "UNPARSED_JSON",
    "Call",
    "configure",
    "failure",
    "read_json",
    "recorded",
]
