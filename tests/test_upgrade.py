"""Upgrading databases installed by earlier releases: dumps of them are checked into tests/data
(made by tests/data/make_old_installs.py). Each is restored, migrated with this package, and must
then hold the same schema as a fresh install, the same account states, and work."""

from __future__ import annotations

import re
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pgledger import Ledger
from pgledger.migrate import load_migrations, migrate, sql_root
from pgledger.server import bin_dir
from tests.conftest import Cluster

DATA = Path(__file__).resolve().parent / "data"
DUMPS = sorted(DATA.glob("install_*.sql"))

# What a schema is made of, in a form two databases can be compared by.
SIGNATURE = """
SELECT 'column', c.relname || '.' || a.attname,
       pg_catalog.format_type(a.atttypid, a.atttypmod) || ' not null ' || a.attnotnull
       || ' default ' || coalesce(pg_catalog.pg_get_expr(d.adbin, d.adrelid), '') || ' #' || a.attnum::text
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relnamespace = 'ledger'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'relation', c.relname,
       c.relkind::text || ' ' || c.relpersistence::text || ' ' || coalesce(c.reloptions::text, '')
       || ' ' || coalesce(c.relacl, pg_catalog.acldefault('r', c.relowner))::text
FROM pg_catalog.pg_class c WHERE c.relnamespace = 'ledger'::regnamespace
UNION ALL
SELECT 'constraint', conrelid::regclass::text || '.' || conname,
       pg_catalog.pg_get_constraintdef(oid) || ' validated ' || convalidated
FROM pg_catalog.pg_constraint WHERE connamespace = 'ledger'::regnamespace
UNION ALL
SELECT 'index', indexrelid::regclass::text, pg_catalog.pg_get_indexdef(indexrelid)
FROM pg_catalog.pg_index WHERE indrelid IN (SELECT oid FROM pg_catalog.pg_class
                                            WHERE relnamespace = 'ledger'::regnamespace)
UNION ALL
SELECT 'trigger', tgrelid::regclass::text || '.' || tgname, pg_catalog.pg_get_triggerdef(oid) || ' ' || tgenabled::text
FROM pg_catalog.pg_trigger WHERE NOT tgisinternal
  AND tgrelid IN (SELECT oid FROM pg_catalog.pg_class WHERE relnamespace = 'ledger'::regnamespace)
UNION ALL
SELECT 'function', p.oid::regprocedure::text,
       pg_catalog.md5(CASE WHEN p.prokind = 'a' THEN '' ELSE pg_catalog.pg_get_functiondef(p.oid) END)
       || ' ' || coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))::text
       || ' ' || coalesce(pg_catalog.obj_description(p.oid, 'pg_proc'), '')
FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'ledger'::regnamespace
ORDER BY 1, 2
"""


def signature(conninfo: str) -> list[tuple[Any, ...]]:
    """The schema; the snapshot interval (a setting, written into a trigger) shows as N."""
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(SIGNATURE).fetchall()
    return [(kind, name, re.sub(r"% \(\d+\)::bigint", "% (N)::bigint", text)) for kind, name, text in rows]


def restore(cluster: Cluster, dump: Path) -> str:
    db = cluster.database("pgledger_old")
    conninfo = cluster.conninfo(db)
    result = subprocess.run(
        [str(bin_dir() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-f", str(dump)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return conninfo


def states(conninfo: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(conninfo) as conn:
        return [tuple(r) for r in conn.execute("SELECT * FROM ledger.accounts ORDER BY account_id").fetchall()]


@pytest.mark.parametrize("dump", DUMPS, ids=[d.stem for d in DUMPS])
def test_an_earlier_install_upgrades_to_the_schema_of_a_fresh_one(cluster: Cluster, dump: Path, dsn: str) -> None:
    conninfo = restore(cluster, dump)
    before = states(conninfo)
    report = migrate(conninfo)
    assert report.applied and set(report.applied) <= {m.path.name for m in load_migrations(sql_root())}
    assert migrate(conninfo).applied == []
    assert signature(conninfo) == signature(dsn)  # dsn: a fresh install, cloned from the template
    after = states(conninfo)
    assert [row[:6] for row in after] == [row[:6] for row in before]
    with Ledger(conninfo) as ledger:
        assert ledger.verify() == []
        account = uuid.UUID("00000000-0000-4000-8000-00000000000a")
        version = ledger.deposit(account, Decimal("1.00"))
        state = ledger.state(account)
        assert state is not None and state.version == version
        assert ledger.replay(account) == state == ledger.load(account)
        fresh = uuid.uuid4()
        ledger.open_account(fresh, "After the upgrade")
        assert ledger.verify() == []
