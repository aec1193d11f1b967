"""Raw TCP peers on loopback: silent, scripted, HTTP, and a port that refuses."""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
from collections.abc import Callable
from typing import Self

Script = Callable[[socket.socket, threading.Event], None]


def loopback_socket(host: str, port: int = 0) -> socket.socket:
    """A TCP socket bound to ``port`` of a loopback address (raises ``OSError``, the socket
    closed, when the port is taken)."""
    assert host in ("127.0.0.1", "::1"), "tests only use loopback"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class Listener:
    """A listening socket on loopback with a thread that accepts connections and hands each
    to :meth:`accepted`; :meth:`stop` closes the listener and every socket handed to
    :meth:`track`. A context manager."""

    def __init__(self, host: str = "127.0.0.1", backlog: int = 16) -> None:
        assert host in ("127.0.0.1", "::1"), "tests only use loopback"
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(backlog)
        self.host = host
        self.port: int = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.accepted(conn)

    def accepted(self, conn: socket.socket) -> None:
        """Takes a new connection (on the accepting thread: hand long work to another)."""
        raise NotImplementedError

    def track(self, *socks: socket.socket) -> None:
        """Closes these sockets at :meth:`stop` (the ones closed already are let go)."""
        with self._lock:
            self._sockets = [sock for sock in self._sockets if sock.fileno() != -1]
            self._sockets.extend(socks)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        # shutdown() wakes the thread blocked in accept(); close() alone does not on Linux
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        self._thread.join(2)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ScriptedServer(Listener):
    """Listens on loopback; each connection runs ``script(conn, stopping)`` on its own thread.

    The script owns the conversation; ``stopping`` is set at teardown, when every connection
    is closed.
    """

    def __init__(self, script: Script, host: str = "127.0.0.1") -> None:
        super().__init__(host)
        self._script = script
        self.connections = 0

    def accepted(self, conn: socket.socket) -> None:
        self.track(conn)
        with self._lock:
            self.connections += 1
        threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            self._script(conn, self._stopping)


def silent(conn: socket.socket, stopping: threading.Event) -> None:
    """Accepts and never says anything (a port whose traffic is held, or a TLS port)."""
    stopping.wait()


def reply_script(*lines: bytes, then_silent: bool = True) -> Script:
    """Sends ``lines`` on connect (each gets CRLF), then stays silent or closes."""

    def script(conn: socket.socket, stopping: threading.Event) -> None:
        for line in lines:
            conn.sendall(line + b"\r\n")
        if then_silent:
            stopping.wait()
        else:
            conn.close()

    return script


class _Web(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html><body>hello</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class HttpServer:
    """A small web server on loopback (waits for a request, as web servers do)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        assert host in ("127.0.0.1", "::1")
        self._server = http.server.ThreadingHTTPServer((host, 0), _Web)
        self._server.daemon_threads = True
        self.host = host
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> HttpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class RefusedPort:
    """A loopback port where nothing listens (bound but not listening, so it stays free).

    ``port`` binds a given number, such as the port a server uses on the other address
    family (the bind raises ``OSError`` when it is taken).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._sock = loopback_socket(host, port)
        self.host = host
        self.port: int = self._sock.getsockname()[1]

    def __enter__(self) -> RefusedPort:
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()


def dialogue(
    greeting: bytes | None, replies: dict[str, bytes], default: bytes = b"502 5.5.2 no"
) -> Script:
    """A line-by-line SMTP peer: answers each command verb with ``replies[VERB]``.

    ``greeting`` is sent on connect (``None``: stay silent until spoken to). A reply may hold
    several CRLF-separated lines. QUIT answers 221 and closes.
    """

    def script(conn: socket.socket, stopping: threading.Event) -> None:
        reader = conn.makefile("rb")
        if greeting is not None:
            conn.sendall(greeting + b"\r\n")
        for raw in reader:
            verb = raw.strip().split(b" ", 1)[0].decode("ascii", "replace").upper()
            if verb == "QUIT":
                conn.sendall(b"221 2.0.0 bye\r\n")
                break
            conn.sendall(replies.get(verb, default) + b"\r\n")
        conn.close()

    return script


class BlackholePort:
    """A loopback port where connections never complete: its accept queue is full, so the
    kernel drops new connection requests, as a filtering firewall does.

    ``host`` and ``port`` place it beside a server on the other address family (the bind
    raises ``OSError`` when the port is taken).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._listener = loopback_socket(host, port)
        self._listener.listen(0)
        self.port: int = self._listener.getsockname()[1]
        self._fillers: list[socket.socket] = []
        for _ in range(3):
            filler = socket.socket(self._listener.family, socket.SOCK_STREAM)
            filler.setblocking(False)
            filler.connect_ex((host, self.port))
            self._fillers.append(filler)

    def __enter__(self) -> BlackholePort:
        return self

    def __exit__(self, *exc: object) -> None:
        for sock in self._fillers:
            sock.close()
        self._listener.close()


class AnsweringPort:
    """A port that completes connections (the kernel does, up to its queue) and never talks:
    enough for the check of another address family, which only connects."""

    def __init__(self, host: str, port: int) -> None:
        self._sock = loopback_socket(host, port)
        self._sock.listen(16)
        self.port = port

    def __enter__(self) -> AnsweringPort:
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()
