"""Ledger: the thin Python client of the SQL API in schema ``ledger``.

Each method is one call of one SQL function, one round trip. The rules are enforced by the
database; this class carries values across and turns ``LG`` SQLSTATEs into exceptions. What
each method sends and reads is written once, in queries.py, which AsyncLedger shares.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import psycopg
from psycopg_pool import ConnectionPool

from pgledger import queries
from pgledger.queries import READ_ALL, READ_STREAM, UNPARSED_JSON, Call, configure, read_json, recorded
from pgledger.results import (
    ChainProblem,
    DailyTotal,
    Digest,
    DigestCheck,
    HistoryEntry,
    LedgerStats,
    Mismatch,
    SnapshotMismatch,
    Totals,
)

P = ParamSpec("P")
T = TypeVar("T")

#: Connections a Ledger (or AsyncLedger) keeps at most, unless told otherwise.
MAX_CONNECTIONS = 10


def conninfo_from_env() -> str:
    """``DATABASE_URL`` when it is set; otherwise the database "pgledger" of the embedded server,
    the one the CLI uses (started, and the database created, when needed; pgledger[embedded])."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    from pgledger.server import EmbeddedServer, default_data_dir  # the embedded server is needed only here

    return EmbeddedServer(default_data_dir()).database("pgledger")


def bind(spec: Callable[P, Call[T]]) -> Callable[Concatenate[Ledger, P], T]:
    """A Ledger method that runs the call `spec` makes, with its signature and docstring."""

    @functools.wraps(spec)
    def method(self: Ledger, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self.run(spec(*args, **kwargs))

    method.__signature__ = with_self(spec)  # type: ignore[attr-defined]
    return method


def with_self(spec: Callable[..., Any]) -> inspect.Signature:
    """The signature of `spec` with `self` first and its real return type (help() shows it)."""
    signature = inspect.signature(spec)
    self_parameter = inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)
    answer = str(signature.return_annotation).removeprefix("Call[").removesuffix("]")
    return signature.replace(parameters=[self_parameter, *signature.parameters.values()], return_annotation=answer)


class Ledger:
    """The ledger in one PostgreSQL database.

    ``Ledger(conninfo)`` keeps a pool of autocommit connections (psycopg_pool, at most
    ``max_connections``): every call is its own transaction on a connection of the pool, and
    one Ledger may be used from many threads at once. A call waits up to ``timeout`` seconds
    for a free connection. Connections that are lost are replaced. ``Ledger(connection)`` uses
    the caller's connection as it is, so several calls can share the caller's transaction; the
    caller then commits and closes it.

    Every command carries event ids (made here when not given). When the connection is lost
    while a command is in flight, the command raises ``OutcomeUnknown`` with those ids: retrying
    with them applies the command at most once (pgledger.retry does it for you).
    """

    def __init__(
        self,
        conninfo_or_connection: str | psycopg.Connection[Any],
        *,
        max_connections: int = MAX_CONNECTIONS,
        timeout: float = 30.0,
    ) -> None:
        self._pool: ConnectionPool[psycopg.Connection[Any]] | None = None
        self._own_connection: psycopg.Connection[Any] | None = None
        if isinstance(conninfo_or_connection, str):
            # A wrong conninfo or a server that is down is told here, by the driver's own error;
            # a pool would retry in the background and tell only that it timed out.
            psycopg.connect(conninfo_or_connection).close()
            self._conninfo = conninfo_or_connection
            self._pool = ConnectionPool(
                conninfo_or_connection,
                min_size=1,
                max_size=max_connections,
                kwargs={"autocommit": True},
                configure=configure,
                timeout=timeout,
                name="pgledger",
                open=True,
            )
            self._pool.wait(timeout)  # its first connection: a call made now does not race it
        else:
            self._conn = conninfo_or_connection
            configure(self._conn)

    @classmethod
    def from_env(cls, *, max_connections: int = MAX_CONNECTIONS, timeout: float = 30.0) -> Ledger:
        """The ledger at ``DATABASE_URL``, else in the embedded server's database "pgledger"
        (started if needed; migrate it once with ``pgledger migrate``)."""
        return cls(conninfo_from_env(), max_connections=max_connections, timeout=timeout)

    @property
    def connection(self) -> psycopg.Connection[Any]:
        """A connection for statements of your own: the caller's, or one this Ledger opens for
        this use the first time it is asked (autocommit; not to be shared between threads)."""
        if self._pool is None:
            return self._conn
        if self._own_connection is None or self._own_connection.closed or self._own_connection.broken:
            self._own_connection = psycopg.connect(self._conninfo, autocommit=True)
            configure(self._own_connection)
        return self._own_connection

    def close(self) -> None:
        """Close the connections this Ledger opened (not the caller's)."""
        if self._own_connection is not None:
            self._own_connection.close()
        if self._pool is not None:
            self._pool.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, call: Call[T]) -> T:
        """Run one call of the SQL API (see pgledger.queries) and give its answer."""
        if self._pool is None:
            return self._run_on(self._conn, call)
        with self._pool.connection() as conn:
            try:
                return self._run_on(conn, call)
            except psycopg.OperationalError:
                if conn.broken or conn.closed:
                    # The server may have dropped every idle connection too (a restart): the
                    # pool replaces them now, so a retry does not meet another dead one.
                    self._pool.check()
                raise

    @staticmethod
    def _run_on(conn: psycopg.Connection[Any], call: Call[T]) -> T:
        try:
            rows = conn.execute(call.sql, call.params).fetchall()
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


__all__ = [
    "MAX_CONNECTIONS",
    "READ_ALL",
    "READ_STREAM",
    "UNPARSED_JSON",
    "ChainProblem",
    "DailyTotal",
    "Digest",
    "DigestCheck",
    "HistoryEntry",
    "Ledger",
    "LedgerStats",
    "Mismatch",
    "SnapshotMismatch",
    "Totals",
    "configure",
    "conninfo_from_env",
    "read_json",
    "recorded",
]
