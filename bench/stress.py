"""Concurrency stress: many connections, mixed commands on a few hot and many cold accounts.

Afterwards it checks, in the database, that every acknowledged command is stored exactly once
(at the version it was told), every rejected one zero times, each account's sequence numbers
run 1..n without gaps, no balance ever went below zero along the stored history, snapshots
equal the fold of their prefix, and ledger.verify() finds nothing. The short form runs in the
test suite; the long form in `make soak`:

    python -m bench.stress --threads 16 --ops 5000
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

import psycopg

from pgledger import Ledger, LedgerError, MoneyDeposited, MoneyWithdrawn
from pgledger.events import Event

# The codes a command may be refused with in this workload; anything else is a defect.
EXPECTED_REFUSALS = {"LG001", "LG002", "LG003", "LG004"}


@dataclass
class Outcome:
    kind: str
    accounts: list[uuid.UUID]
    event_ids: list[uuid.UUID]  # for transfers: [transfer_id]
    versions: list[int] | None = None  # acknowledged
    code: str | None = None  # refused


@dataclass
class StressReport:
    threads: int
    commands: int
    acknowledged: int
    refused: dict[str, int]
    by_kind: dict[str, int]
    accounts: int
    events: int
    setup_events: int
    seconds: float
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


def _amount(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(1, 20_000)) / 100


def _worker(
    conninfo: str,
    seed: int,
    ops: int,
    hot: list[uuid.UUID],
    cold: list[uuid.UUID],
    barrier: threading.Barrier,
    out: list[Outcome],
) -> None:
    rng = random.Random(seed)
    with Ledger(conninfo) as ledger:
        barrier.wait()
        for _ in range(ops):
            pool = hot if rng.random() < 0.7 else cold
            account = rng.choice(pool)
            roll = rng.random()
            key = uuid.uuid4()
            try:
                if roll < 0.05:
                    target = uuid.uuid4() if rng.random() < 0.6 else rng.choice(cold)
                    outcome = Outcome("open", [target], [key])
                    outcome.versions = [ledger.open_account(target, f"Owner {target.hex[:6]}", event_id=key)]
                elif roll < 0.08:
                    outcome = Outcome("deposit to unknown", [uuid.uuid4()], [key])
                    outcome.versions = [ledger.deposit(outcome.accounts[0], _amount(rng), event_id=key)]
                elif roll < 0.38:
                    expected = None
                    if rng.random() < 0.3:
                        state = ledger.state(account)
                        expected = state.version if state else 0
                    outcome = Outcome("deposit", [account], [key])
                    outcome.versions = [ledger.deposit(account, _amount(rng), expected_version=expected, event_id=key)]
                elif roll < 0.73:
                    outcome = Outcome("withdraw", [account], [key])
                    outcome.versions = [ledger.withdraw(account, _amount(rng), event_id=key)]
                elif roll < 0.85:
                    source, target = rng.sample(hot, 2)
                    outcome = Outcome("transfer", [source, target], [key])
                    outcome.versions = list(ledger.transfer(source, target, _amount(rng), transfer_id=key))
                else:
                    count = rng.randint(2, 4)
                    events: list[Event] = [
                        MoneyDeposited(account, _amount(rng))
                        if rng.random() < 0.6
                        else MoneyWithdrawn(account, _amount(rng))
                        for _ in range(count)
                    ]
                    ids = [uuid.uuid4() for _ in range(count)]
                    expected = None
                    if rng.random() < 0.3:
                        state = ledger.state(account)
                        expected = state.version if state else 0
                    outcome = Outcome("batch", [account], ids)
                    outcome.versions = [ledger.append(account, events, expected_version=expected, event_ids=ids)]
            except LedgerError as error:
                outcome.code = error.sqlstate or type(error).__name__
            except psycopg.Error as error:
                outcome.code = f"{error.sqlstate or type(error).__name__}"
            out.append(outcome)


def run_stress(
    conninfo: str, *, threads: int = 16, ops_per_thread: int = 150, hot: int = 4, cold: int = 200, seed: int = 1
) -> StressReport:
    setup = Ledger(conninfo)
    hot_accounts = [uuid.uuid4() for _ in range(hot)]
    cold_accounts = [uuid.uuid4() for _ in range(cold)]
    for account in hot_accounts:
        setup.open_account(account, "Hot")
        setup.deposit(account, Decimal("5000.00"))
    for account in cold_accounts[: cold // 2]:  # the other half may be opened by the workload
        setup.open_account(account, "Cold")
    setup.close()
    barrier = threading.Barrier(threads)
    results: list[list[Outcome]] = [[] for _ in range(threads)]
    workers = [
        threading.Thread(
            target=_worker,
            args=(conninfo, seed * 1000 + i, ops_per_thread, hot_accounts, cold_accounts, barrier, results[i]),
        )
        for i in range(threads)
    ]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    seconds = time.perf_counter() - started
    outcomes = [o for r in results for o in r]
    with psycopg.connect(conninfo, autocommit=True) as conn:
        report = StressReport(
            threads=threads,
            commands=len(outcomes),
            acknowledged=sum(o.code is None for o in outcomes),
            refused=dict(Counter(o.code for o in outcomes if o.code is not None)),
            by_kind=dict(Counter(o.kind for o in outcomes)),
            accounts=0,
            events=0,
            setup_events=2 * hot + cold // 2,
            seconds=seconds,
        )
        check(conn, outcomes, report)
    return report


def check(conn: psycopg.Connection[Any], outcomes: list[Outcome], report: StressReport) -> None:
    v = report.violations
    for code in report.refused:
        if code not in EXPECTED_REFUSALS:
            v.append(f"unexpected error {code} x{report.refused[code]}")
    conn.execute(
        "CREATE TEMP TABLE stored_ids AS SELECT event_id, aggregate_id, sequence_number, metadata FROM ledger.events"
    )
    conn.execute("CREATE INDEX ON stored_ids (event_id)")
    conn.execute("CREATE INDEX ON stored_ids ((metadata->>'transfer_id'))")
    for o in outcomes:
        if o.kind == "transfer":
            rows = conn.execute(
                "SELECT aggregate_id, sequence_number FROM stored_ids WHERE metadata->>'transfer_id' = %s",
                (str(o.event_ids[0]),),
            ).fetchall()
            expected = [] if o.code else sorted(zip(o.accounts, o.versions or [], strict=True))
        else:
            rows = conn.execute(
                "SELECT aggregate_id, sequence_number FROM stored_ids WHERE event_id = ANY(%s)", (o.event_ids,)
            ).fetchall()
            if o.code:
                expected = []
            else:
                last = (o.versions or [0])[0]
                expected = [(o.accounts[0], last - len(o.event_ids) + 1 + i) for i in range(len(o.event_ids))]
        if sorted(rows) != sorted(expected):
            v.append(
                f"{o.kind} {o.event_ids[0]} ({o.code or 'acknowledged'}): stored {sorted(rows)}, "
                f"expected {sorted(expected)}"
            )
            if len(v) > 20:
                return
    acknowledged_events = sum(2 if o.kind == "transfer" else len(o.event_ids) for o in outcomes if o.code is None)
    row = conn.execute("SELECT count(*), count(DISTINCT aggregate_id) FROM ledger.events").fetchone()
    assert row is not None
    report.events, report.accounts = int(row[0]), int(row[1])
    if report.events != report.setup_events + acknowledged_events:
        v.append(
            f"{report.events} events stored, but {report.setup_events} set up + {acknowledged_events} acknowledged"
        )
    v += invariant_violations(conn)


def invariant_violations(conn: psycopg.Connection[Any]) -> list[str]:
    """What must hold of any stored ledger, checked as the owner: gap-free sequences, no negative
    balance along any history, projection = replay (ledger.verify), snapshots = fold of their prefix."""
    v: list[str] = []
    gaps = conn.execute(
        "SELECT aggregate_id FROM ledger.events GROUP BY aggregate_id"
        " HAVING min(sequence_number) <> 1 OR max(sequence_number) <> count(*)"
    ).fetchall()
    if gaps:
        v.append(f"sequence gaps in {len(gaps)} accounts")
    negative = conn.execute(
        "SELECT count(*) FROM (SELECT sum(CASE event_type WHEN 'MoneyDeposited' THEN (payload->>'amount')::numeric"
        " WHEN 'MoneyWithdrawn' THEN -(payload->>'amount')::numeric ELSE 0 END)"
        " OVER (PARTITION BY aggregate_id ORDER BY sequence_number) AS balance FROM ledger.events) b"
        " WHERE balance < 0"
    ).fetchone()
    if negative and negative[0]:
        v.append(f"{negative[0]} events left a negative balance")
    differing = conn.execute("SELECT count(*) FROM ledger.verify()").fetchone()
    if differing and differing[0]:
        v.append(f"ledger.verify() finds {differing[0]} accounts whose replay differs")
    bad_snapshots = conn.execute(
        "SELECT count(*) FROM ledger.account_snapshots s JOIN ("
        " SELECT e.aggregate_id, e.sequence_number,"
        "  ledger.account_fold(e) OVER (PARTITION BY e.aggregate_id ORDER BY e.sequence_number) AS state"
        " FROM ledger.events e) f ON f.aggregate_id = s.account_id AND f.sequence_number = s.sequence_number"
        " WHERE (f.state).balance <> s.balance OR (f.state).last_event_at <> s.occurred_at"
    ).fetchone()
    if bad_snapshots and bad_snapshots[0]:
        v.append(f"{bad_snapshots[0]} snapshots differ from the fold of their prefix")
    return v


def main(argv: list[str] | None = None) -> int:
    from bench.run import bench_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--ops", type=int, default=5000, help="commands per thread")
    parser.add_argument("--hot", type=int, default=4)
    parser.add_argument("--cold", type=int, default=500)
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    with bench_database(args.database_url) as (conninfo, where):
        from pgledger.migrate import migrate

        migrate(conninfo)
        report = run_stress(conninfo, threads=args.threads, ops_per_thread=args.ops, hot=args.hot, cold=args.cold)
    print(json.dumps({**asdict(report), "where": where}, indent=2))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
