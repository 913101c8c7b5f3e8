"""AsyncLedger: the Ledger on psycopg's async API, with the same methods, answers and errors.

``async with AsyncLedger(conninfo) as ledger: await ledger.deposit(...)``. What each method sends
and reads is written once, in queries.py, which Ledger shares.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool

from pgledger import queries
from pgledger.ledger import MAX_CONNECTIONS, conninfo_from_env, with_self
from pgledger.queries import Call, configure

P = ParamSpec("P")
T = TypeVar("T")


def bind(spec: Callable[P, Call[T]]) -> Callable[Concatenate[AsyncLedger, P], Coroutine[Any, Any, T]]:
    """An AsyncLedger method that runs the call `spec` makes, with its signature and docstring."""

    @functools.wraps(spec)
    async def method(self: AsyncLedger, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self.run(spec(*args, **kwargs))

    method.__signature__ = with_self(spec)  # type: ignore[attr-defined]
    return method


async def _configure(conn: psycopg.AsyncConnection[Any]) -> None:
    configure(conn)


class AsyncLedger:
    """The ledger in one PostgreSQL database, for asyncio.

    ``AsyncLedger(conninfo)`` keeps a pool of autocommit connections (psycopg_pool, at most
    ``max_connections``), opened by ``async with`` or ``await ledger.open()``: every call is its
    own transaction, and one AsyncLedger may be used by many tasks at once.
    ``AsyncLedger(connection)`` uses the caller's AsyncConnection as it is (its transaction, the
    caller closes it). Commands raise ``OutcomeUnknown`` with their ids when the connection is
    lost in flight, as Ledger's do.
    """

    def __init__(
        self,
        conninfo_or_connection: str | psycopg.AsyncConnection[Any],
        *,
        max_connections: int = MAX_CONNECTIONS,
        timeout: float = 30.0,
    ) -> None:
        self._pool: AsyncConnectionPool[psycopg.AsyncConnection[Any]] | None = None
        if isinstance(conninfo_or_connection, str):
            self._conninfo = conninfo_or_connection
            self._pool = AsyncConnectionPool(
                conninfo_or_connection,
                min_size=1,
                max_size=max_connections,
                kwargs={"autocommit": True},
                configure=_configure,
                timeout=timeout,
                name="pgledger",
                open=False,
            )
        else:
            self._conn = conninfo_or_connection
            configure(self._conn)

    @classmethod
    async def from_env(cls, *, max_connections: int = MAX_CONNECTIONS, timeout: float = 30.0) -> AsyncLedger:
        """An open AsyncLedger at ``DATABASE_URL``, else in the embedded server's database
        "pgledger" (started if needed; migrate it once with ``pgledger migrate``)."""
        conninfo = await asyncio.to_thread(conninfo_from_env)
        return await cls(conninfo, max_connections=max_connections, timeout=timeout).open()

    async def open(self) -> AsyncLedger:
        """Open the pool (a wrong conninfo or a server that is down raises the driver's error here)."""
        if self._pool is not None and self._pool.closed:
            await (await psycopg.AsyncConnection.connect(self._conninfo)).close()
            await self._pool.open(wait=True, timeout=self._pool.timeout)
        return self

    async def close(self) -> None:
        """Close the connections this AsyncLedger opened (not the caller's)."""
        if self._pool is not None:
            await self._pool.close()

    async def __aenter__(self) -> AsyncLedger:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def run(self, call: Call[T]) -> T:
        """Run one call of the SQL API (see pgledger.queries) and give its answer."""
        if self._pool is None:
            return await self._run_on(self._conn, call)
        async with self._pool.connection() as conn:
            try:
                return await self._run_on(conn, call)
            except psycopg.OperationalError:
                if conn.broken or conn.closed:
                    await self._pool.check()  # replace idle connections a restart dropped too
                raise

    @staticmethod
    async def _run_on(conn: psycopg.AsyncConnection[Any], call: Call[T]) -> T:
        try:
            cursor = await conn.execute(call.sql, call.params)
            rows = await cursor.fetchall()
        except psycopg.Error as error:
            ledger_error = queries.failure(call, error, conn.broken or conn.closed)
            if ledger_error is None:
                raise
            raise ledger_error from error
        return call.answer(rows)

    # -- commands -------------------------------------------------------------------------
    open_account = bind(queries.open_account)
    deposit = bind(queries.deposit)
    withdraw = bind(queries.withdraw)
    transfer = bind(queries.transfer)
    append = bind(queries.append)

    # -- reads ----------------------------------------------------------------------------
    events = bind(queries.events)
    read_all = bind(queries.read_all)
    assign_positions = bind(queries.assign_positions)
    daily_totals = bind(queries.daily_totals)
    state = bind(queries.state)
    replay = bind(queries.replay)
    load = bind(queries.load)
    state_at = bind(queries.state_at)
    state_at_version = bind(queries.state_at_version)
    history = bind(queries.history)
    accounts = bind(queries.accounts)
    find_accounts = bind(queries.find_accounts)
    stats = bind(queries.stats)
    totals = bind(queries.totals)

    # -- integrity ------------------------------------------------------------------------
    verify = bind(queries.verify)
    verify_batch = bind(queries.verify_batch)
    verify_snapshots = bind(queries.verify_snapshots)
    verify_chain = bind(queries.verify_chain)
    digest = bind(queries.digest)
    verify_digest = bind(queries.verify_digest)
    inclusion_proof = bind(queries.inclusion_proof)
    consistency_proof = bind(queries.consistency_proof)

    # -- administration (the ledger's owner) ------------------------------------------------
    rebuild_snapshots = bind(queries.rebuild_snapshots)
    set_snapshot_interval = bind(queries.set_snapshot_interval)


__all__ = ["AsyncLedger"]
