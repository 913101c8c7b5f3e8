"""The command line on the embedded server: the demo report and the server commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
