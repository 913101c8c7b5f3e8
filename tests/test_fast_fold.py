"""Property: the set-based strict fold (ledger.full_fold, and ledger.verify's pass over every
account) gives exactly what the PL/pgSQL fold gives, state or error, on random legal and illegal
histories written straight into ledger.events (as a careless owner or a restore could leave them).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import psycopg
from hypothesis import example, given, settings
from hypothesis import strategies as st
from psycopg import sql
from psycopg.types.json import Jsonb

START = datetime(2026, 1, 1, tzinfo=timezone.utc)

amount_values = st.one_of(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("300"), places=2).map(str),
    st.sampled_from(["0", "0.00", "5", "1.5", "0.005", "1.250", "-3.00", "NaN", "1e25", "99999999999999999.99"]),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50"), places=2).map(float),  # a JSON number
)
steps = st.lists(
    st.tuples(
        st.sampled_from(["MoneyDeposited", "MoneyDeposited", "MoneyWithdrawn"]),
        amount_values,
        st.sampled_from([0, 0, 1, 1, 5]),  # seconds after the previous event (ties are common)
    ),
    max_size=12,
)
# What may be wrong with the history, at a random event (None: nothing).
EVERY_DAMAGE = [
    None,
    "gap",
    "swap",
    "time_back",
    "second_open",
    "unknown_type",
    "no_amount",
    "first_not_opened",
    "opened_second",
    "starts_at_2",
    "old_version",
    "owner_missing",
]
damages = st.sampled_from([None, None, *EVERY_DAMAGE])


def history(steps: list[tuple[str, Any, int]], damage: str | None, at: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {"type": "AccountOpened", "version": 1, "payload": {"owner_name": "Ada"}, "seconds": 0}
    ]
    seconds = 0
    for kind, amount, later in steps:
        seconds += later
        version = 2 if kind == "MoneyDeposited" else 1
        payload: dict[str, Any] = {"amount": amount}
        if kind == "MoneyDeposited":
            payload["reference"] = None
        events.append({"type": kind, "version": version, "payload": payload, "seconds": seconds})
    for number, event in enumerate(events, start=1):
        event["sequence"] = number
    i = at % len(events) if damage in ("no_amount", "unknown_type") else 1 + at % max(len(events) - 1, 1)
    i = min(i, len(events) - 1)
    event = events[i]
    if damage == "gap":
        for later_event in events[i:]:
            later_event["sequence"] += 1
    elif damage == "swap" and i + 1 < len(events):
        event["sequence"], events[i + 1]["sequence"] = events[i + 1]["sequence"], event["sequence"]
    elif damage == "time_back":
        event["seconds"] -= 2
    elif damage == "second_open":
        event.update(type="AccountOpened", version=1, payload={"owner_name": "Eve"})
    elif damage == "unknown_type":
        event["type"] = "MoneyBorrowed"
    elif damage == "no_amount":
        event["payload"] = {"note": "no amount"}
    elif damage == "first_not_opened":
        events[0].update(type="MoneyDeposited", version=2, payload={"amount": "1.00", "reference": None})
    elif damage == "opened_second" and len(events) > 1:
        events[0]["sequence"], events[1]["sequence"] = 2, 1
        events[1]["seconds"] = 0
    elif damage == "starts_at_2":
        for any_event in events:
            any_event["sequence"] += 1
    elif damage == "old_version" and event["type"] == "MoneyDeposited":
        event["version"] = 1
        event["payload"] = {"amount": event["payload"]["amount"]}
    elif damage == "owner_missing":
        events[0]["payload"] = {}
    return events


def write(conn: psycopg.Connection[Any], account: uuid.UUID, events: list[dict[str, Any]]) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO ledger.events (event_id, aggregate_id, sequence_number, event_type, event_version,"
            " payload, occurred_at, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, '\\x00')",
            [
                (
                    uuid.uuid4(),
                    account,
                    e["sequence"],
                    e["type"],
                    e["version"],
                    Jsonb(e["payload"]),
                    START + timedelta(seconds=e["seconds"]),
                )
                for e in events
            ],
        )


def outcome(conn: psycopg.Connection[Any], query: str, account: uuid.UUID) -> tuple[str, Any]:
    try:
        row = conn.execute(query, (account,)).fetchone()
    except psycopg.Error as error:
        return ("error", (error.sqlstate, error.diag.message_primary))
    assert row is not None
    return ("state", row[0])


FOLD = (
    "SELECT ledger.account_fold(ROW(e.*)::ledger.events ORDER BY e.sequence_number) AS s"
    " FROM ledger.events AS e WHERE e.aggregate_id = %s"
)
PLPGSQL_FOLD = f"SELECT f.s::text FROM ({FOLD}) AS f"  # the state as text, or the fold's error
PASS = "SELECT state::text FROM ledger.full_fold_pass(%s)"  # the set-based pass's claim


THREE_STEPS = [("MoneyDeposited", "10.00", 1), ("MoneyWithdrawn", "2.50", 0), ("MoneyDeposited", "1.25", 1)]


def every_damage(test: Any) -> Any:
    """One example of each kind of damage (and of none), whatever the random search finds."""
    for damage in reversed(EVERY_DAMAGE):
        test = example(THREE_STEPS, damage, 1)(test)
    return test


@settings(max_examples=200)
@given(steps, damages, st.integers(min_value=0, max_value=20))
@every_damage
def test_full_fold_equals_the_plpgsql_fold(dsn: str, steps: list[Any], damage: str | None, at: int) -> None:
    account = uuid.uuid4()
    with psycopg.connect(dsn, autocommit=True) as conn:
        write(conn, account, history(steps, damage, at))
        expected = outcome(conn, PLPGSQL_FOLD, account)
        assert outcome(conn, "SELECT ledger.full_fold(%s)::text", account) == expected
        # The set-based pass itself: where it claims a state, that state is the fold's.
        claim = outcome(conn, PASS, account)
        if claim[0] == "state" and claim[1] is not None:
            assert claim == expected
        # verify_account reports the same state, or the same error as text.
        replayed, error = conn.execute(
            "SELECT replayed::text, error FROM ledger.verify_account(%s)", (account,)
        ).fetchone() or (None, None)
        if expected[0] == "error":
            assert replayed is None and error == "{}: {}".format(*expected[1])
        else:
            assert error is None and replayed == expected[1]


# The state a fold that checked nothing would compute (event 1's owner and time, the sum of the
# amounts, the count, the latest time), stored as the projection when it can be; nothing otherwise.
LENIENT_PROJECTION = sql.SQL("""
DO $$
BEGIN
    INSERT INTO ledger.accounts (account_id, owner_name, balance, version, opened_at, last_event_at, last_hash)
    SELECT {account}::uuid, first.payload ->> 'owner_name',
        0.00 + sum(CASE e.event_type WHEN 'MoneyDeposited' THEN (e.payload ->> 'amount')::numeric
                                     WHEN 'MoneyWithdrawn' THEN -(e.payload ->> 'amount')::numeric ELSE 0 END),
        count(*), first.occurred_at, max(e.occurred_at), '\\x00'
    FROM ledger.events AS e
    JOIN ledger.events AS first ON first.aggregate_id = e.aggregate_id AND first.sequence_number = 1
    WHERE e.aggregate_id = {account}::uuid
    GROUP BY first.payload, first.occurred_at;
EXCEPTION
    WHEN OTHERS THEN NULL;
END;
$$
""")


def test_the_set_based_pass_proves_a_legal_history_and_its_state(db: psycopg.Connection[Any]) -> None:
    account = uuid.uuid4()
    write(db, account, history(THREE_STEPS, None, 0))
    row = db.execute(PASS, (account,)).fetchone()
    assert row == (f'({account},Ada,8.75,4,"2026-01-01 00:00:00+00","2026-01-01 00:00:02+00")',)
    assert outcome(db, PLPGSQL_FOLD, account) == ("state", row[0])
    # An overdraft makes the pass raise (22003 from int8pl); ledger.full_fold then gives LG004.
    write(db, overdrawn := uuid.uuid4(), history([("MoneyWithdrawn", "0.01", 0)], None, 0))
    assert outcome(db, PASS, overdrawn)[1][0] == "22003"
    assert outcome(db, "SELECT ledger.full_fold(%s)::text", overdrawn)[1][0] == "LG004"


# Histories for ledger.verify(): money that mostly stays positive, so that the set-based pass is
# not always interrupted (a negative running balance anywhere sends every account to the
# per-account path), and damage that includes amounts the pass cannot take.
verify_steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("MoneyDeposited"),
            st.decimals(min_value=Decimal("10"), max_value=Decimal("300"), places=2).map(str),
            st.sampled_from([0, 1, 5]),
        ),
        st.tuples(
            st.just("MoneyWithdrawn"),
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5"), places=2).map(str),
            st.sampled_from([0, 1, 5]),
        ),
    ),
    max_size=8,
)
verify_damages = st.one_of(damages, st.sampled_from(["overdraw", "0.005", "1.250", "NaN", "1e25", "0"]))


def damaged(steps: list[tuple[str, Any, int]], damage: str | None, at: int) -> list[dict[str, Any]]:
    if damage == "overdraw":
        steps = [*steps, ("MoneyWithdrawn", "1000000.00", 1)]
        damage = None
    elif damage in ("0.005", "1.250", "NaN", "1e25", "0"):
        steps = [*steps, ("MoneyDeposited", damage, 1)]
        damage = None
    return history(steps, damage, at)


@settings(max_examples=100)
@given(
    st.lists(st.tuples(verify_steps, verify_damages, st.integers(min_value=0, max_value=20)), min_size=1, max_size=5)
)
def test_verify_reports_exactly_what_the_fold_rejects_or_computes_differently(dsn: str, accounts: list[Any]) -> None:
    """verify()'s pass over every account at once is silent on an account whose projection is its
    fold and reports every other one, with the fold's own state or error."""
    expected: dict[str, tuple[str, Any]] = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        # Each example starts from an empty ledger (this test's database is dropped afterwards).
        conn.execute("ALTER TABLE ledger.events DISABLE TRIGGER events_refuse_update_delete")
        conn.execute("ALTER TABLE ledger.accounts DISABLE TRIGGER accounts_take_snapshot")
        conn.execute("DELETE FROM ledger.events")
        conn.execute("DELETE FROM ledger.accounts")
        for n, (account_steps, damage, at) in enumerate(accounts):
            account = uuid.uuid4()
            write(conn, account, damaged(account_steps, damage, at))
            fold = outcome(conn, PLPGSQL_FOLD, account)
            if fold[0] == "error":
                # Give a damaged history the projection a lenient fold would compute, so that a
                # pass that wrongly accepted it would find them equal and stay silent.
                expected[str(account)] = fold
                conn.execute(LENIENT_PROJECTION.format(account=sql.Literal(str(account))))
                continue
            row = conn.execute(f"SELECT (f.s).* FROM ({FOLD}) AS f", (account,)).fetchone()
            assert row is not None
            if None in row:  # no projection row can hold it (NOT NULL): reported as missing
                expected[str(account)] = fold
                continue
            # The projection is the fold's state, except for every third account: one cent off.
            off = Decimal("0.01") if n % 3 == 2 and not row[2].is_nan() else Decimal(0)
            conn.execute(
                "INSERT INTO ledger.accounts (account_id, owner_name, balance, version, opened_at,"
                " last_event_at, last_hash) VALUES (%s, %s, %s, %s, %s, %s, '\\x00')",
                (row[0], row[1], row[2] + off, row[3], row[4], row[5]),
            )
            if off:
                expected[str(account)] = fold
        reported = {
            str(account_id): ("error", tuple(error.split(": ", 1))) if error else ("state", replayed)
            for account_id, replayed, error in conn.execute(
                "SELECT account_id, replayed::text, error FROM ledger.verify()"
            ).fetchall()
        }
    assert reported == expected


def test_verify_runs_the_very_query_of_full_fold_pass(db: psycopg.Connection[Any]) -> None:
    """ledger.verify writes ledger.full_fold_pass's query out (Citus cannot join a SQL function's
    query); the copy must stay the tested query, for all accounts."""

    def source(function: str) -> str:
        row = db.execute("SELECT prosrc FROM pg_catalog.pg_proc WHERE oid = %s::regprocedure", (function,)).fetchone()
        assert row is not None
        return " ".join(row[0].split())

    query = source("ledger.full_fold_pass(uuid)").rstrip(";")
    for_all = query.replace(" WHERE e.aggregate_id = p_account_id", "")
    assert for_all != query and len(for_all) > 1000
    assert f"FULL JOIN ( {for_all} ) AS r ON r.account_id = a.account_id" in source("ledger.verify()")
