"""A TCP-to-PostgreSQL proxy for tests that must lose a connection at a precise moment."""

from __future__ import annotations

import contextlib
import select
import socket
import tempfile
import threading
from pathlib import Path
from typing import Any

from psycopg.conninfo import conninfo_to_dict, make_conninfo

READY_FOR_QUERY = b"Z\x00\x00\x00\x05"


class CuttingProxy:
    """Forwards connections to the server of `conninfo`, through a Unix socket of its own.

    After ``cut_after_commit()`` the proxy forwards the next request as usual but, when the
    server's answer arrives complete (ReadyForQuery, so an autocommit command has committed),
    closes the client's connection without passing the answer on: the client cannot know
    whether its command was applied.
    """

    def __init__(self, conninfo: str) -> None:
        params = conninfo_to_dict(conninfo)
        self._params = params
        host = str(params.get("host") or "localhost")
        port = int(params.get("port") or 5432)
        if host.startswith("/"):
            self._upstream: Any = str(Path(host) / f".s.PGSQL.{port}")
            self._family = socket.AF_UNIX
        else:
            self._upstream = (host, port)
            self._family = socket.AF_INET
        self._dir = tempfile.mkdtemp(prefix="pgproxy-")
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(Path(self._dir) / ".s.PGSQL.5432"))
        self._listener.listen(8)
        self._armed = threading.Event()
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def conninfo(self) -> str:
        params = {**self._params, "host": self._dir, "port": "5432"}
        return make_conninfo(**{k: str(v) for k, v in params.items() if v is not None})

    def cut_after_commit(self) -> None:
        self._armed.set()

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.socket(self._family, socket.SOCK_STREAM)
            server.connect(self._upstream)
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        watching = False  # armed and the client has sent its request
        pending = b""
        with contextlib.ExitStack() as stack:
            stack.enter_context(client)
            stack.enter_context(server)
            while True:
                readable, _, _ = select.select([client, server], [], [])
                if client in readable:
                    data = client.recv(65536)
                    if not data:
                        return
                    if self._armed.is_set():
                        watching = True
                    server.sendall(data)
                if server in readable:
                    data = server.recv(65536)
                    if not data:
                        return
                    if not watching:
                        client.sendall(data)
                        continue
                    pending += data
                    if READY_FOR_QUERY in pending:
                        self._armed.clear()
                        self.cuts += 1
                        client.shutdown(socket.SHUT_RDWR)
                        return


class TcpForwarder:
    """Listens on 127.0.0.1 (a free port) and forwards every connection to the Unix socket
    `socket_path`: for clients that speak TCP only (pgJDBC) to a test server that listens on a
    socket only."""

    def __init__(self, socket_path: str) -> None:
        self._socket_path = socket_path
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.connect(self._socket_path)
            threading.Thread(target=_relay, args=(client, server), daemon=True).start()


def _relay(one: socket.socket, other: socket.socket) -> None:
    """Pass bytes both ways until either side closes."""
    with one, other:
        while True:
            readable, _, _ = select.select([one, other], [], [])
            for source in readable:
                data = source.recv(65536)
                if not data:
                    return
                (other if source is one else one).sendall(data)
