"""Global positions: dense, final and gap-safe. Once a reader has seen position P, no event can
appear at or below P later, whatever order transactions commit in; an open transaction holds back
only its own events; each account's events come in sequence order."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from pgledger import ApiReplaced, InvalidEvent, Ledger
from pgledger.events import RecordedEvent
from pgledger.queries import Call


class Follower:
    """Polls ledger.read_all from its last position, keeping everything it was given."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.seen: list[RecordedEvent] = []
        self.position = 0

    def poll(self) -> list[RecordedEvent]:
        new: list[RecordedEvent] = []
        while batch := self.ledger.read_all(self.position, limit=50):
            new += batch
            assert batch[-1].position is not None
            self.position = batch[-1].position
        self.seen += new
        return new


def check_stream(seen: list[RecordedEvent], db: psycopg.Connection[Any]) -> None:
    """What a follower saw is every stored event once, at positions 1..n, each account in order."""
    assert [e.position for e in seen] == list(range(1, len(seen) + 1))
    stored = {r[0] for r in db.execute("SELECT event_id FROM ledger.events").fetchall()}
    assert [e.event_id for e in seen if e.event_id in stored] == [e.event_id for e in seen]
    assert {e.event_id for e in seen} == stored
    per_account: dict[uuid.UUID, list[int]] = defaultdict(list)
    for event in seen:
        per_account[event.account_id].append(event.sequence_number)
    for numbers in per_account.values():
        assert numbers == list(range(1, len(numbers) + 1))


def test_a_transaction_that_commits_last_is_not_skipped_and_comes_later(
    dsn: str, db: psycopg.Connection[Any], ledger: Ledger
) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    ledger.open_account(a, "A")
    ledger.open_account(b, "B")
    follower = Follower(ledger)
    assert [e.account_id for e in follower.poll()] == [a, b]

    early = psycopg.connect(dsn)  # takes its xid first, but writes and commits last
    late = psycopg.connect(dsn)
    try:
        early.execute("SELECT pg_current_xact_id()")
        Ledger(late).deposit(b, Decimal("2"))
        late.commit()
        assert [(e.account_id, e.position) for e in follower.poll()] == [(b, 3)]  # not held back
        Ledger(early).deposit(a, Decimal("1"))
        assert follower.poll() == []  # uncommitted: invisible, and nothing passes it by mistake
        early.commit()
    finally:
        early.close()
        late.close()
    assert [(e.account_id, e.sequence_number, e.position) for e in follower.poll()] == [(a, 2, 4)]
    assert follower.poll() == []
    check_stream(follower.seen, db)


def test_a_long_transaction_that_wrote_nothing_to_the_ledger_holds_nothing_back(dsn: str, ledger: Ledger) -> None:
    account = uuid.uuid4()
    ledger.open_account(account, "A")
    follower = Follower(ledger)
    follower.poll()
    with psycopg.connect(dsn) as bystander:
        bystander.execute("CREATE TEMP TABLE elsewhere (x int)")
        bystander.execute("INSERT INTO elsewhere VALUES (1)")  # an open transaction with an xid
        ledger.deposit(account, Decimal("1"))
        assert [e.sequence_number for e in follower.poll()] == [2]


def test_an_open_writer_holds_back_only_its_own_events(dsn: str, db: psycopg.Connection[Any], ledger: Ledger) -> None:
    slow, quick = uuid.uuid4(), uuid.uuid4()
    ledger.open_account(slow, "Slow")
    ledger.open_account(quick, "Quick")
    follower = Follower(ledger)
    follower.poll()
    with psycopg.connect(dsn) as writer:
        Ledger(writer).deposit(slow, Decimal("5"))  # open, not committed
        for _ in range(3):
            ledger.deposit(quick, Decimal("1"))
        assert [(e.account_id, e.sequence_number) for e in follower.poll()] == [(quick, 2), (quick, 3), (quick, 4)]
        writer.commit()
    assert [(e.account_id, e.position) for e in follower.poll()] == [(slow, 6)]
    check_stream(follower.seen, db)


def test_a_session_holding_the_positioner_is_named_and_holds_followers_back(
    dsn: str, db: psycopg.Connection[Any], ledger: Ledger
) -> None:
    account = uuid.uuid4()
    ledger.open_account(account, "A")
    follower = Follower(ledger)
    follower.poll()
    ledger.deposit(account, Decimal("1"))
    with psycopg.connect(dsn) as holder:  # not autocommit: the positioning stays open
        assert holder.execute("SELECT ledger.assign_positions()").fetchone() == (1,)
        ledger.deposit(account, Decimal("2"))
        row = db.execute(
            "SELECT last_position, waiting, holder_pid, holder_state, holder_xact_age > interval '0'"
            " FROM ledger.read_all_status()"
        ).fetchone()
        # Its position 2 is not committed: both deposits still wait, as far as others can see.
        assert row == (1, 2, holder.info.backend_pid, "idle in transaction", True)
        assert follower.poll() == []  # position 2 is not committed, 3 cannot be given meanwhile
        holder.commit()
    assert [e.sequence_number for e in follower.poll()] == [2, 3]
    row = db.execute("SELECT last_position, waiting, holder_pid FROM ledger.read_all_status()").fetchone()
    assert row == (3, 0, None)


def test_positions_keep_each_account_in_order_when_transaction_ids_disagree(
    dsn: str, db: psycopg.Connection[Any], ledger: Ledger
) -> None:
    """The transaction that appends an account's later event took its id first: positions still
    follow the account's sequence, even when a run stops between the two (max_count 1)."""
    account = uuid.uuid4()
    ledger.open_account(account, "A")
    ledger.assign_positions()
    with psycopg.connect(dsn) as early:
        early.execute("SELECT pg_current_xact_id()")  # the smaller xid
        ledger.deposit(account, Decimal("1"))  # sequence 2, larger xid, committed first
        Ledger(early).deposit(account, Decimal("2"))  # sequence 3
        early.commit()
    assert ledger.assign_positions(1) == 2  # the run reached sequence 3 and took 2 with it
    rows = db.execute(
        "SELECT e.sequence_number FROM ledger.event_positions p JOIN ledger.events e ON e.id = p.id ORDER BY p.position"
    ).fetchall()
    assert [r[0] for r in rows] == [1, 2, 3]


def test_read_all_refuses_a_bad_position(ledger: Ledger, db: psycopg.Connection[Any]) -> None:
    for query in (
        "SELECT * FROM ledger.read_all(NULL, 10)",
        "SELECT * FROM ledger.read_all(-1, 10)",
        "SELECT * FROM ledger.read_all(0, 0)",
        "SELECT * FROM ledger.read_all(0, 100001)",
    ):
        with pytest.raises(psycopg.Error) as caught:
            db.execute(query)
        assert caught.value.sqlstate == "LG005"
    with pytest.raises(InvalidEvent):
        ledger.read_all(-1)


def test_the_replaced_read_all_says_what_to_call_and_old_positions_convert(
    ledger: Ledger, db: psycopg.Connection[Any]
) -> None:
    account = uuid.uuid4()
    ledger.open_account(account, "A")
    ledger.deposit(account, Decimal("1"))
    ledger.assign_positions()
    with pytest.raises(psycopg.Error) as caught:
        db.execute("SELECT * FROM ledger.read_all('5'::xid8, 7, 100)")
    assert caught.value.sqlstate == "LG010"
    assert "replaced by ledger.read_all(after_position bigint, max_count integer)" in str(caught.value)
    assert caught.value.diag.message_hint is not None and "legacy_position" in caught.value.diag.message_hint
    for call in ("SELECT * FROM ledger.read_all_horizon()", "SELECT ledger.advance_subscription('x', '1', 1, 1)"):
        with pytest.raises(psycopg.Error) as caught:
            db.execute(call)
        assert caught.value.sqlstate == "LG010"
    with pytest.raises(ApiReplaced):
        ledger.run(Call("SELECT ledger.daily_totals_apply(ARRAY[1]::bigint[])", (), list))
    last = db.execute("SELECT transaction_id, id FROM ledger.events ORDER BY id DESC LIMIT 1").fetchone()
    assert db.execute("SELECT ledger.legacy_position(%s, %s)", last).fetchone() == (2,)
    assert db.execute("SELECT ledger.legacy_position('0', 0)").fetchone() == (0,)
    assert db.execute("SELECT ledger.legacy_position('0', 12345)").fetchone() == (None,)


@pytest.mark.slow
def test_a_follower_of_many_concurrent_writers_sees_every_event_once_in_order(
    dsn: str, db: psycopg.Connection[Any], ledger: Ledger
) -> None:
    accounts = [uuid.uuid4() for _ in range(6)]
    for account in accounts:
        ledger.open_account(account, "Writer")
    follower = Follower(ledger)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            with psycopg.connect(dsn) as conn:
                client = Ledger(conn)
                for _ in range(25):
                    # Transactions of 1-3 appends, some taking their xid early or pausing inside,
                    # so xid order, id order and commit order disagree often. Accounts in a fixed
                    # order, as multi-account transactions must (ledger.transfer does the same).
                    if rng.random() < 0.3:
                        conn.execute("SELECT pg_current_xact_id()")
                    for account in sorted(rng.sample(accounts, rng.randint(1, 3))):
                        client.deposit(account, Decimal(rng.randint(1, 100)))
                        if rng.random() < 0.3:
                            time.sleep(rng.uniform(0, 0.01))
                    conn.commit()
        except BaseException as error:
            errors.append(error)

    def follow() -> None:
        while not stop.is_set():
            follower.poll()

    def position(seed: int) -> None:  # other sessions position in small runs meanwhile
        rng = random.Random(seed)
        with Ledger(dsn) as other:
            while not stop.is_set():
                other.assign_positions(rng.randint(1, 3))

    writers = [threading.Thread(target=writer, args=(seed,)) for seed in range(6)]
    helpers = [threading.Thread(target=follow), threading.Thread(target=position, args=(99,))]
    for thread in helpers + writers:
        thread.start()
    for w in writers:
        w.join()
    stop.set()
    for thread in helpers:
        thread.join()
    follower.poll()  # everything has ended now: the rest comes through
    assert errors == []
    check_stream(follower.seen, db)
    assert len(follower.seen) > 6 + 6 * 25


def test_positioning_new_events_reads_their_accounts_not_the_whole_store(db: psycopg.Connection[Any]) -> None:
    """The positioner's work per call follows the new events, not the size of the store: no
    sequential scan of ledger.events or ledger.event_positions (it once hashed every event
    against every position on each call: 250 ms a call at 300,000 events, and a follower fell
    seconds behind its writers)."""
    big = uuid.uuid4()
    db.execute("SELECT ledger.open_account(%s, 'big', now() - interval '1 day')", (big,))
    for start in range(0, 30_000, 10_000):
        db.execute(
            "SELECT ledger.append(%s, NULL, (SELECT jsonb_agg(jsonb_build_object('event_type', 'MoneyDeposited',"
            " 'payload', jsonb_build_object('amount', '1.00'), 'occurred_at', now() - interval '1 day'"
            " + make_interval(secs => i))) FROM generate_series(%s::integer, %s::integer) AS i))",
            (big, start + 1, start + 10_000),
        )
    while db.execute("SELECT ledger.assign_positions(100000)").fetchone() != (0,):
        pass
    db.execute("ANALYZE ledger.events")
    db.execute("ANALYZE ledger.event_positions")
    others = [uuid.uuid4() for _ in range(3)]
    for account in others:
        db.execute("SELECT ledger.open_account(%s, 'new')", (account,))
        db.execute("SELECT ledger.deposit(%s, 1.00)", (account,))
    with db.transaction():
        scans = "SELECT sum(seq_scan) FROM pg_stat_xact_user_tables WHERE relid = ANY (%s::regclass[])"
        tables = ["ledger.events", "ledger.event_positions"]
        before = db.execute(scans, (tables,)).fetchone()
        assert db.execute("SELECT ledger.assign_positions(10000)").fetchone() == (6,)
        assert db.execute(scans, (tables,)).fetchone() == before
