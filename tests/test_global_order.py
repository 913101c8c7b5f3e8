"""ledger.read_all: a global order that is safe to follow. Once a reader has seen position P, no
event before P can become visible later, even when transactions commit out of order."""

from __future__ import annotations

import random
import threading
import time
import uuid
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from pgledger import Ledger
from pgledger.events import RecordedEvent


class Follower:
    """Polls ledger.read_all from its last position, keeping everything it was given."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.seen: list[RecordedEvent] = []
        self.position = (0, 0)

    def poll(self) -> list[RecordedEvent]:
        new: list[RecordedEvent] = []
        while batch := self.ledger.read_all(self.position, limit=50):
            new += batch
            self.position = (batch[-1].transaction_id, batch[-1].position)
        self.seen += new
        return new


def test_a_transaction_that_commits_last_with_the_smaller_xid_is_not_skipped(
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
        early_xid = early.execute("SELECT pg_current_xact_id()::text").fetchone()
        Ledger(late).deposit(b, Decimal("2"))
        late.commit()  # the later transaction commits first, and its event has the smaller id
        assert follower.poll() == []  # held back: an older transaction is still running
        Ledger(early).deposit(a, Decimal("1"))
        assert follower.poll() == []
        early.commit()
    finally:
        early.close()
        late.close()
    arrived = follower.poll()
    assert [(e.account_id, e.sequence_number) for e in arrived] == [(a, 2), (b, 2)]
    assert early_xid is not None and arrived[0].transaction_id == int(early_xid[0])
    assert arrived[0].position > arrived[1].position  # id order alone would have skipped it
    assert follower.poll() == []
    # What the follower saw is the table in position order, each event once.
    table = db.execute("SELECT event_id FROM ledger.events ORDER BY transaction_id, id").fetchall()
    assert [e.event_id for e in follower.seen] == [r[0] for r in table]


def test_the_horizon_names_the_transaction_holding_readers_back(
    dsn: str, db: psycopg.Connection[Any], ledger: Ledger
) -> None:
    account = uuid.uuid4()
    ledger.open_account(account, "A")
    holder = psycopg.connect(dsn)
    try:
        holder.execute("SELECT pg_current_xact_id()")  # an open transaction with an xid
        ledger.deposit(account, Decimal("1"))
        row = db.execute(
            "SELECT oldest_pid, oldest_state, withheld_events, oldest_xact_age > interval '0'"
            " FROM ledger.read_all_horizon()"
        ).fetchone()
        assert row == (holder.info.backend_pid, "idle in transaction", 1, True)
    finally:
        holder.close()
    row = db.execute("SELECT withheld_events FROM ledger.read_all_horizon()").fetchone()
    assert row == (0,)


def test_read_all_refuses_a_missing_position(db: psycopg.Connection[Any]) -> None:
    for query in ("SELECT * FROM ledger.read_all(NULL, 0, 10)", "SELECT * FROM ledger.read_all('0', 0, 0)"):
        with pytest.raises(psycopg.Error) as caught:
            db.execute(query)
        assert caught.value.sqlstate == "LG005"


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
                    # Transactions of 1-3 appends, some with a pause inside, so xid order,
                    # id order and commit order disagree often. Accounts in a fixed order,
                    # as multi-account transactions must (ledger.transfer does the same).
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

    writers = [threading.Thread(target=writer, args=(seed,)) for seed in range(6)]
    reader = threading.Thread(target=follow)
    reader.start()
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    stop.set()
    reader.join()
    follower.poll()  # everything has ended now: the rest comes through
    assert errors == []
    seen = [e.event_id for e in follower.seen]
    assert len(seen) == len(set(seen))
    table = db.execute("SELECT event_id FROM ledger.events ORDER BY transaction_id, id").fetchall()
    assert seen == [r[0] for r in table]
    assert len(seen) > 6 + 6 * 25
