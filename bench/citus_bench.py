"""pgledger on one PostgreSQL 15 server against the same on a Citus cluster (a coordinator and two
workers on this machine), in one run: single-event appends on 1 and 8 connections, 1,000-event
appends, the per-command cost of delegation, and the router check (each command is one remote
command to the one worker holding its account).

    python -m bench.citus_bench [--quick] [--out bench/results]

Needs Citus installed in the PostgreSQL 15 that pg_config names (bench/citus_cluster.py); both
servers are created in a temporary directory with durable settings and removed afterwards. On a
machine of 2 cores the three servers of the cluster share the cores of one: the figures show the
cost of distribution, not its gain (docs/decisions.md, "Citus").
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from bench.citus_cluster import CitusCluster, PlainServer, citus_available
from bench.writers import together
from pgledger.migrate import migrate


@dataclass(frozen=True)
class Sizes:
    accounts: int
    single: int  # deposits per trial on one connection
    per_writer: int  # deposits per connection per trial on 8
    batches: int  # 1,000-event appends per trial
    trials: int


QUICK = Sizes(accounts=100, single=200, per_writer=50, batches=2, trials=3)
DEFAULT = Sizes(accounts=1000, single=1000, per_writer=250, batches=5, trials=5)


def open_accounts(conninfo: str, count: int) -> list[uuid.UUID]:
    accounts = [uuid.uuid4() for _ in range(count)]
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for account in accounts:
            conn.execute("SELECT ledger.open_account(%s, 'Bench')", (account,))
    return accounts


def depositor(conninfo: str) -> Callable[[uuid.UUID], object]:
    """One connection's single-event append: a prepared ledger.deposit, autocommit."""
    conn = psycopg.connect(conninfo, autocommit=True)
    return lambda account: conn.execute("SELECT ledger.deposit(%s, 1.00)", (account,), prepare=True).fetchone()


def timed(trial: Callable[[], object]) -> float:
    started = time.perf_counter()
    trial()
    return time.perf_counter() - started


def workloads(conninfo: str, accounts: Sequence[uuid.UUID], sizes: Sizes) -> dict[str, Callable[[], object]]:
    one = depositor(conninfo)
    eight = [depositor(conninfo) for _ in range(8)]
    batch_account = open_accounts(conninfo, 1)[0]
    batch = Jsonb([{"event_type": "MoneyDeposited", "payload": {"amount": "1.00"}}] * 1000)
    batch_conn = psycopg.connect(conninfo, autocommit=True)
    return {
        "one": together([one], [list(accounts)], sizes.single),
        "eight": together(eight, [list(accounts)] * 8, sizes.per_writer),
        "batch": lambda: [
            batch_conn.execute("SELECT ledger.append(%s, NULL, %s)", (batch_account, batch))
            for _ in range(sizes.batches)
        ],
    }


def router_check(coordinator: str, account: uuid.UUID) -> dict[str, Any]:
    """What a deposit sends to the workers, and what EXPLAIN says of it."""
    notices: list[str] = []
    with psycopg.connect(coordinator, autocommit=True) as conn:
        conn.add_notice_handler(lambda diag: notices.append(diag.message_primary or ""))
        conn.execute("SET citus.log_remote_commands = on")
        conn.execute("SELECT ledger.deposit(%s, 1.00)", (account,))
        issued = [n.split("(")[0] for n in notices if n.startswith("issuing")]
        conn.execute("SET citus.log_remote_commands = off")
        plan = [r[0].strip() for r in conn.execute("EXPLAIN SELECT ledger.deposit(%s, 1.00)", (account,)).fetchall()]
    return {"remote_commands_per_deposit": issued, "explain": plan}


def run(sizes: Sizes) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="pgledger-citus-bench-") as scratch:
        single = PlainServer(Path(scratch) / "single")
        cluster = CitusCluster(Path(scratch) / "cluster")
        try:
            targets = {"single": single.start("pgledger"), "cluster": cluster.start("pgledger").coordinator}
            for conninfo in targets.values():
                migrate(conninfo)
            accounts = {name: open_accounts(conninfo, sizes.accounts) for name, conninfo in targets.items()}
            work = {name: workloads(targets[name], accounts[name], sizes) for name in targets}
            samples: dict[str, dict[str, list[float]]] = {name: {k: [] for k in work[name]} for name in work}
            for _ in range(sizes.trials):  # taken in turn, so drift hits both alike
                for kind in ("one", "eight", "batch"):
                    for name in targets:
                        samples[name][kind].append(timed(work[name][kind]))
            with psycopg.connect(targets["single"]) as conn:
                version = conn.execute("SHOW server_version").fetchone()
            return {
                "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "sizes": sizes.__dict__,
                "server": f"PostgreSQL {version[0] if version else '?'}, durable settings; "
                f"cluster: Citus coordinator + 2 workers on this machine; {platform.machine()}",
                "rates": rates(samples, sizes),
                "router": router_check(targets["cluster"], accounts["cluster"][0]),
            }
        finally:
            cluster.stop()
            single.stop()


def rates(samples: dict[str, dict[str, list[float]]], sizes: Sizes) -> dict[str, dict[str, float]]:
    events = {"one": sizes.single, "eight": 8 * sizes.per_writer, "batch": 1000 * sizes.batches}
    return {
        name: {kind: events[kind] / statistics.median(times) for kind, times in by_kind.items()}
        for name, by_kind in samples.items()
    }


def markdown(result: dict[str, Any]) -> str:
    labels = {
        "one": "single-event appends, 1 connection (events/s)",
        "eight": "single-event appends, 8 connections (events/s)",
        "batch": "1,000-event appends (events/s)",
    }
    single, cluster = result["rates"]["single"], result["rates"]["cluster"]
    lines = [
        f"Run {result['started']}: {result['server']}.",
        "",
        "| workload | one server | Citus cluster | cluster / one server |",
        "|---|---|---|---|",
    ]
    for kind, label in labels.items():
        lines.append(f"| {label} | {single[kind]:,.0f} | {cluster[kind]:,.0f} | {cluster[kind] / single[kind]:.2f} |")
    per_command = 1e3 / cluster["one"] - 1e3 / single["one"]
    issued = result["router"]["remote_commands_per_deposit"]
    plan = [line for line in result["router"]["explain"] if "Task Count" in line or "Node:" in line]
    lines += [
        "",
        f"Delegation costs {per_command:.3f} ms per command on one connection (the coordinator's hop to "
        f"the worker). Router check: a deposit sent {len(issued)} remote command(s): {', '.join(issued)}; "
        f"EXPLAIN: {'; '.join(plan)}.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.citus_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--out", type=Path, default=Path("bench/results"), help="where citus.json and citus.md go")
    args = parser.parse_args(argv)
    missing = citus_available()
    if missing is not None:
        print(f"citus_bench: not measured: {missing}")
        return 0
    result = run(QUICK if args.quick else DEFAULT)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "citus.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    summary = markdown(result)
    (args.out / "citus.md").write_text(summary, encoding="utf-8")
    print(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
