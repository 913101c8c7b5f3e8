"""Small helpers shared by the tests: looking at what is stored, running the CLI."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg


def stored_counts(db: psycopg.Connection[Any]) -> tuple[int, int]:
    """(rows in ledger.events, rows in ledger.accounts)."""
    row = db.execute("SELECT (SELECT count(*) FROM ledger.events), (SELECT count(*) FROM ledger.accounts)").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def sequence_numbers(db: psycopg.Connection[Any], account_id: UUID) -> list[int]:
    rows = db.execute(
        "SELECT sequence_number FROM ledger.events WHERE aggregate_id = %s ORDER BY id", (account_id,)
    ).fetchall()
    return [int(r[0]) for r in rows]


def sqlstate_of(error: BaseException) -> str | None:
    """The SQLSTATE behind a ledger exception (its __cause__) or a driver error."""
    if isinstance(error, psycopg.Error):
        return error.sqlstate
    cause = error.__cause__
    if isinstance(cause, psycopg.Error):
        return cause.sqlstate
    return None


def blocked_backend(db: psycopg.Connection[Any], query_fragment: str, timeout: float = 30.0) -> int:
    """Wait until a backend whose query contains `query_fragment` waits for a lock; its pid (for
    a connection the test cannot name, such as one of a Ledger's pool)."""
    deadline = time.monotonic() + timeout
    while True:
        row = db.execute(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            " AND position(%s in query) > 0",
            (query_fragment,),
        ).fetchone()
        if row is not None:
            return int(row[0])
        if time.monotonic() > deadline:
            raise AssertionError(f"no backend running {query_fragment!r} ever blocked on a lock")
        time.sleep(0.005)


def snapshot_rows(db: psycopg.Connection[Any], account_id: UUID) -> list[tuple[Any, ...]]:
    """The account's snapshots as ledger.account tuples, by sequence number."""
    rows = db.execute(
        "SELECT account_id, owner_name, balance, sequence_number, opened_at, occurred_at"
        " FROM ledger.account_snapshots WHERE account_id = %s ORDER BY sequence_number",
        (account_id,),
    ).fetchall()
    return [tuple(r) for r in rows]


def wait_until_blocked(db: psycopg.Connection[Any], pid: int, timeout: float = 30.0) -> None:
    """Wait until backend `pid` waits for a lock (a condition, checked in the database)."""
    deadline = time.monotonic() + timeout
    while True:
        row = db.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
        if row is not None and row[0] == "Lock":
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"backend {pid} never blocked on a lock")
        time.sleep(0.005)


def pgledger_run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, python: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """pgledger in a process of its own; `python` replaces `-m pgledger.cli` (e.g. with `-c ...`)."""
    command = [sys.executable, *(python or ("-m", "pgledger.cli")), *args]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=300, check=False)
    assert "Traceback" not in result.stderr, result.stderr
    return result
