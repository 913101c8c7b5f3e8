"""A peer in our benchmark: Emmett's PostgreSQL event store (Node.js), driven by node.

Emmett (``@event-driven-io/emmett-postgresql``) is used from JavaScript the way its docs show:
``getPostgreSQLEventStore(connectionString)``, ``appendToStream`` and ``aggregateStream``. The
program doing that, ``bench/peers/emmett/peer.mjs``, takes a connection string and a workload
name and prints its timings as JSON (its header says what each workload does). This module
installs its dependencies from the committed lock file (``npm ci``, once per lock file) and runs
it, one process per trial so that the caller can interleave the peer's trials with pgledger's.

Emmett creates its own tables (``emt_*``) in the first schema of the search path; we give it a
schema of its own, ``peer_emmett``, through the connection string, so it never touches
``ledger.*``. Nothing is dropped: every trial writes to fresh streams.

Anything that keeps the peer from running (no node, no npm, ``npm ci`` failing, the program
failing) raises :class:`PeerUnavailable` with a one-line reason, for a "not measured" row.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from bench.peer_unavailable import PeerUnavailable, first_line, telling_line

PEER_DIR = Path(__file__).resolve().parent / "peers" / "emmett"
SCHEMA = "peer_emmett"
INSTALL_STAMP = PEER_DIR / "node_modules" / ".pgledger-lock-sha256"
NPM_TIMEOUT_S = 300
TRIAL_TIMEOUT_S = 600

__all__ = ["SCHEMA", "EmmettPeer", "node_url", "prepare_peer"]


@dataclass(frozen=True)
class EmmettPeer:
    """A ready peer: node's path and version, the connection string it uses, the installed Emmett's version."""

    node: str
    node_version: str
    url: str
    version: str

    def run(
        self, workload: str, *, events: int, connections: int = 1, trials: int = 1, warmup: int = 1, stream: str = ""
    ) -> list[float]:
        """Seconds per timed trial of one workload (single, batch or rebuild), from one node process."""
        command = [self.node, str(PEER_DIR / "peer.mjs"), self.url, workload]
        command += ["--events", str(events), "--connections", str(connections)]
        command += ["--trials", str(trials), "--warmup", str(warmup)]
        if stream:
            command += ["--stream", stream]
        output = _run(command, TRIAL_TIMEOUT_S, f"peer.mjs {workload}")
        try:
            samples = json.loads(output.strip().splitlines()[-1])["samples_s"]
        except (IndexError, KeyError, ValueError) as error:
            raise PeerUnavailable(f"peer.mjs {workload} printed no timings ({error})") from error
        return [float(s) for s in samples]


def prepare_peer(conninfo: str) -> EmmettPeer:
    """Find node, install the peer's packages if needed, and create its schema in conninfo's database."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None:
        raise PeerUnavailable("node is not on PATH")
    if npm is None:
        raise PeerUnavailable("npm is not on PATH")
    node_version = _run([node, "--version"], 60, "node --version").strip().lstrip("v")
    install(npm)
    ensure_schema(conninfo)
    return EmmettPeer(node=node, node_version=node_version, url=node_url(conninfo, SCHEMA), version=installed_version())


def install(npm: str) -> None:
    """``npm ci`` from the committed lock file, unless node_modules already matches it."""
    lock = lock_digest()
    if INSTALL_STAMP.exists() and INSTALL_STAMP.read_text().strip() == lock:
        return
    _run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], NPM_TIMEOUT_S, "npm ci")
    INSTALL_STAMP.write_text(lock + "\n")


def lock_digest() -> str:
    return hashlib.sha256((PEER_DIR / "package-lock.json").read_bytes()).hexdigest()


def installed_version() -> str:
    manifest = PEER_DIR / "node_modules" / "@event-driven-io" / "emmett-postgresql" / "package.json"
    try:
        return str(json.loads(manifest.read_text())["version"])
    except (OSError, KeyError, ValueError) as error:
        raise PeerUnavailable(f"Emmett is not installed in {manifest.parent} ({error})") from error


def ensure_schema(conninfo: str) -> None:
    """The peer's own schema (Emmett creates tables, not schemas)."""
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(SCHEMA)))
    except psycopg.Error as error:
        raise PeerUnavailable(f"cannot create schema {SCHEMA}: {first_line(str(error))}") from error


def node_url(conninfo: str, schema: str) -> str:
    """conninfo as a URL for node-postgres, with `schema` first on the search path.

    The host goes in the query (``?host=``), where node-postgres takes a Unix-socket directory
    as readily as a host name.
    """
    params = conninfo_to_dict(conninfo)
    auth = quote(str(params.get("user") or "postgres"), safe="")
    if params.get("password"):
        auth += ":" + quote(str(params["password"]), safe="")
    query = {
        "host": str(params.get("host") or "localhost"),
        "port": str(params.get("port") or 5432),
        "options": f"-c search_path={schema}",
    }
    dbname = quote(str(params.get("dbname") or "postgres"), safe="")
    return f"postgresql://{auth}@/{dbname}?{urlencode(query, quote_via=quote)}"


def _run(command: list[str], timeout: float, what: str) -> str:
    """stdout of a command run in the peer's folder; PeerUnavailable if it fails."""
    try:
        done = subprocess.run(command, cwd=PEER_DIR, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PeerUnavailable(f"{what}: {first_line(str(error))}") from error
    if done.returncode != 0:
        raise PeerUnavailable(f"{what} exited {done.returncode}: {telling_line(done.stderr or done.stdout)}")
    return done.stdout
