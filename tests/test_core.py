"""The seed's checks: open, deposit, withdraw; what is stored; replay equals the projection."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import psycopg

from pgledger import AccountOpened, Ledger, MoneyDeposited, MoneyWithdrawn, new_event_id
from tests.helpers import sequence_numbers


def test_open_deposit_withdraw_stores_three_events_numbered_1_2_3(ledger: Ledger, db: psycopg.Connection[Any]) -> None:
    account = uuid.uuid4()
    assert ledger.open_account(account, "Ada Lovelace") == 1
    assert ledger.deposit(account, Decimal("100.00")) == 2
    assert ledger.withdraw(account, Decimal("30.25")) == 3

    rows = db.execute(
        "SELECT sequence_number, event_type, payload FROM ledger.events WHERE aggregate_id = %s ORDER BY id",
        (account,),
    ).fetchall()
    assert rows == [
        (1, "AccountOpened", {"owner_name": "Ada Lovelace"}),
        (2, "MoneyDeposited", {"amount": "100.00", "reference": None}),
        (3, "MoneyWithdrawn", {"amount": "30.25"}),
    ]


def test_replay_of_three_events_gives_the_balance_and_equals_the_projection(ledger: Ledger) -> None:
    account = uuid.uuid4()
    ledger.open_account(account, "Ada Lovelace")
    ledger.deposit(account, Decimal("100.00"))
    ledger.withdraw(account, Decimal("30.25"))

    replayed = ledger.replay(account)
    projected = ledger.state(account)
    assert replayed is not None and projected is not None
    assert replayed.balance == Decimal("69.75")
    assert replayed.version == 3
    assert replayed == projected
    assert ledger.verify() == []


def test_state_and_replay_of_an_unknown_account_are_none(ledger: Ledger) -> None:
    assert ledger.state(uuid.uuid4()) is None
    assert ledger.replay(uuid.uuid4()) is None


def test_events_round_trip_exactly_through_the_store(ledger: Ledger) -> None:
    account = uuid.uuid4()
    start = datetime(2024, 5, 1, 9, 30, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    written = [
        AccountOpened(account, "Grace O'Hopper; DROP TABLE ledger.events; --", start),
        MoneyDeposited(account, Decimal("1000000000000000"), start + timedelta(seconds=1)),
        MoneyWithdrawn(account, Decimal("0.01"), start + timedelta(seconds=1)),
        MoneyDeposited(account, Decimal("7.5"), start + timedelta(days=3, microseconds=1)),
    ]
    assert ledger.append(account, written, expected_version=0) == 4

    recorded = ledger.events(account)
    assert [r.event for r in recorded] == written
    assert [r.sequence_number for r in recorded] == [1, 2, 3, 4]
    # Exact decimals, scale kept; the same instants (whatever zone the session reads them in).
    assert [str(getattr(r.event, "amount", "")) for r in recorded[1:]] == ["1000000000000000", "0.01", "7.5"]
    state = ledger.state(account)
    assert state is not None
    assert state.balance == Decimal("1000000000000007.49")
    assert state.owner_name == "Grace O'Hopper; DROP TABLE ledger.events; --"


def test_projection_row_columns_match_the_fold_state_type(db: psycopg.Connection[Any]) -> None:
    def columns(relation: str) -> list[tuple[str, str]]:
        rows = db.execute(
            "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            (relation,),
        ).fetchall()
        return [(r[0], r[1]) for r in rows]

    # The fold's state, then the head of the account's hash chain and the id of its last event
    # (bookkeeping of the write path, not part of the state).
    assert columns("ledger.accounts") == [
        *columns("ledger.account"),
        ("last_hash", "bytea"),
        ("last_event_id", "uuid"),
        ("last_recorded_at", "timestamp with time zone"),
    ]


def test_database_stamps_a_missing_time_after_the_previous_event(ledger: Ledger, db: psycopg.Connection[Any]) -> None:
    account = uuid.uuid4()
    ledger.open_account(account, "Ada")
    for _ in range(5):
        ledger.deposit(account, Decimal("1"))
    times = [r.occurred_at for r in ledger.events(account)]
    assert times == sorted(times)
    assert sequence_numbers(db, account) == [1, 2, 3, 4, 5, 6]


def test_verify_and_its_pages_find_every_kind_of_difference(ledger: Ledger, db: psycopg.Connection[Any]) -> None:
    accounts = sorted(uuid.uuid4() for _ in range(5))
    for account in accounts:
        ledger.open_account(account, "Owner")
        ledger.deposit(account, Decimal("5"))
    # Tamper as the superuser: a wrong balance, a missing projection row, a row without events.
    ghost = uuid.uuid4()
    db.execute("UPDATE ledger.accounts SET balance = 6.00 WHERE account_id = %s", (accounts[1],))
    db.execute("DELETE FROM ledger.accounts WHERE account_id = %s", (accounts[3],))
    db.execute(
        "INSERT INTO ledger.accounts VALUES (%s, 'Ghost', 1.00, 1, now(), now(), sha256('ghost'))",
        (ghost,),
    )
    expected = sorted([accounts[1], accounts[3], ghost])
    assert sorted(m.account_id for m in ledger.verify()) == expected
    seen: list[uuid.UUID] = []
    differing: list[uuid.UUID] = []
    after = None
    while page := ledger.verify_batch(after, 2):
        assert len(page) <= 2
        seen += [row[0] for row in page]
        differing += [row[0] for row in page if not row[1]]
        after = page[-1][0]
    assert seen == sorted([*accounts, ghost])
    assert sorted(differing) == expected


def test_event_ids_made_here_or_by_the_client_are_time_ordered(ledger: Ledger, db: psycopg.Connection[Any]) -> None:
    """Ids the database makes (none given) and the client's new_event_id() both carry the time in
    milliseconds in their first 48 bits (UUID version 7), so new keys go to the index's right edge."""
    account = uuid.uuid4()
    db.execute("SELECT ledger.open_account(%s, 'Ada')", (account,))  # no event_id: the database's
    ledger.deposit(account, Decimal("1.00"))  # the client's
    for event_id, recorded_at in db.execute(
        "SELECT event_id, recorded_at FROM ledger.events WHERE aggregate_id = %s ORDER BY sequence_number",
        (account,),
    ).fetchall():
        assert event_id.version == 7 and event_id.variant == uuid.RFC_4122
        millis = event_id.int >> 80
        # The client's id is made a little before the row's recorded_at; the database's at it.
        assert 0 <= recorded_at.timestamp() * 1000 - millis < 5_000
    earlier = new_event_id()
    time.sleep(0.002)  # a later millisecond (not waiting for another session)
    assert new_event_id() > earlier
