"""The pgledger benchmark: figures and ratios against baselines measured in the same run.

    make bench                     # the default run (under 10 minutes on 2 cores)
    python -m bench.run --quick    # the harness on small sizes (under a minute)

It uses DATABASE_URL's server (in a database pgledger_bench it recreates) when that is set,
else a throwaway embedded PostgreSQL with its default, durable settings. Every target is a
ratio to a baseline timed in the same run, since absolute times on a shared machine drift.
Prints a table of medians with min-max, writes bench/results/latest.json and a PNG plot.
Nothing here asserts: the targets are reported as met or not.

Peers, each measured on the same server in the same run: the Python eventsourcing library;
Emmett's PostgreSQL event store, driven by node when node and npm are here (bench/peer_emmett.py);
Message DB's write_message, only with --messagedb-url (bench/peer_messagedb.py). A peer that
cannot run gets rows that say "not measured" and why.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import Jsonb

from bench import peer_messagedb as messagedb
from bench.peer_emmett import EmmettPeer
from bench.peer_emmett import prepare_peer as prepare_emmett
from bench.peer_unavailable import PeerUnavailable
from bench.writers import together
from pgledger import Ledger, Subscriber, new_event_id
from pgledger.migrate import migrate
from pgledger.server import EmbeddedServer, ServerError, bin_dir

RESULTS = Path(__file__).resolve().parent / "results"
# The baseline of every replay target: a plain sum of one account's amounts, the same rows read.
PLAIN_SUM = "SELECT sum((payload ->> 'amount')::numeric) FROM ledger.events WHERE aggregate_id = %s"
BENCH_DB = "pgledger_bench"
# ledger.deposit(account, amount, expected_version, occurred_at, event_id), as the client calls it.
DEPOSIT_SQL = "SELECT ledger.deposit(%s::uuid, %s::numeric, NULL, NULL, %s::uuid)"


@dataclass(frozen=True)
class Sizes:
    """How big each workload is; --quick shrinks everything."""

    single_events: int
    single_trials: int
    batch_trials: int
    writers_events: int
    writers_trials: int
    replay_trials: int
    scale: tuple[int, ...]
    scale_probes: int
    peer_single: int
    peer_batch: int
    peer_aggregate: int
    peer_trials: int
    interval_sweep: tuple[int, ...]
    # Emmett and Message DB: single-event appends per trial (shared among the connections), the
    # streams of the "random streams" rows, Emmett's one-append batch and stream to rebuild.
    rival_trials: int = 5
    rival_events: int = 1000
    rival_streams: int = 1000
    emmett_batch: int = 1000
    emmett_stream: int = 10_000


DEFAULT = Sizes(
    2000, 5, 10, 400, 3, 15, (1_000, 10_000, 100_000, 1_000_000), 60, 1000, 10_000, 10_000, 5, (10, 50, 100, 500, 1000)
)
QUICK = replace(
    Sizes(200, 3, 3, 50, 2, 5, (1_000, 10_000), 20, 100, 1000, 1000, 2, ()),
    rival_trials=2,
    rival_events=120,
    emmett_stream=1000,
)


@dataclass
class Measure:
    """Samples of one measurement, in seconds per trial (or per call), and what one trial does."""

    name: str
    samples: list[float]
    events: int = 1  # events per trial, for events/s

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def rate(self, value: float | None = None) -> float:
        return self.events / (self.median if value is None else value)


@dataclass
class Target:
    name: str
    value: float
    threshold: float
    higher_is_better: bool
    detail: str
    measured: bool = True  # False: the peer was not measured (value means nothing, detail says why)

    @property
    def met(self) -> bool:
        if not self.measured:
            return False
        return self.value >= self.threshold if self.higher_is_better else self.value <= self.threshold

    @property
    def verdict(self) -> str:
        return "not measured" if not self.measured else "met" if self.met else "NOT MET"


@dataclass
class Report:
    meta: dict[str, Any]
    measures: dict[str, Measure] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, measure: Measure) -> Measure:
        self.measures[measure.name] = measure
        return measure


# The ledger before this release (issues 8-12), as installed by commit 424d4ef.
BEFORE_INSTALL = Path(__file__).resolve().parent.parent / "tests" / "data" / "install_424d4ef.sql"
# For one measure only, in a copy of the ledger: the hash chain's function returning a constant.
NO_HASH = (
    "CREATE OR REPLACE FUNCTION ledger.event_hash(p_previous bytea, p_event ledger.events) RETURNS bytea"
    " LANGUAGE plpgsql IMMUTABLE AS $f$BEGIN RETURN '\\x00'::bytea; END$f$"
)


# A stand-in for an event's chain hash in the baseline tables' rows: they store what an event row
# stores (32 bytes here), not what computing it costs.
CHAIN_HASH = bytes(range(32))


def timed(fn: Callable[[], object], trials: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(trials):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


Work = Callable[[], object]


def interleaved(
    fns: dict[str, Work], trials: int, warmup: int = 1, prepare: dict[str, Callable[[], Work]] | None = None
) -> dict[str, list[float]]:
    """Trials of several workloads taken in turn, so that drift of the machine hits them alike.

    A workload in `prepare` is built afresh before each trial, outside the timed region (for
    baselines whose rows must be new each time).
    """
    prepare = prepare or {}
    samples: dict[str, list[float]] = {name: [] for name in [*fns, *prepare]}
    for round_ in range(warmup + trials):
        for name in samples:
            work = fns[name] if name in fns else prepare[name]()
            start = time.perf_counter()
            work()
            if round_ >= warmup:
                samples[name].append(time.perf_counter() - start)
    return samples


def alternate(ours: dict[str, Work], theirs: Callable[[], float], trials: int) -> dict[str, list[float]]:
    """Trials of pgledger's workloads and of a peer that times itself (another process), in turn.

    Each of ours runs once untimed first; `theirs` returns its own timed seconds (and warms up
    by itself). The peer's samples are under "peer".
    """
    for work in ours.values():
        work()
    samples: dict[str, list[float]] = {name: [] for name in [*ours, "peer"]}
    for _ in range(trials):
        for name, work in ours.items():
            samples[name] += timed(work, 1, warmup=0)
        samples["peer"].append(theirs())
    return samples


def depositor(ledger: Ledger) -> Callable[[uuid.UUID], object]:
    """Deposits 1.00 into the given account through the Python client (Ledger.deposit)."""
    return lambda account: ledger.deposit(account, Decimal("1.00"))


def deposit_statement(conn: psycopg.Connection[Any]) -> Callable[[uuid.UUID], object]:
    """Deposits 1.00 into the given account: one prepared ``ledger.deposit`` call, one transaction."""

    def deposit(account: uuid.UUID) -> object:
        return conn.execute(DEPOSIT_SQL, (account, Decimal("1.00"), new_event_id()), prepare=True).fetchone()

    return deposit


def deposits(count: int, amount: str = "1.00") -> list[dict[str, Any]]:
    return [{"event_type": "MoneyDeposited", "payload": {"amount": amount}} for _ in range(count)]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def embedded_psql() -> str | None:
    """The embedded server's psql, if pgledger[embedded] is installed (the bench may run without it)."""
    try:
        return shutil.which("psql", path=str(bin_dir()))
    except ServerError:
        return None


class Bench:
    def __init__(self, conninfo: str, sizes: Sizes, report: Report) -> None:
        self.interval = 50
        self.conninfo = conninfo
        self.sizes = sizes
        self.report = report
        self.conn = psycopg.connect(conninfo, autocommit=True)
        self.t0 = datetime.now(timezone.utc) - timedelta(days=400)
        self.side_ledgers_made: list[str] = []  # databases made by side_ledgers, dropped after use

    # -- set-up ---------------------------------------------------------------------------------

    def prepare(self) -> None:
        migrate(self.conninfo)
        self.conn.execute("CREATE SCHEMA IF NOT EXISTS bench")
        for table in ("baseline_events", "fair_events", "fair_accounts", "floor_events"):
            self.conn.execute(sql.SQL("DROP TABLE IF EXISTS bench.{}").format(sql.Identifier(table)))
        # The baseline of batches: the same rows into a copy of ledger.events (columns, defaults,
        # identity, constraints, indexes), with no ledger in between.
        self.conn.execute("CREATE TABLE bench.baseline_events (LIKE ledger.events INCLUDING ALL)")
        row = self.conn.execute("SELECT snapshot_interval FROM ledger.stats()").fetchone()
        self.interval = int(row[0]) if row else 50
        self.report.meta["snapshot_interval"] = self.interval
        self.conn.execute(
            "CREATE OR REPLACE FUNCTION bench.noop_apply(p_state ledger.account, p_event ledger.events)"
            " RETURNS ledger.account LANGUAGE plpgsql IMMUTABLE AS 'BEGIN RETURN p_state; END'"
        )
        self.conn.execute(
            "CREATE OR REPLACE AGGREGATE bench.noop_fold(ledger.events)"
            " (SFUNC = bench.noop_apply, STYPE = ledger.account)"
        )

    def open_account(self, name: str) -> uuid.UUID:
        account = uuid.uuid4()
        self.conn.execute("SELECT ledger.open_account(%s, %s, %s)", (account, name, self.t0))
        return account

    def build_account(self, events: int, spacing: timedelta = timedelta(seconds=1)) -> tuple[uuid.UUID, datetime]:
        """An account with `events` events (opening included), one every `spacing`, in the past."""
        account = uuid.uuid4()
        start = datetime.now(timezone.utc) - spacing * (events + 10)
        self.conn.execute("SELECT ledger.open_account(%s, %s, %s)", (account, f"scale {events}", start))
        done, chunk = 1, 10_000
        while done < events:
            n = min(chunk, events - done)
            batch = [
                {
                    "event_type": "MoneyDeposited",
                    "payload": {"amount": "1.25"},
                    "occurred_at": (start + spacing * (done + i)).isoformat(),
                }
                for i in range(n)
            ]
            self.conn.execute("SELECT ledger.append(%s, NULL, %s)", (account, Jsonb(batch)))
            done += n
        self.conn.execute("VACUUM ANALYZE ledger.events")
        return account, start

    # -- workloads ------------------------------------------------------------------------------

    def single_event_appends(self) -> None:
        """One deposit per transaction, against what its parts cost and what it cost before.

        All on one connection each, 1,000 accounts chosen at random, interleaved: the Python
        client; ``SELECT ledger.deposit`` as a prepared statement (what any language does); the
        fair baseline (the issue's: the event and the balance in one statement, on copies of
        ``ledger.events`` and ``ledger.accounts`` with every index and constraint they have, no
        rules, no hash); a single-row INSERT into the copy of ``ledger.events``; the physical floor
        (the same row into a table with no index); the same ledger with its hash chain stubbed out
        (``event_hash`` returning a constant: a copy made for this measure only); and the release
        before this one (tests/data/install_424d4ef.sql, restored here) when psql is at hand.
        """
        n, trials = self.sizes.single_events, self.sizes.single_trials
        log(f"single-event appends: {n} events per trial, {trials} trials")
        accounts = self.open_accounts(1000)
        ledger = Ledger(self.conninfo)
        payload = Jsonb({"amount": "1.00"})
        self.conn.execute("CREATE TABLE bench.fair_events (LIKE ledger.events INCLUDING ALL)")
        self.conn.execute("CREATE TABLE bench.fair_accounts (LIKE ledger.accounts INCLUDING ALL)")
        self.conn.execute(
            "INSERT INTO bench.fair_accounts SELECT * FROM ledger.accounts WHERE account_id = ANY(%s)", (accounts,)
        )
        self.conn.execute("CREATE TABLE bench.floor_events (LIKE ledger.events INCLUDING DEFAULTS INCLUDING IDENTITY)")
        fair_sql = (
            "WITH a AS (UPDATE bench.fair_accounts SET balance = balance + 1.00, version = version + 1,"
            " last_event_at = clock_timestamp() WHERE account_id = %s RETURNING account_id, version, last_event_at)"
            " INSERT INTO bench.fair_events (event_id, aggregate_id, sequence_number, event_type, payload,"
            " occurred_at, hash) SELECT %s, a.account_id, a.version, 'MoneyDeposited', %s, a.last_event_at, %s FROM a"
        )
        insert_sql = (
            "INSERT INTO bench.{} (event_id, aggregate_id, sequence_number, event_type, payload, occurred_at, hash)"
            " VALUES (%s, %s, %s, 'MoneyDeposited', %s, %s, %s)"
        )
        picks = random.Random(7)
        sequence = [0]
        # The single-row INSERTs go to an aggregate of their own: the fair baseline writes the
        # picked accounts' next sequence numbers into the same copy of ledger.events.
        insert_aggregate = uuid.uuid4()

        def pick() -> uuid.UUID:
            return accounts[picks.randrange(len(accounts))]

        def client() -> None:
            for _ in range(n):
                ledger.deposit(pick(), Decimal("1.00"))

        def statement(conn: psycopg.Connection[Any], keys: list[uuid.UUID]) -> Work:
            deposit = deposit_statement(conn)

            def run() -> None:
                for _ in range(n):
                    deposit(keys[picks.randrange(len(keys))])

            return run

        def fair() -> None:
            for _ in range(n):
                self.conn.execute(fair_sql, (pick(), new_event_id(), payload, CHAIN_HASH), prepare=True)

        def insert(table: str) -> Work:
            query = insert_sql.format(table)

            def run() -> None:
                now = datetime.now(timezone.utc)
                for _ in range(n):
                    sequence[0] += 1
                    row = (new_event_id(), insert_aggregate, sequence[0], payload, now, CHAIN_HASH)
                    self.conn.execute(query, row, prepare=True)

            return run

        work: dict[str, Work] = {
            "client": client,
            "raw": statement(self.conn, accounts),
            "fair": fair,
            "insert": insert("fair_events"),
            "floor": insert("floor_events"),
        }
        with ExitStack() as stack:
            for name, (conninfo, why) in self.side_ledgers().items():
                if conninfo is None:
                    self.report.meta[f"deposit_{name}"] = f"not measured: {why}"
                    log(f"deposit on {name}: not measured: {why}")
                    continue
                conn = stack.enter_context(psycopg.connect(conninfo, autocommit=True))
                keys = [uuid.uuid4() for _ in range(1000)]
                conn.execute("SELECT ledger.open_account(a, 'bench') FROM pg_catalog.unnest(%s::uuid[]) AS a", (keys,))
                work[name] = statement(conn, keys)
                self.report.meta[f"deposit_{name}"] = why
            samples = interleaved(work, trials)
        ledger.close()
        for name in self.side_ledgers_made:
            self.conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        add = self.report.add
        c = add(Measure("append 1 event/txn: Python client (Ledger.deposit), 1,000 accounts", samples["client"], n))
        r = add(Measure("append 1 event/txn: SELECT ledger.deposit(...), prepared", samples["raw"], n))
        f = add(Measure("fair baseline: UPDATE balance + INSERT event, one statement (copies)", samples["fair"], n))
        b = add(Measure("baseline: INSERT 1 row + commit (copy of ledger.events)", samples["insert"], n))
        add(Measure("floor: INSERT 1 row + commit (no index)", samples["floor"], n))
        self.report.targets.append(
            Target(
                "SELECT ledger.deposit >= 0.85 x the fair baseline (events/s)",
                r.rate() / f.rate(),
                0.85,
                True,
                f"{r.rate():,.0f} vs {f.rate():,.0f} events/s",
            )
        )
        self.report.targets.append(
            Target(
                "client append >= 0.75 x single-row INSERT (events/s)",
                c.rate() / b.rate(),
                0.75,
                True,
                f"{c.rate():,.0f} vs {b.rate():,.0f} events/s",
            )
        )
        for name, title, threshold in (
            ("nohash", "hash chain: deposit >= 0.9 x the same ledger without it (events/s)", 0.9),
            ("before", "deposit >= 0.9 x the release before this one, 424d4ef (events/s)", 0.9),
        ):
            if name not in samples:
                reason = self.report.meta[f"deposit_{name}"]
                self.report.targets.append(Target(title, 0.0, threshold, True, reason, measured=False))
                continue
            other = add(Measure(f"append 1 event/txn: SELECT ledger.deposit(...), {name}", samples[name], n))
            detail = f"{r.rate():,.0f} vs {other.rate():,.0f} events/s"
            self.report.targets.append(Target(title, r.rate() / other.rate(), threshold, True, detail))

    def side_ledgers(self) -> dict[str, tuple[str | None, str]]:
        """Two more ledgers on the same server, for the write path's comparisons: (conninfo or
        None, what it is or why it is missing)."""
        out: dict[str, tuple[str | None, str]] = {}
        params = conninfo_to_dict(self.conninfo)
        for name in ("nohash", "before"):
            db = f"{params.get('dbname', BENCH_DB)}_{name}"
            try:
                self.conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))
                self.conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
            except psycopg.Error as error:
                out[name] = (None, f"cannot create a database: {str(error).splitlines()[0]}")
                continue
            self.side_ledgers_made.append(db)
            conninfo = " ".join(f"{k}={v}" for k, v in {**params, "dbname": db}.items() if v is not None)
            if name == "nohash":
                migrate(conninfo)
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    conn.execute(NO_HASH)
                out[name] = (conninfo, "this ledger with ledger.event_hash returning a constant (measure only)")
                continue
            psql = embedded_psql() or shutil.which("psql")
            if psql is None:
                out[name] = (None, "no psql to restore tests/data/install_424d4ef.sql")
                continue
            done = subprocess.run(
                [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-f", str(BEFORE_INSTALL)],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                out[name] = (None, f"restoring the release before failed: {done.stderr.strip()[:200]}")
                continue
            out[name] = (conninfo, "the release before this one (424d4ef), restored from tests/data")
        return out

    def batch_appends(self) -> None:
        trials = self.sizes.batch_trials
        log(f"1000-event batches: {trials} trials")
        account = self.open_account("batch")
        keyed_account = self.open_account("batch keyed")
        events = Jsonb(deposits(1000))
        aggregate = uuid.uuid4()
        sequence = [1]
        row_sql = "(%s, %s, %s, 'MoneyDeposited', %s, %s, %s)"
        query = (
            "INSERT INTO bench.baseline_events (event_id, aggregate_id, sequence_number, event_type, payload,"
            " occurred_at, hash) VALUES " + ", ".join([row_sql] * 1000)
        )

        def append() -> None:
            self.conn.execute("SELECT ledger.append(%s, NULL, %s)", (account, events))

        def append_keyed() -> Work:
            keyed = Jsonb([{**e, "event_id": str(uuid.uuid4())} for e in deposits(1000)])
            return lambda: self.conn.execute("SELECT ledger.append(%s, NULL, %s)", (keyed_account, keyed))

        def baseline() -> Work:
            now = datetime.now(timezone.utc)
            params: list[Any] = []
            for _ in range(1000):
                sequence[0] += 1
                params += [uuid.uuid4(), aggregate, sequence[0], Jsonb({"amount": "1.00"}), now, CHAIN_HASH]
            return lambda: self.conn.execute(query, params)

        samples = interleaved({"append": append}, trials, prepare={"keyed": append_keyed, "baseline": baseline})
        a = self.report.add(Measure("append 1000 events in one ledger.append", samples["append"], 1000))
        self.report.add(Measure("append 1000 events in one ledger.append, with event_ids", samples["keyed"], 1000))
        b = self.report.add(Measure("baseline: one 1000-row INSERT (copy of ledger.events)", samples["baseline"], 1000))
        self.report.targets.append(
            Target(
                "1000-event append >= 0.5 x multi-row INSERT (events/s)",
                a.rate() / b.rate(),
                0.5,
                True,
                f"{a.rate():,.0f} vs {b.rate():,.0f} events/s",
            )
        )

    def concurrent_writers(self) -> None:
        n, trials = self.sizes.writers_events, self.sizes.writers_trials
        log(f"8 writers on 8 accounts vs 1 writer: {n} events per writer, {trials} trials")

        def run(writers: int) -> Callable[[], None]:
            accounts = [self.open_account(f"writer {i}") for i in range(writers)]
            clients = [Ledger(self.conninfo) for _ in range(writers)]

            def work() -> None:
                barrier = threading.Barrier(writers + 1)

                def writer(i: int) -> None:
                    barrier.wait()
                    for _ in range(n):
                        clients[i].deposit(accounts[i], Decimal("1.00"))

                threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
                for t in threads:
                    t.start()
                barrier.wait()
                for t in threads:
                    t.join()

            return work

        samples = interleaved({"one": run(1), "eight": run(8)}, trials)
        one = self.report.add(Measure("1 writer, 1 account (events/s)", samples["one"], n))
        eight = self.report.add(Measure("8 writers, 8 accounts (events/s)", samples["eight"], 8 * n))
        self.report.targets.append(
            Target(
                "8 writers >= 1.5 x 1 writer (events/s)",
                eight.rate() / one.rate(),
                1.5,
                True,
                f"{eight.rate():,.0f} vs {one.rate():,.0f} events/s",
            )
        )

    def call(self, query: str, params: tuple[Any, ...]) -> Callable[[], None]:
        def run() -> None:
            self.conn.execute(query, params).fetchall()

        return run

    def replay(self) -> None:
        trials = self.sizes.replay_trials
        log(f"replay of a 10,000-event account: {trials} trials")
        account, _ = self.build_account(10_000)
        # The worst case: interval - 1 events after the latest snapshot.
        worst, _ = self.build_account(10_000 + self.interval - 1)
        samples = interleaved(
            {
                "fold": self.call("SELECT * FROM ledger.replay(%s)", (account,)),
                "snapshot": self.call("SELECT * FROM ledger.load_account(%s)", (account,)),
                "snapshot_worst": self.call("SELECT * FROM ledger.load_account(%s)", (worst,)),
                "sum": self.call(PLAIN_SUM, (account,)),
                # The PL/pgSQL fold itself (what ledger.replay ran before it became set-based, and
                # what it still runs to name the error of a damaged history).
                "plpgsql": self.call(
                    "SELECT ledger.account_fold(e ORDER BY e.sequence_number) FROM ledger.events AS e"
                    " WHERE e.aggregate_id = %s",
                    (account,),
                ),
                # The floor of any PL/pgSQL fold: an aggregate whose transition does nothing.
                "noop": self.call(
                    "SELECT bench.noop_fold(e ORDER BY e.sequence_number) FROM ledger.events AS e"
                    " WHERE e.aggregate_id = %s",
                    (account,),
                ),
            },
            trials,
            warmup=2,
        )
        fold = self.report.add(Measure("replay 10k: full fold (ledger.replay)", samples["fold"]))
        snap = self.report.add(Measure("replay 10k: from snapshot (ledger.load_account)", samples["snapshot"]))
        worst_m = self.report.add(
            Measure(
                f"replay {10_000 + self.interval - 1:,}: from snapshot + {self.interval - 1} events (worst case)",
                samples["snapshot_worst"],
            )
        )
        base = self.report.add(Measure("baseline: SELECT sum(amount) over the same 10k rows", samples["sum"]))
        noop = self.report.add(Measure("floor: a no-op PL/pgSQL aggregate over the same 10k rows", samples["noop"]))
        plpgsql = self.report.add(Measure("replay 10k: the PL/pgSQL fold (ledger.account_fold)", samples["plpgsql"]))
        self.report.targets.append(
            Target(
                "strict full replay (ledger.replay) <= 3 x plain sum(), 10,000 events",
                fold.median / base.median,
                3.0,
                False,
                f"{fold.median * 1e3:.2f} ms vs {base.median * 1e3:.2f} ms; the PL/pgSQL fold is "
                f"{plpgsql.median / base.median:.1f} x, a no-op PL/pgSQL fold alone {noop.median / base.median:.1f} x",
            )
        )
        # The snapshot target is the seed's: loading from a snapshot against folding every event
        # with the PL/pgSQL fold (the per-event work a snapshot saves).
        self.report.targets.append(
            Target(
                f"from snapshot >= 50 x faster than the PL/pgSQL full fold (worst case: {self.interval - 1} events)",
                plpgsql.median / worst_m.median,
                50.0,
                True,
                f"{worst_m.median * 1e3:.3f} ms (best case {snap.median * 1e3:.3f} ms)"
                f" vs {plpgsql.median * 1e3:.2f} ms; {fold.median / worst_m.median:.0f} x faster than the new replay",
            )
        )

    def scale_curve(self) -> None:
        rows = []
        rng = random.Random(7)
        for size in self.sizes.scale:
            log(f"scale: building an account of {size:,} events")
            account, start = self.build_account(size)
            fold_trials = 3 if size >= 1_000_000 else 5
            samples = interleaved(
                {
                    "fold": self.call("SELECT * FROM ledger.replay(%s)", (account,)),
                    "sum": self.call(PLAIN_SUM, (account,)),
                },
                fold_trials,
            )
            fold = Measure(f"scale {size}: full fold", samples["fold"])
            plain = Measure(f"scale {size}: plain sum()", samples["sum"])
            snap = Measure(
                f"scale {size}: from snapshot",
                timed(self.call("SELECT * FROM ledger.load_account(%s)", (account,)), 20, warmup=3),
            )
            probes = [start + timedelta(seconds=rng.uniform(0, size)) for _ in range(self.sizes.scale_probes)]
            self.call("SELECT * FROM ledger.account_state_at(%s, %s)", (account, probes[0]))()
            at_samples = []
            for probe in probes:
                at_samples += timed(
                    self.call("SELECT * FROM ledger.account_state_at(%s, %s)", (account, probe)), 1, warmup=0
                )
            at = Measure(f"scale {size}: account_state_at(random time)", at_samples)
            for m in (fold, plain, snap, at):
                self.report.add(m)
            rows.append(
                {
                    "events": size,
                    "full_fold_ms": fold.median * 1e3,
                    "plain_sum_ms": plain.median * 1e3,
                    "from_snapshot_ms": snap.median * 1e3,
                    "state_at_ms": at.median * 1e3,
                }
            )
        self.report.tables["scale"] = rows
        for row in rows:
            if row["events"] == 100_000:
                self.report.targets.append(
                    Target(
                        "strict full replay (ledger.replay) <= 3 x plain sum(), 100,000 events",
                        row["full_fold_ms"] / row["plain_sum_ms"],
                        3.0,
                        False,
                        f"{row['full_fold_ms']:.1f} ms vs {row['plain_sum_ms']:.1f} ms",
                    )
                )
        smallest, largest = self.sizes.scale[0], self.sizes.scale[-1]
        first = self.report.measures[f"scale {smallest}: account_state_at(random time)"]
        last = self.report.measures[f"scale {largest}: account_state_at(random time)"]
        self.report.targets.append(
            Target(
                f"account_state_at flat: median at {largest:,} <= 1.5 x at {smallest:,} events",
                last.median / first.median,
                1.5,
                False,
                f"{last.median * 1e3:.3f} ms vs {first.median * 1e3:.3f} ms",
            )
        )

    def interval_sweep(self) -> None:
        if not self.sizes.interval_sweep:
            return
        log(f"snapshot interval sweep: {self.sizes.interval_sweep}")
        account, _ = self.build_account(20_000)
        batch_account = self.open_account("sweep batch")
        events = Jsonb(deposits(1000))
        rng = random.Random(11)
        rows = []
        for interval in self.sizes.interval_sweep:
            self.conn.execute("SELECT ledger.set_snapshot_interval(%s)", (interval,))
            self.conn.execute("SELECT ledger.rebuild_snapshots(%s)", (account,))
            versions = [rng.randint(10_000, 20_000) for _ in range(30)]
            at_version = []
            for v in versions:
                at_version += timed(
                    self.call("SELECT * FROM ledger.account_state_at_version(%s, %s)", (account, v)), 1, warmup=0
                )
            batch = timed(self.call("SELECT ledger.append(%s, NULL, %s)", (batch_account, events)), 5)
            rows.append(
                {
                    "interval": interval,
                    "state_at_version_ms": statistics.median(at_version) * 1e3,
                    "append_1000_ms": statistics.median(batch) * 1e3,
                    "snapshots_per_million_events": 1_000_000 // interval,
                }
            )
        self.conn.execute("SELECT ledger.set_snapshot_interval(%s)", (self.interval,))
        self.conn.execute("SELECT ledger.rebuild_snapshots(%s)", (account,))
        self.report.tables["snapshot_interval"] = rows

    def follower(self) -> None:
        """A Subscriber following the store while 8 writers append: its lag and throughput."""
        n = self.sizes.writers_events
        log(f"follower: 8 writers x {n} events, one subscriber")
        name = "bench_follower"
        # Start at the current end of the store: the earlier workloads are not its business.
        while (row := self.conn.execute("SELECT ledger.assign_positions(100000)").fetchone()) and row[0] > 0:
            pass
        # A database given with --database-url may hold this subscription from an earlier run.
        self.conn.execute("SELECT ledger.drop_subscription(%s)", (name,))
        self.conn.execute(
            "SELECT ledger.create_subscription(%s, NULL, (SELECT last_position FROM ledger.read_all_status()))",
            (name,),
        )
        lags: list[float] = []
        handled: list[float] = []

        def handler(conn: psycopg.Connection[Any], batch: Any) -> None:
            now = datetime.now(timezone.utc)
            lags.extend((now - e.recorded_at).total_seconds() for e in batch)
            handled.append(time.perf_counter())

        subscriber = Subscriber(self.conninfo, name, handler, batch_size=500, poll_interval=1.0)
        stop = threading.Event()
        follower_thread = threading.Thread(target=subscriber.run, args=(stop,))
        follower_thread.start()
        accounts = [self.open_account(f"followed {i}") for i in range(8)]
        clients = [Ledger(self.conninfo) for _ in range(8)]
        barrier = threading.Barrier(9)

        def writer(i: int) -> None:
            barrier.wait()
            for _ in range(n):
                clients[i].deposit(accounts[i], Decimal("1.00"))

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        barrier.wait()
        started = time.perf_counter()
        for t in threads:
            t.join()
        written = time.perf_counter() - started
        expected = 8 * n + 8  # the deposits and the openings
        deadline = time.monotonic() + 120
        while subscriber.processed < expected and time.monotonic() < deadline:
            time.sleep(0.01)
        drained = time.perf_counter() - started
        stop.set()
        follower_thread.join()
        for c in clients:
            c.close()
        lags.sort()
        self.report.tables["follower"] = [
            {
                "writers_events_per_s": 8 * n / written,
                "follower_events_per_s": subscriber.processed / drained,
                "events_followed": subscriber.processed,
                "lag_median_ms": lags[len(lags) // 2] * 1e3 if lags else float("nan"),
                "lag_p99_ms": lags[int(len(lags) * 0.99)] * 1e3 if lags else float("nan"),
                "lag_max_ms": lags[-1] * 1e3 if lags else float("nan"),
                "drained_after_writers_ms": (drained - written) * 1e3,
            }
        ]

    def peer(self) -> None:
        try:
            from bench.peer_eventsourcing import PeerSettings, peer_version, run_peer
        except ImportError as error:
            log(f"peer skipped: {error} (pip install 'pgledger[bench]')")
            self.report.meta["peer"] = f"not run: {error}"
            return
        s = self.sizes
        log(f"peer: eventsourcing {peer_version()}")
        params = conninfo_to_dict(self.conninfo)
        settings = PeerSettings(
            host=str(params.get("host") or "localhost"),
            port=int(params.get("port") or 5432),
            user=str(params.get("user") or "postgres"),
            password=str(params["password"]) if params.get("password") else None,
            dbname=str(params.get("dbname") or "postgres"),
        )
        theirs = run_peer(
            settings,
            single_events=s.peer_single,
            batch_events=s.peer_batch,
            aggregate_events=s.peer_aggregate,
            trials=s.peer_trials,
        )
        self.report.meta["peer"] = f"eventsourcing {peer_version()} (PostgreSQL recorder, same server)"

        ledger = Ledger(self.conninfo)
        account = self.open_account("peer single")
        batch_account = self.open_account("peer batch")
        state_account, _ = self.build_account(s.peer_aggregate)
        batch = Jsonb(deposits(s.peer_batch))

        def single() -> None:
            for _ in range(s.peer_single):
                ledger.deposit(account, Decimal("1.00"))

        ours = {
            "single_event_append": timed(single, s.peer_trials),
            "batch_append": timed(
                self.call("SELECT ledger.append(%s, NULL, %s)", (batch_account, batch)), s.peer_trials
            ),
            "reconstruct": timed(lambda: ledger.replay(state_account), s.peer_trials),
            "reconstruct_snapshot": timed(lambda: ledger.load(state_account), s.peer_trials),
        }
        ledger.close()
        labels = {
            "single_event_append": f"{s.peer_single} events, one per transaction",
            "batch_append": f"{s.peer_batch:,} events in one transaction",
            "reconstruct": f"rebuild a {s.peer_aggregate:,}-event aggregate, no snapshot",
            "reconstruct_snapshot": f"rebuild a {s.peer_aggregate:,}-event aggregate from a snapshot",
        }
        rows = []
        for key, label in labels.items():
            mine = self.report.add(Measure(f"peer row, pgledger: {label}", ours[key]))
            other = self.report.add(Measure(f"peer row, eventsourcing: {label}", theirs[key]))
            speedup = other.median / mine.median
            rows.append(
                {
                    "workload": label,
                    "pgledger_ms": mine.median * 1e3,
                    "eventsourcing_ms": other.median * 1e3,
                    "speedup": speedup,
                }
            )
            self.report.targets.append(
                Target(
                    f"beat eventsourcing: {label}",
                    speedup,
                    1.0,
                    True,
                    f"{mine.median * 1e3:.2f} ms vs {other.median * 1e3:.2f} ms",
                )
            )
        self.report.tables["peer"] = rows

    # -- peers on other stacks: Emmett (Node.js) and Message DB ---------------------------------

    def open_accounts(self, count: int) -> list[uuid.UUID]:
        """`count` fresh accounts, opened in one statement."""
        accounts = [uuid.uuid4() for _ in range(count)]
        self.conn.execute(
            "SELECT ledger.open_account(a, 'peer ' || a, %s) FROM pg_catalog.unnest(%s::uuid[]) AS a",
            (self.t0, accounts),
        )
        return accounts

    def not_measured(self, table: str, labels: list[str], reason: str) -> None:
        log(f"{table}: not measured: {reason}")
        self.report.meta[table] = f"not measured: {reason}"
        self.report.tables[table] = [{"workload": label, "note": f"not measured: {reason}"} for label in labels]

    def emmett_labels(self) -> dict[str, str]:
        s = self.sizes
        return {
            "single_1": f"1 connection: {s.rival_events:,} appends of one event, one per transaction",
            "single_8": f"8 connections, 8 streams: {s.rival_events:,} appends of one event, one per transaction",
            "batch": f"{s.emmett_batch:,} events in one append",
            "rebuild": f"rebuild a {s.emmett_stream:,}-event stream (pgledger: full fold, ledger.replay)",
            "rebuild_snapshot": f"rebuild a {s.emmett_stream:,}-event stream (pgledger: from a snapshot, ledger.load)",
        }

    def peer_emmett(self) -> None:
        """pgledger against Emmett's PostgreSQL event store, driven by node, in its own schema."""
        labels = self.emmett_labels()
        try:
            peer = prepare_emmett(self.conninfo)
        except PeerUnavailable as error:
            self.not_measured("peer_emmett", list(labels.values()), str(error))
            return
        log(f"peer: Emmett {peer.version} (node), {self.sizes.rival_trials} trials of each workload")
        self.report.meta["peer_emmett"] = (
            f"@event-driven-io/emmett-postgresql {peer.version} on node {peer.node_version}"
        )
        with ExitStack() as stack:
            clients = [stack.enter_context(closing(Ledger(self.conninfo))) for _ in range(8)]
            try:
                samples = self.emmett_samples(peer, clients)
            except PeerUnavailable as error:
                self.not_measured("peer_emmett", list(labels.values()), str(error))
                return
        rows = []
        for key, label in labels.items():
            events = self.sizes.rival_events if key.startswith("single") else 1
            mine = self.report.add(Measure(f"emmett row, pgledger: {label}", samples[key], events))
            other = self.report.add(Measure(f"emmett row, Emmett: {label}", samples[f"{key}_peer"], events))
            rows.append(
                {
                    "workload": label,
                    "pgledger_ms": mine.median * 1e3,
                    "emmett_ms": other.median * 1e3,
                    "speedup": other.median / mine.median,
                }
            )
        self.report.tables["peer_emmett"] = rows

    def emmett_samples(self, peer: EmmettPeer, clients: list[Ledger]) -> dict[str, list[float]]:
        """Samples of each workload (key) and of the peer's (key_peer), trials taken in turn."""
        s = self.sizes
        accounts = self.open_accounts(9)
        batch_account = self.open_account("emmett batch")
        state_account, _ = self.build_account(s.emmett_stream)
        batch = Jsonb(deposits(s.emmett_batch))
        stream = f"account-{uuid.uuid4()}"
        deposit_with = [depositor(client) for client in clients]
        plan: dict[str, tuple[dict[str, Work], Callable[[], float]]] = {
            "single_1": (
                {"single_1": together(deposit_with[:1], [accounts[8:]], s.rival_events)},
                lambda: peer.run("single", events=s.rival_events)[0],
            ),
            "single_8": (
                {"single_8": together(deposit_with, [[a] for a in accounts[:8]], s.rival_events // 8)},
                lambda: peer.run("single", events=s.rival_events, connections=8)[0],
            ),
            "batch": (
                {"batch": self.call("SELECT ledger.append(%s, NULL, %s)", (batch_account, batch))},
                lambda: peer.run("batch", events=s.emmett_batch)[0],
            ),
            "rebuild": (
                {
                    "rebuild": lambda: clients[0].replay(state_account),
                    "rebuild_snapshot": lambda: clients[0].load(state_account),
                },
                lambda: peer.run("rebuild", events=s.emmett_stream, stream=stream)[0],
            ),
        }
        samples: dict[str, list[float]] = {}
        for key, (ours, theirs) in plan.items():
            log(f"  Emmett: {key}")
            got = alternate(ours, theirs, s.rival_trials)
            samples.update({name: got[name] for name in ours})
            for name in ours:
                samples[f"{name}_peer"] = got["peer"]
        return samples

    def messagedb_labels(self) -> dict[tuple[int, str], str]:
        streams = f"{self.sizes.rival_streams:,} random streams"
        return {
            (1, "random"): f"1 connection, {streams}",
            (1, "hot"): "1 connection, one hot stream",
            (8, "random"): f"8 connections, {streams}",
            (8, "hot"): "8 connections, one hot stream",
        }

    def peer_messagedb(self, url: str | None) -> None:
        """pgledger's ledger.deposit against Message DB's write_message (when given its database)."""
        labels = self.messagedb_labels()
        if not url:
            self.not_measured("peer_messagedb", list(labels.values()), "no --messagedb-url given")
            self.messagedb_targets({}, "not measured: no --messagedb-url given")
            return
        try:
            info = messagedb.describe(url)
        except PeerUnavailable as error:
            self.not_measured("peer_messagedb", list(labels.values()), str(error))
            self.messagedb_targets({}, f"not measured: {error}")
            return
        same = info["server"] == messagedb.server_identity(self.conn)
        where = "same server" if same else f"ANOTHER server ({info['postgresql'].split(' on ')[0]})"
        self.report.meta["peer_messagedb"] = f"Message DB {info['message_db']}, {where}"
        log(f"peer: Message DB {info['message_db']} ({where}), {self.sizes.rival_trials} trials of each workload")
        with ExitStack() as stack:
            ours = [stack.enter_context(psycopg.connect(self.conninfo, autocommit=True)) for _ in range(8)]
            theirs = [stack.enter_context(messagedb.connect(url)) for _ in range(8)]
            samples = self.messagedb_samples(ours, theirs, list(labels))
        rows = {}
        for key, label in labels.items():
            events = self.sizes.rival_events // key[0] * key[0]
            mine = self.report.add(Measure(f"message db row, pgledger: {label}", samples[key]["pgledger"], events))
            other = self.report.add(Measure(f"message db row, Message DB: {label}", samples[key]["messagedb"], events))
            rows[key] = {
                "workload": label,
                "pgledger_events_per_s": mine.rate(),
                "messagedb_events_per_s": other.rate(),
                "ratio": mine.rate() / other.rate(),
                "note": "" if same else "Message DB on another server: not like for like",
            }
        self.report.tables["peer_messagedb"] = list(rows.values())
        self.messagedb_targets(rows, "")

    def messagedb_samples(
        self, ours: list[psycopg.Connection[Any]], theirs: list[psycopg.Connection[Any]], keys: list[tuple[int, str]]
    ) -> dict[tuple[int, str], dict[str, list[float]]]:
        s = self.sizes
        accounts = self.open_accounts(s.rival_streams)
        streams = messagedb.open_streams(theirs[0], s.rival_streams)
        samples = {}
        for connections, mode in keys:
            log(f"  Message DB: {connections} connection(s), {mode}")
            our_keys = accounts if mode == "random" else accounts[:1]
            their_keys = streams if mode == "random" else streams[:1]
            per = s.rival_events // connections
            samples[(connections, mode)] = interleaved(
                {
                    "pgledger": together(
                        [deposit_statement(c) for c in ours[:connections]], [our_keys] * connections, per
                    ),
                    "messagedb": together(
                        [messagedb.writer(c) for c in theirs[:connections]], [their_keys] * connections, per
                    ),
                },
                s.rival_trials,
            )
        return samples

    def messagedb_targets(self, rows: dict[tuple[int, str], dict[str, Any]], reason: str) -> None:
        """The issue's targets against Message DB: ratios of events/s, pgledger over Message DB."""
        for key, name, threshold in (
            ((1, "random"), "single-event append, 1 connection >= 1.0 x Message DB write_message (events/s)", 1.0),
            ((8, "hot"), "a hot account, 8 connections >= 1.0 x Message DB's hot stream (events/s)", 1.0),
            ((8, "random"), "8 connections on many accounts >= 1.6 x Message DB (events/s)", 1.6),
        ):
            row = rows.get(key)
            if row is None:
                self.report.targets.append(Target(name, 0.0, threshold, True, reason, measured=False))
                continue
            detail = f"{row['pgledger_events_per_s']:,.0f} vs {row['messagedb_events_per_s']:,.0f} events/s"
            if row["note"]:
                detail += f"; {row['note']}"
            self.report.targets.append(Target(name, row["ratio"], threshold, True, detail))


# -- server, machine, output ---------------------------------------------------------------------


@contextmanager
def bench_database(url: str | None) -> Iterator[tuple[str, str]]:
    """(conninfo, description) of the database to benchmark in."""
    if url:
        yield url, "the given database"
        return
    env_url = os.environ.get("DATABASE_URL")
    if env_url:
        with psycopg.connect(env_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(BENCH_DB)))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DB)))
        params = {**conninfo_to_dict(env_url), "dbname": BENCH_DB}
        yield " ".join(f"{k}={v}" for k, v in params.items() if v is not None), "the server at DATABASE_URL"
        return
    scratch = Path(tempfile.mkdtemp(prefix="pgledger-bench-"))
    server = EmbeddedServer(scratch / "data", durable=True)
    try:
        server.start()
        yield server.conninfo(), "a throwaway embedded PostgreSQL (default, durable settings)"
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def machine(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    settings = dict(
        conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN"
            " ('fsync', 'synchronous_commit', 'shared_buffers', 'wal_level', 'max_connections')"
        ).fetchall()
    )
    version = conn.execute("SELECT version()").fetchone()
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "postgresql": version[0] if version else "?",
        "postgresql_settings": settings,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu}), "
        f"{mem_kb / 1024 / 1024:.1f} GiB RAM",
        "python": platform.python_version(),
    }


def fmt_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} us"


def print_report(report: Report) -> None:
    meta = report.meta
    print(f"\npgledger benchmark, {meta['date']} ({'quick' if meta['quick'] else 'default'} run)")
    print(f"server:  {meta['postgresql']} on {meta['where']}")
    print(f"machine: {meta['machine']}; Python {meta['python']}")
    print(f"\n{'measure':<72} {'median':>11} {'min-max':>23} {'events/s':>10}")
    for m in report.measures.values():
        spread = f"{fmt_time(min(m.samples))}-{fmt_time(max(m.samples))}"
        rate = f"{m.rate():,.0f}" if m.events > 1 else ""
        print(f"{m.name:<72} {fmt_time(m.median):>11} {spread:>23} {rate:>10}")
    for name, rows in report.tables.items():
        print(f"\n{name}:")
        headers = list(rows[0]) if rows else []
        print("  " + "  ".join(f"{h:>22}" for h in headers))
        for row in rows:
            print("  " + "  ".join(f"{v:>22,.3f}" if isinstance(v, float) else f"{v!s:>22}" for v in row.values()))
    print(f"\n{'target':<78} {'value':>8} {'needs':>8}  result")
    for t in report.targets:
        need = f"{'>=' if t.higher_is_better else '<='}{t.threshold:g}"
        value = f"{t.value:>8.2f}" if t.measured else f"{'-':>8}"
        print(f"{t.name:<78} {value} {need:>8}  {t.verdict}  ({t.detail})")


def plain_sum(row: dict[str, Any]) -> str:
    """The plain sum() cell of a scale row (absent from results of older runs)."""
    return f"{row['plain_sum_ms']:.2f} ms" if "plain_sum_ms" in row else "-"


def markdown_summary(data: dict[str, Any]) -> str:
    """The README's benchmark section, from latest.json's contents."""
    meta = data["meta"]
    lines = [
        f"Run {meta['date']} ({'quick' if meta['quick'] else 'default'}, {meta.get('duration_s', '?')} s): "
        f"{meta['postgresql'].split(' on ')[0]}, {meta['where']}; {meta['machine']}.",
        "",
        "| target | measured | needs | |",
        "|---|---|---|---|",
    ]
    for t in data["targets"]:
        need = f"{'>=' if t['higher_is_better'] else '<='} {t['threshold']:g}"
        if not t.get("measured", True):
            lines.append(f"| {t['name']} | {t['detail']} | {need} | not measured |")
            continue
        lines.append(
            f"| {t['name']} | {t['value']:.2f} ({t['detail']}) | {need} | {'met' if t['met'] else '**not met**'} |"
        )
    tables = data["tables"]
    if "scale" in tables:
        lines += [
            "",
            "| events in the account | strict replay | plain sum() | from snapshot | account_state_at(random time) |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['events']:,} | {r['full_fold_ms']:.2f} ms | {plain_sum(r)} | {r['from_snapshot_ms']:.3f} ms "
            f"| {r['state_at_ms']:.3f} ms |"
            for r in tables["scale"]
        ]
    if "peer" in tables:
        lines += ["", "| workload (same server) | pgledger | eventsourcing | pgledger faster by |", "|---|---|---|---|"]
        lines += [
            f"| {r['workload']} | {r['pgledger_ms']:.2f} ms | {r['eventsourcing_ms']:.2f} ms | {r['speedup']:.2f}x |"
            for r in tables["peer"]
        ]
    lines += emmett_summary(data) + messagedb_summary(data)
    if "follower" in tables:
        f = tables["follower"][0]
        lines += [
            "",
            f"A subscriber following 8 writers ({f['writers_events_per_s']:,.0f} events/s): "
            f"{f['follower_events_per_s']:,.0f} events/s, lag median {f['lag_median_ms']:.1f} ms, "
            f"p99 {f['lag_p99_ms']:.1f} ms, max {f['lag_max_ms']:.1f} ms; drained "
            f"{f['drained_after_writers_ms']:.0f} ms after the writers stopped.",
        ]
    if "snapshot_interval" in tables:
        lines += [
            "",
            "Snapshot interval sweep (why 50): "
            + "; ".join(
                f"N={r['interval']}: state_at_version {r['state_at_version_ms']:.3f} ms, "
                f"1000-event append {r['append_1000_ms']:.1f} ms"
                for r in tables["snapshot_interval"]
            )
            + ".",
        ]
    return "\n".join(lines) + "\n"


def emmett_summary(data: dict[str, Any]) -> list[str]:
    rows = data["tables"].get("peer_emmett")
    if not rows:
        return []
    lines = [
        "",
        f"Emmett: {data['meta'].get('peer_emmett', '?')}.",
        "",
        "| workload (same server) | pgledger | Emmett | pgledger faster by |",
        "|---|---|---|---|",
    ]
    for r in rows:
        if "speedup" not in r:
            lines.append(f"| {r['workload']} | | | {r['note']} |")
            continue
        lines.append(f"| {r['workload']} | {r['pgledger_ms']:.2f} ms | {r['emmett_ms']:.2f} ms | {r['speedup']:.2f}x |")
    return lines


def messagedb_summary(data: dict[str, Any]) -> list[str]:
    rows = data["tables"].get("peer_messagedb")
    if not rows:
        return []
    lines = [
        "",
        f"Message DB: {data['meta'].get('peer_messagedb', '?')}.",
        "",
        "| single-event appends | pgledger ledger.deposit | Message DB write_message | pgledger / Message DB |",
        "|---|---|---|---|",
    ]
    for r in rows:
        if "ratio" not in r:
            lines.append(f"| {r['workload']} | | | {r['note']} |")
            continue
        lines.append(
            f"| {r['workload']} | {r['pgledger_events_per_s']:,.0f} events/s "
            f"| {r['messagedb_events_per_s']:,.0f} events/s | {r['ratio']:.2f}x |"
        )
    return lines


def write_results(report: Report, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    data = {
        "meta": report.meta,
        "measures": {
            m.name: {
                "median_s": m.median,
                "min_s": min(m.samples),
                "max_s": max(m.samples),
                "samples_s": m.samples,
                "events_per_trial": m.events,
            }
            for m in report.measures.values()
        },
        "tables": report.tables,
        "targets": [{**asdict(t), "met": t.met} for t in report.targets],
    }
    (out / "latest.json").write_text(json.dumps(data, indent=2) + "\n")
    (out / "summary.md").write_text(markdown_summary(data))
    scale = report.tables.get("scale")
    if not scale:
        return
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("no matplotlib: plot skipped (pip install 'pgledger[bench]')")
        return
    fig, ax = plt.subplots(figsize=(8, 5))
    sizes = [row["events"] for row in scale]
    for key, label in (
        ("full_fold_ms", "full fold (ledger.replay)"),
        ("from_snapshot_ms", "from latest snapshot (ledger.load_account)"),
        ("state_at_ms", "account_state_at(random time)"),
    ):
        ax.plot(sizes, [row[key] for row in scale], marker="o", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("events in the account")
    ax.set_ylabel("median time per call (ms)")
    ax.set_title(
        f"Replay time vs history length (snapshot every {report.meta['snapshot_interval']} events)\n"
        f"{report.meta['postgresql'][:40]}"
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "replay.png", dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute; no targets are meaningful")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where latest.json and replay.png go")
    parser.add_argument("--database-url", help="benchmark in this existing database (default: see module doc)")
    parser.add_argument("--no-peer", action="store_true", help="skip the peers (eventsourcing, Emmett, Message DB)")
    parser.add_argument(
        "--messagedb-url", help="a database where Message DB is installed: measure its write_message against ours"
    )
    parser.add_argument("--summary-only", action="store_true", help="rewrite summary.md from latest.json and stop")
    args = parser.parse_args(argv)
    if args.summary_only:
        (args.out / "summary.md").write_text(markdown_summary(json.loads((args.out / "latest.json").read_text())))
        return 0
    sizes = QUICK if args.quick else DEFAULT
    started = time.perf_counter()
    with bench_database(args.database_url) as (conninfo, where):
        bench = Bench(conninfo, sizes, Report(meta={}))
        bench.report.meta.update(machine(bench.conn))
        bench.report.meta.update({"quick": args.quick, "where": where, "sizes": asdict(sizes)})
        bench.prepare()
        bench.single_event_appends()
        bench.batch_appends()
        bench.concurrent_writers()
        bench.replay()
        bench.scale_curve()
        bench.interval_sweep()
        bench.follower()
        if not args.no_peer:
            bench.peer()
            bench.peer_emmett()
            bench.peer_messagedb(args.messagedb_url)
        bench.report.meta["duration_s"] = round(time.perf_counter() - started, 1)
        print_report(bench.report)
        write_results(bench.report, args.out)
        bench.conn.close()
    log(f"done in {time.perf_counter() - started:.0f} s; results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
