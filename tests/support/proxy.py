"""Forwarding proxies on loopback: one that delays traffic, to give a test server a real
latency, and one that tampers with it, as a man in the middle does."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import deque
from collections.abc import Callable

from tests.support.listeners import Listener


def connect_upstream(client: socket.socket, target: tuple[str, int]) -> socket.socket | None:
    """The proxy's connection to the server for an accepted ``client`` (closed when the
    server cannot be reached: ``None``). A quiet connection stays open, as through a network."""
    try:
        upstream = socket.create_connection(target, timeout=5)
    except OSError:
        client.close()
        return None
    upstream.settimeout(None)
    return upstream


class DelayProxy(Listener):
    """Forwards connections to ``127.0.0.1:target_port``, delaying each chunk by ``delay``.

    Every chunk, in either direction, leaves ``delay`` seconds after it arrived (in order, as
    on a link with that latency: chunks that follow each other closely are not delayed one
    after the other), so a request/reply exchange costs one round trip of ``2 * delay``. The
    first chunk from the server (the greeting) is delayed too; connecting is not.
    """

    def __init__(self, target_port: int, delay: float) -> None:
        super().__init__(backlog=32)
        self._target = ("127.0.0.1", target_port)
        self.delay = delay

    def accepted(self, client: socket.socket) -> None:
        upstream = connect_upstream(client, self._target)
        if upstream is None:
            return
        # Each chunk goes out when due, not held back for an acknowledgement (Nagle): a
        # proxy must not add the 40 ms stalls of Nagle against delayed ACKs.
        for sock in (client, upstream):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.track(client, upstream)
        for src, dst in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        """Reads ``src`` as data comes; a second thread passes each chunk on when it is due."""
        queue: deque[tuple[float, bytes]] = deque()
        ready = threading.Condition()
        ended = threading.Event()

        def deliver() -> None:
            try:
                while True:
                    with ready:
                        ready.wait_for(lambda: queue or ended.is_set())
                        if not queue:
                            return
                        due, data = queue.popleft()
                    if self._stopping.wait(max(0.0, due - time.monotonic())):
                        return
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                with contextlib.suppress(OSError):
                    dst.shutdown(socket.SHUT_WR)

        threading.Thread(target=deliver, daemon=True).start()
        try:
            while data := src.recv(65536):
                with ready:
                    queue.append((time.monotonic() + self.delay, data))
                    ready.notify()
        except OSError:
            pass
        finally:
            with ready:
                ended.set()
                ready.notify()


class RewritingProxy(Listener):
    """A man in the middle on loopback: forwards to ``127.0.0.1:target_port``, passing each
    line from the server through ``rewrite`` (return ``None`` to drop it) and recording every
    byte the client sends, so a test can look for what must never cross in plain text.

    Lines only: a conversation that switches to TLS through it breaks, as it should when
    something on the way tampers with the plain-text part.
    """

    def __init__(self, target_port: int, rewrite: Callable[[bytes], bytes | None]) -> None:
        super().__init__()
        self._target = ("127.0.0.1", target_port)
        self._rewrite = rewrite
        self._sent = bytearray()

    @property
    def client_bytes(self) -> bytes:
        """Everything every client sent, in order of arrival."""
        with self._lock:
            return bytes(self._sent)

    def accepted(self, client: socket.socket) -> None:
        upstream = connect_upstream(client, self._target)
        if upstream is None:
            return
        self.track(client, upstream)
        threading.Thread(target=self._upstream, args=(client, upstream), daemon=True).start()
        threading.Thread(target=self._downstream, args=(upstream, client), daemon=True).start()

    def _upstream(self, client: socket.socket, upstream: socket.socket) -> None:
        try:
            while data := client.recv(65536):
                with self._lock:
                    self._sent += data
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                upstream.shutdown(socket.SHUT_WR)

    def _downstream(self, upstream: socket.socket, client: socket.socket) -> None:
        pending = b""
        try:
            while data := upstream.recv(65536):
                pending += data
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    changed = self._rewrite(line + b"\n")
                    if changed is not None:
                        client.sendall(changed)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_WR)
