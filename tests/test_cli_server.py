"""The embedded server through the command line: one per user whatever the current directory,
long data paths, start failures that show the server's log, concurrent starts, and a demo that
never writes into DATABASE_URL. Every test stops the servers it starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pgledger.cli import EXIT_UNAVAILABLE
from pgledger.server import EmbeddedServer, default_data_dir, socket_dir_for
from tests.helpers import pgledger_run

pytestmark = pytest.mark.slow


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without DATABASE_URL (CI sets it for its second run) and PGLEDGER_HOME."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PGLEDGER_HOME")}
    return {**env, **extra}


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """A PGLEDGER_HOME of its own; its server is stopped at the end."""
    path = tmp_path / "home"
    yield path
    EmbeddedServer(path / "pgdata").stop()


def test_the_server_lives_in_pgledger_home_whatever_the_current_directory(home: Path, tmp_path: Path) -> None:
    env = clean_env(PGLEDGER_HOME=str(home))
    (tmp_path / "one" / ".pgledger").mkdir(parents=True)
    (tmp_path / "one" / ".pgledger" / "PG_VERSION").write_text("18\n")  # where an earlier pgledger kept it
    (tmp_path / "two").mkdir()
    demo = pgledger_run("demo", env=env, cwd=tmp_path / "one")
    assert demo.returncode == 0, demo.stderr
    assert "the .pgledger/ here is the server of an earlier pgledger (reach it with --data-dir" in demo.stderr
    data = home / "pgdata"
    assert demo.stdout.startswith(f"pgledger demo on the embedded PostgreSQL in {data} (PostgreSQL 18")
    running, stop = demo.stdout.splitlines()[-2:]
    assert running.startswith(f"the embedded PostgreSQL keeps running in {data} (pid ")
    assert stop.startswith("stop it with: ") and stop.endswith(" server stop")
    account = demo.stdout.split("\naccount ", 1)[1].split("\n", 1)[0]

    # Another directory reaches the same server and the same ledger.
    shown = pgledger_run("show", account, "--json", env=env, cwd=tmp_path / "two")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["balance"] == "69.75"
    assert not (tmp_path / "two" / ".pgledger").exists() and "note" not in shown.stderr

    status = json.loads(pgledger_run("server", "status", "--json", env=env).stdout)
    assert status["running"] is True and status["data_dir"] == str(data)
    assert status["socket_dir"] == str(socket_dir_for(data))
    stopped = pgledger_run("server", "stop", env=env)
    assert stopped.returncode == 0 and stopped.stdout.strip() == f"embedded PostgreSQL in {data}: stopped"
    after = pgledger_run("server", "status", "--json", env=env)
    assert after.returncode == EXIT_UNAVAILABLE and json.loads(after.stdout)["running"] is False
    assert not socket_dir_for(data).exists()


def test_the_default_home_is_the_platforms_per_user_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PGLEDGER_HOME", raising=False)
    if sys.platform == "linux":
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
        assert default_data_dir() == tmp_path / "pgledger" / "pgdata"
    monkeypatch.setenv("PGLEDGER_HOME", str(tmp_path / "mine"))
    assert default_data_dir() == tmp_path / "mine" / "pgdata"


def test_demo_ignores_database_url_and_says_why(home: Path, dsn: str, db: psycopg.Connection[Any]) -> None:
    demo = pgledger_run("demo", env=clean_env(PGLEDGER_HOME=str(home), DATABASE_URL=dsn))
    assert demo.returncode == 0, demo.stderr
    assert demo.stderr.startswith("pgledger demo: ignoring DATABASE_URL: the demo writes an account that can never")
    assert "--database-url URL" in demo.stderr
    assert demo.stdout.startswith(f"pgledger demo on the embedded PostgreSQL in {home / 'pgdata'}")
    row = db.execute("SELECT count(*) FROM ledger.events").fetchone()
    assert row is not None and row[0] == 0


def test_a_data_directory_longer_than_a_socket_path_works(tmp_path: Path) -> None:
    data = tmp_path / ("d" * 60) / ("e" * 60) / "pgdata"
    assert len(str(data / ".s.PGSQL.5432").encode()) > 107
    env = clean_env()
    try:
        assert pgledger_run("--data-dir", str(data), "migrate", env=env).returncode == 0
        opened = pgledger_run("--data-dir", str(data), "open", "Ada", env=env)
        assert opened.returncode == 0, opened.stderr
    finally:
        stopped = pgledger_run("--data-dir", str(data), "server", "stop", env=env)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout


def test_a_server_that_cannot_start_shows_its_own_log(tmp_path: Path) -> None:
    data = tmp_path / "pgdata"
    env = clean_env()
    try:
        assert pgledger_run("--data-dir", str(data), "server", "start", env=env).returncode == 0
        assert pgledger_run("--data-dir", str(data), "server", "stop", env=env).returncode == 0
        with (data / "postgresql.conf").open("a") as conf:
            conf.write("shared_buffers = 'lots'\n")
        failed = pgledger_run("--data-dir", str(data), "verify", env=env)
        assert failed.returncode == EXIT_UNAVAILABLE
        assert failed.stderr.startswith(f"pgledger: could not start the embedded PostgreSQL in {data}")
        assert f"the server's log ({data / 'server.log'}):" in failed.stderr
        assert 'invalid value for parameter "shared_buffers": "lots"' in failed.stderr
    finally:
        pgledger_run("--data-dir", str(data), "server", "stop", env=env)
    assert not socket_dir_for(data).exists()


def test_two_commands_starting_a_new_server_at_once_both_succeed(tmp_path: Path) -> None:
    data = tmp_path / "pgdata"
    command = [sys.executable, "-m", "pgledger.cli", "--data-dir", str(data), "server", "start"]
    try:
        starting = [
            subprocess.Popen(command, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        results = [process.communicate(timeout=300) for process in starting]
        assert [process.returncode for process in starting] == [0, 0], results
        pids = {out.split("(pid ", 1)[1].split(")", 1)[0] for out, _ in results}
        assert len(pids) == 1
    finally:
        EmbeddedServer(data).stop()
