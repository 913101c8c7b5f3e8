"""A peer in our benchmark: Message DB's ``write_message``, in a database where it is installed.

Message DB (a message store in PL/pgSQL) has no package in the registries we use: a user installs
it by hand from its own repository (its ``database/install.sh``). So it is measured only when the
benchmark is given the URL of such a database (``--messagedb-url``); nothing here installs it.

We call it the way its docs show: ``write_message(id, stream_name, type, data)`` with stream
names ``account-<uuid>`` (category ``account``), one call per transaction (autocommit), as a
prepared statement, on connections of our own. ``expected_version`` is left NULL, as pgledger's
side leaves ``ledger.deposit``'s: both append unconditionally, each assigning the next position
under its own lock (Message DB: an advisory lock on the stream's category, so every write to
``account-*`` streams waits for the one before; pgledger: the account's row).

Its functions call each other by unqualified names and find them through the ``message_store``
role's default search path (``"$user"``, the schema of the same name); a connection as any other
role gets that search path set, so the URL may name either role.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from bench.peer_unavailable import PeerUnavailable, first_line

WRITE = "SELECT message_store.write_message(%s::varchar, %s::varchar, 'MoneyDeposited'::varchar, %s::jsonb)"
OPEN_STREAMS = (
    "SELECT message_store.write_message(gen_random_uuid()::varchar, s, 'AccountOpened'::varchar,"
    ' \'{"owner_name": "peer benchmark"}\'::jsonb) FROM pg_catalog.unnest(%s::varchar[]) AS s'
)
DEPOSIT = Jsonb({"amount": "1.00"})

__all__ = ["connect", "describe", "open_streams", "server_identity", "writer"]


def connect(url: str) -> psycopg.Connection[Any]:
    """An autocommit connection to the Message DB database, its schema on the search path."""
    try:
        conn = psycopg.connect(url, autocommit=True)
    except psycopg.Error as error:
        raise PeerUnavailable(f"cannot connect to --messagedb-url: {first_line(str(error))}") from error
    conn.execute("SELECT pg_catalog.set_config('search_path', 'message_store, public', false)")
    return conn


def describe(url: str) -> dict[str, str]:
    """Message DB's version, its server's version and the server's identity (to tell servers apart)."""
    with connect(url) as conn:
        try:
            row = conn.execute("SELECT message_store.message_store_version(), pg_catalog.version()").fetchone()
        except psycopg.Error as error:
            raise PeerUnavailable(f"no Message DB at --messagedb-url: {first_line(str(error))}") from error
        assert row is not None
        return {"message_db": str(row[0]), "postgresql": str(row[1]), "server": server_identity(conn)}


def server_identity(conn: psycopg.Connection[Any]) -> str:
    """The cluster's system identifier, or its version and port when that is not readable."""
    try:
        row = conn.execute("SELECT system_identifier::text FROM pg_catalog.pg_control_system()").fetchone()
    except psycopg.Error:
        row = conn.execute("SELECT pg_catalog.version() || ' port ' || pg_catalog.current_setting('port')").fetchone()
    return str(row[0]) if row else "?"


def open_streams(conn: psycopg.Connection[Any], count: int) -> list[str]:
    """`count` fresh ``account-<uuid>`` streams, each with one AccountOpened message (as an opened account)."""
    streams = [f"account-{uuid.uuid4()}" for _ in range(count)]
    conn.execute(OPEN_STREAMS, (streams,))
    return streams


def writer(conn: psycopg.Connection[Any]) -> Callable[[str], object]:
    """Writes one MoneyDeposited message to the given stream: one prepared statement, one transaction."""

    def write(stream: str) -> object:
        return conn.execute(WRITE, (str(uuid.uuid4()), stream, DEPOSIT), prepare=True).fetchone()

    return write
