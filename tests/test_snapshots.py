"""Snapshots: taken by the trigger every N events in the append's transaction; derived, rebuildable."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from pgledger import InvalidEvent, Ledger, MoneyDeposited
from tests.helpers import snapshot_rows

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def prefix_fold(db: psycopg.Connection[Any], account: uuid.UUID, version: int) -> tuple[Any, ...]:
    """The state after `version` by the full fold of exactly the events up to it."""
    row = db.execute(
        "SELECT (s).account_id, (s).owner_name, (s).balance, (s).version, (s).opened_at, (s).last_event_at FROM"
        " (SELECT ledger.account_fold(e ORDER BY e.sequence_number) AS s FROM ledger.events e"
        "  WHERE e.aggregate_id = %s AND e.sequence_number <= %s) f",
        (account, version),
    ).fetchone()
    assert row is not None
    return tuple(row)


def test_single_appends_snapshot_exactly_every_n_events(ledger: Ledger, db: psycopg.Connection[Any]) -> None:
    assert ledger.set_snapshot_interval(5) == 50
    account = uuid.uuid4()
    ledger.open_account(account, "Ada")
    for i in range(22):
        ledger.deposit(account, Decimal(i + 1))
    snaps = snapshot_rows(db, account)
    assert [s[3] for s in snaps] == [5, 10, 15, 20]
    for snap in snaps:
        assert snap == prefix_fold(db, account, snap[3])


@pytest.mark.parametrize("new_account", [True, False])
def test_a_batch_crossing_boundaries_snapshots_at_each_multiple(
    ledger: Ledger, db: psycopg.Connection[Any], new_account: bool
) -> None:
    ledger.set_snapshot_interval(5)
    account = uuid.uuid4()
    if not new_account:
        ledger.open_account(account, "Ada", occurred_at=T0)
        ledger.deposit(account, Decimal("1"), occurred_at=T0)
    events: list[Any] = [MoneyDeposited(account, Decimal(i + 1), T0 + timedelta(seconds=i)) for i in range(20)]
    if new_account:
        from pgledger import AccountOpened

        events = [AccountOpened(account, "Ada", T0), *events]
    version = ledger.append(account, events)
    snaps = snapshot_rows(db, account)
    assert [s[3] for s in snaps] == list(range(5, version + 1, 5))
    for snap in snaps:
        assert snap == prefix_fold(db, account, snap[3])
    assert ledger.state(account) == ledger.replay(account)


def test_load_starts_from_the_latest_snapshot_and_equals_the_replay(
    ledger: Ledger, db: psycopg.Connection[Any]
) -> None:
    ledger.set_snapshot_interval(10)
    account = uuid.uuid4()
    ledger.open_account(account, "Ada", occurred_at=T0)
    ledger.append(account, [MoneyDeposited(account, Decimal("2.50"), T0) for _ in range(34)])
    assert [s[3] for s in snapshot_rows(db, account)] == [10, 20, 30]
    assert ledger.load(account) == ledger.replay(account) == ledger.state(account)
    # A snapshot that lies is believed by load and nobody else: proof that load starts from it.
    db.execute(
        "UPDATE ledger.account_snapshots SET balance = 1000 WHERE account_id = %s AND sequence_number = 30", (account,)
    )
    loaded, replayed = ledger.load(account), ledger.replay(account)
    assert loaded is not None and replayed is not None
    assert loaded.balance == replayed.balance + 1000 - Decimal("2.50") * 29


def test_deleting_every_snapshot_changes_no_answer(ledger: Ledger, db: psycopg.Connection[Any]) -> None:
    ledger.set_snapshot_interval(4)
    account = uuid.uuid4()
    ledger.open_account(account, "Ada", occurred_at=T0)
    for i in range(30):
        ledger.deposit(account, Decimal(i % 7 + 1), occurred_at=T0 + timedelta(minutes=i // 3))
        if i % 5 == 4:
            ledger.withdraw(account, Decimal("3"), occurred_at=T0 + timedelta(minutes=i // 3))

    def answers() -> list[Any]:
        times = [T0 + timedelta(seconds=s) for s in range(-60, 700, 30)]
        return [
            ledger.load(account),
            [ledger.state_at(account, t) for t in times],
            [ledger.state_at_version(account, v) for v in range(1, 40)],
            ledger.history(account),
            ledger.history(account, T0 + timedelta(minutes=3), T0 + timedelta(minutes=7)),
        ]

    with_snapshots = answers()
    assert snapshot_rows(db, account)
    db.execute("DELETE FROM ledger.account_snapshots")
    assert answers() == with_snapshots


def test_rebuild_recomputes_the_same_snapshots(ledger: Ledger, db: psycopg.Connection[Any]) -> None:
    ledger.set_snapshot_interval(3)
    accounts = [uuid.uuid4() for _ in range(3)]
    for n, account in enumerate(accounts):
        ledger.open_account(account, f"Owner {n}")
        for i in range(7 + 3 * n):
            ledger.deposit(account, Decimal(i + 1))
    before = {a: snapshot_rows(db, a) for a in accounts}
    db.execute("DELETE FROM ledger.account_snapshots WHERE account_id = %s", (accounts[0],))
    db.execute("UPDATE ledger.account_snapshots SET balance = balance + 1 WHERE account_id = %s", (accounts[1],))
    assert ledger.rebuild_snapshots(accounts[0]) == len(before[accounts[0]])
    assert snapshot_rows(db, accounts[0]) == before[accounts[0]]
    assert snapshot_rows(db, accounts[1]) != before[accounts[1]]
    assert ledger.rebuild_snapshots() == sum(len(v) for v in before.values())
    assert {a: snapshot_rows(db, a) for a in accounts} == before


def test_snapshot_interval_must_be_between_1_and_a_million(ledger: Ledger) -> None:
    for bad in (0, -1, 1_000_001):
        with pytest.raises(InvalidEvent, match="snapshot interval must be between 1 and 1000000"):
            ledger.set_snapshot_interval(bad)
    assert ledger.set_snapshot_interval(7) == 50
    assert ledger.set_snapshot_interval(50) == 7
