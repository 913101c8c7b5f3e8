"""Crash rounds: SIGKILL the embedded PostgreSQL in the middle of a load of appends, restart it,
and check that nothing acknowledged was lost and nothing half-done is visible.

Each round starts writers (single deposits and batches of 3 to 5 events, every event with a
client-made event_id), kills every server process once `kill_after` appends have been
acknowledged, restarts the server, and checks: every acknowledged event is stored once, at
its acknowledged version; a batch whose outcome is unknown is stored whole or not at all; a
refused one not at all; and the invariants of bench.stress (gap-free sequences, no negative
balance, projection = replay, snapshots = fold of their prefix). The short form runs in the
test suite; the long form in `make soak`:

    python -m bench.crash --rounds 10
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import threading
import uuid
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

import psycopg

from bench.stress import invariant_violations
from pgledger import Ledger, LedgerError, MoneyDeposited, MoneyWithdrawn, OutcomeUnknown
from pgledger.events import Event
from pgledger.migrate import migrate
from pgledger.server import EmbeddedServer


@dataclass
class Attempt:
    account: uuid.UUID
    event_ids: list[uuid.UUID]
    version: int | None = None  # acknowledged
    refused: str | None = None
    unknown: bool = False


@dataclass
class CrashReport:
    rounds: int = 0
    acknowledged: int = 0
    unknown: int = 0
    unknown_applied: int = 0
    refused: int = 0
    events_checked: int = 0
    violations: list[str] = field(default_factory=list)


class _Load:
    """Writers appending until the server dies under them."""

    def __init__(self, conninfo: str, accounts: list[uuid.UUID], writers: int, seed: int) -> None:
        self.conninfo = conninfo
        self.accounts = accounts
        self.attempts: list[Attempt] = []
        self.acknowledged = 0
        self.changed = threading.Condition()
        self.threads = [threading.Thread(target=self._write, args=(seed * 100 + i,)) for i in range(writers)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def wait_for(self, acknowledged: int) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.acknowledged >= acknowledged, timeout=120)

    def join(self) -> None:
        for t in self.threads:
            t.join(timeout=120)

    def _write(self, seed: int) -> None:
        rng = random.Random(seed)
        try:
            ledger = Ledger(self.conninfo)
        except psycopg.OperationalError:
            return
        while True:
            account = rng.choice(self.accounts)
            count = 1 if rng.random() < 0.5 else rng.randint(3, 5)
            events: list[Event] = [
                MoneyDeposited(account, Decimal(rng.randint(1, 9999)) / 100)
                if rng.random() < 0.7
                else MoneyWithdrawn(account, Decimal(rng.randint(1, 9999)) / 100)
                for _ in range(count)
            ]
            attempt = Attempt(account, [uuid.uuid4() for _ in events])
            try:
                attempt.version = ledger.append(account, events, event_ids=attempt.event_ids)
            except OutcomeUnknown:
                attempt.unknown = True
            except LedgerError as error:
                attempt.refused = error.sqlstate
            except psycopg.Error:
                attempt.unknown = True  # lost before the command was even sent
            with self.changed:
                self.attempts.append(attempt)
                if attempt.version is not None:
                    self.acknowledged += 1
                self.changed.notify_all()
            if attempt.unknown:
                return


def crash_round(
    server: EmbeddedServer,
    conninfo: str,
    accounts: list[uuid.UUID],
    *,
    writers: int,
    kill_after: int,
    seed: int,
    report: CrashReport,
) -> None:
    load = _Load(conninfo, accounts, writers, seed)
    load.start()
    load.wait_for(kill_after)
    server.kill()
    load.join()
    server.start()
    report.rounds += 1
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for attempt in load.attempts:
            rows = conn.execute(
                "SELECT aggregate_id, sequence_number FROM ledger.events WHERE event_id = ANY(%s)"
                " ORDER BY sequence_number",
                (attempt.event_ids,),
            ).fetchall()
            report.events_checked += len(attempt.event_ids)
            n = len(attempt.event_ids)
            if attempt.version is not None:
                report.acknowledged += 1
                expected = [(attempt.account, attempt.version - n + 1 + i) for i in range(n)]
                if rows != expected:
                    report.violations.append(f"acknowledged append lost or misplaced: {rows} != {expected}")
            elif attempt.refused is not None:
                report.refused += 1
                if rows:
                    report.violations.append(f"refused append ({attempt.refused}) stored {len(rows)} events")
            else:
                report.unknown += 1
                if rows:
                    report.unknown_applied += 1
                if len(rows) not in (0, n):
                    report.violations.append(f"half a batch is visible: {len(rows)} of {n} events")
        report.violations += invariant_violations(conn)
        if len(report.violations) > 20:
            report.violations[20:] = [f"... and {len(report.violations) - 20} more"]


def run_crash_rounds(
    data_dir: Path, *, rounds: int, writers: int = 4, seed: int = 1, kill_points: list[int] | None = None
) -> CrashReport:
    """`rounds` crash rounds against a fresh embedded server in data_dir (fsync off: a crash of the
    server's processes, not of the machine, leaves the written WAL with the operating system)."""
    server = EmbeddedServer(data_dir, durable=False)
    server.start()
    report = CrashReport()
    rng = random.Random(seed)
    try:
        conninfo = server.conninfo()
        migrate(conninfo)
        with Ledger(conninfo) as ledger:
            ledger.set_snapshot_interval(7)  # many snapshot boundaries per round
            accounts = [uuid.uuid4() for _ in range(6)]
            for account in accounts:
                ledger.open_account(account, "Crash test")
                ledger.deposit(account, Decimal("100000.00"))
        for i in range(rounds):
            kill_after = kill_points[i % len(kill_points)] if kill_points else rng.randint(20, 400)
            crash_round(
                server, conninfo, accounts, writers=writers, kill_after=kill_after, seed=seed + i, report=report
            )
    finally:
        server.stop()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="pgledger-crash-"))
    try:
        report = run_crash_rounds(scratch / "data", rounds=args.rounds, writers=args.writers)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(asdict(report), indent=2))
    return 0 if not report.violations else 1


if __name__ == "__main__":
    sys.exit(main())
