"""A TCP forwarder on loopback, opened when a test decides: a dependency that is not there yet, then is;
or one that loses an answer on an open connection while it answers every other."""

from __future__ import annotations

import socket
import threading
from contextlib import suppress

from tests.support.processes import free_port


class Forwarder:
    """Reserves a port now; nothing listens on it until ``open()``, after which every connection is
    relayed to ``target`` (host, port) byte for byte, both ways."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._server: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._lose: bytes | None = None
        self._muted: set[socket.socket] = set()

    def open(self) -> Forwarder:
        server = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        server.settimeout(0.2)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()
        return self

    def lose_answer_to(self, marker: bytes) -> None:
        """The next request whose bytes hold ``marker`` gets no answer, nor does anything after it on
        that connection; the connection stays open, and every other connection is relayed as before."""
        with self._lock:
            self._lose = marker

    def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        with self._lock:
            for conn in self._open:
                with suppress(OSError):
                    conn.close()
            self._open.clear()

    def _accept(self, server: socket.socket) -> None:
        while self._server is server:
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink, client), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, client: socket.socket) -> None:
        source.settimeout(None)
        with suppress(OSError):
            while data := source.recv(65536):
                with self._lock:
                    if source is client and self._lose is not None and self._lose in data:
                        self._muted.add(client)
                        self._lose = None
                    lost = sink is client and client in self._muted
                if not lost:
                    sink.sendall(data)
        for end in (source, sink):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
