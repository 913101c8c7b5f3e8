"""Property: after any sequence of commands, projection = replay = an independent Python model."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

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
