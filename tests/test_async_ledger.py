"""AsyncLedger: the same methods, answers and errors as Ledger, on psycopg's async API, shared by
many tasks through one pool. Each test runs its coroutine with asyncio.run."""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from pgledger import (
    AccountNotFound,
    AsyncLedger,
    ConcurrencyError,
    InsufficientFunds,
    InvalidEvent,
    Ledger,
    MoneyDeposited,
    OutcomeUnknown,
    queries,
)
from tests.helpers import sequence_numbers
from tests.proxy import CuttingProxy


def bound_methods(cls: type) -> dict[str, Any]:
    """The methods of a client made from a function of pgledger.queries."""
    return {
        name: value
        for name, value in vars(cls).items()
        if inspect.isfunction(value)
        and getattr(getattr(value, "__wrapped__", None), "__module__", "") == queries.__name__
    }


def test_both_clients_bind_every_call_with_its_signature_and_docstring() -> None:
    for cls in (Ledger, AsyncLedger):
        methods = bound_methods(cls)
        assert set(methods) == set(queries.METHODS), cls
        for name, method in methods.items():
            spec = queries.METHODS[name]
            assert method.__wrapped__ is spec and method.__doc__ == spec.__doc__
            parameters = list(inspect.signature(method).parameters)
            assert parameters == ["self", *inspect.signature(spec).parameters]
    assert all(inspect.iscoroutinefunction(m) for m in bound_methods(AsyncLedger).values())
    assert str(inspect.signature(Ledger.state)) == "(self, /, account_id: 'UUID') -> 'AccountState | None'"


def test_async_calls_give_the_same_answers_and_errors_as_sync_ones(dsn: str, ledger: Ledger) -> None:
    account = uuid.uuid4()

    async def main() -> None:
        async with AsyncLedger(dsn) as client:
            assert await client.open_account(account, "Ada") == 1
            assert await client.deposit(account, Decimal("100.00"), reference="June salary") == 2
            with pytest.raises(InsufficientFunds) as refused:
                await client.withdraw(account, Decimal("500.00"))
            assert refused.value.sqlstate == "LG004" and str(account) in refused.value.message
            with pytest.raises(ConcurrencyError):
                await client.deposit(account, Decimal("1.00"), expected_version=1)
            with pytest.raises(AccountNotFound):
                await client.deposit(uuid.uuid4(), Decimal("1.00"))
            with pytest.raises(InvalidEvent):
                await client.deposit(account, Decimal("0.001"))
            with pytest.raises(TypeError, match="not a float"):
                await client.deposit(account, 1.5)  # type: ignore[arg-type]
            state = await client.state(account)
            assert state is not None and state == ledger.state(account) == await client.load(account)
            assert await client.state_at(account, state.last_event_at) == state
            assert await client.state_at_version(account, 1) == ledger.state_at_version(account, 1)
            assert await client.history(account) == ledger.history(account)
            assert await client.events(account) == ledger.events(account)
            assert await client.read_all() == ledger.read_all()
            assert await client.accounts() == ledger.accounts() == [state]
            assert await client.totals() == ledger.totals()
            assert await client.verify() == [] and await client.verify_chain() == []
            digest = await client.digest()
            assert (await client.verify_digest(digest)).matches

    asyncio.run(main())
    assert sequence_numbers_of(ledger, account) == [1, 2]


def sequence_numbers_of(ledger: Ledger, account: uuid.UUID) -> list[int]:
    return [event.sequence_number for event in ledger.events(account)]


def test_many_tasks_share_one_async_ledger_within_its_pool(dsn: str, db: psycopg.Connection[Any]) -> None:
    accounts = [uuid.uuid4() for _ in range(4)]
    before = backends(db)

    async def main() -> tuple[list[int], int]:
        async with AsyncLedger(dsn, max_connections=3) as client:
            await asyncio.gather(*(client.open_account(a, f"Owner {i}") for i, a in enumerate(accounts)))
            versions = await asyncio.gather(*(client.deposit(accounts[i % 4], Decimal("1.25")) for i in range(40)))
            return list(versions), backends(db) - before

    versions, opened = asyncio.run(main())
    assert sorted(versions) == sorted(v for _ in accounts for v in range(2, 12))
    assert 1 <= opened <= 3
    for account in accounts:
        assert sequence_numbers(db, account) == list(range(1, 12))
    row = db.execute("SELECT sum(balance) FROM ledger.accounts").fetchone()
    assert row == (Decimal("50.00"),)


def backends(db: psycopg.Connection[Any]) -> int:
    row = db.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def proxy(dsn: str) -> Iterator[CuttingProxy]:
    cutting = CuttingProxy(dsn)
    yield cutting
    cutting.close()


def test_an_async_command_lost_after_commit_is_unknown_and_retried_once(
    proxy: CuttingProxy, db: psycopg.Connection[Any], ledger: Ledger
) -> None:
    account = uuid.uuid4()
    ledger.open_account(account, "Ada")
    events = [MoneyDeposited(account, Decimal(n)) for n in (1, 2)]

    async def main() -> None:
        async with AsyncLedger(proxy.conninfo) as client:
            proxy.cut_after_commit()
            with pytest.raises(OutcomeUnknown) as caught:
                await client.append(account, events)
            assert proxy.cuts == 1 and len(caught.value.event_ids) == 2
            assert await client.append(account, events, event_ids=caught.value.event_ids) == 3

    asyncio.run(main())
    assert sequence_numbers(db, account) == [1, 2, 3]


def test_an_async_ledger_on_the_callers_connection_shares_its_transaction(dsn: str, ledger: Ledger) -> None:
    account = uuid.uuid4()

    async def main() -> None:
        async with await psycopg.AsyncConnection.connect(dsn) as conn:
            client = AsyncLedger(conn)
            await client.open_account(account, "Ada")
            assert await client.deposit(account, Decimal("5.00")) == 2
            assert ledger.state(account) is None  # not committed: the caller's transaction
            await conn.rollback()

    asyncio.run(main())
    assert ledger.state(account) is None


def test_from_env_uses_database_url(dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", dsn)

    async def main() -> int:
        client = await AsyncLedger.from_env()
        try:
            return (await client.stats()).accounts
        finally:
            await client.close()

    assert asyncio.run(main()) == 0
