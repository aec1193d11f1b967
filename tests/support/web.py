"""A real web server on loopback (HTTPS with a trustme certificate, or plain HTTP).

Routes are keyed by ``host/path`` (the Host header without port, then the path without its
query): ``{"autoconfig.example.test/mail/config-v1.1.xml": Page(body=...)}``. A route may be a
:class:`Page`, or a callable taking the :class:`Request` and returning one. Every request is
recorded, so tests can check what was sent (the address, or only the domain).
"""

from __future__ import annotations

import http.server
import socket
import ssl
import threading
import urllib.parse
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field


@dataclass(frozen=True)
class Request:
    method: str
    host: str
    path: str
    query: str
    body: bytes


@dataclass(frozen=True)
class Page:
    body: bytes = b""
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=lambda: {"Content-Type": "text/xml"})
    hang: bool = False
    """Never answer (until the server stops): a source that is too slow."""


Route = Page | Callable[[Request], Page]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: WebServer  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
        parts = urllib.parse.urlsplit(self.path)
        request = Request(self.command, host, parts.path, parts.query, body)
        self.server.record(request)
        route = self.server.routes.get(f"{host}{parts.path}")
        page = route(request) if callable(route) else route
        if page is None:
            page = Page(b"not here", 404, {"Content-Type": "text/plain"})
        if page.hang:
            self.server.stopping.wait()
            return
        self.send_response(page.status)
        for name, value in page.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(page.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(page.body)

    do_GET = _serve
    do_POST = _serve

    def log_message(self, format: str, *args: object) -> None:
        pass


class WebServer(http.server.ThreadingHTTPServer):
    """Serves ``routes`` on 127.0.0.1; TLS when ``context`` is given."""

    daemon_threads = True

    def __init__(self, routes: dict[str, Route], context: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes = routes
        self.context = context
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self.port: int = self.server_address[1]
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def finish_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        # The TLS handshake runs here, on the connection's own thread, so a client that
        # never completes it cannot hold up the others.
        if self.context is None:
            super().finish_request(request, client_address)  # type: ignore[arg-type]
            return
        try:
            wrapped = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            super().finish_request(wrapped, client_address)  # type: ignore[arg-type]
        finally:
            wrapped.close()

    def __enter__(self) -> WebServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
