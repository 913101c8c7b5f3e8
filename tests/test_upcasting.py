"""Event versions: MoneyDeposited version 1 (amount) and 2 (amount, reference). Stored rows are
never rewritten; every read path, the fold and the temporal queries see version 2."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from pgledger import Ledger, MoneyDeposited

T0 = datetime(2024, 6, 1, tzinfo=timezone.utc)


def history(account: uuid.UUID, versions: list[int]) -> list[dict[str, Any]]:
    """An opening and deposits/withdrawals; deposits in the given payload versions."""
    events: list[dict[str, Any]] = [
        {"event_type": "AccountOpened", "payload": {"owner_name": "Ada"}, "occurred_at": T0.isoformat()}
    ]
    for i, version in enumerate(versions):
        when = (T0 + timedelta(hours=i + 1)).isoformat()
        payload: dict[str, Any] = {"amount": f"{i + 1}.25"}
        if version == 2 and i % 2:
            payload["reference"] = f"INV-{i}"
        events.append(
            {"event_type": "MoneyDeposited", "event_version": version, "payload": payload, "occurred_at": when}
        )
        if i % 3 == 2:
            events.append({"event_type": "MoneyWithdrawn", "payload": {"amount": "0.50"}, "occurred_at": when})
    return events


def append(db: psycopg.Connection[Any], account: uuid.UUID, events: list[dict[str, Any]]) -> int:
    row = db.execute("SELECT ledger.append(%s, NULL, %s)", (account, Jsonb(events))).fetchone()
    assert row is not None
    return int(row[0])


def state_tuple(ledger: Ledger, getter: str, account: uuid.UUID, *args: Any) -> tuple[Any, ...] | None:
    state = getattr(ledger, getter)(account, *args)
    return (
        None
        if state is None
        else (state.owner_name, state.balance, state.version, state.opened_at, state.last_event_at)
    )


def test_mixed_versions_fold_exactly_like_the_same_history_in_the_new_version(
    ledger: Ledger, db: psycopg.Connection[Any]
) -> None:
    ledger.set_snapshot_interval(3)
    versions = [1, 2, 1, 1, 2, 2, 1, 2, 1, 1]
    mixed, current = uuid.uuid4(), uuid.uuid4()
    append(db, mixed, history(mixed, versions))
    append(db, current, history(current, [2] * len(versions)))
    stored = db.execute(
        "SELECT event_version, count(*) FROM ledger.events WHERE aggregate_id = %s AND event_type = 'MoneyDeposited'"
        " GROUP BY 1 ORDER BY 1",
        (mixed,),
    ).fetchall()
    assert stored == [(1, 6), (2, 4)]  # stored as written: nothing rewritten
    for getter, args in (
        [("state", ()), ("replay", ()), ("load", ())]
        + [("state_at", (T0 + timedelta(minutes=30 * k),)) for k in range(24)]
        + [("state_at_version", (v,)) for v in range(1, 15)]
    ):
        assert state_tuple(ledger, getter, mixed, *args) == state_tuple(ledger, getter, current, *args), getter
    assert [h.balance for h in ledger.history(mixed)] == [h.balance for h in ledger.history(current)]
    assert ledger.verify() == []


def test_read_paths_return_version_2_and_the_client_reads_both(ledger: Ledger, db: psycopg.Connection[Any]) -> None:
    account = uuid.uuid4()
    append(db, account, history(account, [1, 2]))
    stored = db.execute(
        "SELECT event_version, payload FROM ledger.events WHERE aggregate_id = %s AND event_type = 'MoneyDeposited'"
        " ORDER BY sequence_number",
        (account,),
    ).fetchall()
    assert stored == [(1, {"amount": "1.25"}), (2, {"amount": "2.25", "reference": "INV-1"})]
    read = ledger.events(account)
    deposits = [r for r in read if isinstance(r.event, MoneyDeposited)]
    assert [(r.event_version, r.event.reference) for r in deposits] == [(2, None), (2, "INV-1")]
    assert [e.event_version for e in ledger.read_all() if e.account_id == account] == [1, 2, 2]
    raw = db.execute(
        "SELECT payload FROM ledger.read_stream(%s) WHERE event_type = 'MoneyDeposited'", (account,)
    ).fetchall()
    assert raw == [({"amount": "1.25", "reference": None},), ({"amount": "2.25", "reference": "INV-1"},)]


def test_the_client_writes_version_2_with_a_reference(ledger: Ledger, db: psycopg.Connection[Any]) -> None:
    account = uuid.uuid4()
    ledger.open_account(account, "Ada")
    ledger.deposit(account, Decimal("10"), reference="Salary June")
    ledger.append(
        account, [MoneyDeposited(account, Decimal("1"), reference="Gift"), MoneyDeposited(account, Decimal(2))]
    )
    rows = db.execute(
        "SELECT event_version, payload FROM ledger.events WHERE aggregate_id = %s AND sequence_number > 1"
        " ORDER BY sequence_number",
        (account,),
    ).fetchall()
    assert rows == [
        (2, {"amount": "10", "reference": "Salary June"}),
        (2, {"amount": "1", "reference": "Gift"}),
        (2, {"amount": "2", "reference": None}),
    ]


def test_a_retry_from_an_old_client_still_matches_its_version_1_original(
    ledger: Ledger, db: psycopg.Connection[Any]
) -> None:
    account = uuid.uuid4()
    ledger.open_account(account, "Ada")
    key = str(uuid.uuid4())
    v1 = {"event_type": "MoneyDeposited", "event_version": 1, "payload": {"amount": "5.00"}, "event_id": key}
    assert append(db, account, [v1]) == 2
    # The retry does not say which version (as the old client never did): read as version 2.
    retry = {"event_type": "MoneyDeposited", "payload": {"amount": "5.00"}, "event_id": key}
    assert append(db, account, [retry]) == 2
    assert append(db, account, [v1]) == 2
    different = {**retry, "payload": {"amount": "5.00", "reference": "changed"}}
    with pytest.raises(psycopg.Error) as caught:
        append(db, account, [different])
    assert caught.value.sqlstate == "LG008"


def test_daily_totals_and_snapshots_see_old_versions_upcast(
    dsn: str, ledger: Ledger, db: psycopg.Connection[Any]
) -> None:
    from pgledger.subscriber import DAILY_TOTALS, Subscriber, daily_totals_handler

    ledger.set_snapshot_interval(2)
    account = uuid.uuid4()
    append(db, account, history(account, [1, 1, 2, 1]))
    assert ledger.rebuild_snapshots(account) > 0
    assert ledger.load(account) == ledger.state(account)
    Subscriber(dsn, DAILY_TOTALS, daily_totals_handler).process_available()
    totals = ledger.daily_totals(account)
    assert sum(t.deposits for t in totals) == Decimal("1.25") + Decimal("2.25") + Decimal("3.25") + Decimal("4.25")
