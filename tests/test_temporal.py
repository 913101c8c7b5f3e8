"""Temporal queries: the state of an account at any time or version, and its history with balances."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pgledger import AccountOpened, InvalidEvent, Ledger, MoneyDeposited, MoneyWithdrawn
from pgledger.events import Event

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def account(ledger: Ledger) -> uuid.UUID:
    """Opened at T0; +100 at T0+1h; +50, -30 both at T0+2h; -20 at T0+3h."""
    account_id = uuid.uuid4()
    ledger.append(
        account_id,
        [
            AccountOpened(account_id, "Ada", T0),
            MoneyDeposited(account_id, Decimal("100"), T0 + timedelta(hours=1)),
            MoneyDeposited(account_id, Decimal("50"), T0 + timedelta(hours=2)),
            MoneyWithdrawn(account_id, Decimal("30"), T0 + timedelta(hours=2)),
            MoneyWithdrawn(account_id, Decimal("20"), T0 + timedelta(hours=3)),
        ],
    )
    return account_id


def balance_at(ledger: Ledger, account: uuid.UUID, at: datetime) -> tuple[Decimal, int] | None:
    state = ledger.state_at(account, at)
    return None if state is None else (state.balance, state.version)


def test_state_at_a_time(ledger: Ledger, account: uuid.UUID) -> None:
    micro = timedelta(microseconds=1)
    assert balance_at(ledger, account, T0 - micro) is None  # not opened yet: no row
    assert balance_at(ledger, account, T0) == (Decimal("0.00"), 1)  # an event at exactly `at` counts
    assert balance_at(ledger, account, T0 + timedelta(hours=1) - micro) == (Decimal("0.00"), 1)
    assert balance_at(ledger, account, T0 + timedelta(hours=1)) == (Decimal("100.00"), 2)
    # Two events at the same instant are both in or both out.
    assert balance_at(ledger, account, T0 + timedelta(hours=2) - micro) == (Decimal("100.00"), 2)
    assert balance_at(ledger, account, T0 + timedelta(hours=2)) == (Decimal("120.00"), 4)
    assert balance_at(ledger, account, T0 + timedelta(days=365)) == (Decimal("100.00"), 5)
    assert ledger.state_at(account, T0 + timedelta(days=1)) == ledger.state(account)


def test_state_at_a_version(ledger: Ledger, account: uuid.UUID) -> None:
    balances = [ledger.state_at_version(account, v) for v in range(1, 7)]
    assert [b.balance if b else None for b in balances] == [Decimal(x) for x in ("0", "100", "150", "120", "100")] + [
        None
    ]
    assert ledger.state_at_version(uuid.uuid4(), 1) is None
    with pytest.raises(InvalidEvent, match="version must be 1 or more"):
        ledger.state_at_version(account, 0)


def test_history_lists_events_with_the_balance_after_each(ledger: Ledger, account: uuid.UUID) -> None:
    rows = [(h.sequence_number, h.event_type, h.amount, h.balance) for h in ledger.history(account)]
    assert rows == [
        (1, "AccountOpened", None, Decimal("0.00")),
        (2, "MoneyDeposited", Decimal("100.00"), Decimal("100.00")),
        (3, "MoneyDeposited", Decimal("50.00"), Decimal("150.00")),
        (4, "MoneyWithdrawn", Decimal("30.00"), Decimal("120.00")),
        (5, "MoneyWithdrawn", Decimal("20.00"), Decimal("100.00")),
    ]
    window = ledger.history(account, T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    assert [(h.sequence_number, h.balance) for h in window] == [
        (2, Decimal("100")),
        (3, Decimal(150)),
        (4, Decimal(120)),
    ]
    assert ledger.history(account, T0 + timedelta(hours=4)) == []
    with pytest.raises(InvalidEvent, match="is later than"):
        ledger.history(account, T0 + timedelta(hours=2), T0)


def test_null_time_is_refused_in_sql(db: psycopg.Connection[Any], account: uuid.UUID) -> None:
    with pytest.raises(psycopg.Error) as caught:
        db.execute("SELECT * FROM ledger.account_state_at(%s, NULL)", (account,))
    assert caught.value.sqlstate == "LG005"


# -- property: temporal answers equal a fold of exactly the events up to that point ----------

step = st.tuples(
    st.booleans(),  # deposit?
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("300"), places=2),
    st.integers(min_value=0, max_value=3),  # seconds after the previous event (0: same instant)
)


@given(
    steps=st.lists(step, min_size=1, max_size=40),
    interval=st.integers(min_value=1, max_value=7),
    probes=st.lists(st.integers(min_value=-2, max_value=130), max_size=8),
)
def test_state_at_time_and_version_equal_the_fold_of_the_prefix(
    ledger: Ledger,
    db: psycopg.Connection[Any],
    steps: list[tuple[bool, Decimal, int]],
    interval: int,
    probes: list[int],
) -> None:
    ledger.set_snapshot_interval(interval)
    account = uuid.uuid4()
    events: list[Event] = [AccountOpened(account, "Prop", T0)]
    when, balance = T0, Decimal(0)
    for is_deposit, amount, gap in steps:
        when += timedelta(seconds=gap)
        if is_deposit or amount > balance:
            events.append(MoneyDeposited(account, amount, when))
            balance += amount
        else:
            events.append(MoneyWithdrawn(account, amount, when))
            balance -= amount
    # Half the time one batch, half the time one append per event (different snapshot paths).
    if interval % 2:
        ledger.append(account, events)
    else:
        for event in events:
            ledger.append(account, [event])

    times = sorted({e.timestamp for e in events if e.timestamp} | {T0 + timedelta(seconds=p) for p in probes})
    times += [t + timedelta(microseconds=500_000) for t in times[:5]]

    def expected_at(at: datetime) -> tuple[Any, ...] | None:
        row = db.execute(
            "SELECT (s).balance, (s).version, (s).last_event_at FROM (SELECT ledger.account_fold(e ORDER BY"
            " e.sequence_number) s FROM ledger.events e WHERE e.aggregate_id = %s AND e.occurred_at <= %s) f",
            (account, at),
        ).fetchone()
        return None if row is None or row[1] is None else tuple(row)

    def actual_at(at: datetime) -> tuple[Any, ...] | None:
        state = ledger.state_at(account, at)
        return None if state is None else (state.balance, state.version, state.last_event_at)

    for phase in ("with snapshots", "without snapshots"):
        for at in times:
            assert actual_at(at) == expected_at(at), (phase, at)
        running = Decimal(0)
        for version, event in enumerate(events, start=1):
            if isinstance(event, MoneyDeposited):
                running += event.amount
            elif isinstance(event, MoneyWithdrawn):
                running -= event.amount
            state = ledger.state_at_version(account, version)
            assert state is not None and (state.version, state.balance) == (version, running), phase
        assert [h.balance for h in ledger.history(account)][-1] == running
        db.execute("DELETE FROM ledger.account_snapshots WHERE account_id = %s", (account,))
