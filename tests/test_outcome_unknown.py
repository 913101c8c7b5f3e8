"""A command whose connection is lost in flight raises OutcomeUnknown; a retry with the same
event_id applies it at most once, whether or not the lost attempt was applied."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from pgledger import Ledger, OutcomeUnknown
from tests.helpers import blocked_backend, sequence_numbers
from tests.proxy import CuttingProxy


@pytest.fixture
def account(ledger: Ledger) -> uuid.UUID:
    account_id = uuid.uuid4()
    ledger.open_account(account_id, "Ada")
    return account_id


@pytest.fixture
def proxy(dsn: str) -> Iterator[CuttingProxy]:
    cutting = CuttingProxy(dsn)
    yield cutting
    cutting.close()


def test_lost_after_commit_is_unknown_and_the_retry_answers_like_the_original(
    proxy: CuttingProxy, db: psycopg.Connection[Any], account: uuid.UUID
) -> None:
    with Ledger(proxy.conninfo) as ledger:
        assert ledger.deposit(account, Decimal("1.00")) == 2
        key = uuid.uuid4()
        proxy.cut_after_commit()
        with pytest.raises(OutcomeUnknown, match="may or may not have been applied") as caught:
            ledger.deposit(account, Decimal("5.00"), event_id=key)
        assert proxy.cuts == 1
        assert caught.value.event_ids == [key]
        # It was applied: the answer was lost, not the command.
        assert sequence_numbers(db, account) == [1, 2, 3]
        # The same Ledger reconnects; the retry is a no-op that answers with the original version.
        assert ledger.deposit(account, Decimal("5.00"), event_id=key) == 3
        assert ledger.deposit(account, Decimal("5.00"), event_id=key) == 3
        state = ledger.state(account)
        assert state is not None and (state.balance, state.version) == (Decimal("6.00"), 3)
    assert sequence_numbers(db, account) == [1, 2, 3]


def test_a_batch_lost_after_commit_is_retried_without_duplicates(
    proxy: CuttingProxy, db: psycopg.Connection[Any], account: uuid.UUID
) -> None:
    from pgledger import MoneyDeposited

    events = [MoneyDeposited(account, Decimal(n)) for n in (1, 2, 3)]
    with Ledger(proxy.conninfo) as ledger:
        proxy.cut_after_commit()
        with pytest.raises(OutcomeUnknown) as caught:
            ledger.append(account, events)
        assert len(caught.value.event_ids) == 3
        assert ledger.append(account, events, event_ids=caught.value.event_ids) == 4
    assert sequence_numbers(db, account) == [1, 2, 3, 4]


def test_terminated_in_flight_is_unknown_and_the_retry_applies_it_once(
    dsn: str, db: psycopg.Connection[Any], account: uuid.UUID
) -> None:
    key = uuid.uuid4()
    holder = psycopg.connect(dsn)  # holds the account's row lock, so the deposit waits in flight
    holder.execute("SELECT 1 FROM ledger.accounts WHERE account_id = %s FOR UPDATE", (account,))
    ledger = Ledger(dsn)
    outcome: dict[str, BaseException | int] = {}

    def deposit() -> None:
        try:
            outcome["result"] = ledger.deposit(account, Decimal("7.00"), event_id=key)
        except BaseException as error:
            outcome["result"] = error

    thread = threading.Thread(target=deposit)
    thread.start()
    try:
        pid = blocked_backend(db, "ledger.deposit")
        db.execute("SELECT pg_terminate_backend(%s)", (pid,))
        thread.join(timeout=30)
    finally:
        holder.rollback()
        holder.close()
    error = outcome["result"]
    assert isinstance(error, OutcomeUnknown), error
    assert error.event_ids == [key]
    assert sequence_numbers(db, account) == [1]  # it was not applied
    assert ledger.deposit(account, Decimal("7.00"), event_id=key) == 2
    assert ledger.deposit(account, Decimal("7.00"), event_id=key) == 2
    ledger.close()
    assert sequence_numbers(db, account) == [1, 2]


def test_a_lost_read_is_an_ordinary_connection_error(dsn: str, db: psycopg.Connection[Any], account: uuid.UUID) -> None:
    with Ledger(dsn, max_connections=1) as ledger:
        assert ledger.state(account) is not None
        # The server ends the pool's one connection while it is idle.
        db.execute(
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity"  # returns once it is gone
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        with pytest.raises(psycopg.OperationalError):
            ledger.state(account)
        assert ledger.state(account) is not None  # the pool replaced it
