"""A retried append with the same event_id is applied once and answers like the original."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from pgledger import IdempotencyConflict, Ledger, MoneyDeposited, MoneyWithdrawn, RacedWriters
from tests.helpers import blocked_backend, sequence_numbers, stored_counts, wait_until_blocked

OPENED_AT = datetime(2024, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def account(ledger: Ledger) -> uuid.UUID:
    account_id = uuid.uuid4()
    ledger.open_account(account_id, "Ada", occurred_at=OPENED_AT)
    return account_id


def test_a_retried_deposit_is_applied_once_and_returns_the_original_version(
    ledger: Ledger, db: psycopg.Connection[Any], account: uuid.UUID
) -> None:
    key = uuid.uuid4()
    assert ledger.deposit(account, Decimal("10.00"), expected_version=1, event_id=key) == 2
    ledger.deposit(account, Decimal("5.00"))
    # The retry carries the now stale expected version: it still answers like the original.
    assert ledger.deposit(account, Decimal("10.00"), expected_version=1, event_id=key) == 2
    assert sequence_numbers(db, account) == [1, 2, 3]
    state = ledger.state(account)
    assert state is not None and state.balance == Decimal("15.00")


def test_a_retried_open_returns_version_1(ledger: Ledger, db: psycopg.Connection[Any]) -> None:
    account, key = uuid.uuid4(), uuid.uuid4()
    assert ledger.open_account(account, "Ada", event_id=key) == 1
    assert ledger.open_account(account, "Ada", event_id=key) == 1
    assert stored_counts(db) == (1, 1)


def test_a_retried_batch_returns_the_original_last_version(
    ledger: Ledger, db: psycopg.Connection[Any], account: uuid.UUID
) -> None:
    when = datetime(2025, 1, 1, tzinfo=timezone.utc)
    batch = [MoneyDeposited(account, Decimal("3"), when), MoneyWithdrawn(account, Decimal("1"), when)]
    keys = [uuid.uuid4(), uuid.uuid4()]
    ledger.deposit(account, Decimal("1"), occurred_at=when)
    assert ledger.append(account, batch, event_ids=keys) == 4
    assert ledger.append(account, batch, event_ids=keys) == 4
    assert sequence_numbers(db, account) == [1, 2, 3, 4]


def test_a_stored_run_of_a_batch_answers_with_its_last_sequence_number(
    ledger: Ledger, db: psycopg.Connection[Any], account: uuid.UUID
) -> None:
    when = datetime(2025, 1, 1, tzinfo=timezone.utc)
    keys = [uuid.uuid4(), uuid.uuid4()]
    batch = [MoneyDeposited(account, Decimal("3"), when), MoneyDeposited(account, Decimal("4"), when)]
    assert ledger.append(account, batch, event_ids=keys) == 3
    assert ledger.append(account, batch[:1], event_ids=keys[:1]) == 2
    assert ledger.append(account, batch[1:], event_ids=keys[1:]) == 3
    assert sequence_numbers(db, account) == [1, 2, 3]


@pytest.mark.parametrize(
    "change",
    ["amount", "account", "type", "time", "order", "extended"],
)
def test_reusing_an_event_id_for_something_else_is_lg008_and_stores_nothing(
    ledger: Ledger, db: psycopg.Connection[Any], account: uuid.UUID, change: str
) -> None:
    when = datetime(2025, 1, 1, tzinfo=timezone.utc)
    keys = [uuid.uuid4(), uuid.uuid4()]
    batch = [MoneyDeposited(account, Decimal("3"), when), MoneyDeposited(account, Decimal("4"), when)]
    ledger.append(account, batch, event_ids=keys)

    other = uuid.uuid4()
    ledger.open_account(other, "Other", occurred_at=OPENED_AT)
    before = stored_counts(db)
    retries = {
        "amount": lambda: ledger.deposit(account, Decimal("3.01"), occurred_at=when, event_id=keys[0]),
        "account": lambda: ledger.deposit(other, Decimal("3"), occurred_at=when, event_id=keys[0]),
        "type": lambda: ledger.withdraw(account, Decimal("3"), occurred_at=when, event_id=keys[0]),
        "time": lambda: ledger.deposit(account, Decimal("3"), occurred_at=when.replace(day=2), event_id=keys[0]),
        "order": lambda: ledger.append(account, batch[::-1], event_ids=keys[::-1]),
        "extended": lambda: ledger.append(
            account, [*batch, MoneyDeposited(account, Decimal("5"), when)], event_ids=[*keys, uuid.uuid4()]
        ),
    }
    with pytest.raises(IdempotencyConflict, match="already stored"):
        retries[change]()
    assert stored_counts(db) == before


def test_concurrent_retries_of_one_deposit_store_it_once(
    dsn: str, db: psycopg.Connection[Any], account: uuid.UUID
) -> None:
    key = uuid.uuid4()
    callers = 4
    barrier = threading.Barrier(callers)
    versions: list[int] = []

    def caller() -> None:
        with Ledger(dsn) as client:
            barrier.wait()
            versions.append(client.deposit(account, Decimal("7"), event_id=key))

    threads = [threading.Thread(target=caller) for _ in range(callers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert versions == [2] * callers
    assert sequence_numbers(db, account) == [1, 2]


def test_a_retry_racing_its_original_and_a_third_writer_is_told_to_retry(
    dsn: str, db: psycopg.Connection[Any], account: uuid.UUID
) -> None:
    """The one race the one-statement path cannot answer itself: the original holds the row,
    another writer queues behind it, the retry behind both. The retry stores nothing and gets
    40001 (RacedWriters); the same call again returns the original's version."""
    key = uuid.uuid4()
    outcomes: dict[str, BaseException | int] = {}
    with psycopg.connect(dsn) as original, psycopg.connect(dsn, autocommit=True) as third_conn:
        original.execute("SELECT ledger.deposit(%s, 7, NULL, NULL, %s)", (account, key))  # not committed
        retry_client = Ledger(dsn)

        def run(name: str, call: Any) -> None:
            try:
                outcomes[name] = call()
            except BaseException as error:
                outcomes[name] = error

        third = threading.Thread(
            target=run,
            args=("third", lambda: third_conn.execute("SELECT ledger.deposit(%s, 1)", (account,)).fetchone()[0]),
        )
        third.start()
        wait_until_blocked(db, third_conn.info.backend_pid)
        retried = threading.Thread(
            target=run, args=("retry", lambda: retry_client.deposit(account, Decimal("7"), event_id=key))
        )
        retried.start()
        wait_until(lambda: waiting_on_locks(db) == 2)  # the retry queues behind the third
        original.commit()
        third.join(timeout=60)
        retried.join(timeout=60)
        assert outcomes["third"] == 3
        assert isinstance(outcomes["retry"], RacedWriters), outcomes["retry"]
        assert retry_client.deposit(account, Decimal("7"), event_id=key) == 2
        retry_client.close()
    assert sequence_numbers(db, account) == [1, 2, 3]
    assert db.execute("SELECT balance FROM ledger.accounts WHERE account_id = %s", (account,)).fetchone() == (
        Decimal("8.00"),
    )


def waiting_on_locks(db: psycopg.Connection[Any]) -> int:
    row = db.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    ).fetchone()
    return int(row[0]) if row else 0


def wait_until(condition: Any, timeout: float = 30.0) -> None:
    """Wait until condition() holds (checked in the database), or fail."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition never held")
        time.sleep(0.005)


@pytest.mark.parametrize("first_commits", [True, False])
def test_one_event_id_sent_to_two_accounts_at_once_is_lg008_or_applied_once(
    dsn: str, db: psycopg.Connection[Any], ledger: Ledger, first_commits: bool
) -> None:
    """The second append waits for the first (the key is unique across accounts); then it is
    refused with LG008 if the first committed, and applied if the first rolled back."""
    one, two = uuid.uuid4(), uuid.uuid4()
    ledger.open_account(one, "One")
    ledger.open_account(two, "Two")
    key = uuid.uuid4()
    outcome: list[BaseException | int] = []
    with psycopg.connect(dsn) as first:
        Ledger(first).deposit(one, Decimal("1"), event_id=key)  # not committed yet
        second = Ledger(dsn)

        def append() -> None:
            try:
                outcome.append(second.deposit(two, Decimal("1"), event_id=key))
            except BaseException as error:
                outcome.append(error)

        thread = threading.Thread(target=append)
        thread.start()
        blocked_backend(db, "ledger.deposit")
        if first_commits:
            first.commit()
        else:
            first.rollback()
        thread.join(timeout=60)
        second.close()
    if first_commits:
        assert len(outcome) == 1 and isinstance(outcome[0], IdempotencyConflict), outcome
        assert sequence_numbers(db, two) == [1]
    else:
        assert outcome == [2]
        assert sequence_numbers(db, one) == [1]
