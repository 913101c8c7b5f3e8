"""pgledger.retry: a command that met a concurrent writer or lost its connection is tried again
with the same event ids, so it is applied once; other errors are not retried."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from pgledger import (
    AsyncLedger,
    Attempt,
    ConcurrencyError,
    IdempotencyConflict,
    InsufficientFunds,
    Ledger,
    retry,
    retry_async,
)
from tests.helpers import sequence_numbers
from tests.proxy import CuttingProxy


@pytest.fixture
def account(ledger: Ledger) -> uuid.UUID:
    account_id = uuid.uuid4()
    ledger.open_account(account_id, "Ada")
    ledger.deposit(account_id, Decimal("100.00"))
    return account_id


@pytest.fixture
def proxy(dsn: str) -> Iterator[CuttingProxy]:
    cutting = CuttingProxy(dsn)
    yield cutting
    cutting.close()


def stored_event_ids(db: psycopg.Connection[Any], account: uuid.UUID) -> list[uuid.UUID]:
    rows = db.execute("SELECT event_id FROM ledger.events WHERE aggregate_id = %s ORDER BY id", (account,)).fetchall()
    return [row[0] for row in rows]


def test_a_concurrency_conflict_is_retried_on_the_state_read_again(
    ledger: Ledger, db: psycopg.Connection[Any], account: uuid.UUID
) -> None:
    attempts: list[Attempt] = []

    def pay_rent(attempt: Attempt) -> int:
        attempts.append(attempt)
        state = ledger.state(account)
        assert state is not None
        if attempt.number == 1:
            ledger.deposit(account, Decimal("1.00"))  # another writer gets in between
        return ledger.withdraw(account, Decimal("30.00"), expected_version=state.version, event_id=attempt.event_id)

    assert retry(pay_rent, backoff=0) == 4
    assert [a.number for a in attempts] == [2, 2]  # the same Attempt, counted twice
    assert stored_event_ids(db, account)[-1] == attempts[0].event_id
    state = ledger.state(account)
    assert state is not None and state.balance == Decimal("71.00")


def test_a_command_lost_after_commit_is_retried_with_its_ids_and_applied_once(
    proxy: CuttingProxy, db: psycopg.Connection[Any], account: uuid.UUID
) -> None:
    with Ledger(proxy.conninfo) as ledger:
        numbers: list[int] = []

        def deposit(attempt: Attempt) -> int:
            numbers.append(attempt.number)
            if attempt.number == 1:
                proxy.cut_after_commit()  # applied, and the answer is lost
            return ledger.deposit(account, Decimal("5.00"), event_id=attempt.event_id)

        assert retry(deposit, backoff=0) == 3  # the original's answer
    assert numbers == [1, 2] and proxy.cuts == 1
    assert sequence_numbers(db, account) == [1, 2, 3]


def test_an_attempt_that_describes_another_event_under_the_same_id_is_refused_not_retried(
    proxy: CuttingProxy, db: psycopg.Connection[Any], account: uuid.UUID
) -> None:
    with Ledger(proxy.conninfo) as ledger:

        def withdraw_half(attempt: Attempt) -> int:
            state = ledger.state(account)
            assert state is not None
            if attempt.number == 1:
                proxy.cut_after_commit()
            return ledger.withdraw(account, state.balance / 2, event_id=attempt.event_id)

        with pytest.raises(IdempotencyConflict):
            retry(withdraw_half, backoff=0)  # the retry read 50.00, not 100.00: an earlier attempt was applied
    assert sequence_numbers(db, account) == [1, 2, 3]


def test_errors_that_a_retry_cannot_change_are_raised_at_once(ledger: Ledger, account: uuid.UUID) -> None:
    numbers: list[int] = []

    def overdraw(attempt: Attempt) -> int:
        numbers.append(attempt.number)
        return ledger.withdraw(account, Decimal("1000.00"), event_id=attempt.event_id)

    with pytest.raises(InsufficientFunds):
        retry(overdraw, backoff=0)
    assert numbers == [1]


def test_the_last_conflict_is_raised_when_the_attempts_run_out(ledger: Ledger, account: uuid.UUID) -> None:
    numbers: list[int] = []

    def always_stale(attempt: Attempt) -> int:
        numbers.append(attempt.number)
        return ledger.deposit(account, Decimal("1.00"), expected_version=1, event_id=attempt.event_id)

    with pytest.raises(ConcurrencyError):
        retry(always_stale, attempts=3, backoff=0)
    assert numbers == [1, 2, 3]


def test_a_batch_keeps_its_ids_across_attempts() -> None:
    attempt = Attempt()
    first = attempt.ids(3)
    assert attempt.ids(2) == first[:2] and attempt.ids(4)[:3] == first and attempt.event_id == first[0]
    assert len(set(attempt.ids(4))) == 4


def test_retry_async_retries_a_lost_async_command_once(
    proxy: CuttingProxy, db: psycopg.Connection[Any], account: uuid.UUID
) -> None:
    async def main() -> int:
        async with AsyncLedger(proxy.conninfo) as client:

            async def deposit(attempt: Attempt) -> int:
                if attempt.number == 1:
                    proxy.cut_after_commit()
                return await client.deposit(account, Decimal("5.00"), event_id=attempt.event_id)

            return await retry_async(deposit, backoff=0)

    assert asyncio.run(main()) == 3
    assert sequence_numbers(db, account) == [1, 2, 3]
