"""Property: after any sequence of commands, projection = replay = an independent Python model."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb

from pgledger import (
    AccountAlreadyExists,
    AccountNotFound,
    ConcurrencyError,
    InsufficientFunds,
    Ledger,
    LedgerError,
    MoneyDeposited,
    MoneyWithdrawn,
)


@dataclass
class Model:
    owner: str
    balance: Decimal
    version: int


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)
slots = st.integers(min_value=0, max_value=2)
commands = st.one_of(
    st.tuples(st.just("open"), slots, st.text(min_size=1, max_size=20).filter(lambda s: s.strip() and s.isprintable())),
    st.tuples(st.just("deposit"), slots, amounts),
    st.tuples(st.just("withdraw"), slots, amounts),
    st.tuples(st.just("deposit_expecting"), slots, amounts, st.integers(min_value=0, max_value=6)),
    st.tuples(st.just("batch"), slots, st.lists(st.tuples(st.booleans(), amounts), min_size=1, max_size=4)),
)


@given(st.lists(commands, min_size=1, max_size=25))
def test_projection_equals_replay_equals_a_python_model(ledger: Ledger, steps: list[tuple]) -> None:  # type: ignore[type-arg]
    accounts = [uuid.uuid4() for _ in range(3)]
    model: dict[uuid.UUID, Model] = {}
    for step in steps:
        kind, slot = step[0], step[1]
        account = accounts[slot]
        current = model.get(account)
        expected_error: type[LedgerError] | None = None
        try:
            if kind == "open":
                expected_error = AccountAlreadyExists if current else None
                ledger.open_account(account, step[2])
                model[account] = Model(step[2], Decimal("0.00"), 1)
            elif kind in ("deposit", "withdraw"):
                amount = step[2]
                if current is None:
                    expected_error = AccountNotFound
                elif kind == "withdraw" and amount > current.balance:
                    expected_error = InsufficientFunds
                version = getattr(ledger, kind)(account, amount)
                assert current is not None
                current.balance += amount if kind == "deposit" else -amount
                current.version += 1
                assert version == current.version
            elif kind == "deposit_expecting":
                amount, expected = step[2], step[3]
                actual = current.version if current else 0
                if expected != actual:
                    expected_error = ConcurrencyError
                elif current is None:
                    expected_error = AccountNotFound
                ledger.deposit(account, amount, expected_version=expected)
                assert current is not None
                current.balance += amount
                current.version += 1
            else:  # an atomic batch of deposits (True) and withdrawals (False)
                if current is None:
                    expected_error = AccountNotFound
                else:
                    running = current.balance
                    for is_deposit, amount in step[2]:
                        running += amount if is_deposit else -amount
                        if running < 0:
                            expected_error = InsufficientFunds
                            break
                events = [
                    MoneyDeposited(account, amount) if is_deposit else MoneyWithdrawn(account, amount)
                    for is_deposit, amount in step[2]
                ]
                version = ledger.append(account, events)
                assert current is not None
                for is_deposit, amount in step[2]:
                    current.balance += amount if is_deposit else -amount
                current.version += len(events)
                assert version == current.version
            assert expected_error is None, f"{step} should have raised {expected_error}"
        except LedgerError as error:
            assert expected_error is not None and type(error) is expected_error, (step, error)

        for checked in accounts:
            state, replayed, expected_state = ledger.state(checked), ledger.replay(checked), model.get(checked)
            assert state == replayed
            if expected_state is None:
                assert state is None
            else:
                assert state is not None
                assert (state.owner_name, state.balance, state.version) == (
                    expected_state.owner,
                    expected_state.balance,
                    expected_state.version,
                )
    assert ledger.verify() == []


# The one-statement path of deposit and withdraw (ledger.append_change) against the general write
# path (ledger.append_events, here through ledger.append with one event): the same commands on two
# twin accounts must give the same answers, the same errors and the same stored rows, and both
# accounts must replay to their projection with an intact hash chain.
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("300"), places=2) | st.sampled_from(
    [Decimal("0"), Decimal("-1.00"), Decimal("1.005"), Decimal("12.5"), Decimal("7")]
)
twin_steps = st.lists(
    st.tuples(
        st.sampled_from(["deposit", "withdraw", "retry"]),
        money,
        st.none() | st.integers(min_value=0, max_value=8),  # expected_version
        st.booleans(),  # give an event_id
        st.none() | st.sampled_from([{"trace": "t-1"}, {}, {"n": 1, "nested": {"a": [1, 2]}}]),
        st.none() | st.sampled_from(["INV-1", "", "payer ref"]),  # reference (deposits)
        st.integers(min_value=0, max_value=30),  # which earlier step a retry repeats
    ),
    min_size=1,
    max_size=12,
)


def _outcome(conn: psycopg.Connection[Any], query: str, params: tuple[Any, ...], names: dict[str, str]) -> object:
    try:
        row = conn.execute(query, params).fetchone()
    except psycopg.Error as error:
        message = error.diag.message_primary or ""
        for real, alias in names.items():
            message = message.replace(real, alias)
        return (error.sqlstate, message)
    assert row is not None
    return row[0]


@settings(max_examples=150)
@given(twin_steps, st.booleans())
def test_one_statement_path_equals_the_general_write_path(
    dsn: str, steps: list[tuple[Any, ...]], open_first: bool
) -> None:
    fast, general = uuid.uuid4(), uuid.uuid4()
    names = {str(fast): "ACCOUNT", str(general): "ACCOUNT"}
    done: list[tuple[Any, ...]] = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        if open_first:
            for account in (fast, general):
                conn.execute("SELECT ledger.open_account(%s, 'twin')", (account,))
        for i, step in enumerate(steps):
            if step[0] == "retry" and done:
                step = done[step[6] % len(done)]  # the very same call again, same event ids
            elif step[0] == "retry":
                continue
            kind, amount, expected, with_id, metadata, reference, _ = step[:7]
            ids = step[7] if len(step) > 7 else (uuid.uuid4(), uuid.uuid4()) if with_id else (None, None)
            for real, alias in zip(ids, (f"ID{i}", f"ID{i}"), strict=True):
                if real is not None:
                    names.setdefault(str(real), alias)
            meta = Jsonb(metadata) if metadata is not None else None
            event_type = "MoneyDeposited" if kind == "deposit" else "MoneyWithdrawn"
            payload: dict[str, Any] = {"amount": str(amount)}
            if kind == "deposit":
                payload["reference"] = reference
                got_fast = _outcome(
                    conn,
                    "SELECT ledger.deposit(%s, %s, %s, NULL, %s, %s, %s)",
                    (fast, amount, expected, ids[0], meta, reference),
                    names,
                )
            else:
                got_fast = _outcome(
                    conn,
                    "SELECT ledger.withdraw(%s, %s, %s, NULL, %s, %s)",
                    (fast, amount, expected, ids[0], meta),
                    names,
                )
            event: dict[str, Any] = {"event_type": event_type, "payload": payload}
            if ids[1] is not None:
                event["event_id"] = str(ids[1])
            if metadata is not None:
                event["metadata"] = metadata
            got_general = _outcome(conn, "SELECT ledger.append(%s, %s, %s)", (general, expected, Jsonb([event])), names)
            assert got_fast == got_general, (step, got_fast, got_general)
            done.append((*step[:7], ids))

        def stored(account: uuid.UUID) -> list[tuple[Any, ...]]:
            return conn.execute(
                "SELECT sequence_number, event_type, event_version, payload, metadata, occurred_at <= recorded_at"
                " FROM ledger.events WHERE aggregate_id = %s ORDER BY sequence_number",
                (account,),
            ).fetchall()

        def projection(account: uuid.UUID) -> tuple[Any, ...] | None:
            return conn.execute(
                "SELECT balance, version, owner_name FROM ledger.accounts WHERE account_id = %s", (account,)
            ).fetchone()

        assert stored(fast) == stored(general)
        assert projection(fast) == projection(general)
        for account in (fast, general):
            assert conn.execute("SELECT * FROM ledger.verify_account(%s) WHERE NOT equal", (account,)).fetchall() == []
        assert (
            conn.execute("SELECT * FROM ledger.verify_chain() WHERE account_id IN (%s, %s)", (fast, general)).fetchall()
            == []
        )
