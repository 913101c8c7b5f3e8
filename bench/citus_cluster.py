"""A local Citus cluster for tests and benchmarks: one coordinator and two workers.

Each node is a PostgreSQL 15 server (the system's binaries, with the Citus extension installed
into them) in its own data directory under DIR, listening on 127.0.0.1 on a port picked free
when the node is created, with trust authentication. As root, the servers run as the
unprivileged OS user ``pgledger`` (as pgledger.server does)::

    python -m bench.citus_cluster start --dir DIR [--dbname NAME] [--no-fsync]
    python -m bench.citus_cluster status --dir DIR
    python -m bench.citus_cluster stop --dir DIR

``start`` creates what is missing, starts what is stopped, creates the database and the citus
extension on every node, registers the workers with the coordinator, and prints one JSON line
with the coordinator's and the workers' conninfo. It is idempotent. Tests use the API instead:
``citus_available()`` (why not, or None) and ``CitusCluster(dir).start(dbname)``.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeVar

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

SERVICE_USER = "pgledger"
NODES = ("coordinator", "worker1", "worker2")
HOST = "127.0.0.1"
PG_MAJOR = "15"
FALLBACK_PG_CONFIG = Path(f"/usr/lib/postgresql/{PG_MAJOR}/bin/pg_config")

T = TypeVar("T")


class CitusClusterError(RuntimeError):
    """The cluster could not be created, started or stopped; the message says why."""


@dataclass(frozen=True)
class ClusterInfo:
    coordinator: str
    workers: list[str]


@dataclass(frozen=True)
class _Install:
    bindir: Path
    pkglibdir: Path


def _pg_config(pg_config: str, option: str) -> str:
    return subprocess.run([pg_config, option], capture_output=True, text=True, check=True).stdout.strip()


def _install() -> _Install:
    """The PostgreSQL 15 installation that has Citus; CitusClusterError says why there is none."""
    for candidate in (shutil.which("pg_config"), FALLBACK_PG_CONFIG):
        if candidate is None or not Path(candidate).exists():
            continue
        if _pg_config(str(candidate), "--version").startswith(f"PostgreSQL {PG_MAJOR}."):
            pkglibdir = Path(_pg_config(str(candidate), "--pkglibdir"))
            if not (pkglibdir / "citus.so").exists():
                raise CitusClusterError(f"Citus is not installed: no citus.so in {pkglibdir}")
            return _Install(Path(_pg_config(str(candidate), "--bindir")), pkglibdir)
    raise CitusClusterError(f"PostgreSQL {PG_MAJOR} is not installed (no pg_config of that version)")


def citus_available() -> str | None:
    """None when PostgreSQL 15 with Citus is installed; else the reason, in one line."""
    try:
        _install()
    except CitusClusterError as error:
        return str(error)
    return None


@dataclass(frozen=True)
class _RunAs:
    """The unprivileged account the servers run as when we are root. Its home replaces root's:
    the servers' own libpq connections (Citus between nodes) look there for client certificates."""

    uid: int
    gid: int
    home: str


def _service_account() -> _RunAs | None:
    """None when we are not root; else the account the servers run as."""
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
    return _RunAs(entry.pw_uid, entry.pw_gid, entry.pw_dir)


def _make_traversable(path: Path) -> None:
    """Give 'others' search permission (o+x, not read) on every directory above path."""
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


def _free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 now (held open together, so they are distinct; never 5432)."""
    sockets: list[socket.socket] = []
    try:
        while len(sockets) < count:
            s = socket.socket()
            s.bind((HOST, 0))
            if s.getsockname()[1] == 5432:
                s.close()
                continue
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _on_all(action: Callable[[T], object], items: Iterable[T]) -> None:
    """Run action on the items in parallel (initdb and CREATE EXTENSION take a second or two
    each); the first error is raised."""
    with ThreadPoolExecutor() as pool:
        list(pool.map(action, items))


class _Node:
    """One PostgreSQL server of the cluster, in DIR/<name>."""

    def __init__(self, data_dir: Path, install: _Install, run_as: _RunAs | None) -> None:
        self.data_dir = data_dir
        self.install = install
        self.run_as = run_as

    @property
    def port(self) -> int:
        """The port written into postgresql.conf when the node was created."""
        ports = re.findall(r"^port = (\d+)", (self.data_dir / "postgresql.conf").read_text(), re.MULTILINE)
        return int(ports[-1])

    def conninfo(self, dbname: str) -> str:
        return make_conninfo(host=HOST, port=self.port, user="postgres", dbname=dbname)

    def exists(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def running(self) -> bool:
        return self._pg_ctl("status").returncode == 0

    def create(self, port: int, fsync: bool, citus: bool = True) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.run_as is not None:
            _make_traversable(self.data_dir)
            os.chown(self.data_dir, self.run_as.uid, self.run_as.gid)
        self.data_dir.chmod(0o700)
        initdb = [str(self.install.bindir / "initdb"), "-D", str(self.data_dir), "-U", "postgres", "--auth=trust"]
        initdb += ["--encoding=UTF8", "--locale=C", "--no-instructions", *([] if fsync else ["--no-sync"])]
        self._check(self._run(initdb), "initialise")
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# bench.citus_cluster\n"
                f"port = {port}\nlisten_addresses = '{HOST}'\nunix_socket_directories = '{self.data_dir}'\n"
                + ("shared_preload_libraries = 'citus'\n" if citus else "")
            )

    def start(self, fsync: bool) -> None:
        options = "" if fsync else "-c fsync=off"
        self._check(self._pg_ctl("start", "-l", str(self.data_dir / "server.log"), "-o", options), "start")

    def stop(self) -> None:
        self._check(self._pg_ctl("stop", "-m", "fast"), "stop")

    def _pg_ctl(self, action: str, *options: str) -> subprocess.CompletedProcess[str]:
        argv = [str(self.install.bindir / "pg_ctl"), "-D", str(self.data_dir), "-w", "-t", "120", *options, action]
        return self._run(argv)

    def _run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        if self.run_as is None:
            return subprocess.run(argv, capture_output=True, text=True, check=False, cwd=self.data_dir)
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            check=False,
            cwd=self.data_dir,
            user=self.run_as.uid,
            group=self.run_as.gid,
            env={**os.environ, "HOME": self.run_as.home},
        )

    def _check(self, result: subprocess.CompletedProcess[str], what: str) -> None:
        if result.returncode != 0:
            log = self.data_dir / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise CitusClusterError(f"could not {what} {self.data_dir}: {result.stderr.strip()}\n{tail}".rstrip())


class PlainServer:
    """One PostgreSQL server from the same installation, without Citus: the single-node baseline
    the cluster is measured against (bench/citus_bench.py)."""

    def __init__(self, directory: Path, *, fsync: bool = True) -> None:
        self.node = _Node(directory.resolve(), _install(), _service_account())
        self.fsync = fsync

    def start(self, dbname: str = "postgres") -> str:
        if not self.node.exists():
            self.node.create(_free_ports(1)[0], self.fsync, citus=False)
        if not self.node.running():
            self.node.start(self.fsync)
        with psycopg.connect(self.node.conninfo("postgres"), autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_catalog.pg_database WHERE datname = %s", (dbname,)).fetchone() is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        return self.node.conninfo(dbname)

    def stop(self) -> None:
        if self.node.exists() and self.node.running():
            self.node.stop()


class CitusCluster:
    """A coordinator and two workers under ``directory``. ``fsync=False`` is for throwaway test clusters."""

    def __init__(self, directory: Path, *, fsync: bool = True) -> None:
        self.directory = directory.resolve()
        self.fsync = fsync

    def _nodes(self) -> dict[str, _Node]:
        install, run_as = _install(), _service_account()
        return {name: _Node(self.directory / name, install, run_as) for name in NODES}

    def start(self, dbname: str = "postgres") -> ClusterInfo:
        """Create and start the nodes as needed, then make ``dbname`` a Citus database on all of them."""
        nodes = self._nodes()
        missing = [node for node in nodes.values() if not node.exists()]
        _on_all(lambda new: new[0].create(new[1], self.fsync), zip(missing, _free_ports(len(missing)), strict=True))
        _on_all(lambda node: node.start(self.fsync), [node for node in nodes.values() if not node.running()])
        _on_all(lambda node: _create_citus_database(node, dbname), nodes.values())
        coordinator, *workers = nodes.values()
        _register_workers(coordinator, workers, dbname)
        return self._info(nodes, dbname)

    def stop(self) -> None:
        for node in self._nodes().values():
            if node.exists() and node.running():
                node.stop()

    def status(self) -> dict[str, dict[str, object]]:
        """Each node's port and whether it runs (nodes not yet created are left out)."""
        return {
            name: {"port": node.port, "running": node.running()}
            for name, node in self._nodes().items()
            if node.exists()
        }

    @staticmethod
    def _info(nodes: dict[str, _Node], dbname: str) -> ClusterInfo:
        coordinator, *workers = (node.conninfo(dbname) for node in nodes.values())
        return ClusterInfo(coordinator, workers)


def _create_citus_database(node: _Node, dbname: str) -> None:
    with psycopg.connect(node.conninfo("postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_catalog.pg_database WHERE datname = %s", (dbname,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    with psycopg.connect(node.conninfo(dbname), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS citus")


def _register_workers(coordinator: _Node, workers: list[_Node], dbname: str) -> None:
    """Tell the coordinator its own address and add the workers it does not know yet."""
    with psycopg.connect(coordinator.conninfo(dbname), autocommit=True) as conn:
        conn.execute("SELECT citus_set_coordinator_host(%s, %s)", (HOST, coordinator.port))
        known = {port for (port,) in conn.execute("SELECT nodeport FROM pg_dist_node WHERE noderole = 'primary'")}
        for worker in workers:
            if worker.port not in known:
                conn.execute("SELECT citus_add_node(%s, %s)", (HOST, worker.port))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.citus_cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop", "status"])
    parser.add_argument("--dir", type=Path, required=True, help="where the three data directories live")
    parser.add_argument("--dbname", default="postgres", help="the database to create and make a Citus database")
    parser.add_argument("--no-fsync", action="store_true", help="fsync=off: for throwaway test clusters")
    args = parser.parse_args(argv)
    cluster = CitusCluster(args.dir, fsync=not args.no_fsync)
    try:
        if args.command == "start":
            print(json.dumps(asdict(cluster.start(args.dbname))))
        elif args.command == "stop":
            cluster.stop()
        else:
            status = cluster.status()
            print(json.dumps(status))
            return 0 if status and all(node["running"] for node in status.values()) else 3
    except (CitusClusterError, psycopg.Error) as error:
        print(f"citus_cluster: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
