"""The psql, Node and Java examples of docs/clients.md, run for real against a fresh ledger as a
member of ledger_writer: open, deposit with a reference, a refused withdrawal (LG004), a
transaction, a temporal read at a database-supplied time, one subscriber batch. Skipped, with
the reason, when node (and npm) or javac (and pgJDBC) are not on the machine."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.conftest import RoleFactory
from tests.proxy import TcpForwarder

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NODE_DIR = EXAMPLES / "node"
NODE_STAMP = NODE_DIR / "node_modules" / ".installed-lock-sha256"
PGJDBC = Path(os.environ.get("PGJDBC_JAR", "/usr/share/java/postgresql.jar"))
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

# What both examples print (the Node one says more about its traps).
EXPECTED = [
    rf"open_account ({UUID}) -> version 1",
    r'deposit 100.00 reference "June salary" -> version 2',
    r"the same deposit again \(same event id\) -> version 2",
    rf"withdraw 500.00 refused: InsufficientFunds \(LG004\): insufficient funds in account {UUID}: "
    r"balance 100.00, withdrawal 500.00",
    r"one transaction: withdraw 30.25 and append 2 events -> version 5",
    r"stale expected_version: ConcurrencyError \(LG001\): concurrency conflict on account .*: expected version 2, "
    r"actual version 5; hint: Another writer appended first: reload the account and decide again.",
    r"account_state: version 5, balance 73.25, last_event_at .+",
    r"account_state_at\(last_event_at[^)]*\) -> version 5, balance 73.25",
    r'  position 1: AccountOpened {"owner_name": ?"Ada Lovelace"}',
    r'  position 5: MoneyWithdrawn {"amount": ?"1.50"}',
    r"subscriber (node|java)_example: 5 events from position 0, checkpoint now 5",
]


@dataclass(frozen=True)
class Target:
    """This test's database, as a member of ledger_writer sees it."""

    host: str  # a host name, or a Unix-socket directory
    port: int
    user: str
    dbname: str
    password: str | None


def psql() -> str | None:
    """psql on PATH, else the embedded server's."""
    found = shutil.which("psql")
    if found is not None:
        return found
    try:
        from pgledger.server import bin_dir

        return str(bin_dir() / "psql")
    except Exception:
        return None


@pytest.fixture
def target(dsn: str, db: psycopg.Connection[Any], login_role: RoleFactory) -> Target:
    params = conninfo_to_dict(login_role("ledger_writer"))
    for name in ("psql_example", "node_example", "java_example"):
        db.execute("SELECT ledger.create_subscription(%s)", (name,))  # as the ledger's owner
    return Target(
        host=str(params.get("host") or "localhost"),
        port=int(params.get("port") or 5432),
        user=str(params["user"]),
        dbname=str(params["dbname"]),
        password=str(params["password"]) if params.get("password") else None,
    )


def check_output(output: str, db: psycopg.Connection[Any], subscription: str) -> None:
    print(output)  # shown with pytest -s, and below on failure
    for pattern in EXPECTED:
        assert re.search(f"^{pattern}$", output, re.MULTILINE), f"no line matches {pattern!r} in:\n{output}"
    match = re.search(rf"^open_account ({UUID})", output, re.MULTILINE)
    assert match is not None
    rows = db.execute(
        "SELECT event_type, payload->>'amount' FROM ledger.events WHERE aggregate_id = %s ORDER BY sequence_number",
        (match.group(1),),
    ).fetchall()
    assert rows == [
        ("AccountOpened", None),
        ("MoneyDeposited", "100.00"),
        ("MoneyWithdrawn", "30.25"),
        ("MoneyDeposited", "5.00"),
        ("MoneyWithdrawn", "1.50"),
    ]
    row = db.execute("SELECT position FROM ledger.subscriptions WHERE name = %s", (subscription,)).fetchone()
    assert row == (5,)


def test_the_psql_example_runs_against_the_ledger(target: Target, db: psycopg.Connection[Any]) -> None:
    program = psql()
    if program is None:
        pytest.skip("no psql on PATH, nor an embedded server's: the psql example was not run")
    conninfo = make_conninfo(
        host=target.host, port=target.port, user=target.user, dbname=target.dbname, password=target.password
    )
    script = str(EXAMPLES / "psql" / "ledger_example.sql")
    result = subprocess.run(
        [program, "-X", "-v", "ON_ERROR_STOP=1", "-v", "subscription=psql_example", "-d", conninfo, "-f", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    print(output)
    assert result.returncode == 0, output
    tables = re.findall(r"^-+(?:\+-+)*\n((?:.+\n)+?)\n", result.stdout, re.MULTILINE)
    answers = [[cell.strip() for line in table.splitlines() for cell in line.split("|")] for table in tables]
    assert answers[:7] == [["1"], ["2"], ["2"], ["3"], ["5"], ["5", "73.25"], ["3", "69.75"]], output
    assert answers[7][:3] == ["1", "AccountOpened", '{"owner_name": "Ada Lovelace"}'] and len(answers[7]) == 15
    assert answers[8] == ["5"]
    assert "refused with SQLSTATE LG004" in result.stdout
    assert re.search(r"ERROR:  insufficient funds in account .*: balance 100.00, withdrawal 500.00", result.stderr)
    row = db.execute("SELECT position FROM ledger.subscriptions WHERE name = 'psql_example'").fetchone()
    assert row == (5,)


def node_modules() -> None:
    """``npm ci`` from the committed lock file, unless node_modules already matches it."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not on PATH: the Node example (examples/node) was not run")
    lock = hashlib.sha256((NODE_DIR / "package-lock.json").read_bytes()).hexdigest()
    if NODE_STAMP.exists() and NODE_STAMP.read_text().strip() == lock:
        return
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.strip() or result.stdout.strip()).splitlines()[-1:]
        pytest.skip(f"npm ci in examples/node failed, so the Node example was not run: {' '.join(last)}")
    NODE_STAMP.write_text(lock + "\n")


def test_the_node_example_runs_against_the_ledger(target: Target, db: psycopg.Connection[Any]) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH: the Node example (examples/node) was not run")
    node_modules()
    env = {
        **os.environ,
        "PGHOST": target.host,  # node-postgres takes a Unix-socket directory here as well
        "PGPORT": str(target.port),
        "PGUSER": target.user,
        "PGDATABASE": target.dbname,
        "SUBSCRIPTION": "node_example",
    }
    env.pop("PGPASSWORD", None)
    if target.password:
        env["PGPASSWORD"] = target.password
    result = subprocess.run(
        [node, "ledger_example.mjs"], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    check_output(result.stdout, db, "node_example")
    # The traps it shows: a JS number amount refused by accident, and the JS Date's lost microseconds.
    assert re.search(
        r"^deposit of the JS number 0.1 \+ 0.2 refused: InvalidEvent \(LG005\): .* got 0.30000000000000004$",
        result.stdout,
        re.MULTILINE,
    )
    assert re.search(
        r"^account_state_at\(last_event_at as a JS Date, \S+\) -> version \d$", result.stdout, re.MULTILINE
    )


@pytest.fixture
def tcp(target: Target) -> Iterator[tuple[str, int]]:
    """Where pgJDBC can reach the server: itself, or a forwarder to its Unix socket."""
    if not target.host.startswith("/"):
        yield target.host, target.port
        return
    forwarder = TcpForwarder(str(Path(target.host) / f".s.PGSQL.{target.port}"))
    try:
        yield "127.0.0.1", forwarder.port
    finally:
        forwarder.close()


def test_the_java_example_runs_against_the_ledger(
    target: Target, tcp: tuple[str, int], db: psycopg.Connection[Any], tmp_path: Path
) -> None:
    javac, java = shutil.which("javac"), shutil.which("java")
    if javac is None or java is None:
        pytest.skip("javac is not on PATH: the Java example (examples/java) was not run")
    if not PGJDBC.exists():
        pytest.skip(
            f"pgJDBC is not installed ({PGJDBC}): the Java example was not run; `make examples-deps` (as root, "
            "with apt) installs Debian's libpostgresql-jdbc-java"
        )
    compiled = subprocess.run(
        [javac, "-cp", str(PGJDBC), "-d", str(tmp_path), str(EXAMPLES / "java" / "LedgerExample.java")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert compiled.returncode == 0, compiled.stderr
    host, port = tcp
    url = f"jdbc:postgresql://{host}:{port}/{target.dbname}?user={target.user}"
    if target.password:
        url += f"&password={target.password}"
    result = subprocess.run(
        [java, "-cp", f"{tmp_path}{os.pathsep}{PGJDBC}", "LedgerExample", url, "java_example"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    check_output(result.stdout, db, "java_example")
    # The traps it shows: a uuid bound as a String, and the CONTEXT lines of getMessage().
    assert re.search(
        r"^uuid bound as a String: SQLSTATE 42883: ERROR: function ledger.account_state\(character varying\) "
        r"does not exist$",
        result.stdout,
        re.MULTILINE,
    )
    assert "the last: PL/pgSQL function ledger.withdraw(" in result.stdout
