"""The command line: ``pgledger demo | migrate | server start|stop|status``.

Uses the client and the embedded server; nothing here holds a rule. Errors of the ledger are
printed as one line with their SQLSTATE, never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from decimal import Decimal
from pathlib import Path

from pgledger.errors import LedgerError
from pgledger.events import AccountOpened, RecordedEvent
from pgledger.ledger import Ledger
from pgledger.migrate import migrate
from pgledger.server import DEFAULT_DATA_DIR, EmbeddedServer, ServerError, resolve_conninfo


def _conninfo(args: argparse.Namespace) -> tuple[str, str]:
    return resolve_conninfo(Path(args.data_dir))


def cmd_migrate(args: argparse.Namespace) -> int:
    conninfo, where = _conninfo(args)
    report = migrate(conninfo)
    applied = ", ".join(report.applied) if report.applied else "none (schema already up to date)"
    print(f"migrated {where}: applied {applied}; {report.function_files} function files re-applied")
    return 0


def cmd_server(args: argparse.Namespace) -> int:
    server = EmbeddedServer(Path(args.data_dir))
    if args.action == "start":
        server.start()
        print(f"embedded PostgreSQL running (pid {server.pid()}); connect with: {server.conninfo('pgledger')}")
    elif args.action == "stop":
        was_running = server.running()
        server.stop()
        print("embedded PostgreSQL stopped" if was_running else "embedded PostgreSQL was not running")
    else:
        pid = server.pid()
        if pid is None:
            print(f"embedded PostgreSQL in {server.data_dir}: not running")
            return 3
        print(f"embedded PostgreSQL in {server.data_dir}: running (pid {pid}); {server.conninfo('pgledger')}")
    return 0


def _event_row(recorded: RecordedEvent) -> str:
    event = recorded.event
    detail = f"owner_name={event.owner_name!r}" if isinstance(event, AccountOpened) else f"amount={event.amount}"
    return (
        f"  {recorded.sequence_number:>3}  {event.event_type:<15} {detail:<28} "
        f"{recorded.occurred_at.isoformat(timespec='milliseconds')}"
    )


def cmd_demo(args: argparse.Namespace) -> int:
    conninfo, where = _conninfo(args)
    report = migrate(conninfo)
    with Ledger(conninfo) as ledger:
        version = ledger.connection.execute("SHOW server_version").fetchone()
        print(f"pgledger demo on {where} (PostgreSQL {version[0] if version else '?'})")
        print(f"schema: {'applied ' + ', '.join(report.applied) if report.applied else 'up to date'}")
        account = uuid.uuid4()
        print(f"\naccount {account}")
        print(f"  open_account('Ada Lovelace')  -> version {ledger.open_account(account, 'Ada Lovelace')}")
        print(f"  deposit(100.00)               -> version {ledger.deposit(account, Decimal('100.00'))}")
        print(f"  withdraw(30.25)               -> version {ledger.withdraw(account, Decimal('30.25'))}")
        events = ledger.events(account)
        print(f"\nstored events ({len(events)} rows in ledger.events)")
        print("  seq  event_type      payload                      occurred_at")
        for recorded in events:
            print(_event_row(recorded))
        state = ledger.state(account)
        replayed = ledger.replay(account)
        assert state is not None and replayed is not None
        print(f"\nbalance from the projection (ledger.account_state): {state.balance}")
        print(f"balance from the replay of {len(events)} events (ledger.replay): {replayed.balance}")
        print(f"replay equals projection: {'yes' if state == replayed else 'NO'}")
        mismatches = ledger.verify()
        verdict = "every account's replay equals its projection" if not mismatches else "ACCOUNTS DIFFER"
        print(f"ledger.verify() over all accounts: {verdict} ({len(mismatches)} differ)")
        return 0 if state == replayed and not mismatches else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pgledger",
        description="Append-only, event-sourced account ledger in PostgreSQL. Uses DATABASE_URL when it is "
        "set, else an embedded PostgreSQL in --data-dir.",
    )
    parser.add_argument(
        "--data-dir", default=str(DEFAULT_DATA_DIR), help="data directory of the embedded server (default: .pgledger)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="open an account, deposit, withdraw, and prove replay = projection").set_defaults(
        func=cmd_demo
    )
    commands.add_parser("migrate", help="apply db/migrations and db/functions").set_defaults(func=cmd_migrate)
    server = commands.add_parser("server", help="the embedded PostgreSQL")
    server.add_argument("action", choices=["start", "stop", "status"])
    server.set_defaults(func=cmd_server)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except LedgerError as error:
        print(f"pgledger: {error}", file=sys.stderr)
        return 2
    except ServerError as error:
        print(f"pgledger: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
