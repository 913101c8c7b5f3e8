"""Every rule and every malformed input gets its documented SQLSTATE, and nothing is stored."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from pgledger import (
    AccountAlreadyExists,
    AccountNotFound,
    ConcurrencyError,
    EventTimeOrderError,
    InsufficientFunds,
    InvalidEvent,
    Ledger,
)
from tests.helpers import stored_counts

OPENED = {"event_type": "AccountOpened", "payload": {"owner_name": "Ada"}}


def deposit(amount: Any = "10.00", **extra: Any) -> dict[str, Any]:
    return {"event_type": "MoneyDeposited", "payload": {"amount": amount}, **extra}


@pytest.fixture
def account(ledger: Ledger) -> uuid.UUID:
    """An open account with balance 50.00 at version 2."""
    account_id = uuid.uuid4()
    ledger.open_account(account_id, "Ada")
    ledger.deposit(account_id, Decimal("50.00"))
    return account_id


@pytest.fixture
def unchanged(db: psycopg.Connection[Any], account: uuid.UUID) -> Iterator[None]:
    """Asserts, after the test, that no event and no projection row was added or changed."""
    before = stored_counts(db), db.execute("SELECT * FROM ledger.accounts ORDER BY account_id").fetchall()
    yield
    after = stored_counts(db), db.execute("SELECT * FROM ledger.accounts ORDER BY account_id").fetchall()
    assert after == before


def append_raw(db: psycopg.Connection[Any], aggregate_id: Any, expected: Any, events: Any) -> int:
    row = db.execute("SELECT ledger.append(%s, %s, %s)", (aggregate_id, expected, events)).fetchone()
    assert row is not None
    return int(row[0])


def expect(code: str, fragment: str, call: Any) -> psycopg.Error:
    with pytest.raises(psycopg.Error) as caught:
        call()
    assert caught.value.sqlstate == code, caught.value
    assert fragment in str(caught.value), caught.value
    return caught.value


# -- domain rules, through the commands ------------------------------------------------------


@pytest.mark.usefixtures("unchanged")
class TestDomainRules:
    def test_deposit_to_an_unknown_account_is_rejected(self, ledger: Ledger) -> None:
        with pytest.raises(AccountNotFound, match="does not exist"):
            ledger.deposit(uuid.uuid4(), Decimal("1"))

    def test_withdrawal_from_an_unknown_account_is_rejected(self, ledger: Ledger) -> None:
        with pytest.raises(AccountNotFound):
            ledger.withdraw(uuid.uuid4(), Decimal("1"))

    def test_opening_an_account_twice_is_rejected(self, ledger: Ledger, account: uuid.UUID) -> None:
        with pytest.raises(AccountAlreadyExists, match="already exists"):
            ledger.open_account(account, "Someone Else")

    def test_withdrawal_beyond_balance_is_rejected(self, ledger: Ledger, account: uuid.UUID) -> None:
        with pytest.raises(InsufficientFunds, match=r"balance 50\.00, withdrawal 50\.01"):
            ledger.withdraw(account, Decimal("50.01"))

    def test_stale_expected_version_is_a_concurrency_conflict(self, ledger: Ledger, account: uuid.UUID) -> None:
        with pytest.raises(ConcurrencyError, match="expected version 1, actual version 2"):
            ledger.deposit(account, Decimal("1"), expected_version=1)

    def test_time_going_backwards_is_rejected(self, ledger: Ledger, account: uuid.UUID) -> None:
        last = ledger.events(account)[-1].occurred_at
        with pytest.raises(EventTimeOrderError, match="earlier than the previous event"):
            ledger.deposit(account, Decimal("1"), occurred_at=last - last.resolution)

    def test_event_in_the_future_is_rejected(self, ledger: Ledger, account: uuid.UUID) -> None:
        from datetime import datetime, timedelta, timezone

        with pytest.raises(InvalidEvent, match="in the future"):
            ledger.deposit(account, Decimal("1"), occurred_at=datetime.now(timezone.utc) + timedelta(hours=1))

    @pytest.mark.parametrize(
        ("amount", "fragment"),
        [
            (Decimal("0"), "must be greater than 0"),
            (Decimal("-5"), "must be greater than 0"),
            (Decimal("1.234"), "at most 2 decimal places"),
            (Decimal("1000000000000000.01"), "at most 1000000000000000"),
            (Decimal("NaN"), "must be a decimal"),
            (Decimal("Infinity"), "must be a decimal"),
        ],
    )
    def test_bad_amounts_are_rejected_by_both_commands(
        self, ledger: Ledger, account: uuid.UUID, amount: Decimal, fragment: str
    ) -> None:
        with pytest.raises(InvalidEvent, match=fragment):
            ledger.deposit(account, amount)
        with pytest.raises(InvalidEvent, match=fragment):
            ledger.withdraw(account, amount)

    def test_null_amount_is_rejected(self, db: psycopg.Connection[Any], account: uuid.UUID) -> None:
        expect("LG005", "payload.amount is required", lambda: db.execute("SELECT ledger.deposit(%s, NULL)", (account,)))

    @pytest.mark.parametrize(
        ("owner", "fragment"),
        [
            ("", "must not be empty or blank"),
            (" \t ", "must not be empty or blank"),
            ("x" * 201, "at most 200 characters"),
            ("line\nbreak", "control characters"),
            ("\u200c\u2060\u3164", "must not be empty or blank"),  # zero-width joiner, word joiner, Hangul filler
            ("\u2800\ufeff\u00ad", "must not be empty or blank"),  # Braille blank, BOM, soft hyphen
            ("Ada \u202eecalevoL", "bidirectional control characters"),  # shows as "Ada Lovelace"
            ("\u2066Ada\u2069", "bidirectional control characters"),
        ],
    )
    def test_bad_owner_names_are_rejected(self, ledger: Ledger, owner: str, fragment: str) -> None:
        with pytest.raises(InvalidEvent, match=fragment):
            ledger.open_account(uuid.uuid4(), owner)

    def test_null_owner_name_is_rejected(self, db: psycopg.Connection[Any]) -> None:
        expect(
            "LG005", "owner_name is required", lambda: db.execute("SELECT ledger.open_account(gen_random_uuid(), NULL)")
        )


def test_owner_name_of_200_characters_and_sql_metacharacters_is_stored_verbatim(ledger: Ledger) -> None:
    for owner in [
        "é" * 200,
        "محمد علي",
        "Zoë\u200dX",
        "李\u3000小龙",
        "Robert'); DROP TABLE ledger.events;--",
        '50% off \\ $1 ; -- /* */ "q"',
    ]:
        account = uuid.uuid4()
        ledger.open_account(account, owner)
        state = ledger.state(account)
        assert state is not None and state.owner_name == owner


# -- the same rules through ledger.append: the other door -------------------------------------


@pytest.mark.usefixtures("unchanged")
class TestAppendDoor:
    def test_first_event_must_be_account_opened(self, db: psycopg.Connection[Any]) -> None:
        expect("LG002", "does not exist", lambda: append_raw(db, uuid.uuid4(), None, Jsonb([deposit()])))

    def test_account_opened_on_an_open_account_is_rejected(
        self, db: psycopg.Connection[Any], account: uuid.UUID
    ) -> None:
        expect("LG003", "already exists", lambda: append_raw(db, account, None, Jsonb([OPENED])))

    def test_overdrawing_withdrawal_is_rejected_and_the_whole_batch_with_it(
        self, db: psycopg.Connection[Any], account: uuid.UUID
    ) -> None:
        batch = [deposit("10.00"), {"event_type": "MoneyWithdrawn", "payload": {"amount": "60.01"}}]
        expect("LG004", "insufficient funds", lambda: append_raw(db, account, None, Jsonb(batch)))

    def test_expected_version_zero_on_an_existing_account_conflicts(
        self, db: psycopg.Connection[Any], account: uuid.UUID
    ) -> None:
        expect("LG001", "expected version 0, actual version 2", lambda: append_raw(db, account, 0, Jsonb([deposit()])))

    def test_expected_version_on_a_new_account_conflicts(self, db: psycopg.Connection[Any]) -> None:
        expect(
            "LG001", "expected version 3, actual version 0", lambda: append_raw(db, uuid.uuid4(), 3, Jsonb([OPENED]))
        )

    def test_time_going_backwards_inside_a_batch_is_rejected(
        self, db: psycopg.Connection[Any], account: uuid.UUID
    ) -> None:
        batch = [
            deposit(occurred_at="2099-01-01T00:00:00Z"),
        ]
        expect("LG005", "in the future", lambda: append_raw(db, account, None, Jsonb(batch)))
        new = uuid.uuid4()
        batch = [
            {**OPENED, "occurred_at": "2024-01-02T00:00:00Z"},
            deposit(occurred_at="2024-01-01T23:59:59.999999Z"),
        ]
        expect("LG006", "earlier than the previous event", lambda: append_raw(db, new, None, Jsonb(batch)))

    @pytest.mark.parametrize(
        ("events", "fragment"),
        [
            ({"event_type": "MoneyDeposited"}, "events must be a JSON array"),
            ("not json array", "events must be a JSON array"),
            ([], "events must hold 1 to 100000 events"),
            (["MoneyDeposited"], "events[0] must be a JSON object, got string"),
            ([None], "events[0] must be a JSON object, got null"),
            ([deposit(), 42], "events[1] must be a JSON object, got number"),
            ([{**deposit(), "amount": "1"}], "events[0] has an unknown field amount"),
            ([{"payload": {"amount": "1"}}], "events[0].event_type is required"),
            (
                [{"event_type": 7, "payload": {"amount": "1"}}],
                "event_type is required and must be a JSON string, got number",
            ),
            ([{"event_type": "MoneyStolen", "payload": {"amount": "1"}}], "is not a known event type"),
            (
                [{"event_type": "MoneyDeposited"}],
                "events[0].payload is required and must be a JSON object, got nothing",
            ),
            (
                [{"event_type": "MoneyDeposited", "payload": [1]}],
                "payload is required and must be a JSON object, got array",
            ),
            ([{"event_type": "MoneyDeposited", "payload": "10"}], "must be a JSON object, got string"),
            ([deposit(10)], "payload.amount is required and must be a JSON string holding a decimal, got number"),
            ([deposit(None)], "payload.amount is required and must be a JSON string holding a decimal, got null"),
            ([{"event_type": "MoneyDeposited", "payload": {}}], "got nothing"),
            (
                [{"event_type": "MoneyDeposited", "payload": {"amount": "1", "currency": "EUR"}}],
                "unknown field currency",
            ),
            ([deposit("ten")], 'amount must be a decimal such as "12.50"'),
            ([deposit("1e3")], "amount must be a decimal"),
            ([deposit("")], "amount must be a decimal"),
            ([deposit("0.00")], "must be greater than 0"),
            ([deposit("-5")], "must be greater than 0"),
            ([deposit("1.234")], "at most 2 decimal places"),
            ([deposit("1000000000000000.01")], "at most 1000000000000000"),
            ([deposit("99999999999999999999")], "at most 1000000000000000"),
            ([deposit(occurred_at="2024-01-01T10:00:00")], "with a UTC offset"),
            ([deposit(occurred_at="2024-01-01")], "with a UTC offset"),
            ([deposit(occurred_at=1704103200)], "occurred_at must be a JSON string, got number"),
            ([deposit(occurred_at="2024-02-30T10:00:00Z")], "is not a valid date and time"),
            ([deposit(occurred_at="2024-01-01T10:00:00.1234567Z")], "with a UTC offset"),
            ([deposit(occurred_at="infinity")], "with a UTC offset"),
            ([deposit(event_id="not-a-uuid")], "event_id must be a UUID string"),
            ([deposit(event_id=5)], "event_id must be a UUID string"),
            ([deposit(metadata=[1])], "metadata must be a JSON object, got array"),
            ([deposit(metadata={"x": "y" * 70000})], "metadata must be at most 65536 bytes"),
            ([deposit(event_version=3)], "event_version must be a version of MoneyDeposited from 1 to 2, got 3"),
            ([deposit(event_version="1")], 'event_version must be a version of MoneyDeposited from 1 to 2, got "1"'),
            ([deposit(event_version=1.5)], "event_version must be a version of MoneyDeposited from 1 to 2, got 1.5"),
            (
                [{"event_type": "MoneyWithdrawn", "payload": {"amount": "1"}, "event_version": 2}],
                "event_version must be a version of MoneyWithdrawn from 1 to 1, got 2",
            ),
            (
                [{**deposit(event_version=1), "payload": {"amount": "1", "reference": "x"}}],
                "payload has an unknown field reference",
            ),
            ([{**deposit(), "payload": {"amount": "1", "reference": 5}}], "payload.reference must be a JSON string"),
            ([{**deposit(), "payload": {"amount": "1", "reference": ""}}], "reference must be 1 to 140 characters"),
            ([{**deposit(), "payload": {"amount": "1", "reference": "x" * 141}}], "1 to 140 characters, got 141"),
            ([{**deposit(), "payload": {"amount": "1", "reference": "a\nb"}}], "must not contain control characters"),
        ],
    )
    def test_malformed_events_are_rejected_with_the_field_and_the_reason(
        self, db: psycopg.Connection[Any], account: uuid.UUID, events: Any, fragment: str
    ) -> None:
        expect("LG005", fragment, lambda: append_raw(db, account, None, Jsonb(events)))

    @pytest.mark.parametrize(
        ("owner", "fragment"),
        [
            (None, "owner_name is required and must be a JSON string, got null"),
            (42, "got number"),
            ("", "must not be empty"),
            ("é" * 201, "at most 200 characters, got 201"),
        ],
    )
    def test_malformed_account_opened_is_rejected(self, db: psycopg.Connection[Any], owner: Any, fragment: str) -> None:
        events = [{"event_type": "AccountOpened", "payload": {"owner_name": owner}}]
        expect("LG005", fragment, lambda: append_raw(db, uuid.uuid4(), None, Jsonb(events)))

    def test_account_opened_with_extra_payload_fields_is_rejected(self, db: psycopg.Connection[Any]) -> None:
        events = [{"event_type": "AccountOpened", "payload": {"owner_name": "Ada", "balance": "1000000"}}]
        expect("LG005", "unknown field balance", lambda: append_raw(db, uuid.uuid4(), None, Jsonb(events)))

    def test_more_than_100000_events_are_rejected(self, db: psycopg.Connection[Any], account: uuid.UUID) -> None:
        events = json.dumps([deposit("0.01")] * 100_001)
        expect(
            "LG005", "events must hold 1 to 100000 events, got 100001", lambda: append_raw(db, account, None, events)
        )

    def test_null_arguments_are_rejected(self, db: psycopg.Connection[Any], account: uuid.UUID) -> None:
        expect("LG005", "aggregate_id must not be null", lambda: append_raw(db, None, None, Jsonb([deposit()])))
        expect("LG005", "events must be a JSON array", lambda: append_raw(db, account, None, None))
        expect("LG005", "expected_version must be", lambda: append_raw(db, account, -1, Jsonb([deposit()])))

    def test_the_same_event_id_twice_in_one_batch_is_rejected(
        self, db: psycopg.Connection[Any], account: uuid.UUID
    ) -> None:
        same = str(uuid.uuid4())
        batch = [deposit(event_id=same), deposit(event_id=same)]
        expect("LG005", "the same event_id more than once", lambda: append_raw(db, account, None, Jsonb(batch)))


def test_every_accepted_amount_form_is_stored_canonically(ledger: Ledger, db: psycopg.Connection[Any]) -> None:
    account = uuid.uuid4()
    ledger.open_account(account, "Ada")
    for given in ["007.50", "+3", "0.1", "12"]:
        append_raw(db, account, None, Jsonb([deposit(given)]))
    amounts = db.execute(
        "SELECT payload->>'amount' FROM ledger.events WHERE aggregate_id = %s AND sequence_number > 1"
        " ORDER BY sequence_number",
        (account,),
    ).fetchall()
    assert [a[0] for a in amounts] == ["7.50", "3", "0.1", "12"]
    state = ledger.state(account)
    assert state is not None and str(state.balance) == "22.60"
