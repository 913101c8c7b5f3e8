"""The benchmark harness keeps working: a --quick run completes and writes its results.

No timing is asserted here: figures are only meaningful in `make bench`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench.run import main


@pytest.mark.slow
def test_quick_benchmark_runs_every_workload_and_writes_results(dsn: str, tmp_path: Path) -> None:
    assert main(["--quick", "--out", str(tmp_path), "--database-url", dsn]) == 0
    results = json.loads((tmp_path / "latest.json").read_text())
    assert results["meta"]["quick"] is True
    assert "PostgreSQL" in results["meta"]["postgresql"]
    names = set(results["measures"])
    for expected in (
        "append 1 event/txn: Python client (Ledger.deposit), 1,000 accounts",
        "fair baseline: UPDATE balance + INSERT event, one statement (copies)",
        "append 1 event/txn: SELECT ledger.deposit(...), nohash",
        "append 1 event/txn: SELECT ledger.deposit(...), before",
        "append 1000 events in one ledger.append",
        "8 writers, 8 accounts (events/s)",
        "replay 10k: full fold (ledger.replay)",
        "replay 10k: from snapshot (ledger.load_account)",
        "replay 10k: the PL/pgSQL fold (ledger.account_fold)",
    ):
        assert expected in names
    assert [row["events"] for row in results["tables"]["scale"]] == [1_000, 10_000]
    assert all(row["plain_sum_ms"] > 0 for row in results["tables"]["scale"])
    assert len(results["tables"]["peer"]) == 4
    assert results["tables"]["follower"][0]["events_followed"] == 8 * 50 + 8
    assert all(m["samples_s"] and min(m["samples_s"]) > 0 for m in results["measures"].values())
    assert {t["name"] for t in results["targets"]} >= {
        "client append >= 0.75 x single-row INSERT (events/s)",
        "8 writers >= 1.5 x 1 writer (events/s)",
        "SELECT ledger.deposit >= 0.85 x the fair baseline (events/s)",
        "hash chain: deposit >= 0.9 x the same ledger without it (events/s)",
        "deposit >= 0.9 x the release before this one, 424d4ef (events/s)",
        "strict full replay (ledger.replay) <= 3 x plain sum(), 10,000 events",
    }
    write_path = [t for t in results["targets"] if "0.9 x" in t["name"] or "fair baseline" in t["name"]]
    assert all(t["measured"] for t in write_path)
    assert (tmp_path / "replay.png").read_bytes()[:4] == b"\x89PNG"
    # Emmett needs node and `npm ci`: where either is missing, its rows say why instead of figures.
    emmett = results["tables"]["peer_emmett"]
    assert len(emmett) == 5
    assert all(row.get("speedup", 0) > 0 or row["note"].startswith("not measured: ") for row in emmett)
    # Message DB is measured only with --messagedb-url: without it, its rows and targets say so.
    messagedb = results["tables"]["peer_messagedb"]
    assert [row["note"] for row in messagedb] == ["not measured: no --messagedb-url given"] * 4
    messagedb_targets = [t for t in results["targets"] if "Message DB" in t["name"]]
    assert len(messagedb_targets) == 3
    assert not any(t["measured"] or t["met"] for t in messagedb_targets)
