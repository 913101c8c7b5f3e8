"""Reads beyond one account: listing and finding accounts, ledger-wide totals, a history that
shows references and transfers; metadata that no client chokes on."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from pgledger import InvalidEvent, Ledger, Subscriber
from pgledger.ledger import UNPARSED_JSON


def test_accounts_come_a_page_at_a_time_in_id_order(ledger: Ledger) -> None:
    ids = sorted(uuid.uuid4() for _ in range(7))
    for account in ids:
        ledger.open_account(account, "Paged")
    pages, after = [], None
    while page := ledger.accounts(after=after, limit=3):
        pages.append([a.account_id for a in page])
        after = page[-1].account_id
    assert pages == [ids[0:3], ids[3:6], ids[6:7]]
    with pytest.raises(InvalidEvent, match="max_count must be between 1 and 10000"):
        ledger.accounts(limit=0)


def test_accounts_are_found_by_owner_prefix_in_any_case(ledger: Ledger) -> None:
    owners = ["Ada Lovelace", "ada byron", "Adam Smith", "Grace Hopper", "100% Ada", "A_B"]
    made = {}
    for owner in owners:
        made[owner] = uuid.uuid4()
        ledger.open_account(made[owner], owner)
    found = [a.owner_name for a in ledger.find_accounts("ADA")]
    assert found == ["ada byron", "Ada Lovelace", "Adam Smith"]  # lower-cased name order
    assert [a.owner_name for a in ledger.find_accounts("ada ")] == ["ada byron", "Ada Lovelace"]
    assert [a.owner_name for a in ledger.find_accounts("100%")] == ["100% Ada"]  # % is a plain character
    assert [a.owner_name for a in ledger.find_accounts("a_")] == ["A_B"]  # so is _
    first = ledger.find_accounts("ada", limit=2)
    rest = ledger.find_accounts("ada", after=first[-1].account_id, limit=2)
    assert [a.owner_name for a in first + rest] == found
    for bad in ("", "x" * 201):
        with pytest.raises(InvalidEvent, match="owner_prefix must be 1 to 200 characters"):
            ledger.find_accounts(bad)


def test_finding_and_listing_use_their_indexes(db: psycopg.Connection[Any]) -> None:
    # 20,000 projection rows written directly (no events: only the plans are looked at here).
    db.execute(
        "INSERT INTO ledger.accounts (account_id, owner_name, balance, version, opened_at, last_event_at, last_hash)"
        " SELECT gen_random_uuid(), 'Owner ' || i, 0.00, 1, now(), now(), sha256('x')"
        " FROM generate_series(1, 20000) AS i"
    )
    db.execute("ANALYZE ledger.accounts")
    plans = {
        "find": "SELECT * FROM ledger.accounts a WHERE lower(a.owner_name) COLLATE \"C\" LIKE 'owner 12%'"
        ' ORDER BY lower(a.owner_name) COLLATE "C", a.account_id LIMIT 100',
        "list": "SELECT * FROM ledger.accounts a WHERE a.account_id > gen_random_uuid()"
        " ORDER BY a.account_id LIMIT 100",
    }
    for name, query in plans.items():
        plan = "\n".join(r[0] for r in db.execute("EXPLAIN " + query).fetchall())
        index = "accounts_owner_name_idx" if name == "find" else "accounts_pkey"
        assert f"Index Scan using {index}" in plan and "Sort" not in plan, plan  # a page reads a page


def test_totals_count_the_whole_ledger_and_stay_current(db: psycopg.Connection[Any], ledger: Ledger) -> None:
    empty = ledger.totals()
    assert (empty.accounts, empty.events, empty.balance) == (0, 0, Decimal(0))
    a, b = uuid.uuid4(), uuid.uuid4()
    ledger.open_account(a, "A")
    ledger.open_account(b, "B")
    ledger.deposit(a, Decimal("100.00"))
    ledger.transfer(a, b, Decimal("30.50"))
    ledger.withdraw(b, Decimal("0.50"))
    totals = ledger.totals()
    truth = db.execute("SELECT count(*), sum(balance) FROM ledger.accounts").fetchone()
    assert (totals.accounts, totals.events, totals.as_of_position) == (2, 6, 6)
    assert (totals.deposited, totals.withdrawn, totals.balance) == (Decimal("130.50"), Decimal("31.00"), truth[1])
    with psycopg.connect(db.info.dsn) as standby_like:  # read-only: answers as of the last update
        standby_like.execute("SET TRANSACTION READ ONLY")
        ledger.deposit(a, Decimal("1.00"))
        row = standby_like.execute("SELECT as_of_position, events FROM ledger.totals()").fetchone()
        assert row == (6, 6)
    assert ledger.totals().events == 7


def test_a_history_shows_references_and_transfers(ledger: Ledger) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    ledger.open_account(a, "A")
    ledger.open_account(b, "B")
    ledger.deposit(a, Decimal("10.00"), reference="June salary")
    transfer = uuid.uuid4()
    ledger.transfer(a, b, Decimal("4.00"), transfer_id=transfer)
    history = ledger.history(a)
    assert [(h.event_type, h.reference, h.counterparty, h.transfer_id) for h in history] == [
        ("AccountOpened", None, None, None),
        ("MoneyDeposited", "June salary", None, None),
        ("MoneyWithdrawn", None, b, transfer),
    ]
    assert ledger.history(b)[-1].counterparty == a


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        (json.loads('{"a":' * 33 + "1" + "}" * 33), "must not be nested more than 32 levels deep"),
        ({"transfer_id": str(uuid.uuid4())}, "must not hold the keys transfer_id or counterparty"),
        ({"counterparty": "someone"}, "must not hold the keys transfer_id or counterparty"),
    ],
)
def test_metadata_that_would_mislead_or_choke_a_reader_is_refused(
    ledger: Ledger, metadata: dict[str, Any], message: str
) -> None:
    account = uuid.uuid4()
    ledger.open_account(account, "A")
    with pytest.raises(InvalidEvent, match=message):
        ledger.deposit(account, Decimal("1.00"), metadata=metadata)
    deep_ok = json.loads('{"a":' * 32 + "1" + "}" * 32)
    assert ledger.deposit(account, Decimal("1.00"), metadata=deep_ok) == 2


def test_metadata_stored_too_deep_before_the_cap_is_read_not_fatal(
    dsn: str, db: psycopg.Connection[Any], ledger: Ledger
) -> None:
    """An earlier release stored metadata 2,000 levels deep; reading it must not break clients."""
    account = uuid.uuid4()
    ledger.open_account(account, "A")
    deep = '{"a":' * 2000 + "1" + "}" * 2000
    db.execute(  # as the earlier release's append did (the owner writes directly here)
        "INSERT INTO ledger.events (event_id, aggregate_id, sequence_number, event_type, event_version, payload,"
        " metadata, occurred_at, hash) VALUES (gen_random_uuid(), %s, 2, 'MoneyDeposited', 2,"
        ' \'{"amount": "1.00", "reference": null}\', %s::jsonb, now(), sha256(\'x\'))',
        (account, deep),
    )
    db.execute(
        "UPDATE ledger.accounts SET balance = 1.00, version = 2, last_event_at = now() WHERE account_id = %s",
        (account,),
    )
    events = ledger.events(account)
    assert set(events[1].metadata) == {UNPARSED_JSON}  # the text, exactly as stored
    text = events[1].metadata[UNPARSED_JSON]
    assert text.startswith('{"a": {"a": ') and text.count("{") == 2000
    assert [e.sequence_number for e in ledger.read_all()] == [1, 2]
    db.execute("SELECT ledger.create_subscription('reader')")
    seen: list[Any] = []
    subscriber = Subscriber(dsn, "reader", lambda conn, batch: seen.extend(batch), listen=False)
    assert subscriber.process_available() == 2
    subscriber.close()
