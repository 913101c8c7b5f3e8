"""The database enforces the ledger's rules against every caller: history is append-only for
everyone, and the application roles reach the data only through the ledger's functions."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.types.json import Jsonb

from pgledger import Ledger
from tests.conftest import RoleFactory
from tests.helpers import stored_counts


@pytest.fixture
def account(ledger: Ledger) -> uuid.UUID:
    account_id = uuid.uuid4()
    ledger.open_account(account_id, "Ada")
    ledger.deposit(account_id, Decimal("100.00"))
    return account_id


def sqlstate(conninfo: str, query: str, params: tuple[Any, ...] = ()) -> str | None:
    """Runs one statement in its own connection; the SQLSTATE it failed with, or None."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        try:
            conn.execute(query, params)
        except psycopg.Error as error:
            return error.sqlstate
    return None


# -- append-only history, for every role ---------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger.events SET payload = '{\"amount\": \"1000000.00\"}' WHERE event_type = 'MoneyDeposited'",
        "UPDATE ledger.events SET occurred_at = occurred_at WHERE false",
        "DELETE FROM ledger.events",
        "DELETE FROM ledger.events WHERE sequence_number > 1",
        "TRUNCATE ledger.events",
        "TRUNCATE ledger.events CASCADE",
    ],
)
@pytest.mark.parametrize("replica", [False, True])
def test_the_owner_and_superusers_cannot_change_history(
    dsn: str, db: psycopg.Connection[Any], account: uuid.UUID, statement: str, replica: bool
) -> None:
    before = db.execute("SELECT * FROM ledger.events ORDER BY id").fetchall()
    with psycopg.connect(dsn, autocommit=True) as conn:
        if replica:  # silences ordinary triggers, not ENABLE ALWAYS ones
            conn.execute("SET session_replication_role = replica")
        with pytest.raises(psycopg.Error) as caught:
            conn.execute(statement)
    assert caught.value.sqlstate == "LG007"
    assert "append-only" in str(caught.value)
    assert db.execute("SELECT * FROM ledger.events ORDER BY id").fetchall() == before


# -- the writer role ----------------------------------------------------------------------------


def test_a_writer_works_through_the_functions(login_role: RoleFactory, account: uuid.UUID) -> None:
    writer = login_role("ledger_writer")
    with Ledger(writer) as ledger:
        new = uuid.uuid4()
        assert ledger.open_account(new, "Writer's account") == 1
        assert ledger.deposit(new, Decimal("10")) == 2
        assert ledger.withdraw(account, Decimal("1")) == 3
        state = ledger.state(account)
        assert state is not None and state.balance == Decimal("99.00")
        assert ledger.replay(account) == state == ledger.load(account)
        assert len(ledger.events(account)) == 3
        assert ledger.history(account)[-1].balance == Decimal("99.00")
        assert ledger.state_at_version(account, 1) is not None
        assert ledger.verify() == []
        assert ledger.stats().accounts == 2


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM ledger.events",
        "SELECT * FROM ledger.accounts",
        "SELECT * FROM ledger.account_snapshots",
        "INSERT INTO ledger.events (event_id, aggregate_id, sequence_number, event_type, payload, occurred_at)"
        " VALUES (gen_random_uuid(), gen_random_uuid(), 1, 'AccountOpened', '{\"owner_name\": \"x\"}', now())",
        "UPDATE ledger.accounts SET balance = 1000000",
        "DELETE FROM ledger.accounts",
        "INSERT INTO ledger.account_snapshots SELECT * FROM ledger.account_snapshots",
        "DELETE FROM ledger.account_snapshots",
        "UPDATE ledger.settings SET snapshot_interval = 1",
        "SELECT nextval(pg_get_serial_sequence('ledger.events', 'id'))",
    ],
)
def test_a_writer_has_no_privilege_on_tables_or_sequences(
    login_role: RoleFactory, db: psycopg.Connection[Any], account: uuid.UUID, statement: str
) -> None:
    before = stored_counts(db)
    assert sqlstate(login_role("ledger_writer"), statement) == "42501"
    assert stored_counts(db) == before


@pytest.mark.parametrize(
    "call",
    [
        "SELECT ledger.rebuild_snapshots()",
        "SELECT ledger.set_snapshot_interval(1)",
        "SELECT ledger.define_snapshot_trigger()",
        "SELECT ledger.append_events(gen_random_uuid(), NULL, ARRAY[]::ledger.events[])",
        "SELECT * FROM ledger.chain_check()",
        "SELECT ledger.merkle_range(0, 1)",
        "SELECT ledger.create_subscription('mine')",
        "SELECT ledger.drop_subscription('daily_totals')",
        "SELECT ledger.ledger_totals_catch_up(10)",
        "SELECT ledger.daily_totals_reset()",
        "SELECT ledger.parse_event('{}', 0)",
        "SELECT ledger.new_event('MoneyDeposited', '{\"amount\": \"1\"}', NULL, NULL, NULL)",
        "SELECT ledger.fold_after(NULL, gen_random_uuid(), NULL, NULL)",
        "SELECT ledger.stored_batch_version(gen_random_uuid(), ARRAY[]::ledger.events[])",
    ],
)
def test_a_writer_cannot_call_internal_or_admin_functions(login_role: RoleFactory, call: str) -> None:
    assert sqlstate(login_role("ledger_writer"), call) == "42501"


@pytest.mark.parametrize("field", ["id", "sequence_number", "aggregate_id", "recorded_at", "transaction_id"])
def test_a_writer_cannot_forge_what_the_database_assigns(
    login_role: RoleFactory, db: psycopg.Connection[Any], account: uuid.UUID, field: str
) -> None:
    forged = {"event_type": "MoneyDeposited", "payload": {"amount": "1.00"}, field: 7}
    before = stored_counts(db)
    assert sqlstate(login_role("ledger_writer"), "SELECT ledger.append(%s, NULL, %s)", (account, Jsonb([forged]))) == (
        "LG005"
    )
    assert stored_counts(db) == before


def test_a_writer_cannot_forge_the_time(
    login_role: RoleFactory, db: psycopg.Connection[Any], account: uuid.UUID
) -> None:
    writer = login_role("ledger_writer")
    future = datetime.now(timezone.utc) + timedelta(minutes=5)
    past = datetime(2000, 1, 1, tzinfo=timezone.utc)
    assert sqlstate(writer, "SELECT ledger.deposit(%s, 1, NULL, %s)", (account, future)) == "LG005"
    assert sqlstate(writer, "SELECT ledger.deposit(%s, 1, NULL, %s)", (account, past)) == "LG006"
    before = datetime.now(timezone.utc)
    with psycopg.connect(writer, autocommit=True) as conn:
        conn.execute("SELECT ledger.deposit(%s, 1)", (account,))
    row = db.execute(
        "SELECT occurred_at, recorded_at FROM ledger.events WHERE aggregate_id = %s ORDER BY id DESC LIMIT 1",
        (account,),
    ).fetchone()
    assert row is not None
    assert before - timedelta(seconds=5) <= row[0] == row[1] <= datetime.now(timezone.utc) + timedelta(seconds=5)


# -- the reader role and strangers --------------------------------------------------------------


def test_a_reader_can_read_but_not_write(
    login_role: RoleFactory, db: psycopg.Connection[Any], account: uuid.UUID
) -> None:
    reader = login_role("ledger_reader")
    with Ledger(reader) as ledger:
        state = ledger.state(account)
        assert state is not None and state.balance == Decimal("100.00")
        assert ledger.replay(account) == state
        assert len(ledger.events(account)) == 2
    before = stored_counts(db)
    for call, params in [
        ("SELECT ledger.deposit(%s, 1)", (account,)),
        ("SELECT ledger.withdraw(%s, 1)", (account,)),
        ("SELECT ledger.open_account(gen_random_uuid(), 'Mallory')", ()),
        ("SELECT ledger.append(%s, NULL, '[]')", (account,)),
        ("SELECT * FROM ledger.events", ()),
    ]:
        assert sqlstate(reader, call, params) == "42501", call
    assert stored_counts(db) == before


def test_a_role_outside_the_groups_can_do_nothing(login_role: RoleFactory, account: uuid.UUID) -> None:
    stranger = login_role(None)
    for call in ["SELECT ledger.deposit(%s, 1)", "SELECT * FROM ledger.account_state(%s)"]:
        assert sqlstate(stranger, call, (account,)) == "42501"


# -- a hostile search_path ------------------------------------------------------------------------

HOSTILE_OBJECTS = [
    # Functions the ledger calls, shadowed in a schema searched before pg_catalog.
    "CREATE FUNCTION {s}.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT '2001-01-01'::timestamptz $$",
    "CREATE FUNCTION {s}.clock_timestamp() RETURNS timestamptz LANGUAGE sql AS $$ SELECT '2001-01-01'::timestamptz $$",
    "CREATE FUNCTION {s}.gen_random_uuid() RETURNS uuid LANGUAGE sql"
    " AS $$ SELECT '00000000-0000-0000-0000-000000000000'::uuid $$",
    "CREATE FUNCTION {s}.jsonb_typeof(jsonb) RETURNS text LANGUAGE sql AS $$ SELECT 'object' $$",
    "CREATE FUNCTION {s}.account_apply(ledger.account, ledger.events) RETURNS ledger.account LANGUAGE sql"
    " AS $$ SELECT ROW($2.aggregate_id, 'pwned', 1000000.00, 1, now(), now())::ledger.account $$",
    "CREATE FUNCTION {s}.num_add(numeric, numeric) RETURNS numeric LANGUAGE sql AS $$ SELECT 1000000.00 $$",
    "CREATE OPERATOR {s}.+ (LEFTARG = numeric, RIGHTARG = numeric, FUNCTION = {s}.num_add)",
    "CREATE FUNCTION {s}.num_gt(numeric, numeric) RETURNS boolean LANGUAGE sql AS $$ SELECT false $$",
    "CREATE OPERATOR {s}.> (LEFTARG = numeric, RIGHTARG = numeric, FUNCTION = {s}.num_gt)",
]


@pytest.mark.parametrize("path", ["{s}, pg_catalog, public", "pg_temp, {s}, pg_catalog"])
def test_objects_early_on_the_callers_search_path_change_nothing(
    login_role: RoleFactory, db: psycopg.Connection[Any], ledger: Ledger, account: uuid.UUID, path: str
) -> None:
    writer = login_role("ledger_writer")
    role = psycopg.conninfo.conninfo_to_dict(writer)["user"]
    schema = f"evil_{uuid.uuid4().hex[:8]}"
    db.execute(sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(sql.Identifier(schema), sql.Identifier(str(role))))
    last_id = db.execute("SELECT max(id) FROM ledger.events").fetchone()
    with psycopg.connect(writer, autocommit=True) as conn:
        for statement in HOSTILE_OBJECTS:
            conn.execute(statement.format(s=schema))
        # Temporary tables named like the ledger's, for a path that searches pg_temp first.
        conn.execute("CREATE TEMP TABLE accounts AS SELECT * FROM (VALUES (1)) AS t (x)")
        conn.execute("CREATE TEMP TABLE events AS SELECT * FROM (VALUES (1)) AS t (x)")
        conn.execute(sql.SQL("SET search_path = {}").format(sql.SQL(path.format(s=schema))))
        # The hostile objects are visible to the caller ...
        assert conn.execute("SELECT now() < '2002-01-01'").fetchone() == (True,)
        assert conn.execute("SELECT 1.00::numeric + 1.00::numeric").fetchone() == (Decimal("1000000.00"),)
        # ... and change nothing the ledger does.
        started = datetime.now(timezone.utc) - timedelta(seconds=5)
        conn.execute("SELECT ledger.deposit(%s, 5.00)", (account,))
        conn.execute("SELECT ledger.withdraw(%s, 2.50)", (account,))
        new = uuid.uuid4()
        conn.execute("SELECT ledger.open_account(%s, 'Eve')", (new,))
        with pytest.raises(psycopg.Error) as caught:
            conn.execute("SELECT ledger.withdraw(%s, 1000)", (account,))
        assert caught.value.sqlstate == "LG004"
        state = conn.execute("SELECT balance, version FROM ledger.account_state(%s)", (account,)).fetchone()
        assert state == (Decimal("102.50"), 4)
    rows = db.execute(
        "SELECT event_id, occurred_at FROM ledger.events WHERE id > %s", (last_id[0] if last_id else 0,)
    ).fetchall()
    assert len(rows) == 3
    assert all(r[0] != uuid.UUID(int=0) and r[1] >= started for r in rows)
    replayed = ledger.replay(account)
    assert replayed is not None and replayed == ledger.state(account)
    assert replayed.owner_name == "Ada"
    assert ledger.verify() == []
