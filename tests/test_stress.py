"""Concurrency under load (short form of `make soak`): nothing acknowledged is lost or duplicated,
nothing refused is stored, and the stored ledger keeps every invariant."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from bench.crash import run_crash_rounds
from bench.stress import EXPECTED_REFUSALS, run_stress


@pytest.mark.slow
def test_sixteen_connections_of_mixed_commands_store_exactly_what_was_acknowledged(dsn: str) -> None:
    report = run_stress(dsn, threads=16, ops_per_thread=60, hot=4, cold=60)
    print(f"\nstress: {report}")
    assert report.violations == []
    assert report.commands == 16 * 60
    assert set(report.refused) <= EXPECTED_REFUSALS
    # The workload is meant to collide: stale versions, overdrafts, double opens, unknown accounts.
    assert {"LG001", "LG002", "LG003", "LG004"} <= set(report.refused)
    assert report.acknowledged > report.commands // 2


@pytest.mark.slow
def test_killing_the_server_mid_load_loses_nothing_acknowledged_and_shows_no_half_batch() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="pgledger-crash-test-"))
    try:
        report = run_crash_rounds(scratch / "data", rounds=3, writers=4, kill_points=[25, 90, 200])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"\ncrash: {report}")
    assert report.violations == []
    assert report.rounds == 3
    assert report.acknowledged >= 25 + 90 + 200
    assert report.unknown >= 1  # the kills did land while commands were in flight
