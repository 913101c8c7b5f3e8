"""The command line on the embedded server: the demo report and the server commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest


def pgledger(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pgledger.cli", *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


@pytest.mark.slow
def test_demo_runs_on_a_fresh_embedded_server_and_server_commands_manage_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    data = str(tmp_path / "pgdata")
    try:
        demo = pgledger("--data-dir", data, "demo", env=env)
        assert demo.returncode == 0, demo.stderr
        assert "embedded PostgreSQL" in demo.stdout and "PostgreSQL 18" in demo.stdout
        assert "stored events (3 rows in ledger.events)" in demo.stdout
        assert "replay equals projection: yes" in demo.stdout
        assert "balance from the projection (ledger.account_state): 69.75" in demo.stdout
        # The server keeps running between commands and the data are kept: a second demo adds an account.
        status = pgledger("--data-dir", data, "server", "status", env=env)
        assert status.returncode == 0 and "running" in status.stdout
        again = pgledger("--data-dir", data, "demo", env=env)
        assert again.returncode == 0 and "schema: up to date" in again.stdout
    finally:
        stop = pgledger("--data-dir", data, "server", "stop", env=env)
    assert stop.returncode == 0 and "stopped" in stop.stdout
    status = pgledger("--data-dir", data, "server", "status", env=env)
    assert status.returncode == 3 and "not running" in status.stdout


def test_demo_uses_database_url_when_it_is_set(dsn: str, tmp_path: Path) -> None:
    demo = pgledger("--data-dir", str(tmp_path / "unused"), "demo", env={**os.environ, "DATABASE_URL": dsn})
    assert demo.returncode == 0, demo.stderr
    assert "the server at DATABASE_URL" in demo.stdout
    assert not (tmp_path / "unused").exists()


def cli(dsn: str, *args: str) -> subprocess.CompletedProcess[str]:
    result = pgledger(*args, env={**os.environ, "DATABASE_URL": dsn})
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_commands_for_people_and_json_for_scripts(dsn: str, tmp_path: Path) -> None:
    opened = cli(dsn, "open", "Ada Lovelace", "--at", "2024-01-01T09:00:00+00:00", "--json")
    assert opened.returncode == 0, opened.stderr
    account = json.loads(opened.stdout)["account_id"]
    assert cli(dsn, "deposit", account, "100.50", "--at", "2024-02-01T09:00:00+00:00").returncode == 0
    withdrawn = cli(dsn, "withdraw", account, "20", "--expected-version", "2")
    assert withdrawn.returncode == 0 and "version 3, balance 80.50" in withdrawn.stdout

    shown = json.loads(cli(dsn, "show", account, "--json").stdout)
    assert (shown["balance"], shown["version"], shown["owner_name"]) == ("80.50", 3, "Ada Lovelace")
    past = json.loads(cli(dsn, "show", account, "--at", "2024-01-15T00:00:00+00:00", "--json").stdout)
    assert (past["balance"], past["version"]) == ("0.00", 1)
    assert "balance        100.50" in cli(dsn, "show", account, "--version", "2").stdout
    before = cli(dsn, "show", account, "--at", "2023-12-31T00:00:00+00:00")
    assert before.returncode == 2 and "has no state as of" in before.stderr

    history = cli(dsn, "history", account, "--plot", str(tmp_path / "balance.png"))
    assert history.returncode == 0, history.stderr
    lines = history.stdout.splitlines()
    assert lines[0].split() == ["seq", "occurred_at", "event_type", "amount", "balance"]
    assert [line.split()[-1] for line in lines[2:5]] == ["0.00", "100.50", "80.50"]
    assert (tmp_path / "balance.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    window = json.loads(cli(dsn, "history", account, "--from", "2024-02-01T09:00:00+00:00", "--json").stdout)
    assert [e["sequence_number"] for e in window] == [2, 3]

    verified = cli(dsn, "verify")
    assert verified.returncode == 0 and "verified 1 accounts: every replay equals its projection" in verified.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deposit", "not-a-uuid", "5"], "not an account id"),
        (["deposit", "00000000-0000-0000-0000-000000000001", "five"], "not a decimal amount"),
        (
            ["deposit", "00000000-0000-0000-0000-000000000001", "5"],
            "LG002: account 00000000-0000-0000-0000-000000000001 does not exist",
        ),
        (["open", "Ada", "--at", "2024-01-01T10:00:00"], "has no UTC offset"),
        (["open", "   "], "LG005: events[0].payload.owner_name must not be empty or blank"),
        (["show", "00000000-0000-0000-0000-000000000001", "--version", "0"], "LG005: version must be 1 or more"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(dsn: str, args: list[str], message: str) -> None:
    result = cli(dsn, *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_verify_lists_accounts_that_differ_and_exits_1(dsn: str, db: psycopg.Connection[Any]) -> None:
    accounts = [json.loads(cli(dsn, "open", f"Owner {i}", "--json").stdout)["account_id"] for i in range(3)]
    for account in accounts:
        cli(dsn, "deposit", account, "10")
    db.execute("UPDATE ledger.accounts SET balance = 999.00 WHERE account_id = %s", (accounts[1],))
    result = cli(dsn, "verify", "--batch-size", "2")
    assert result.returncode == 1
    assert "1 of 3 accounts differ from their replay" in result.stdout
    assert f"{accounts[1]}: projection balance 999.00 at version 2; replay balance 10.00 at version 2" in result.stdout
    report = json.loads(cli(dsn, "verify", "--json").stdout)
    assert report["checked"] == 3 and [d["account_id"] for d in report["differing"]] == [accounts[1]]
