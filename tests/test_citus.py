"""pgledger distributed on Citus: one coordinator and two workers started from an installed Citus
(bench/citus_cluster.py), accounts sharded by id. Run with `make test-citus`; the default `make
test` skips these (they start a cluster of three servers), saying how to run them."""

from __future__ import annotations

import os
import random
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from bench.citus_cluster import CitusCluster, ClusterInfo, citus_available
from psycopg import sql

from pgledger import (
    AccountAlreadyExists,
    AccountNotFound,
    ConcurrencyError,
    EventTimeOrderError,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidEvent,
    Ledger,
    Subscriber,
)
from pgledger.events import RecordedEvent
from pgledger.migrate import migrate
from pgledger.proof import tree_root, verify_inclusion

pytestmark = [
    pytest.mark.citus,
    pytest.mark.skipif(
        not os.environ.get("PGLEDGER_CITUS"), reason="the Citus tests start a 3-node cluster: run `make test-citus`"
    ),
]


@pytest.fixture(scope="module")
def citus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterInfo]:
    missing = citus_available()
    if missing is not None:
        pytest.skip(f"Citus is not available: {missing}")
    cluster = CitusCluster(tmp_path_factory.mktemp("citus"), fsync=False)
    info = cluster.start("pgledger")
    try:
        report = migrate(info.coordinator)
        assert report.distributed
        yield info
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def ledger(citus: ClusterInfo) -> Iterator[Ledger]:
    with Ledger(citus.coordinator) as client:
        yield client


def worker_of(conn: psycopg.Connection[Any], account: uuid.UUID) -> int:
    """The port of the worker holding the account's shard."""
    row = conn.execute(
        "SELECT nodeport FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid)"
        " WHERE shardid = get_shard_id_for_distribution_column('ledger.accounts', %s)",
        (account,),
    ).fetchone()
    assert row is not None
    return int(row[0])


def accounts_on_both_workers(conn: psycopg.Connection[Any]) -> tuple[uuid.UUID, uuid.UUID]:
    first = uuid.uuid4()
    while True:
        second = uuid.uuid4()
        if worker_of(conn, second) != worker_of(conn, first):
            return first, second


def test_the_distributed_layout(citus: ClusterInfo) -> None:
    with psycopg.connect(citus.coordinator) as conn:
        rows = conn.execute(
            "SELECT logicalrelid::text, partmethod, colocationid FROM pg_dist_partition"
            " WHERE logicalrelid::text LIKE 'ledger.%' ORDER BY 1"
        ).fetchall()
        layout = {name: (method, colocation) for name, method, colocation in rows}
        sharded = [
            "ledger.account_snapshots",
            "ledger.accounts",
            "ledger.daily_totals",
            "ledger.events",
            "ledger.position_queue",
        ]
        assert {layout[t][0] for t in sharded} == {"h"} and len({layout[t][1] for t in sharded}) == 1
        assert layout["ledger.settings"][0] == "n"  # a reference table: the workers read it
        for local in ("ledger.subscriptions", "ledger.event_positions", "ledger.positioner", "ledger.merkle_nodes"):
            assert local not in layout
        keys = dict(
            conn.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = 'ledger.events'::regclass AND contype IN ('p', 'u')"
            ).fetchall()
        )
        assert keys["events_pkey"] == "PRIMARY KEY (aggregate_id, id)"
        assert keys["events_event_id_key"] == "UNIQUE (aggregate_id, event_id)"


def test_a_command_is_one_round_trip_to_the_worker_holding_the_account(citus: ClusterInfo, ledger: Ledger) -> None:
    account = uuid.uuid4()
    ledger.open_account(account, "Delegated")
    notices: list[str] = []
    with psycopg.connect(citus.coordinator, autocommit=True) as conn:
        conn.add_notice_handler(lambda diag: notices.append(diag.message_primary or ""))
        port = worker_of(conn, account)
        conn.execute("SET citus.log_remote_commands = on")
        assert conn.execute("SELECT ledger.deposit(%s, 10.00)", (account,)).fetchone() == (2,)
        issued = [n for n in notices if n.startswith("issuing")]
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN SELECT ledger.deposit(%s, 1.00)", (account,)).fetchall())
    assert len(issued) == 1 and issued[0].startswith("issuing SELECT ledger.deposit("), issued
    assert "Task Count: 1" in plan and f"port={port}" in plan, plan


def test_every_rule_and_error_holds_on_the_cluster(citus: ClusterInfo, ledger: Ledger) -> None:
    account = uuid.uuid4()
    assert ledger.open_account(account, "Rules") == 1
    with pytest.raises(AccountAlreadyExists):
        ledger.open_account(account, "Again")
    with pytest.raises(AccountNotFound):
        ledger.deposit(uuid.uuid4(), Decimal("1.00"))
    with pytest.raises(InvalidEvent):
        ledger.deposit(account, Decimal("1.001"))
    key = uuid.uuid4()
    assert ledger.deposit(account, Decimal("5.00"), event_id=key) == 2
    assert ledger.deposit(account, Decimal("5.00"), event_id=key) == 2  # a retry: applied once
    with pytest.raises(IdempotencyConflict):
        ledger.deposit(account, Decimal("6.00"), event_id=key)
    with pytest.raises(ConcurrencyError):
        ledger.withdraw(account, Decimal("1.00"), expected_version=1)
    with pytest.raises(InsufficientFunds):
        ledger.withdraw(account, Decimal("500.00"))
    state = ledger.state(account)
    assert state is not None
    with pytest.raises(EventTimeOrderError):
        ledger.deposit(account, Decimal("1.00"), occurred_at=state.opened_at.replace(year=2000))
    with psycopg.connect(citus.coordinator, autocommit=True) as owner, pytest.raises(psycopg.Error) as caught:
        owner.execute("UPDATE ledger.events SET payload = payload WHERE aggregate_id = %s", (account,))
    assert caught.value.sqlstate == "LG007"  # the immutability trigger runs on the shards
    assert ledger.state(account) == ledger.replay(account) == ledger.load(account)


def test_roles_and_security_definer_hold_on_the_cluster(citus: ClusterInfo, ledger: Ledger) -> None:
    with psycopg.connect(citus.coordinator, autocommit=True) as owner:
        login = f"app_{uuid.uuid4().hex[:8]}"
        owner.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(login)))
        owner.execute(sql.SQL("GRANT ledger_writer TO {}").format(sql.Identifier(login)))
    app = psycopg.conninfo.make_conninfo(citus.coordinator, user=login)
    with Ledger(app) as writer:
        account = uuid.uuid4()
        writer.open_account(account, "A writer's")
        assert writer.deposit(account, Decimal("3.00")) == 2  # delegated, as the writer
    with psycopg.connect(app, autocommit=True) as conn:
        for statement in ("SELECT * FROM ledger.events", "DELETE FROM ledger.accounts"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_transfers_across_workers_in_both_directions_are_atomic_and_never_deadlock(
    citus: ClusterInfo, ledger: Ledger
) -> None:
    with psycopg.connect(citus.coordinator) as conn:
        a, b = accounts_on_both_workers(conn)
    for account in (a, b):
        ledger.open_account(account, "Transfers")
        ledger.deposit(account, Decimal("1000.00"))
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def move(source: uuid.UUID, target: uuid.UUID) -> None:
        with Ledger(citus.coordinator) as client:
            barrier.wait()
            for _ in range(15):
                try:
                    client.transfer(source, target, Decimal("1.00"))
                except BaseException as error:
                    errors.append(error)

    threads = [threading.Thread(target=move, args=pair) for pair in ((a, b), (b, a), (a, b), (b, a))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    balances = [ledger.state(x) for x in (a, b)]
    assert [s.balance for s in balances if s] == [Decimal("1000.00"), Decimal("1000.00")]
    assert [s.version for s in balances if s] == [62, 62]  # opened, deposited, in all 60 transfers
    assert ledger.verify() == []


def test_snapshots_and_temporal_queries_on_the_cluster(ledger: Ledger) -> None:
    account = uuid.uuid4()
    ledger.open_account(account, "Snapshots")
    for _ in range(120):
        ledger.deposit(account, Decimal("1.00"))
    assert ledger.load(account) == ledger.replay(account) == ledger.state(account)
    mid = ledger.state_at_version(account, 75)
    assert mid is not None and mid.balance == Decimal("74.00")
    assert ledger.state_at(account, mid.last_event_at) == mid
    assert [h.balance for h in ledger.history(account)][-1] == Decimal("120.00")
    assert ledger.verify_snapshots() == []


class Follower:
    def __init__(self, conninfo: str) -> None:
        self.ledger = Ledger(conninfo)
        self.seen: list[RecordedEvent] = []

    def poll(self) -> None:
        position = self.seen[-1].position if self.seen else 0
        while batch := self.ledger.read_all(position or 0, limit=100):
            self.seen += batch
            position = batch[-1].position


def test_global_positions_stay_gap_safe_with_writers_on_different_workers(citus: ClusterInfo, ledger: Ledger) -> None:
    with psycopg.connect(citus.coordinator) as conn:
        pairs = [accounts_on_both_workers(conn) for _ in range(2)]
    accounts = [account for pair in pairs for account in pair]
    for account in accounts:
        ledger.open_account(account, "Followed")
    follower = Follower(citus.coordinator)
    follower.poll()
    stop = threading.Event()
    errors: list[BaseException] = []

    def write(seed: int) -> None:
        rng = random.Random(seed)
        with psycopg.connect(citus.coordinator) as conn:
            client = Ledger(conn)
            for _ in range(20):
                try:
                    client.deposit(rng.choice(accounts), Decimal(rng.randint(1, 9)))
                    conn.commit()
                except BaseException as error:
                    errors.append(error)

    def follow() -> None:
        while not stop.is_set():
            follower.poll()

    reader = threading.Thread(target=follow)
    writers = [threading.Thread(target=write, args=(seed,)) for seed in range(4)]
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    stop.set()
    reader.join(timeout=60)
    follower.poll()
    assert errors == []
    positions = [e.position for e in follower.seen]
    assert positions == list(range(positions[0], positions[0] + len(positions)))
    assert len({e.event_id for e in follower.seen}) == len(follower.seen)
    per_account: dict[uuid.UUID, list[int]] = defaultdict(list)
    for event in follower.seen:
        per_account[event.account_id].append(event.sequence_number)
    for account in accounts:
        assert per_account[account] == sorted(per_account[account])
        state = ledger.state(account)
        assert state is not None and per_account[account][-1] == state.version


def test_integrity_and_proofs_on_the_cluster(ledger: Ledger) -> None:
    account = uuid.uuid4()
    ledger.open_account(account, "Proven")
    ledger.deposit(account, Decimal("2.50"))
    digest = ledger.digest()
    hashes = [bytes.fromhex(e) for e in _hashes(ledger, digest.position)]
    assert digest.root == tree_root(hashes)
    assert ledger.verify_chain() == [] and ledger.verify_digest(digest).matches
    inclusion = verify_inclusion(ledger.inclusion_proof(digest.position), digest.root)
    assert inclusion.event["aggregate_id"] == str(account)


def _hashes(ledger: Ledger, through: int) -> list[str]:
    rows = ledger.connection.execute("SELECT encode(hash, 'hex') FROM ledger.read_all(0, %s)", (through,)).fetchall()
    return [r[0] for r in rows]


def test_a_subscriber_follows_the_cluster(citus: ClusterInfo, ledger: Ledger) -> None:
    with psycopg.connect(citus.coordinator, autocommit=True) as owner:
        owner.execute("SELECT ledger.create_subscription('citus_follower')")
    account = uuid.uuid4()
    ledger.open_account(account, "Subscribed")
    ledger.deposit(account, Decimal("4.00"))
    seen: list[RecordedEvent] = []
    subscriber = Subscriber(citus.coordinator, "citus_follower", lambda conn, batch: seen.extend(batch), listen=False)
    total = subscriber.process_available()
    subscriber.close()
    assert total == len(seen) > 0
    assert [e.position for e in seen] == list(range(1, len(seen) + 1))
    assert seen[-1].account_id == account


def test_verify_and_replay_name_a_damaged_account_on_the_cluster(citus: ClusterInfo, ledger: Ledger) -> None:
    """The set-based verify pass, verify_batch (what `pgledger verify` pages with) and the PL/pgSQL
    fold behind replay all run on the cluster. Last in the module: the damaged history it writes
    cannot be removed (append-only) and would be reported by every later verify()."""
    tampered = uuid.uuid4()
    ledger.open_account(tampered, "Tampered")
    ledger.deposit(tampered, Decimal("3.00"))
    with psycopg.connect(citus.coordinator, autocommit=True) as owner:
        owner.execute("UPDATE ledger.accounts SET balance = balance + 1 WHERE account_id = %s", (tampered,))
        try:
            reported = ledger.verify()
            assert [(m.account_id, m.projection.balance, m.replayed.balance) for m in reported] == [
                (tampered, Decimal("4.00"), Decimal("3.00"))
            ]
            page = ledger.verify_batch(None, 1000)
            assert [row[0] for row in page if not row[1]] == [tampered]
        finally:
            owner.execute("UPDATE ledger.accounts SET balance = balance - 1 WHERE account_id = %s", (tampered,))
        assert ledger.verify() == []
        # A history written past the API, its time going back: the set-based pass cannot prove it,
        # the PL/pgSQL fold names the event, on the worker (replay) and in verify().
        damaged = uuid.uuid4()
        with owner.cursor() as cur:
            cur.executemany(
                "INSERT INTO ledger.events (event_id, aggregate_id, sequence_number, event_type, payload,"
                " occurred_at, hash) VALUES (%s, %s, %s, %s, %s, %s, '\\x00')",
                [
                    (uuid.uuid4(), damaged, 1, "AccountOpened", '{"owner_name": "Eve"}', "2026-01-02T00:00:00Z"),
                    (uuid.uuid4(), damaged, 2, "MoneyDeposited", '{"amount": "1.00"}', "2026-01-01T00:00:00Z"),
                ],
            )
    with pytest.raises(EventTimeOrderError):
        ledger.replay(damaged)
    [mismatch] = ledger.verify()
    assert mismatch.account_id == damaged and mismatch.error is not None and mismatch.error.startswith("LG006: ")
