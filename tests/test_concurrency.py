"""Writers of one account serialize on it; nothing is lost, duplicated or overdrawn."""

from __future__ import annotations

import random
import threading
import uuid
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from pgledger import ConcurrencyError, InsufficientFunds, Ledger
from tests.helpers import sequence_numbers, stored_counts, wait_until_blocked


def test_two_writers_with_the_same_expected_version_one_wins_and_the_other_gets_lg001(
    dsn: str, db: psycopg.Connection[Any]
) -> None:
    account = uuid.uuid4()
    with Ledger(dsn) as setup:
        setup.open_account(account, "Ada")
    first = psycopg.connect(dsn)
    second = psycopg.connect(dsn, autocommit=True)
    outcome: dict[str, BaseException | int] = {}

    def second_writer() -> None:
        try:
            outcome["second"] = Ledger(second).deposit(account, Decimal("2"), expected_version=1)
        except BaseException as error:
            outcome["second"] = error

    try:
        # The first writer has appended at version 1 but not committed yet ...
        assert Ledger(first).deposit(account, Decimal("1"), expected_version=1) == 2
        thread = threading.Thread(target=second_writer)
        thread.start()
        # ... so the second, also at version 1, waits on the account's lock ...
        wait_until_blocked(db, second.info.backend_pid)
        first.commit()
        thread.join(timeout=30)
        assert not thread.is_alive()
    finally:
        first.close()
        second.close()

    # ... and, once the first commits, sees version 2 and is refused.
    assert isinstance(outcome["second"], ConcurrencyError)
    assert "expected version 1, actual version 2" in str(outcome["second"])
    assert sequence_numbers(db, account) == [1, 2]
    rows = db.execute(
        "SELECT payload->>'amount' FROM ledger.events WHERE aggregate_id = %s AND sequence_number = 2", (account,)
    ).fetchall()
    assert rows == [("1",)]


def test_racing_writers_released_together_exactly_one_succeeds(dsn: str, db: psycopg.Connection[Any]) -> None:
    account = uuid.uuid4()
    with Ledger(dsn) as setup:
        setup.open_account(account, "Ada")
    writers = 4
    barrier = threading.Barrier(writers)
    results: list[BaseException | int] = []
    lock = threading.Lock()

    def writer(amount: int) -> None:
        with Ledger(dsn) as client:
            barrier.wait()
            try:
                result: BaseException | int = client.deposit(account, Decimal(amount), expected_version=1)
            except ConcurrencyError as error:
                result = error
        with lock:
            results.append(result)

    threads = [threading.Thread(target=writer, args=(i + 1,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [r for r in results if isinstance(r, int)] == [2]
    assert sum(isinstance(r, ConcurrencyError) for r in results) == writers - 1
    assert sequence_numbers(db, account) == [1, 2]
    assert stored_counts(db) == (2, 1)


def test_concurrent_opens_of_one_account_store_it_once(dsn: str, db: psycopg.Connection[Any]) -> None:
    account = uuid.uuid4()
    openers = 4
    barrier = threading.Barrier(openers)
    errors: list[BaseException] = []
    versions: list[int] = []

    def opener(i: int) -> None:
        with Ledger(dsn) as client:
            barrier.wait()
            try:
                versions.append(client.open_account(account, f"Owner {i}"))
            except BaseException as error:
                errors.append(error)

    threads = [threading.Thread(target=opener, args=(i,)) for i in range(openers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert versions == [1]
    assert len(errors) == openers - 1
    assert all(type(e).__name__ == "AccountAlreadyExists" for e in errors), errors
    assert sequence_numbers(db, account) == [1]


@pytest.mark.parametrize("first_commits", [True, False])
def test_an_open_racing_an_uncommitted_open_waits_for_it(
    dsn: str, db: psycopg.Connection[Any], first_commits: bool
) -> None:
    account = uuid.uuid4()
    first = psycopg.connect(dsn)
    second = psycopg.connect(dsn, autocommit=True)
    outcome: dict[str, BaseException | int] = {}

    def second_opener() -> None:
        try:
            outcome["second"] = Ledger(second).open_account(account, "Second")
        except BaseException as error:
            outcome["second"] = error

    try:
        assert Ledger(first).open_account(account, "First") == 1
        thread = threading.Thread(target=second_opener)
        thread.start()
        wait_until_blocked(db, second.info.backend_pid)
        if first_commits:
            first.commit()
        else:
            first.rollback()
        thread.join(timeout=30)
        assert not thread.is_alive()
    finally:
        first.close()
        second.close()

    owner = db.execute("SELECT owner_name FROM ledger.accounts WHERE account_id = %s", (account,)).fetchone()
    if first_commits:
        assert type(outcome["second"]).__name__ == "AccountAlreadyExists"
        assert owner == ("First",)
    else:
        assert outcome["second"] == 1
        assert owner == ("Second",)
    assert sequence_numbers(db, account) == [1]


@pytest.mark.slow
def test_many_threads_on_one_account_lose_nothing_and_never_overdraw(dsn: str, db: psycopg.Connection[Any]) -> None:
    account = uuid.uuid4()
    with Ledger(dsn) as setup:
        setup.open_account(account, "Hot Account")
    threads_count, ops_per_thread = 8, 60
    barrier = threading.Barrier(threads_count)
    acknowledged: list[tuple[str, Decimal, int]] = []
    rejected: list[tuple[str, Decimal]] = []
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        with Ledger(dsn) as client:
            barrier.wait()
            for _ in range(ops_per_thread):
                amount = Decimal(rng.randint(1, 5000)) / 100
                kind = rng.choice(["deposit", "withdraw", "withdraw"])
                try:
                    version = getattr(client, kind)(account, amount)
                except InsufficientFunds:
                    with lock:
                        rejected.append((kind, amount))
                    continue
                with lock:
                    acknowledged.append((kind, amount, version))

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)

    assert len(acknowledged) + len(rejected) == threads_count * ops_per_thread
    # Every acknowledged command is stored exactly once, at the version it was told, with no gaps.
    seqs = sequence_numbers(db, account)
    assert seqs == list(range(1, len(acknowledged) + 2))
    assert sorted(v for _, _, v in acknowledged) == seqs[1:]
    stored = {
        int(r[0]): (r[1], Decimal(r[2]))
        for r in db.execute(
            "SELECT sequence_number, event_type, payload->>'amount' FROM ledger.events"
            " WHERE aggregate_id = %s AND sequence_number > 1",
            (account,),
        ).fetchall()
    }
    kinds = {"deposit": "MoneyDeposited", "withdraw": "MoneyWithdrawn"}
    assert stored == {v: (kinds[k], a) for k, a, v in acknowledged}
    # The balance never went below zero along the stored history.
    balance = Decimal(0)
    for seq in sorted(stored):
        kind, amount = stored[seq]
        balance += amount if kind == "MoneyDeposited" else -amount
        assert balance >= 0
    with Ledger(dsn) as client:
        state = client.state(account)
        assert state is not None and state.balance == balance
        assert client.replay(account) == state
        assert client.verify() == []
    assert rejected, "the workload is meant to hit insufficient funds sometimes"
    # Recorded and occurred in sequence order, though most writers read the clock before they
    # got the row lock (the one-statement path then takes the last event's time), and the hash
    # chain is intact.
    times = db.execute(
        "SELECT recorded_at, occurred_at FROM ledger.events WHERE aggregate_id = %s ORDER BY sequence_number",
        (account,),
    ).fetchall()
    assert [r[0] for r in times] == sorted(r[0] for r in times)
    assert [r[1] for r in times] == sorted(r[1] for r in times)
    assert db.execute("SELECT * FROM ledger.verify_chain() WHERE account_id = %s", (account,)).fetchall() == []
