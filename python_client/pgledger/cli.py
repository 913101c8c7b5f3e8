"""The command line: ``pgledger open | deposit | withdraw | show | history | verify | migrate | demo |
bench | server``.

Uses the client and the embedded server; nothing here holds a rule. Output is for people by
default and JSON with ``--json``. Errors are one line (with the ledger's SQLSTATE where there is
one) and exit status 2, never a traceback; ``verify`` exits 1 when an account differs.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, is_dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import psycopg

from pgledger.errors import LedgerError
from pgledger.events import AccountOpened, AccountState, RecordedEvent
from pgledger.ledger import HistoryEntry, Ledger
from pgledger.migrate import migrate
from pgledger.server import EmbeddedServer, ServerError, default_data_dir

REPO_ROOT = Path(__file__).resolve().parents[2]
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# -- argument types: bad input is a one-line usage error ----------------------------------------


def account_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an account id (a UUID): {text!r}") from None


def amount(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a decimal amount: {text!r}") from None
    return value


def timestamp(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset (write e.g. {text}+00:00)")
    return value


# -- output ----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """JSON-ready: dataclasses to dicts, Decimal/UUID to strings, times to ISO 8601."""
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def emit_json(value: Any) -> None:
    print(json.dumps(_plain(value), indent=2, ensure_ascii=False))


def _time(value: datetime) -> str:
    return value.isoformat(timespec="microseconds")


def describe_state(state: AccountState) -> str:
    return "\n".join(
        [
            f"account        {state.account_id}",
            f"owner          {state.owner_name}",
            f"balance        {state.balance}",
            f"version        {state.version}",
            f"opened at      {_time(state.opened_at)}",
            f"last event at  {_time(state.last_event_at)}",
        ]
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]).rstrip()


def _event_detail(recorded: RecordedEvent) -> str:
    event = recorded.event
    return f"owner_name={event.owner_name!r}" if isinstance(event, AccountOpened) else f"amount={event.amount}"


# -- commands ----------------------------------------------------------------------------------


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data_dir) if args.data_dir else default_data_dir()


def conninfo_for(args: argparse.Namespace) -> tuple[str, str]:
    """The database to use and a description of it: DATABASE_URL when it is set, else the
    embedded server (started if needed) and its database pgledger (created if needed)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url, "the server at DATABASE_URL"
    server = EmbeddedServer(_data_dir(args))
    return server.database("pgledger"), f"the embedded PostgreSQL in {server.data_dir}"


def _ledger(args: argparse.Namespace) -> Ledger:
    conninfo, _ = conninfo_for(args)
    return Ledger(conninfo)


def cmd_migrate(args: argparse.Namespace) -> int:
    conninfo, where = conninfo_for(args)
    report = migrate(conninfo)
    if args.json:
        emit_json({"applied": report.applied, "already_applied": report.already_applied})
        return 0
    applied = ", ".join(report.applied) if report.applied else "none (schema already up to date)"
    print(f"migrated {where}: applied {applied}; {report.function_files} function files re-applied")
    return 0


def cmd_open(args: argparse.Namespace) -> int:
    account = args.account or uuid.uuid4()
    with _ledger(args) as ledger:
        version = ledger.open_account(account, args.owner, occurred_at=args.at, event_id=args.event_id)
    if args.json:
        emit_json({"account_id": account, "version": version})
    else:
        print(f"opened account {account} for {args.owner!r} (version {version})")
    return 0


def _money_command(kind: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        with _ledger(args) as ledger:
            extra = {"reference": args.reference} if kind == "deposit" else {}
            version = getattr(ledger, kind)(
                args.account,
                args.amount,
                expected_version=args.expected_version,
                occurred_at=args.at,
                event_id=args.event_id,
                **extra,
            )
            state = ledger.state(args.account)
        assert state is not None
        if args.json:
            emit_json({"account_id": args.account, "version": version, "balance": state.balance})
        else:
            verb = "deposited" if kind == "deposit" else "withdrew"
            print(f"{verb} {args.amount} (account {args.account}, version {version}, balance {state.balance})")
        return 0

    return run


def cmd_show(args: argparse.Namespace) -> int:
    with _ledger(args) as ledger:
        if args.at is not None:
            state = ledger.state_at(args.account, args.at)
            when = f" as of {_time(args.at)}"
        elif args.version is not None:
            state = ledger.state_at_version(args.account, args.version)
            when = f" at version {args.version}"
        else:
            state, when = ledger.state(args.account), ""
    if state is None:
        print(f"pgledger: account {args.account} has no state{when}", file=sys.stderr)
        return 2
    if args.json:
        emit_json(state)
    else:
        print(describe_state(state))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    with _ledger(args) as ledger:
        entries = ledger.history(args.account, args.start, args.end)
    if not entries:
        print(f"pgledger: account {args.account} has no events in that range", file=sys.stderr)
        return 2
    if args.plot:
        plot_history(entries, args.plot, f"account {args.account}")
    if args.json:
        emit_json(entries)
        return 0
    rows = [
        [
            str(e.sequence_number),
            _time(e.occurred_at),
            e.event_type,
            "" if e.amount is None else str(e.amount),
            str(e.balance),
        ]
        for e in entries
    ]
    print(table(["seq", "occurred_at", "event_type", "amount", "balance"], rows, right={0, 3, 4}))
    if args.plot:
        print(f"plot written to {args.plot}")
    return 0


def plot_history(entries: Sequence[HistoryEntry], path: Path, title: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise LedgerError("--plot needs matplotlib: pip install 'pgledger[plot]'") from None
    fig, ax = plt.subplots(figsize=(9, 4))
    # matplotlib's date axis counts days since 1970-01-01 UTC.
    days = [(e.occurred_at - _EPOCH).total_seconds() / 86400 for e in entries]
    ax.step(days, [float(e.balance) for e in entries], where="post")
    ax.xaxis_date()
    ax.set_title(f"Balance of {title}")
    ax.set_xlabel("occurred_at")
    ax.set_ylabel("balance")
    ax.grid(True, alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _progress(done: int, total: int) -> None:
    if not sys.stderr.isatty():
        return
    total = max(total, done, 1)
    filled = 30 * done // total
    sys.stderr.write(
        f"\rverifying accounts {done}/{total} [{'#' * filled}{'.' * (30 - filled)}] {100 * done // total}%"
    )
    sys.stderr.flush()


def verify_pages(ledger: Ledger, page_size: int) -> Iterator[list[tuple[uuid.UUID, bool, Any]]]:
    after: uuid.UUID | None = None
    while True:
        page = ledger.verify_batch(after, page_size)
        if not page:
            return
        yield page
        after = page[-1][0]


def cmd_verify(args: argparse.Namespace) -> int:
    with _ledger(args) as ledger:
        total = ledger.stats().accounts
        checked, differing = 0, []
        for page in verify_pages(ledger, args.batch_size):
            checked += len(page)
            differing += [mismatch for _, equal, mismatch in page if not equal]
            _progress(checked, total)
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    if args.json:
        emit_json({"checked": checked, "differing": differing})
    elif differing:
        print(f"{len(differing)} of {checked} accounts differ from their replay:")
        for m in differing:
            print(f"  {m.account_id}: projection {_brief(m.projection)}; replay {_brief(m.replayed)}")
    else:
        print(f"verified {checked} accounts: every replay equals its projection")
    return 1 if differing else 0


def _brief(state: AccountState | None) -> str:
    return "none" if state is None else f"balance {state.balance} at version {state.version}"


def cmd_server(args: argparse.Namespace) -> int:
    server = EmbeddedServer(_data_dir(args))
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


def cmd_demo(args: argparse.Namespace) -> int:
    conninfo, where = conninfo_for(args)
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
            print(
                f"  {recorded.sequence_number:>3}  {recorded.event.event_type:<15} {_event_detail(recorded):<28} "
                f"{recorded.occurred_at.isoformat(timespec='milliseconds')}"
            )
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


def cmd_bench(args: argparse.Namespace) -> int:
    if not (REPO_ROOT / "bench" / "run.py").exists():
        raise LedgerError("pgledger bench runs from a source checkout (it lives in bench/, not in the wheel)")
    sys.path.insert(0, str(REPO_ROOT))
    bench_main: Callable[[list[str]], int] = importlib.import_module("bench.run").main
    return bench_main(args.bench_args)


# -- parser -------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pgledger",
        description="Append-only, event-sourced account ledger in PostgreSQL. Uses DATABASE_URL when it is "
        "set, else the embedded PostgreSQL in --data-dir (started when needed, left running until "
        "`pgledger server stop`).",
    )
    parser.add_argument(
        "--data-dir",
        help="data directory of the embedded server (default: $PGLEDGER_HOME/pgdata, else pgdata in the platform's "
        "per-user data directory)",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="machine-readable output")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text, parents=[common])
        sub.set_defaults(func=func)
        return sub

    sub = add("open", cmd_open, "open an account")
    sub.add_argument("owner", help="owner name")
    sub.add_argument("--account", type=account_id, help="account id (default: a new UUID)")
    sub.add_argument("--at", type=timestamp, help="when it happened (ISO 8601 with offset; default: now)")
    sub.add_argument("--event-id", type=account_id, help="idempotency key: a retry with it is applied once")
    for kind, verb in (("deposit", "deposit money"), ("withdraw", "withdraw money")):
        sub = add(kind, _money_command(kind), verb)
        sub.add_argument("account", type=account_id)
        sub.add_argument("amount", type=amount, help="decimal amount, e.g. 12.50")
        sub.add_argument("--expected-version", type=int, help="refuse (LG001) unless the account is at this version")
        sub.add_argument("--at", type=timestamp, help="when it happened (ISO 8601 with offset; default: now)")
        sub.add_argument("--event-id", type=account_id, help="idempotency key: a retry with it is applied once")
        if kind == "deposit":
            sub.add_argument("--reference", help="the payer's reference (up to 140 characters)")
    sub = add("show", cmd_show, "show an account's state, now or at a time or version")
    sub.add_argument("account", type=account_id)
    when = sub.add_mutually_exclusive_group()
    when.add_argument("--at", type=timestamp, help="state as of this time (ISO 8601 with offset)")
    when.add_argument("--version", type=int, help="state right after this event number")
    sub = add("history", cmd_history, "an account's events with the balance after each")
    sub.add_argument("account", type=account_id)
    sub.add_argument("--from", dest="start", type=timestamp, help="first time included")
    sub.add_argument("--to", dest="end", type=timestamp, help="last time included")
    sub.add_argument("--plot", type=Path, help="also draw the balance over time to this PNG file")
    sub = add("verify", cmd_verify, "replay every account and compare with the projection (exit 1 on a difference)")
    sub.add_argument("--batch-size", type=int, default=500, help="accounts per round trip (default 500)")
    add("migrate", cmd_migrate, "apply db/migrations and db/functions")
    add("demo", cmd_demo, "open an account, deposit, withdraw, and prove replay = projection")
    sub = commands.add_parser("bench", help="run the benchmark (bench/run.py; --help for its options)", add_help=False)
    sub.set_defaults(func=cmd_bench, json=False)
    sub = commands.add_parser("server", help="the embedded PostgreSQL: start, stop or status")
    sub.add_argument("action", choices=["start", "stop", "status"])
    sub.set_defaults(func=cmd_server, json=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    # Everything after `bench` belongs to the benchmark's own parser.
    args, rest = parser.parse_known_args(argv)
    if args.command == "bench":
        args.bench_args = rest
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        return int(args.func(args))
    except LedgerError as error:
        print(f"pgledger: {error}", file=sys.stderr)
    except ServerError as error:
        print(f"pgledger: {error}" + (f"\nhint: {error.hint}" if error.hint else ""), file=sys.stderr)
    except psycopg.OperationalError as error:
        print(f"pgledger: {str(error).strip().splitlines()[0]}", file=sys.stderr)
    except psycopg.Error as error:
        print(f"pgledger: {error.sqlstate}: {str(error).strip().splitlines()[0]}", file=sys.stderr)
    except (TypeError, ValueError) as error:
        print(f"pgledger: {error}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
