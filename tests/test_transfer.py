"""Transfers: two accounts changed atomically, in a fixed lock order (no deadlocks), idempotently."""

from __future__ import annotations

import random
import threading
import uuid
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from pgledger import AccountNotFound, InsufficientFunds, InvalidEvent, Ledger, LedgerError
from tests.helpers import sequence_numbers, stored_counts


@pytest.fixture
def pair(ledger: Ledger) -> tuple[uuid.UUID, uuid.UUID]:
    a, b = uuid.uuid4(), uuid.uuid4()
    for account in (a, b):
        ledger.open_account(account, "Owner")
        ledger.deposit(account, Decimal("100.00"))
    return a, b


def test_a_transfer_withdraws_and_deposits_in_one_transaction(
    ledger: Ledger, db: psycopg.Connection[Any], pair: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, b = pair
    key = uuid.uuid4()
    assert ledger.transfer(a, b, Decimal("30.25"), transfer_id=key) == (3, 3)
    sa, sb = ledger.state(a), ledger.state(b)
    assert sa is not None and sb is not None
    assert (sa.balance, sb.balance) == (Decimal("69.75"), Decimal("130.25"))
    rows = db.execute(
        "SELECT aggregate_id, event_type, payload->>'amount', metadata FROM ledger.events"
        " WHERE metadata->>'transfer_id' = %s ORDER BY event_type",
        (str(key),),
    ).fetchall()
    assert rows == [
        (b, "MoneyDeposited", "30.25", {"transfer_id": str(key), "counterparty": str(a)}),
        (a, "MoneyWithdrawn", "30.25", {"transfer_id": str(key), "counterparty": str(b)}),
    ]
    # A retry with the same transfer_id is applied once and answers alike.
    assert ledger.transfer(a, b, Decimal("30.25"), transfer_id=key) == (3, 3)
    assert sequence_numbers(db, a) == [1, 2, 3] and sequence_numbers(db, b) == [1, 2, 3]
    assert ledger.verify() == []


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("insufficient", InsufficientFunds),
        ("same account", InvalidEvent),
        ("unknown target", AccountNotFound),
        ("unknown source", AccountNotFound),
        ("bad amount", InvalidEvent),
    ],
)
def test_a_refused_transfer_stores_nothing_on_either_side(
    ledger: Ledger, db: psycopg.Connection[Any], pair: tuple[uuid.UUID, uuid.UUID], case: str, error: type[LedgerError]
) -> None:
    a, b = pair
    stranger = uuid.uuid4()
    calls = {
        "insufficient": lambda: ledger.transfer(a, b, Decimal("100.01")),
        "same account": lambda: ledger.transfer(a, a, Decimal("1")),
        "unknown target": lambda: ledger.transfer(a, stranger, Decimal("1")),
        "unknown source": lambda: ledger.transfer(stranger, a, Decimal("1")),
        "bad amount": lambda: ledger.transfer(a, b, Decimal("0.001")),
    }
    before = stored_counts(db), ledger.state(a), ledger.state(b)
    with pytest.raises(error):
        calls[case]()
    assert (stored_counts(db), ledger.state(a), ledger.state(b)) == before


def test_opposite_transfers_under_load_never_deadlock_and_conserve_money(
    dsn: str, db: psycopg.Connection[Any], ledger: Ledger
) -> None:
    accounts = [uuid.uuid4() for _ in range(3)]
    for account in accounts:
        ledger.open_account(account, "Hot")
        ledger.deposit(account, Decimal("1000.00"))
    threads_count, per_thread = 8, 40
    barrier = threading.Barrier(threads_count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        with Ledger(dsn) as client:
            barrier.wait()
            for _ in range(per_thread):
                source, target = rng.sample(accounts, 2)
                try:
                    client.transfer(source, target, Decimal(rng.randint(1, 40_000)) / 100)
                    result = "ok"
                except InsufficientFunds:
                    result = "LG004"
                except psycopg.Error as error:  # a deadlock (40P01) would land here
                    result = str(error.sqlstate)
                with lock:
                    outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert len(outcomes) == threads_count * per_thread
    assert set(outcomes) <= {"ok", "LG004"}, sorted(set(outcomes))
    assert outcomes.count("ok") > 0
    total = sum(s.balance for s in (ledger.state(a) for a in accounts) if s is not None)
    assert total == Decimal("3000.00")
    assert ledger.verify() == []
