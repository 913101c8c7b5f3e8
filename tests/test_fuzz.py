"""Fuzz: hostile values at every public function of the SQL API and of the Python client.

Every call either succeeds and stores only valid events, or fails cleanly: with an LG code its
function documents, with one of PostgreSQL's own input errors raised while it converts an
argument (before any ledger code runs), or, in the client, with a TypeError/ValueError or
psycopg's refusal of a NUL byte before anything is sent. Never XX000, 42xxx, 23xxx, 40001,
P0001 or another exception; nothing is stored by a call that fails; ledger.verify() finds
nothing at the end; the Python client can read back every event stored.

Two levels: raw SQL, every argument cast in SQL (``%s::uuid``) and sent as text (so malformed
values reach PostgreSQL's input functions), as a typed value, or as raw bytes that are not
UTF-8; and the ``pgledger.Ledger`` methods with arbitrary Python values. The functions fuzzed
are listed once, in SQL_FUNCTIONS and CLIENT_METHODS (add a new function there);
test_every_granted_function_is_fuzzed_or_excluded_with_a_reason fails when a function granted
to ledger_writer or ledger_reader is in neither SQL_FUNCTIONS nor NOT_FUZZED.

Defects the fuzzing found are listed in KNOWN_DEFECTS; each has a reproducer below marked
xfail(strict=True), so fixing one makes its reproducer pass and fail the run: then delete the
reproducer's mark and the entry, and the fuzz is strict about it again. Counts of inputs and
outcomes are printed at the end of the module (``pytest -s``).
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from psycopg.adapt import Dumper
from psycopg.pq import Format
from psycopg.types.json import Jsonb

from pgledger import AccountOpened, Ledger, LedgerError, MoneyDeposited, MoneyWithdrawn, OutcomeUnknown

# -- what counts as a clean outcome ------------------------------------------------------------

#: The ledger's refusals: the codes of README.md's error table. Each function may raise only
#: the subset its own comment documents (SqlFunction.codes).
LEDGER_CODES = frozenset({"LG001", "LG002", "LG003", "LG004", "LG005", "LG006", "LG008", "LG009", "LG010"})

#: PostgreSQL's own input errors, allowed only while PostgreSQL converts an argument, that is,
#: when the error's CONTEXT names no ledger function. Raised inside a ledger function, the same
#: code means the ledger let a bad value through its checks, which is a defect.
PG_INPUT_ERRORS: Mapping[str, str] = {
    "22P02": "invalid_text_representation: a malformed uuid, number, xid8 or JSON text (NaN and Infinity "
    "tokens, lone \\ud800 surrogate escapes, bad \\u escapes, trailing commas)",
    "22P05": "untranslatable_character: \\u0000 in JSON text (jsonb cannot hold a NUL)",
    "22007": "invalid_datetime_format: a malformed timestamp or date",
    "22008": "datetime_field_overflow: 2024-02-30, a time after 294276 AD or before 4714 BC, a date after 5874897 AD",
    "22009": "invalid_time_zone_displacement_value: a UTC offset beyond +-15:59",
    "22023": "invalid_parameter_value: an unknown time zone name in a timestamp",
    "22003": "numeric_value_out_of_range: an integer beyond its bigint/integer/smallint, a numeric beyond its "
    "format (1e1000000, 140000 digits)",
    "22021": "character_not_in_repertoire: a parameter whose bytes are not UTF-8 (or hold a NUL byte)",
    "54001": "statement_too_complex: JSON nested deeper than max_stack_depth lets the parser go (a genuine "
    "limit of the server, reached at depth 100000)",
}

#: A CONTEXT line of an error raised inside a ledger function (PL/pgSQL or SQL).
INSIDE_LEDGER = re.compile(r'function ledger\.|SQL function "')

#: Defects found by this fuzzing and not fixed yet: tolerated (and counted) so that the run
#: stays useful; each must have an xfail(strict=True) reproducer at the end of this file.
#: Empty: the seven found so far are fixed, and their reproducers below are ordinary tests.
KNOWN_DEFECTS: Mapping[str, str] = {}

# -- raw bytes: text parameters that are not UTF-8 ----------------------------------------------


@dataclass(frozen=True)
class RawText:
    """Bytes sent as a text-format parameter of unknown type, unchecked by the client."""

    data: bytes


class RawTextDumper(Dumper):
    format = Format.TEXT
    oid = 0  # unknown: the server infers the type from the cast, then checks the encoding

    def dump(self, obj: Any) -> bytes:
        return bytes(obj.data)


RAW_BYTES: tuple[RawText, ...] = tuple(
    RawText(b) for b in (b"\xff\xfe", b"a\x00b", b"\xed\xa0\x80", b"\xc3", b"\xc0\xaf", b"\xf4\x90\x80\x80", b'"\xff"')
)

# -- strategies ---------------------------------------------------------------------------------

BIG = 100_000
UTC = timezone.utc
NIL = uuid.UUID(int=0)
MAX_UUID = uuid.UUID(int=2**128 - 1)
#: A small pool of event ids (and transfer ids), so that ids repeat: idempotent retries and LG008.
EVENT_IDS: tuple[uuid.UUID, ...] = (*(uuid.uuid5(uuid.NAMESPACE_URL, f"pgledger-fuzz-{i}") for i in range(3)), NIL)
EVENT_TYPES = ("AccountOpened", "MoneyDeposited", "MoneyWithdrawn")


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, each `weight` times as likely; the first is what shrinking aims at.

    (Not st.one_of, which flattens nested one_ofs into its branches: a one_of of 15 kinds of
    values would weigh 15 times as much as a plain strategy next to it.)
    """
    pool = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(range(len(pool))).flatmap(lambda i: pool[i])


def texts_or_values(values: st.SearchStrategy[Any], spell: Callable[[Any], str] = str) -> st.SearchStrategy[Any]:
    """Each value as itself (a typed parameter) or spelled as text (PostgreSQL's input function)."""
    return values.flatmap(lambda v: st.sampled_from([v, spell(v)]) if v is not None else st.just(None))


NASTY_TEXT: tuple[str, ...] = (
    "",
    " ",
    " \t\r\n ",
    "\x00",
    "Ada\x00Lovelace",
    "\x01\x1f\x7f",
    "line\nbreak",
    "a\u0085b",
    "\u009f",
    "\u00a0",
    "\u2028",
    "\u3000\u3000",
    "\u200b",
    "\ufeff",
    "\u202eevil",
    "\uffff",
    "\U0010ffff",
    "😀" * 200,
    "é" * 200,
    "x" * 200,
    "x" * 201,
    "x" * BIG,
    "Robert'); DROP TABLE ledger.events;--",
    "%s %(x)s {0} $1 \\",
    "'",
    '"',
    "null",
    "{}",
)
VALID_NAMES = ("Ada Lovelace", "é" * 200, "x" * 200, "Zoë O'Brien-Łukasz", "李小龍", "a")
MALFORMED_UUIDS = (
    "",
    " ",
    "not-a-uuid",
    "00000000-0000-0000-0000-00000000000g",
    "0000000000000000000000000000000-1",
    "00000000-0000-0000-0000-0000000000000",
    "00000000-0000-0000-0000-00000000000",
    "{00000000-0000-0000-0000-000000000000",
    "\x00",
    "x" * BIG,
    "null",
)
NUMBER_TEXTS = (
    "NaN",
    "nan",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "-0",
    "0",
    "0.00",
    "0.001",
    "0.01",
    "1",
    "10.00",
    "1.100",
    "1e308",
    "1e-308",
    "-1e308",
    "1e1000000",
    "1000000000000000",
    "1000000000000000.00",
    "1000000000000000.01",
    "999999999999999.99",
    "123456789012345678901234567890.123",
    "0." + "0" * 1000 + "1",
    "9" * 140_000,
    "  12.50  ",
    "+5",
    "--5",
    "5.",
    ".5",
    "1,5",
    "1_000",
    "0x1F",
    "\u0661\u0662",
    "½",
    "",
    " ",
)
INTEGER_TEXTS = ("1.5", "1e3", " 1 ", "abc", "", "0x10", "\u0661", "9" * 30, "-0", "+1", "NaN")
TIME_TEXTS = (
    "infinity",
    "-infinity",
    "now",
    "today",
    "tomorrow",
    "yesterday",
    "epoch",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01 00:00:00 BC",
    "0100-01-01 00:00:00+00 BC",
    "4714-11-24 00:00:00+00 BC",
    "4714-11-23 00:00:00+00 BC",
    "9999-12-31T23:59:59Z",
    "10000-01-01T00:00:00Z",
    "294276-12-31 23:59:59.999999+00",
    "294277-01-01 00:00:00+00",
    "2024-02-30T00:00:00Z",
    "2024-02-29T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "2024-01-01T24:00:00Z",
    "2024-01-01T23:59:60Z",
    "2024-01-01T10:00:00",
    "2024-01-01",
    "2024-01-01T10:00:00.1234567Z",
    "2024-01-01T10:00:00+16:00",
    "2024-01-01T10:00:00+15:59",
    "2024-01-01T10:00:00-15:59:59",
    "2024-01-01 10:00 Europe/Paris",
    "2024-01-01 10:00 Mars/Olympus_Mons",
    "J2451187",
    "",
    " ",
    "garbage",
    "2024-13-01T00:00:00Z",
    "2024-01-01T10:00:00ZZ",
)
DATE_TEXTS = (
    "infinity",
    "-infinity",
    "today",
    "epoch",
    "0001-01-01",
    "4713-01-01 BC",
    "4714-11-23 BC",
    "5874897-12-31",
    "5874898-01-01",
    "2024-02-30",
    "2024-02-29",
    "2024-01-01T10:00:00Z",
    "",
    "garbage",
)
XID8_TEXTS = ("0", "1", "3", str(2**64 - 1), str(2**64), "-1", "abc", "", " 5", "0x10")
SUBSCRIPTION_NAMES = ("daily_totals", "fuzz", "a", "A", "1abc", "a" * 63, "a" * 64, "", "a b", "ü", "a\x00")
RAW_JSON: tuple[str, ...] = (
    "",
    " ",
    "null",
    "[]",
    "{}",
    "[",
    "[1,]",
    "[{}]",
    "[null]",
    "[[]]",
    '"x"',
    "42",
    '[{"event_type": "MoneyDeposited", "payload": {"amount": "1.00"}, "event_type": "AccountOpened"}]',
    "NaN",
    "[NaN]",
    "[Infinity]",
    "[-Infinity]",
    "[-0]",
    "[1e308]",
    "[1e1000000]",
    '"\\u0000"',
    '["\\u0000"]',
    '[{"event_type": "MoneyDeposited", "payload": {"amount": "1\\u0000"}}]',
    '[{"event_type": "AccountOpened", "payload": {"owner_name": "\\u0000"}}]',
    '[{"event_type": "AccountOpened", "payload": {"owner_name": "\\ud83d\\ude00"}}]',
    '["\\ud800"]',
    '["\\udc00"]',
    '["\\udc00\\ud800"]',
    '["\\uzzzz"]',
    '["\\u12"]',
    '["\\x41"]',
    "['single']",
    "[1 2]",
    "\x00",
    "[" * 5_000 + "]" * 5_000,
    "[" * BIG + "]" * BIG,
    "[" + ",".join(["{}"] * 100_001) + "]",
)

#: JSON text strings, with NUL and lone surrogates (json.dumps escapes them as \u0000, \ud800).
json_strings = st.lists(
    st.one_of(st.characters(), st.integers(0xD800, 0xDFFF).map(chr), st.just("\x00")), max_size=12
).map("".join)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # nan and inf become the tokens NaN and Infinity: not JSON
    st.sampled_from([-0.0, 1e308, 5e-324]),
    json_strings,
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(json_strings, children, max_size=4),
    max_leaves=10,
)
json_objects = st.dictionaries(json_strings, json_values, max_size=4)
#: Exactly 65536 bytes of JSON text (the metadata limit), and one byte more.
BOUNDARY_OBJECTS = ({"x": "y" * 65527}, {"x": "y" * 65528}, {"x": "y" * 70_000})


def json_text(value: Any) -> str:
    return json.dumps(value)


def json_args(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """JSON values as jsonb parameters: text, typed Jsonb."""
    return values.flatmap(lambda v: st.sampled_from([json_text(v), Jsonb(v)]))


valid_amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000"), places=2)
small_amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50"), places=2)
recent_past = st.integers(1, 10**6).map(lambda s: datetime.now(UTC) - timedelta(seconds=s))
offsets = st.timedeltas(
    min_value=-timedelta(hours=23, minutes=59, seconds=59), max_value=timedelta(hours=23, minutes=59, seconds=59)
).map(timezone)
any_datetimes = st.datetimes(timezones=st.none() | st.just(UTC) | offsets)


def uuid_spellings(value: uuid.UUID) -> st.SearchStrategy[Any]:
    return st.sampled_from([value, str(value), str(value).upper(), f"{{{value}}}", value.hex, f" {value} "])


def sql_uuids(accounts: Sequence[uuid.UUID]) -> st.SearchStrategy[Any]:
    return weighted(
        (6, st.sampled_from(accounts).flatmap(uuid_spellings)),
        (2, st.uuids().flatmap(uuid_spellings)),
        (1, st.sampled_from([NIL, MAX_UUID]).flatmap(uuid_spellings)),
        (2, st.sampled_from(MALFORMED_UUIDS)),
        (1, st.none()),
        (1, st.text(max_size=40)),
        (1, st.sampled_from(RAW_BYTES)),
    )


def sql_event_ids() -> st.SearchStrategy[Any]:
    return weighted(
        (3, st.none()),
        (3, st.sampled_from(EVENT_IDS).flatmap(uuid_spellings)),
        (2, st.uuids().map(str)),
        (1, st.sampled_from(MALFORMED_UUIDS)),
        (1, st.sampled_from(RAW_BYTES)),
    )


def sql_names() -> st.SearchStrategy[Any]:
    return weighted(
        (4, st.sampled_from(VALID_NAMES)),
        (3, st.sampled_from(NASTY_TEXT)),
        (3, st.text(max_size=250)),
        (1, st.none()),
        (1, st.sampled_from(RAW_BYTES)),
    )


def sql_amounts() -> st.SearchStrategy[Any]:
    return weighted(
        (5, texts_or_values(valid_amounts)),
        (3, st.sampled_from(NUMBER_TEXTS)),
        (2, texts_or_values(st.decimals(allow_nan=True, allow_infinity=True))),
        (1, texts_or_values(st.integers())),
        (1, st.floats().map(repr)),
        (1, st.floats()),
        (1, st.none()),
        (1, st.text(max_size=20)),
        (1, st.sampled_from(RAW_BYTES)),
    )


def sql_integers(bits: int, nulls: int = 2) -> st.SearchStrategy[Any]:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    edges = [-1, 0, high, low, high + 1, low - 1, 2**64, 100_000, 100_001]
    return weighted(
        (3, texts_or_values(st.integers(0, 5))),
        (nulls, st.none()),
        (2, texts_or_values(st.sampled_from(edges))),
        (1, texts_or_values(st.integers())),
        (1, st.sampled_from(INTEGER_TEXTS)),
        (1, st.sampled_from(RAW_BYTES)),
    )


def sql_times() -> st.SearchStrategy[Any]:
    return weighted(
        (3, st.none()),
        (2, texts_or_values(recent_past, datetime.isoformat)),
        (3, st.sampled_from(TIME_TEXTS)),
        (2, any_datetimes),
        (2, any_datetimes.map(lambda d: d.isoformat(sep=" "))),
        (1, st.text(max_size=30)),
        (1, st.sampled_from(RAW_BYTES)),
    )


def sql_dates() -> st.SearchStrategy[Any]:
    return weighted(
        (2, st.none()),
        (3, st.sampled_from(DATE_TEXTS)),
        (2, texts_or_values(st.dates(), date.isoformat)),
        (1, st.text(max_size=20)),
        (1, st.sampled_from(RAW_BYTES)),
    )


def sql_metadata() -> st.SearchStrategy[Any]:
    return weighted(
        (3, st.none()),
        (3, json_args(json_objects)),
        (2, st.sampled_from(RAW_JSON)),
        (1, json_args(json_values)),
        (1, st.sampled_from(BOUNDARY_OBJECTS).map(json_text)),
        (1, st.text(max_size=20)),
        (1, st.sampled_from(RAW_BYTES)),
    )


def json_amounts() -> st.SearchStrategy[Any]:
    return weighted(
        (4, valid_amounts.map(str)),
        (3, st.sampled_from(NUMBER_TEXTS)),
        (1, st.integers() | st.floats()),
        (1, json_values),
    )


@st.composite
def payloads(draw: st.DrawFn, event_type: Any) -> Any:
    """Mostly the right payload for the event type, often with a fuzzed field, sometimes anything."""
    if event_type == "AccountOpened":
        right: st.SearchStrategy[Any] = st.fixed_dictionaries(
            {
                "owner_name": weighted(
                    (3, st.sampled_from(VALID_NAMES)), (2, st.sampled_from(NASTY_TEXT)), (1, json_values)
                )
            }
        )
    else:
        right = st.fixed_dictionaries(
            {"amount": weighted((4, valid_amounts.map(str)), (2, json_amounts()))},
            optional={
                "reference": weighted(
                    (2, st.sampled_from(VALID_NAMES[:4])), (1, st.sampled_from(NASTY_TEXT)), (1, json_values)
                )
            },
        )
    return draw(
        weighted(
            (6, right),
            (2, st.fixed_dictionaries({"amount": json_amounts()})),
            (1, st.fixed_dictionaries({"owner_name": json_values})),
            (1, json_values),
            (1, right.map(lambda p: {**p, "currency": "EUR"})),
        )
    )


@st.composite
def event_objects(draw: st.DrawFn) -> Any:
    event_type = draw(
        weighted(
            (8, st.sampled_from(EVENT_TYPES)),
            (1, st.sampled_from(["", "x" * 65, "moneydeposited", "MoneyDeposited ", "x" * BIG])),
            (1, json_strings),
            (1, json_values),
        )
    )
    event: dict[str, Any] = {"event_type": event_type, "payload": draw(payloads(event_type))}
    event |= draw(
        st.fixed_dictionaries(
            {},
            optional={
                "occurred_at": weighted(
                    (3, recent_past.map(lambda d: d.isoformat().replace("+00:00", "Z"))),
                    (3, st.sampled_from(TIME_TEXTS)),
                    (1, any_datetimes.map(datetime.isoformat)),
                    (1, json_values),
                ),
                "event_id": weighted(
                    (3, st.sampled_from(EVENT_IDS).map(str)),
                    (2, st.uuids().map(str)),
                    (1, st.sampled_from(MALFORMED_UUIDS)),
                    (1, json_values),
                ),
                "event_version": st.sampled_from(
                    [1, 2, 0, 3, -1, 9999, 10000, "1", 1.5, 1.0, -0.0, 1e308, None, True, 1e3]
                ),
                "metadata": weighted((3, json_objects), (1, json_values), (1, st.sampled_from(BOUNDARY_OBJECTS))),
                "aggregate_id": st.uuids().map(str),
                "": json_values,
            },
        )
    )
    missing = draw(st.sampled_from([None] * 8 + ["event_type", "payload"]))
    if missing is not None:
        del event[missing]
    return event


@st.composite
def opening_batches(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A well-formed first batch: AccountOpened then a few money events (often fully valid)."""
    batch: list[dict[str, Any]] = [
        {"event_type": "AccountOpened", "payload": {"owner_name": draw(st.sampled_from(VALID_NAMES))}}
    ]
    for amount in draw(st.lists(valid_amounts, max_size=3)):
        kind = draw(st.sampled_from(["MoneyDeposited", "MoneyWithdrawn"]))
        batch.append({"event_type": kind, "payload": {"amount": str(amount)}})
    return batch


@st.composite
def money_batches(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Well-formed deposits and small withdrawals, sometimes with an event_id from the pool."""
    batch: list[dict[str, Any]] = []
    for amount in draw(st.lists(small_amounts, min_size=1, max_size=3)):
        event = {"event_type": draw(st.sampled_from(EVENT_TYPES[1:])), "payload": {"amount": str(amount)}}
        ids = weighted((3, st.uuids().map(str)), (1, st.sampled_from(EVENT_IDS).map(str)))
        event |= draw(st.fixed_dictionaries({}, optional={"event_id": ids}))
        batch.append(event)
    return batch


def sql_events() -> st.SearchStrategy[Any]:
    return weighted(
        (5, json_args(st.lists(event_objects(), min_size=1, max_size=4))),
        (3, json_args(money_batches())),
        (2, json_args(opening_batches())),
        (3, st.sampled_from(RAW_JSON)),
        (1, json_args(json_values)),
        (1, st.none()),
        (1, st.sampled_from(RAW_BYTES)),
    )


def sql_texts(values: Sequence[str]) -> st.SearchStrategy[Any]:
    return weighted(
        (4, st.sampled_from(values)),
        (2, st.sampled_from(NASTY_TEXT)),
        (2, st.text(max_size=70)),
        (1, st.none()),
        (1, st.sampled_from(RAW_BYTES)),
    )


Accounts = Sequence[uuid.UUID]


@dataclass(frozen=True)
class SqlKind:
    """An argument kind of the SQL level: its SQL type, hostile values, and well-formed values
    (given the example's open accounts). A call draws all its arguments hostile, or all but
    one well-formed (so that one hostile value gets past the others to the deeper checks), or
    all well-formed (so that calls succeed too)."""

    sql_type: str
    hostile: Callable[[Accounts], st.SearchStrategy[Any]]
    good: Callable[[Accounts], st.SearchStrategy[Any]]


#: Text and JSON objects that every layer accepts (no NUL, no control characters, no surrogates).
plain_text = st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs")), max_size=8)
plain_objects = st.dictionaries(plain_text, st.none() | st.booleans() | st.integers() | plain_text, max_size=3)
good_metadata = weighted((2, st.none()), (1, json_args(plain_objects)))
good_names = st.from_regex(r"[a-z][a-z0-9_.-]{0,62}", fullmatch=True)

SQL_KINDS: Mapping[str, SqlKind] = {
    "account": SqlKind(
        "uuid", sql_uuids, lambda a: weighted((3, st.sampled_from(a).flatmap(uuid_spellings)), (1, st.uuids()))
    ),
    "new_account": SqlKind(
        "uuid", sql_uuids, lambda a: weighted((3, st.uuids().flatmap(uuid_spellings)), (1, st.sampled_from(a)))
    ),
    "event_id": SqlKind(
        "uuid",
        lambda _: sql_event_ids(),
        lambda _: weighted((2, st.none()), (1, st.uuids()), (1, st.sampled_from(EVENT_IDS))),
    ),
    "owner_name": SqlKind("text", lambda _: sql_names(), lambda _: st.sampled_from(VALID_NAMES)),
    "reference": SqlKind(
        "text",
        lambda _: weighted((3, st.none()), (2, sql_names())),
        lambda _: st.none() | st.sampled_from(VALID_NAMES[:4]),
    ),
    "amount": SqlKind("numeric", lambda _: sql_amounts(), lambda _: texts_or_values(small_amounts)),
    "bigint": SqlKind("bigint", lambda _: sql_integers(64), lambda _: st.none() | st.integers(0, 5)),
    "expected_version": SqlKind("bigint", lambda _: sql_integers(64), lambda _: st.none()),
    "position": SqlKind("bigint", lambda _: sql_integers(64), lambda _: st.integers(0, 5)),
    "hash": SqlKind(
        "bytea",
        lambda _: weighted(
            (2, st.binary(max_size=40).map(lambda b: "\\x" + b.hex())),
            (1, st.sampled_from(("", "\\x", "\\xzz", "\\x0", "abc", "\\000"))),
            (1, st.none()),
        ),
        lambda _: st.binary(min_size=32, max_size=32).map(lambda b: "\\x" + b.hex()),
    ),
    "integer": SqlKind("integer", lambda _: sql_integers(32), lambda _: st.none() | st.integers(1, 100)),
    "smallint": SqlKind("smallint", lambda _: sql_integers(16), lambda _: st.integers(1, 2)),
    "time": SqlKind("timestamptz", lambda _: sql_times(), lambda _: weighted((3, st.none()), (1, st.just("now")))),
    "date": SqlKind("date", lambda _: sql_dates(), lambda _: st.none() | st.dates().map(date.isoformat)),
    "metadata": SqlKind("jsonb", lambda _: sql_metadata(), lambda _: good_metadata),
    "events": SqlKind(
        "jsonb",
        lambda _: sql_events(),
        lambda _: weighted((3, json_args(money_batches())), (1, json_args(opening_batches()))),
    ),
    "json": SqlKind(
        "jsonb",
        lambda _: weighted((2, json_args(json_values)), (1, st.sampled_from(RAW_JSON))),
        lambda _: json_args(plain_objects),
    ),
    "xid8": SqlKind(
        "xid8",
        lambda _: weighted((3, st.sampled_from(XID8_TEXTS)), (1, st.integers(0, 2**64).map(str))),
        lambda _: st.just("0"),
    ),
    "event_type": SqlKind(
        "text", lambda _: sql_texts((*EVENT_TYPES, "x" * 65)), lambda _: st.sampled_from(EVENT_TYPES)
    ),
    "subscription": SqlKind("text", lambda _: sql_texts(SUBSCRIPTION_NAMES), lambda _: good_names),
    "boolean": SqlKind(
        "boolean", lambda _: sql_texts(("true", "false", "t", "off", "maybe", "", "2")), lambda _: st.booleans()
    ),
}

# -- what is fuzzed -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SqlFunction:
    """A public SQL function: its argument kinds, how many are required, the LG codes it documents."""

    name: str
    kinds: tuple[str, ...]
    required: int
    codes: frozenset[str] = frozenset()
    stores_events: bool = False

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(SQL_KINDS[kind].sql_type for kind in self.kinds)

    @property
    def signature(self) -> str:
        """As PostgreSQL's regprocedure prints it."""
        names = {"timestamptz": "timestamp with time zone"}
        return f"ledger.{self.name}({','.join(names.get(t, t) for t in self.types)})"


def lg(*numbers: int) -> frozenset[str]:
    return frozenset(f"LG{n:03d}" for n in numbers)


SQL_FUNCTIONS: tuple[SqlFunction, ...] = (
    SqlFunction("append", ("account", "expected_version", "events"), 3, lg(1, 2, 3, 4, 5, 6, 8), stores_events=True),
    SqlFunction(
        "open_account",
        ("new_account", "owner_name", "time", "event_id", "metadata"),
        2,
        lg(3, 5, 8),
        stores_events=True,
    ),
    SqlFunction(
        "deposit",
        ("account", "amount", "expected_version", "time", "event_id", "metadata", "reference"),
        2,
        lg(1, 2, 5, 6, 8),
        stores_events=True,
    ),
    SqlFunction(
        "withdraw",
        ("account", "amount", "expected_version", "time", "event_id", "metadata"),
        2,
        lg(1, 2, 4, 5, 6, 8),
        True,
    ),
    SqlFunction(
        "transfer", ("account", "account", "amount", "time", "event_id", "metadata"), 3, lg(2, 4, 5, 6, 8), True
    ),
    SqlFunction("account_state", ("account",), 1),
    SqlFunction("replay", ("account",), 1),
    SqlFunction("load_account", ("account",), 1),
    SqlFunction("account_state_at", ("account", "time"), 2, lg(5)),
    SqlFunction("account_state_at_version", ("account", "bigint"), 2, lg(5)),
    SqlFunction("account_history", ("account", "time", "time"), 1, lg(5)),
    SqlFunction("read_stream", ("account", "bigint", "integer"), 1, lg(5)),
    SqlFunction("verify_batch", ("account", "integer"), 2, lg(5)),
    SqlFunction("verify", (), 0),
    SqlFunction("verify_snapshots", (), 0),
    SqlFunction("verify_chain", (), 0),
    SqlFunction("digest", (), 0),
    SqlFunction("verify_digest", ("position", "hash"), 2, lg(5)),
    SqlFunction("inclusion_proof", ("position", "position"), 1, lg(5)),
    SqlFunction("consistency_proof", ("position", "position"), 1, lg(5)),
    SqlFunction("stats", (), 0),
    SqlFunction("accounts_list", ("account", "integer"), 0, lg(5)),
    SqlFunction("find_accounts", ("owner_name", "account", "integer"), 1, lg(5)),
    SqlFunction("totals", (), 0),
    SqlFunction("read_all", ("position", "integer"), 0, lg(5)),
    SqlFunction("read_all_status", (), 0),
    SqlFunction("assign_positions", ("integer",), 0, lg(5)),
    SqlFunction("legacy_position", ("xid8", "bigint"), 2),
    SqlFunction("daily_totals", ("account", "date", "date"), 1),
    SqlFunction("current_event_version", ("event_type",), 1),
    SqlFunction("upcast_payload", ("event_type", "smallint", "json"), 3),
    SqlFunction("claim_subscription", ("subscription",), 1, lg(5, 9)),
    SqlFunction("advance_subscription", ("subscription", "position"), 2, lg(5, 9)),
    SqlFunction("daily_totals_apply", ("position",), 1, lg(9)),
    SqlFunction("daily_totals_catch_up", ("integer",), 0, lg(5)),
    SqlFunction("subscriber_waiting", ("subscription", "boolean"), 2, lg(5, 9)),
)
SQL_BY_NAME = {f.name: f for f in SQL_FUNCTIONS}

#: Granted functions not fuzzed here, and why.
NOT_FUZZED: Mapping[str, str] = {
    "ledger.account_apply(ledger.account,ledger.events)": "takes rows of the store, not caller values; runs on "
    "every stored event through replay, verify, load_account and the temporal functions",
    "ledger.account_fold(ledger.events)": "the aggregate over account_apply; same",
    "ledger.upcast(ledger.events)": "takes a stored row; runs in read_stream, read_all and the fold",
    "ledger.read_all(xid8,bigint,integer)": "replaced call kept one release: raises LG010 whatever it is given "
    "(tests/test_positions.py)",
    "ledger.read_all_horizon()": "replaced call kept one release: raises LG010",
    "ledger.advance_subscription(text,xid8,bigint,bigint)": "replaced call kept one release: raises LG010",
    "ledger.daily_totals_apply(bigint[])": "replaced call kept one release: raises LG010",
}

# -- the fuzz's bookkeeping ---------------------------------------------------------------------

#: (level, function, outcome) -> how many inputs ended so.
COUNTS: Counter[tuple[str, str, str]] = Counter()
#: SQLSTATE (or exception class) -> how many failed calls ended with it.
FAILURES: Counter[str] = Counter()

ACCEPTED = "accepted"
REFUSED = "refused with an LG code"
INPUT_ERROR = "PostgreSQL input error"
CLIENT_REFUSED = "refused by the client"


def known(defect: str) -> str:
    assert defect in KNOWN_DEFECTS, defect
    return f"known defect {defect}"


@pytest.fixture(scope="module", autouse=True)
def fuzz_summary() -> Iterator[None]:
    yield
    if not COUNTS:
        return
    total = sum(COUNTS.values())
    by_outcome: Counter[str] = Counter()
    by_function: dict[tuple[str, str], Counter[str]] = {}
    for (level, function, outcome), n in COUNTS.items():
        by_outcome[outcome] += n
        by_function.setdefault((level, function), Counter())[outcome] += n
    levels = Counter(level for level, _ in by_function)
    print(
        f"\nfuzz: {total} inputs across {levels['sql']} SQL functions and {levels['client']} client methods: "
        + ", ".join(f"{n} {outcome}" for outcome, n in by_outcome.most_common())
    )
    for (level, function), outcomes in sorted(by_function.items()):
        detail = ", ".join(f"{n} {outcome}" for outcome, n in outcomes.most_common())
        print(f"  {level:6} {function:26} {sum(outcomes.values()):5}  {detail}")
    print("  failures by SQLSTATE or exception: " + ", ".join(f"{code} {n}" for code, n in sorted(FAILURES.items())))


def describe(value: Any) -> str:
    if isinstance(value, str) and len(value) > 60:
        return f"{value[:24]!r}... ({len(value)} characters)"
    if isinstance(value, Jsonb):
        return f"Jsonb({describe(json_text(value.obj))})"
    text = repr(value)
    return text if len(text) <= 200 else f"{text[:120]}... ({len(text)} characters of repr)"


def error_text(error: BaseException) -> str:
    if isinstance(error, psycopg.Error):
        context = (error.diag.context or "").strip().replace("\n", " / ")
        return f"{type(error).__name__} {error.sqlstate}: {str(error).splitlines()[0][:300]} [context: {context[:300]}]"
    return f"{type(error).__name__}: {str(error)[:300]}"


def raised_inside_ledger(error: psycopg.Error) -> bool:
    return bool(INSIDE_LEDGER.search(error.diag.context or ""))


def classify_database_error(error: psycopg.Error, codes: frozenset[str], function: str) -> str | None:
    """The outcome of a driver error, or None when it is not a clean failure."""
    code = error.sqlstate
    if code is None:
        # psycopg refuses text with a NUL byte before sending it (PostgreSQL text cannot hold one).
        if isinstance(error, psycopg.DataError) and "NUL (0x00)" in str(error):
            return CLIENT_REFUSED
        return None
    if code in codes:
        return REFUSED
    if code in PG_INPUT_ERRORS and not raised_inside_ledger(error):
        return INPUT_ERROR
    return known_sql_defect(function, error)


def known_sql_defect(function: str, error: psycopg.Error) -> str | None:
    """The known defect behind an error, while KNOWN_DEFECTS lists any (none now)."""
    return None


# -- what is stored -----------------------------------------------------------------------------

MARKS = """
SELECT (SELECT count(*) FROM ledger.events), (SELECT coalesce(max(id), 0) FROM ledger.events),
       (SELECT count(*) FROM ledger.accounts), (SELECT coalesce(sum(version), 0) FROM ledger.accounts),
       (SELECT count(*) FROM ledger.account_snapshots), (SELECT count(*) FROM ledger.subscriptions),
       (SELECT coalesce(sum(event_count), 0) FROM ledger.daily_totals)
"""
EVENT_ROWS = """
SELECT e.id, e.aggregate_id, e.sequence_number, e.event_type,
       e.event_version BETWEEN 1 AND coalesce(ledger.current_event_version(e.event_type), 0),
       e.payload::text, pg_catalog.jsonb_typeof(e.metadata),
       pg_catalog.isfinite(e.occurred_at) AND e.occurred_at <= e.recorded_at
FROM ledger.events AS e
WHERE e.id > %s
ORDER BY e.id
"""
AMOUNT = re.compile(r"[0-9]+(\.[0-9]{1,2})?")


@dataclass(frozen=True)
class Marks:
    """What a failed call must leave as it found: the stores' sizes and fingerprints."""

    events: int
    last_id: int
    accounts: int
    versions: int
    snapshots: int
    subscriptions: int
    daily_events: int

    @classmethod
    def of(cls, db: psycopg.Connection[Any]) -> Marks:
        row = db.execute(MARKS).fetchone()
        assert row is not None
        return cls(*(int(v) for v in row))

    def event_store(self) -> tuple[int, int, int, int, int]:
        return self.events, self.last_id, self.accounts, self.versions, self.snapshots


def text_problems(value: Any, field: str, max_length: int, blank_allowed: bool) -> list[tuple[str, str | None]]:
    if not isinstance(value, str) or not 1 <= len(value) <= max_length:
        return [(f"{field} must be a string of 1 to {max_length} characters, is {describe(value)}", None)]
    problems: list[tuple[str, str | None]] = []
    controls = [c for c in value if unicodedata.category(c) == "Cc"]
    if controls:
        problems.append((f"{field} holds control characters: {describe(value)}", None))
    if not blank_allowed and not value.strip():
        ascii_blank = not value.strip(" \t\r\n")
        problems.append((f"{field} is blank: {describe(value)}", None if ascii_blank else "blank-owner-name"))
    return problems


def event_problems(row: Sequence[Any]) -> list[tuple[str, str | None]]:
    """What is wrong with one stored event (a row of EVENT_ROWS), each with its known defect if any."""
    _, _, _, event_type, version_ok, payload_text, metadata_type, time_ok = row
    problems: list[tuple[str, str | None]] = []
    if not version_ok:
        problems.append(("event_version is not a version of its type", None))
    if metadata_type != "object":
        problems.append((f"metadata is a JSON {metadata_type}", None))
    if not time_ok:
        problems.append(("occurred_at is infinite or later than recorded_at", None))
    payload = json.loads(payload_text)
    if not isinstance(payload, dict):
        return [*problems, (f"payload is not an object: {describe(payload)}", None)]
    if event_type == "AccountOpened":
        if set(payload) != {"owner_name"}:
            problems.append((f"AccountOpened payload has the fields {sorted(payload)}", None))
        problems += text_problems(payload.get("owner_name"), "owner_name", 200, blank_allowed=False)
    elif event_type in ("MoneyDeposited", "MoneyWithdrawn"):
        allowed = {"amount", "reference"} if event_type == "MoneyDeposited" else {"amount"}
        if not set(payload) <= allowed or "amount" not in payload:
            problems.append((f"{event_type} payload has the fields {sorted(payload)}", None))
        amount = payload.get("amount")
        if not (isinstance(amount, str) and AMOUNT.fullmatch(amount) and 0 < Decimal(amount) <= Decimal(10**15)):
            problems.append((f"amount {describe(amount)} is not a decimal string > 0, <= 10^15, <= 2 decimals", None))
        if payload.get("reference") is not None:
            problems += text_problems(payload["reference"], "reference", 140, blank_allowed=True)
    else:
        problems.append((f"unknown event_type {describe(event_type)}", None))
    return problems


@dataclass
class Judge:
    """Checks one call's outcome against the rules and counts it."""

    level: str
    db: psycopg.Connection[Any]
    reader: Ledger

    def record(self, function: str, outcome: str) -> None:
        COUNTS[self.level, function, outcome] += 1

    def failed(self, call: str, function: str, error: BaseException, outcome: str | None, before: Marks) -> None:
        after = Marks.of(self.db)
        assert after == before, f"{call} failed ({error_text(error)}) but changed the store: {before} -> {after}"
        if outcome is None:
            pytest.fail(f"{call} failed uncleanly: {error_text(error)}")
        note(f"{call} -> {outcome}: {error_text(error)}")
        self.record(function, outcome)
        FAILURES[getattr(error, "sqlstate", None) or type(error).__name__] += 1

    def succeeded(self, call: str, function: str, before: Marks, versions: Sequence[tuple[str, int]]) -> None:
        """After a success: what was stored is valid and readable; `versions` (account, version) exist."""
        after = Marks.of(self.db)
        outcome = ACCEPTED
        if not SQL_BY_NAME[function].stores_events:
            assert after.event_store() == before.event_store(), f"{call} changed the event store: {before} -> {after}"
        rows = self.db.execute(EVENT_ROWS, (before.last_id,)).fetchall()
        assert after.events - before.events == len(rows), f"{call}: events added out of order"
        for row in rows:
            for problem, defect in event_problems(row):
                if defect is None:
                    pytest.fail(f"{call} stored an invalid event {row[1]}#{row[2]}: {problem}")
                outcome = known(defect)
        for account, version in versions:
            stored = self.db.execute(
                "SELECT count(*) FROM ledger.events WHERE aggregate_id = %s::uuid AND sequence_number = %s",
                (account, version),
            ).fetchone()
            assert stored is not None and stored[0] == 1, f"{call} returned version {version}, not stored for {account}"
        for aggregate in {row[1] for row in rows}:
            try:
                self.reader.events(aggregate)
                self.reader.state(aggregate)
            except Exception as error:
                pytest.fail(f"{call} stored events of {aggregate} the client cannot read: {error_text(error)}")
        note(f"{call} -> {outcome}")
        self.record(function, outcome)


def check_store(db: psycopg.Connection[Any], reader: Ledger) -> None:
    """The end of a test: every stored event valid, gap-free, readable; replay equals projection."""
    for row in db.execute(EVENT_ROWS, (0,)).fetchall():
        for problem, defect in event_problems(row):
            assert defect is not None, f"stored event {row[1]}#{row[2]}: {problem}"
    gaps = db.execute(
        "SELECT aggregate_id FROM ledger.events GROUP BY aggregate_id"
        " HAVING count(*) <> max(sequence_number) OR min(sequence_number) <> 1"
    ).fetchall()
    assert gaps == [], f"accounts with gaps in their sequence: {gaps}"
    differ = db.execute("SELECT count(*) FROM ledger.verify()").fetchone()
    assert differ is not None and differ[0] == 0, "ledger.verify() found accounts whose replay differs"
    unequal = db.execute("SELECT count(*) FROM ledger.verify_batch(NULL, 1000000) WHERE NOT equal").fetchone()
    assert unequal is not None and unequal[0] == 0
    for (aggregate,) in db.execute("SELECT DISTINCT aggregate_id FROM ledger.events").fetchall():
        try:
            assert reader.replay(aggregate) == reader.state(aggregate) == reader.load(aggregate)
            reader.events(aggregate)
        except psycopg.DataError as error:
            assert "before year 1" in str(error), error_text(error)


def open_accounts(db: psycopg.Connection[Any], count: int = 2) -> list[uuid.UUID]:
    """Fresh accounts for one example, opened and funded with 100.00 through the front door."""
    accounts = [uuid.uuid4() for _ in range(count)]
    batch = Jsonb(
        [
            {"event_type": "AccountOpened", "payload": {"owner_name": "Fuzz"}},
            {"event_type": "MoneyDeposited", "payload": {"amount": "100.00"}},
        ]
    )
    for account in accounts:
        db.execute("SELECT ledger.append(%s, 0, %s)", (account, batch))
    return accounts


@pytest.fixture
def fuzz_db(db: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    """The test's database, with snapshots every 3 events (so the snapshot paths are exercised too)."""
    db.adapters.register_dumper(RawText, RawTextDumper)
    db.execute("SELECT ledger.set_snapshot_interval(3)")
    return db


def hostility(count: int) -> st.SearchStrategy[frozenset[int]]:
    """Which of `count` arguments to draw hostile: none (so calls succeed too), one, or all."""
    every = frozenset(range(count))
    if count == 0:
        return st.just(every)
    return weighted(
        (1, st.just(frozenset())), (3, st.integers(0, count - 1).map(lambda i: frozenset({i}))), (4, st.just(every))
    )


# -- level 1: raw SQL ---------------------------------------------------------------------------


def sql_versions(function: SqlFunction, args: Sequence[Any], result: list[str]) -> list[tuple[str, int]]:
    """(account, version) pairs a successful command returned, to look up in the store."""
    if not function.stores_events:
        return []
    account = args[0].data.decode() if isinstance(args[0], RawText) else str(args[0]).strip()
    if function.name == "transfer":
        from_version, to_version = (int(v) for v in result[0].strip("()").split(","))
        return [(account, from_version), (str(args[1]).strip(), to_version)]
    return [(account, int(result[0]))]


@pytest.mark.parametrize("function", SQL_FUNCTIONS, ids=lambda f: f.name)
def test_sql_function_fails_cleanly_or_stores_valid_events(
    function: SqlFunction, fuzz_db: psycopg.Connection[Any]
) -> None:
    db = fuzz_db
    reader = Ledger(db)
    judge = Judge("sql", db, reader)

    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        accounts = open_accounts(db)
        for _ in range(data.draw(st.integers(1, 3), label="calls")):
            arity = data.draw(st.integers(function.required, len(function.kinds)), label="arity")
            hostile = data.draw(hostility(arity), label="hostile arguments")
            args = [
                data.draw((kind.hostile if i in hostile else kind.good)(accounts), label=name)
                for i, (name, kind) in enumerate((k, SQL_KINDS[k]) for k in function.kinds[:arity])
            ]
            placeholders = ", ".join(f"%s::{t}" for t in function.types[:arity])
            query = f"SELECT r::text FROM ledger.{function.name}({placeholders}) AS r"
            call = f"ledger.{function.name}({', '.join(describe(a) for a in args)})"
            before = Marks.of(db)
            try:
                result = [row[0] for row in db.execute(query, args).fetchall()]
            except psycopg.Error as error:
                judge.failed(
                    call, function.name, error, classify_database_error(error, function.codes, function.name), before
                )
            else:
                judge.succeeded(call, function.name, before, sql_versions(function, args, result))

    fuzz()
    check_store(db, reader)


# -- level 2: the Python client ------------------------------------------------------------------


class Anything:
    """An object no adapter knows."""

    def __repr__(self) -> str:
        return "Anything()"


anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.binary(max_size=20),
    st.decimals(),
    st.uuids(),
    st.datetimes(),
    st.dates(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.tuples(st.integers(), st.integers()),
    st.sets(st.integers(), max_size=2),
    st.builds(Anything),
)
#: Texts, now with lone surrogates too (Python cannot encode them as UTF-8: UnicodeEncodeError).
any_texts = st.lists(st.one_of(st.characters(), st.integers(0xD800, 0xDFFF).map(chr)), max_size=30).map("".join)
client_times = weighted(
    (6, st.none()),
    (2, recent_past),
    (2, st.datetimes(timezones=st.just(UTC) | offsets)),
    (1, st.datetimes()),  # naive: the client refuses them
    (
        1,
        st.sampled_from(
            [
                datetime.min.replace(tzinfo=UTC),
                datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
                datetime.max.replace(tzinfo=UTC),
                datetime.max.replace(tzinfo=timezone(-timedelta(hours=23, minutes=59))),
            ]
        ),
    ),
    (1, anything),
)
client_amounts = weighted(
    (8, valid_amounts),
    (
        3,
        st.sampled_from(
            [
                Decimal(v)
                for v in (
                    "NaN",
                    "sNaN",
                    "-NaN",
                    "Infinity",
                    "-Infinity",
                    "-0",
                    "0",
                    "0.001",
                    "1e308",
                    "1E+1000000",
                    "1E-1000000",
                    "1000000000000000.01",
                    "123456789012345678901234567890.123",
                    "1.100",
                    "1E+2",
                )
            ]
        ),
    ),
    (1, st.decimals(allow_nan=True, allow_infinity=True)),
    (1, st.integers()),
    (1, st.floats()),
    (1, anything),
)


def client_uuids(accounts: Sequence[uuid.UUID], optional: bool) -> st.SearchStrategy[Any]:
    return weighted(
        (6, st.sampled_from(accounts)),
        (2, st.uuids()),
        (1, st.sampled_from([NIL, MAX_UUID, *EVENT_IDS])),
        (2 if optional else 0, st.none()),
        (1, st.sampled_from(accounts).map(str)),
        (1, anything),
    )


def client_ints(bits: int, nulls: int) -> st.SearchStrategy[Any]:
    high = 2 ** (bits - 1) - 1
    return weighted(
        (4, st.integers(0, 5)),
        (nulls, st.none()),
        (2, st.sampled_from([-1, high, high + 1, -high - 2, 2**64, 100_000, 100_001])),
        (1, anything),
    )


def client_texts(optional: bool) -> st.SearchStrategy[Any]:
    return weighted(
        (4, st.sampled_from(VALID_NAMES)),
        (2 if optional else 0, st.none()),
        (3, st.sampled_from(NASTY_TEXT)),
        (2, any_texts),
        (1, anything),
    )


client_metadata = weighted(
    (6, st.none()),
    (3, st.dictionaries(json_strings, json_values, max_size=4)),
    (1, st.sampled_from(BOUNDARY_OBJECTS)),
    (1, st.dictionaries(st.text(max_size=3), st.decimals() | st.sets(st.integers()) | st.builds(Anything), max_size=2)),
    (1, st.lists(st.tuples(st.text(max_size=3), st.integers()), max_size=2)),
    (1, anything),
)
client_dates = weighted((3, st.none()), (3, st.dates()), (1, st.sampled_from([date.min, date.max])), (1, anything))


@dataclass(frozen=True)
class EventRecipe:
    """An event to build inside the call, so the event classes' own checks count as client refusals."""

    kind: str
    account: Any
    value: Any
    timestamp: Any

    def build(self) -> Any:
        cls = {"AccountOpened": AccountOpened, "MoneyDeposited": MoneyDeposited, "MoneyWithdrawn": MoneyWithdrawn}
        return cls[self.kind](self.account, self.value, self.timestamp)


def client_events(account: Any, accounts: Sequence[uuid.UUID]) -> st.SearchStrategy[Any]:
    recipe = st.builds(
        EventRecipe,
        kind=st.sampled_from(EVENT_TYPES),
        account=weighted((8, st.just(account)), (1, client_uuids(accounts, optional=False))),
        value=weighted((3, client_amounts), (2, client_texts(optional=False))),
        timestamp=client_times,
    )
    opening = st.lists(
        st.builds(EventRecipe, st.sampled_from(EVENT_TYPES[1:]), st.just(account), valid_amounts, st.none()), max_size=3
    ).map(lambda rest: [EventRecipe("AccountOpened", account, "Fuzz", None), *rest])
    money = st.lists(
        st.builds(EventRecipe, st.sampled_from(EVENT_TYPES[1:]), st.just(account), valid_amounts, st.none()),
        min_size=1,
        max_size=3,
    )
    return weighted((4, st.lists(recipe, max_size=4)), (3, money), (2, opening), (1, anything))


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def fits(value: Any, bits: int) -> bool:
    return not is_int(value) or -(2 ** (bits - 1)) <= value < 2 ** (bits - 1)


Drawn = Mapping[str, Any]


@dataclass(frozen=True)
class ClientKind:
    """An argument kind of the client: hostile and well-formed values (given the example's
    accounts and the arguments drawn so far), and whether a value is what the method's
    annotation asks for (an int also in the range of its SQL parameter)."""

    hostile: Callable[[Accounts, Drawn], st.SearchStrategy[Any]]
    good: Callable[[Accounts, Drawn], st.SearchStrategy[Any]]
    fits: Callable[[Any], bool]


def optional(fits: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: v is None or fits(v)


def good_accounts(accounts: Accounts) -> st.SearchStrategy[Any]:
    return weighted((3, st.sampled_from(accounts)), (1, st.uuids()))


def is_uuid(value: Any) -> bool:
    return isinstance(value, uuid.UUID)


def is_bigint(value: Any) -> bool:
    return is_int(value) and fits(value, 64)


def is_integer(value: Any) -> bool:
    return is_int(value) and fits(value, 32)


def is_date(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def good_events(account: Any) -> st.SearchStrategy[Any]:
    money = st.builds(EventRecipe, st.sampled_from(EVENT_TYPES[1:]), st.just(account), small_amounts, st.none())
    opening = st.lists(money, max_size=2).map(lambda rest: [EventRecipe("AccountOpened", account, "Fuzz", None), *rest])
    return weighted((3, st.lists(money, min_size=1, max_size=3)), (1, opening))


CLIENT_KINDS: Mapping[str, ClientKind] = {
    "uuid": ClientKind(lambda a, _: client_uuids(a, optional=False), lambda a, _: good_accounts(a), is_uuid),
    "new_uuid": ClientKind(
        lambda a, _: client_uuids(a, optional=False),
        lambda a, _: weighted((3, st.uuids()), (1, st.sampled_from(a))),
        is_uuid,
    ),
    "uuid?": ClientKind(
        lambda a, _: client_uuids(a, optional=True), lambda a, _: st.none() | good_accounts(a), optional(is_uuid)
    ),
    "str": ClientKind(
        lambda a, _: client_texts(optional=False),
        lambda a, _: st.sampled_from(VALID_NAMES),
        lambda v: isinstance(v, str),
    ),
    "str?": ClientKind(
        lambda a, _: client_texts(optional=True),
        lambda a, _: st.none() | st.sampled_from(VALID_NAMES[:4]),
        optional(lambda v: isinstance(v, str)),
    ),
    "amount": ClientKind(
        lambda a, _: client_amounts, lambda a, _: small_amounts, lambda v: isinstance(v, Decimal) or is_int(v)
    ),
    "bigint": ClientKind(lambda a, _: client_ints(64, nulls=0), lambda a, _: st.integers(0, 5), is_bigint),
    "expected?": ClientKind(lambda a, _: client_ints(64, nulls=2), lambda a, _: st.none(), optional(is_bigint)),
    "integer": ClientKind(lambda a, _: client_ints(32, nulls=0), lambda a, _: st.integers(1, 100), is_integer),
    "integer?": ClientKind(
        lambda a, _: client_ints(32, nulls=2), lambda a, _: st.none() | st.integers(1, 100), optional(is_integer)
    ),
    "time": ClientKind(lambda a, _: client_times, lambda a, _: recent_past, lambda v: isinstance(v, datetime)),
    "time?": ClientKind(
        lambda a, _: client_times, lambda a, _: st.none() | recent_past, optional(lambda v: isinstance(v, datetime))
    ),
    "date?": ClientKind(lambda a, _: client_dates, lambda a, _: st.none() | st.dates(), optional(is_date)),
    "metadata": ClientKind(
        lambda a, _: client_metadata,
        lambda a, _: st.none() | plain_objects,
        optional(lambda v: isinstance(v, Mapping)),
    ),
    "events": ClientKind(
        lambda a, drawn: client_events(drawn.get("account_id"), a),
        lambda a, drawn: good_events(drawn.get("account_id")),
        lambda v: isinstance(v, list) and all(isinstance(r, EventRecipe) for r in v),
    ),
    "event_ids": ClientKind(
        lambda a, _: weighted(
            (3, st.none()), (2, st.lists(st.sampled_from(EVENT_IDS) | st.uuids(), max_size=4)), (1, anything)
        ),
        lambda a, _: st.none(),
        optional(lambda v: isinstance(v, list) and all(is_uuid(i) for i in v)),
    ),
    "position": ClientKind(
        lambda a, _: weighted(
            (3, st.integers(0, 10)),
            (1, st.sampled_from([2**63, -1, 2**64])),
            (1, anything),
        ),
        lambda a, _: st.just(0),
        lambda v: is_int(v) and fits(v, 64),
    ),
}


@dataclass(frozen=True)
class ClientMethod:
    """A Ledger method: the SQL function behind it, its positional and keyword parameters (name, kind)."""

    name: str
    sql: str
    positional: tuple[tuple[str, str], ...] = ()
    keywords: tuple[tuple[str, str], ...] = ()


MONEY_KEYWORDS = (
    ("expected_version", "expected?"),
    ("occurred_at", "time?"),
    ("event_id", "uuid?"),
    ("metadata", "metadata"),
)
CLIENT_METHODS: tuple[ClientMethod, ...] = (
    ClientMethod(
        "open_account",
        "open_account",
        (("account_id", "new_uuid"), ("owner_name", "str")),
        (("occurred_at", "time?"), ("event_id", "uuid?"), ("metadata", "metadata")),
    ),
    ClientMethod(
        "deposit", "deposit", (("account_id", "uuid"), ("amount", "amount")), (*MONEY_KEYWORDS, ("reference", "str?"))
    ),
    ClientMethod("withdraw", "withdraw", (("account_id", "uuid"), ("amount", "amount")), MONEY_KEYWORDS),
    ClientMethod(
        "transfer",
        "transfer",
        (("from_account", "uuid"), ("to_account", "uuid"), ("amount", "amount")),
        (("occurred_at", "time?"), ("transfer_id", "uuid?"), ("metadata", "metadata")),
    ),
    ClientMethod(
        "append",
        "append",
        (("account_id", "uuid"), ("events", "events")),
        (("expected_version", "expected?"), ("event_ids", "event_ids"), ("metadata", "metadata")),
    ),
    ClientMethod(
        "events", "read_stream", (("account_id", "uuid"),), (("after_version", "bigint"), ("limit", "integer?"))
    ),
    ClientMethod("read_all", "read_all", (), (("after", "position"), ("limit", "integer"))),
    ClientMethod("daily_totals", "daily_totals", (("account_id", "uuid"), ("start", "date?"), ("end", "date?"))),
    ClientMethod("state", "account_state", (("account_id", "uuid"),)),
    ClientMethod("replay", "replay", (("account_id", "uuid"),)),
    ClientMethod("load", "load_account", (("account_id", "uuid"),)),
    ClientMethod("verify", "verify"),
    ClientMethod("verify_batch", "verify_batch", (("after", "uuid?"), ("max_count", "integer"))),
    ClientMethod("stats", "stats"),
    ClientMethod("accounts", "accounts_list", (), (("after", "uuid?"), ("limit", "integer"))),
    ClientMethod(
        "find_accounts", "find_accounts", (("owner_prefix", "str"),), (("after", "uuid?"), ("limit", "integer"))
    ),
    ClientMethod("totals", "totals"),
    ClientMethod("state_at", "account_state_at", (("account_id", "uuid"), ("at", "time"))),
    ClientMethod("state_at_version", "account_state_at_version", (("account_id", "uuid"), ("version", "bigint"))),
    ClientMethod("history", "account_history", (("account_id", "uuid"), ("start", "time?"), ("end", "time?"))),
)


def client_versions(method: ClientMethod, args: Mapping[str, Any], result: Any) -> list[tuple[str, int]]:
    if not SQL_BY_NAME[method.sql].stores_events:
        return []
    if method.name == "transfer":
        return [(str(args["from_account"]), result[0]), (str(args["to_account"]), result[1])]
    return [(str(args["account_id"]), result)]


def classify_client_error(method: ClientMethod, error: BaseException, misfits: Sequence[str]) -> str | None:
    codes = SQL_BY_NAME[method.sql].codes
    if isinstance(error, OutcomeUnknown):
        return None
    if isinstance(error, LedgerError):
        if error.sqlstate in codes:
            return REFUSED
        return known_sql_defect(method.sql, error.__cause__) if isinstance(error.__cause__, psycopg.Error) else None
    if isinstance(error, psycopg.Error):
        return classify_database_error(error, codes, method.sql)
    if isinstance(error, (TypeError, ValueError)):
        # The client's own checks (floats, naive datetimes, event_ids length, event classes), and
        # Python's refusals of what it cannot encode (lone surrogates, Decimal in metadata).
        return CLIENT_REFUSED
    return None


@pytest.mark.parametrize("method", CLIENT_METHODS, ids=lambda m: m.name)
def test_client_method_fails_cleanly_or_stores_valid_events(
    method: ClientMethod, ledger: Ledger, fuzz_db: psycopg.Connection[Any]
) -> None:
    db = fuzz_db
    reader = Ledger(db)
    judge = Judge("client", db, reader)
    call_method = getattr(ledger, method.name)

    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        accounts = open_accounts(db)
        for _ in range(data.draw(st.integers(1, 3), label="calls")):
            params = [
                (name, kind)
                for i, (name, kind) in enumerate((*method.positional, *method.keywords))
                if i < len(method.positional) or data.draw(st.booleans(), label=f"pass {name}")
            ]
            hostile = data.draw(hostility(len(params)), label="hostile arguments")
            args: dict[str, Any] = {}
            for i, (name, kind_name) in enumerate(params):
                kind = CLIENT_KINDS[kind_name]
                args[name] = data.draw((kind.hostile if i in hostile else kind.good)(accounts, args), label=name)
            misfits = [name for name, kind in params if not CLIENT_KINDS[kind].fits(args[name])]
            call = f"Ledger.{method.name}({', '.join(f'{k}={describe(v)}' for k, v in args.items())})"
            before = Marks.of(db)
            try:
                values = {
                    k: [r.build() if isinstance(r, EventRecipe) else r for r in v]
                    if k == "events" and isinstance(v, list)
                    else v
                    for k, v in args.items()
                }
                positional = [values[name] for name, _ in method.positional]
                keywords = {name: values[name] for name, _ in method.keywords if name in values}
                result = call_method(*positional, **keywords)
            except Exception as error:
                judge.failed(call, method.sql, error, classify_client_error(method, error, misfits), before)
            else:
                judge.succeeded(call, method.sql, before, client_versions(method, args, result))

    fuzz()
    check_store(db, reader)


# -- the list of fuzzed functions is complete ----------------------------------------------------


def test_every_granted_function_is_fuzzed_or_excluded_with_a_reason(db: psycopg.Connection[Any]) -> None:
    granted = {
        row[0]
        for row in db.execute(
            "SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc AS p"
            " WHERE p.pronamespace = 'ledger'::regnamespace"
            " AND (pg_catalog.has_function_privilege('ledger_writer', p.oid, 'EXECUTE')"
            " OR pg_catalog.has_function_privilege('ledger_reader', p.oid, 'EXECUTE'))"
        ).fetchall()
    }
    fuzzed = {f.signature for f in SQL_FUNCTIONS}
    assert all(f.codes <= LEDGER_CODES for f in SQL_FUNCTIONS)
    assert granted - fuzzed - set(NOT_FUZZED) == set(), "granted but not fuzzed: add them to SQL_FUNCTIONS"
    assert fuzzed - granted == set(), "fuzzed but not granted (renamed or dropped?)"


# -- reproducers of the known defects --------------------------------------------------------------


def sqlstate_of_call(db: psycopg.Connection[Any], query: str, params: Sequence[Any]) -> str | None:
    """The SQLSTATE the call fails with; None when it succeeds."""
    try:
        db.execute(query, params).fetchall()
    except psycopg.Error as error:
        return error.sqlstate
    return None


APPEND = "SELECT ledger.append(%s, NULL, %s::jsonb)"


def test_an_event_type_of_65_characters_is_refused_with_lg005(db: psycopg.Connection[Any]) -> None:
    events = json_text([{"event_type": "x" * 65, "payload": {}}])
    assert sqlstate_of_call(db, APPEND, (uuid.uuid4(), events)) == "LG005"


def test_an_event_time_with_an_offset_beyond_15_59_is_refused_with_lg005(db: psycopg.Connection[Any]) -> None:
    opened = {
        "event_type": "AccountOpened",
        "payload": {"owner_name": "Ada"},
        "occurred_at": "2024-01-01T00:00:00+16:00",
    }
    assert sqlstate_of_call(db, APPEND, (uuid.uuid4(), json_text([opened]))) == "LG005"


def test_history_from_the_lowest_timestamp_is_the_whole_history(db: psycopg.Connection[Any]) -> None:
    (account,) = open_accounts(db, 1)
    query = "SELECT sequence_number FROM ledger.account_history(%s, %s::timestamptz, NULL)"
    assert sqlstate_of_call(db, query, (account, "4714-11-24 00:00:00+00 BC")) is None


def test_an_event_time_the_client_cannot_read_back_is_refused(ledger: Ledger, db: psycopg.Connection[Any]) -> None:
    through_client = uuid.uuid4()
    through_sql = uuid.uuid4()
    refused: list[uuid.UUID] = []
    try:
        ledger.open_account(through_client, "Ada", occurred_at=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))))
    except LedgerError:
        refused.append(through_client)
    if sqlstate_of_call(db, "SELECT ledger.open_account(%s, 'Ada', %s::timestamptz)", (through_sql, "0100-01-01 BC")):
        refused.append(through_sql)
    for account in {through_client, through_sql} - set(refused):
        ledger.events(account)  # raises psycopg.DataError: timestamp too small (before year 1)


def test_the_client_refuses_wrong_types_and_out_of_range_integers_cleanly(ledger: Ledger) -> None:
    account = uuid.uuid4()
    ledger.open_account(account, "Ada")
    with pytest.raises(TypeError, match=r"account_id must be a uuid\.UUID"):
        ledger.deposit(1, Decimal("1"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="after must be an int"):
        ledger.read_all(after={})  # type: ignore[arg-type]
    # Integers beyond the SQL parameter's type reach PostgreSQL's own range check (22003).
    for call in (
        lambda: ledger.events(account, limit=2**31),
        lambda: ledger.deposit(account, Decimal("1"), expected_version=2**63),
        lambda: ledger.read_all(limit=2**31),
    ):
        with pytest.raises(psycopg.errors.NumericValueOutOfRange):
            call()


def test_opening_an_open_account_with_an_earlier_time_is_refused_with_lg003(db: psycopg.Connection[Any]) -> None:
    (account,) = open_accounts(db, 1)
    query = "SELECT ledger.open_account(%s, 'Ada', %s::timestamptz)"
    assert sqlstate_of_call(db, query, (account, "2000-01-01T00:00:00Z")) == "LG003"


def test_an_owner_name_of_unicode_spaces_is_refused_as_blank(db: psycopg.Connection[Any]) -> None:
    query = "SELECT ledger.open_account(%s, %s)"
    assert [sqlstate_of_call(db, query, (uuid.uuid4(), name)) for name in ("\u00a0", "\u2028", "\u3000")] == [
        "LG005"
    ] * 3


def test_owner_names_with_c1_control_characters_are_refused_whatever_the_locale(db: psycopg.Connection[Any]) -> None:
    # [[:cntrl:]] depends on the database's LC_CTYPE; C (embedded) and C.UTF-8 both match U+0085.
    assert sqlstate_of_call(db, "SELECT ledger.open_account(%s, %s)", (uuid.uuid4(), "a\u0085b")) == "LG005"
