"""Regenerates the dumps of databases installed by earlier pgledger commits (tests/data/install_*.sql).

Each dump is what a user of that commit has today: the schema its migrator created and some data
written through its own client. tests/test_upgrade.py restores them and upgrades them with the
current migrator. Run from the repository root against a PostgreSQL 15 server (pg_dump 15 writes
SQL that PostgreSQL 15 and every later version can read):

    .venv/bin/python tests/data/make_old_installs.py postgresql://postgres@127.0.0.1:5432/postgres

The dumps are committed; this script only documents how they were made.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from psycopg import connect, sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

COMMITS = {
    # 0001 and 0002 as first committed (snapshot interval 100), before 0004.
    "4c52df5": "first release with 0001-0003",
    # 0004 as first committed (no subscriber_waits table), with 0005.
    "6f143f4": "0004 before its edit",
    # The last commit before the operations and integrity work.
    "424d4ef": "main before issues 8-12",
}

WRITER = textwrap.dedent(
    """
    import sys, uuid, json
    from decimal import Decimal
    from pgledger.ledger import Ledger
    from pgledger.migrate import migrate
    dsn, commit = sys.argv[1], sys.argv[2]
    migrate(dsn)
    a = uuid.UUID("00000000-0000-4000-8000-00000000000a")
    b = uuid.UUID("00000000-0000-4000-8000-00000000000b")
    c = uuid.UUID("00000000-0000-4000-8000-00000000000c")
    with Ledger(dsn) as ledger:
        ledger.open_account(a, "Ada Lovelace")
        ledger.open_account(b, "Charles Babbage")
        for i in range(120):
            ledger.deposit(a, Decimal("10.00") + i, event_id=uuid.UUID(int=i + 1))
        ledger.withdraw(a, Decimal("7.25"))
        ledger.transfer(a, b, Decimal("100.00"), transfer_id=uuid.UUID(int=999))
        ledger.open_account(c, "Grace Hopper")
        has_versions = hasattr(ledger, "read_all")
        if has_versions:
            # A version-1 MoneyDeposited (no reference), written as an old client would.
            ledger.connection.execute(
                "SELECT ledger.append(%s, NULL, %s::jsonb)",
                (c, json.dumps([{"event_type": "MoneyDeposited", "event_version": 1, "payload": {"amount": "5.00"}}])),
            )
    if has_versions:
        from pgledger.subscriber import Subscriber, daily_totals_handler
        subscriber = Subscriber(dsn, "daily_totals", daily_totals_handler, batch_size=50, listen=False)
        subscriber._batch()  # one batch of 50: a checkpoint in the middle of the history
        subscriber.close()
        with Ledger(dsn) as ledger:
            ledger.deposit(c, Decimal("1.50"))
    """
)


def main(conninfo: str) -> None:
    root = Path(__file__).resolve().parents[2]
    params = conninfo_to_dict(conninfo)
    for commit, why in COMMITS.items():
        dbname = f"pgledger_old_{commit}"
        with connect(conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        dsn = make_conninfo(conninfo, dbname=dbname)
        with tempfile.TemporaryDirectory() as scratch:
            tree = Path(scratch) / "tree"
            subprocess.run(["git", "-C", str(root), "worktree", "add", "--detach", str(tree), commit], check=True)
            try:
                env = {"PYTHONPATH": str(tree / "python_client"), "PATH": "/usr/bin:/bin"}
                subprocess.run([sys.executable, "-c", WRITER, dsn, commit], check=True, env=env)
            finally:
                subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", str(tree)], check=True)
        out = root / "tests" / "data" / f"install_{commit}.sql"
        dump = subprocess.run(
            ["/usr/lib/postgresql/15/bin/pg_dump", "--no-owner", "--quote-all-identifiers", "-d", dsn],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        header = f"-- A database installed by pgledger commit {commit} ({why}), dumped by make_old_installs.py.\n"
        out.write_text(header + dump, encoding="utf-8")
        print(f"wrote {out} ({len(dump)} bytes) from {params.get('host')}")
        with connect(conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(dbname)))


if __name__ == "__main__":
    main(sys.argv[1])
