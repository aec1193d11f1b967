"""Bounded, cancellable network I/O for one conversation.

smtplib's own socket handling has no overall deadline (a server sending one byte at a time
can hold a read forever) and cannot be interrupted. Everything here runs on non-blocking
sockets: each wait is bounded by the current step's deadline and wakes at once when the
probe is cancelled. TLS goes through an in-memory BIO so that the first raw bytes of a
failed handshake stay visible ("this port answered in plain text: 220 ...").
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from smtpwizard.core.errors import Cancelled
from smtpwizard.core.errors import ConnectFailed
from smtpwizard.core.errors import ConnectionLost
from smtpwizard.core.errors import NetworkTimeout
from smtpwizard.core.errors import ReplyTooLong
from smtpwizard.core.errors import TimeLimit
from smtpwizard.core.model import Reason
from smtpwizard.core.net import MAX_BYTES

__all__ = [
    "CONNECT_STAGGER",
    "MAX_BYTES",
    "MAX_LINE",
    "Address",
    "CancelToken",
    "Channel",
    "Clock",
    "open_connection",
]

Clock = Callable[[], float]

#: Longest line we read; RFC 5321 allows 512, smtplib accepts 8192.
MAX_LINE = 8192
#: Delay before the next address is tried alongside a slow one (RFC 8305 suggests 250 ms).
CONNECT_STAGGER = 0.25

_IN_PROGRESS = {
    errno.EINPROGRESS,
    errno.EWOULDBLOCK,
    errno.EALREADY,
    getattr(errno, "WSAEWOULDBLOCK", -1),
}


class CancelToken:
    """Cooperative cancellation that also wakes network waits immediately.

    A token may have a parent: cancelling the parent cancels every child. Waits select on
    a socket pair per token, so no polling loop is needed.
    """

    def __init__(self, parent: CancelToken | None = None) -> None:
        self._event = threading.Event()
        self._parent = parent
        self._lock = threading.Lock()
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._closed = False
        self.reason = Reason.CANCELLED_BY_USER

    def cancel(self, reason: Reason = Reason.CANCELLED_BY_USER) -> None:
        """Cancels this token (and so its children); the first reason given is kept."""
        with self._lock:
            if self._event.is_set():
                return
            self.reason = reason
            self._event.set()
            if not self._closed:
                with contextlib.suppress(OSError):
                    self._writer.send(b"\0")

    @property
    def cancelled(self) -> bool:
        """Whether this token or an ancestor was cancelled."""
        return self._event.is_set() or (self._parent is not None and self._parent.cancelled)

    @property
    def effective_reason(self) -> Reason:
        """Why the probe stopped: a parent's reason wins over a child's."""
        if self._parent is not None and self._parent.cancelled:
            return self._parent.effective_reason
        return self.reason

    def sockets(self) -> list[socket.socket]:
        """The sockets that become readable on cancellation (this token's and its ancestors')."""
        own = [self._reader]
        return own + (self._parent.sockets() if self._parent is not None else [])

    def check(self) -> None:
        """Raises :class:`Cancelled` if the token was cancelled."""
        if self.cancelled:
            raise Cancelled(str(self.effective_reason))

    def sleep(self, seconds: float) -> bool:
        """Waits ``seconds`` or until cancelled; returns whether it was cancelled."""
        if self.cancelled:
            return True
        with selectors.DefaultSelector() as sel:
            for sock in self.sockets():
                sel.register(sock, selectors.EVENT_READ)
            sel.select(max(seconds, 0))
        return self.cancelled

    def close(self) -> None:
        """Releases the token's sockets; a closed token can still be cancelled and read."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._reader.close()
                self._writer.close()

    def __enter__(self) -> CancelToken:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class Address:
    """One resolved address of a host."""

    family: int
    sockaddr: tuple[Any, ...]

    @property
    def ip(self) -> str:
        """The address as text."""
        return str(self.sockaddr[0])

    def with_port(self, port: int) -> tuple[Any, ...]:
        """The socket address for ``port``."""
        return (self.sockaddr[0], port, *self.sockaddr[2:])

    def __str__(self) -> str:
        return f"[{self.ip}]" if self.family == socket.AF_INET6 else self.ip


def _interleave(addresses: Sequence[Address]) -> list[Address]:
    """Alternates address families, keeping each family's order (RFC 8305 section 4)."""
    if not addresses:
        return []
    first = addresses[0].family
    same = [a for a in addresses if a.family == first]
    other = [a for a in addresses if a.family != first]
    result: list[Address] = []
    for i in range(max(len(same), len(other))):
        result.extend(group[i] for group in (same, other) if i < len(group))
    return result


def open_connection(
    addresses: Sequence[Address],
    port: int,
    *,
    timeout: float,
    cancel: CancelToken,
    clock: Clock = time.monotonic,
    stagger: float = CONNECT_STAGGER,
    tried: list[tuple[Address, OSError | None]] | None = None,
) -> tuple[socket.socket, Address]:
    """Connects to the first address that answers, starting the next after ``stagger``.

    Args:
        tried: when given, receives each address whose attempt ended, with its error
            (``None`` for the one that connected); attempts still under way when another
            connected are not in it.

    Raises:
        ConnectFailed: with the error of every address tried.
        Cancelled: when the token is cancelled while connecting.
    """
    deadline = clock() + timeout
    queue = _interleave(addresses)
    pending: dict[socket.socket, Address] = {}
    failures: list[tuple[str, OSError]] = []
    winner: socket.socket | None = None
    next_start = clock()
    sel = selectors.DefaultSelector()
    for sock in cancel.sockets():
        sel.register(sock, selectors.EVENT_READ, None)
    try:
        while queue or pending:
            cancel.check()
            now = clock()
            if queue and (not pending or now >= next_start):
                addr = queue.pop(0)
                try:
                    sock = socket.socket(addr.family, socket.SOCK_STREAM)
                except OSError as exc:
                    failures.append((str(addr), exc))
                    continue
                sock.setblocking(False)
                code = sock.connect_ex(addr.with_port(port))
                if code == 0:
                    winner = sock
                    if tried is not None:
                        tried.extend([*_ended(failures, addresses), (addr, None)])
                    return sock, addr
                if code in _IN_PROGRESS:
                    pending[sock] = addr
                    sel.register(sock, selectors.EVENT_WRITE, addr)
                    next_start = now + stagger
                else:
                    sock.close()
                    failures.append((str(addr), OSError(code, os.strerror(code))))
                continue
            if now >= deadline:
                silent = [*pending.values(), *queue]
                failures.extend((str(a), TimeoutError("timed out")) for a in silent)
                break
            wait = deadline - now
            if queue:
                wait = min(wait, next_start - now)
            for key, _ in sel.select(max(wait, 0)):
                if key.data is None:
                    continue
                sock = key.fileobj  # type: ignore[assignment]
                assert isinstance(sock, socket.socket)
                sel.unregister(sock)
                addr = pending.pop(sock)
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code == 0:
                    winner = sock
                    if tried is not None:
                        tried.extend([*_ended(failures, addresses), (addr, None)])
                    return sock, addr
                sock.close()
                failures.append((str(addr), OSError(code, os.strerror(code))))
            cancel.check()
        if tried is not None:
            tried.extend(_ended(failures, addresses))
        raise ConnectFailed(failures)
    finally:
        for sock in pending:
            if sock is not winner:
                sock.close()
        sel.close()


def _ended(
    failures: Sequence[tuple[str, OSError]], addresses: Sequence[Address]
) -> list[tuple[Address, OSError | None]]:
    by_name = {str(a): a for a in addresses}
    return [(by_name[name], err) for name, err in failures if name in by_name]


class Channel:
    """A connection whose every wait obeys a deadline and a cancel token.

    Attributes:
        deadline: monotonic time by which the current step must finish; the caller moves
            it forward at each step with :meth:`start_step`.
        total_deadline: monotonic time by which the whole conversation must end.
    """

    def __init__(
        self,
        sock: socket.socket,
        *,
        cancel: CancelToken,
        clock: Clock = time.monotonic,
        total_deadline: float = math.inf,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        sock.setblocking(False)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            # Every write is a whole command or TLS flight; holding the next one back until
            # the last is acknowledged (Nagle) only adds a round trip, e.g. to the EHLO
            # that follows the TLS handshake.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._cancel = cancel
        self._clock = clock
        self._max_bytes = max_bytes
        self._buf = bytearray()
        self._ssl: ssl.SSLObject | None = None
        self._bio_in = ssl.MemoryBIO()
        self._bio_out = ssl.MemoryBIO()
        self._handshake_raw = bytearray()
        self._sel = selectors.DefaultSelector()
        self._sel.register(sock, selectors.EVENT_READ, "peer")
        for cancel_sock in cancel.sockets():
            self._sel.register(cancel_sock, selectors.EVENT_READ, None)
        self.deadline = math.inf
        self.step_timeout: float | None = None
        self.total_deadline = total_deadline
        self.received = 0
        self.closed = False

    # -- deadlines ---------------------------------------------------------------------

    def start_step(self, timeout: float) -> None:
        """Starts a step that must finish within ``timeout`` seconds."""
        self.deadline = self._clock() + timeout
        self.step_timeout = timeout

    def _wait(self, for_write: bool) -> None:
        events = selectors.EVENT_WRITE if for_write else selectors.EVENT_READ
        self._sel.modify(self._sock, events, "peer")
        while True:
            self._cancel.check()
            deadline = min(self.deadline, self.total_deadline)
            remaining = deadline - self._clock()
            if remaining <= 0:
                if self.total_deadline <= self.deadline:
                    raise TimeLimit("the probe ran out of time")
                raise NetworkTimeout(
                    "timed out", received=bytes(self._buf[:300]), waited=self.step_timeout
                )
            for key, _ in self._sel.select(remaining):
                if key.data == "peer":
                    self._cancel.check()
                    return

    # -- raw socket --------------------------------------------------------------------

    def _recv_raw(self) -> bytes:
        while True:
            try:
                data = self._sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                self._wait(for_write=False)
                continue
            except ConnectionResetError as exc:
                raise ConnectionLost(
                    "connection reset by the server", received=bytes(self._buf[:300])
                ) from exc
            except OSError as exc:
                raise ConnectionLost(str(exc), received=bytes(self._buf[:300])) from exc
            self.received += len(data)
            if self.received > self._max_bytes:
                raise ReplyTooLong(
                    f"the server sent more than {self._max_bytes // 1024} KiB", line=data[:200]
                )
            return data

    def _send_raw(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                sent = self._sock.send(view)
            except (BlockingIOError, InterruptedError):
                self._wait(for_write=True)
                continue
            except OSError as exc:
                raise ConnectionLost(f"sending failed: {exc}") from exc
            view = view[sent:]

    def _flush_tls(self) -> None:
        data = self._bio_out.read()
        if data:
            self._send_raw(data)

    # -- plain or encrypted stream -------------------------------------------------------

    @property
    def encrypted(self) -> bool:
        """Whether TLS is established."""
        return self._ssl is not None

    @property
    def tls(self) -> ssl.SSLObject | None:
        """The TLS session once established."""
        return self._ssl

    @property
    def peer_port(self) -> int:
        """The server's port."""
        port: int = self._sock.getpeername()[1]
        return port

    @property
    def local_address(self) -> tuple[Any, ...]:
        """Our end of the connection."""
        return tuple(self._sock.getsockname())

    def _fill(self) -> None:
        if self._ssl is None:
            data = self._recv_raw()
            if not data:
                raise ConnectionLost(received=bytes(self._buf[:300]))
            self._buf += data
            return
        while True:
            try:
                data = self._ssl.read(65536)
            except ssl.SSLWantReadError:
                self._flush_tls()
                raw = self._recv_raw()
                if raw:
                    self._bio_in.write(raw)
                else:
                    self._bio_in.write_eof()
                continue
            except ssl.SSLZeroReturnError as exc:
                raise ConnectionLost("the server closed the encrypted connection") from exc
            except ssl.SSLError as exc:
                raise ConnectionLost(f"the encrypted connection broke: {exc}") from exc
            if not data:
                raise ConnectionLost("the server closed the encrypted connection")
            self._buf += data
            return

    def read_line(self, limit: int = MAX_LINE) -> bytes:
        """Reads one line, without its line ending.

        Raises:
            ReplyTooLong: the line is longer than ``limit``.
            ConnectionLost: the connection ended first (``received`` holds the partial line).
            NetworkTimeout, TimeLimit, Cancelled: see :meth:`start_step`.
        """
        while True:
            end = self._buf.find(b"\n")
            if end >= 0:
                line = bytes(self._buf[: end + 1])
                del self._buf[: end + 1]
                if len(line) > limit + 2:
                    raise ReplyTooLong(f"a line of {len(line)} bytes", line=line)
                return line.rstrip(b"\r\n")
            if len(self._buf) > limit:
                raise ReplyTooLong(f"a line of more than {limit} bytes", line=bytes(self._buf))
            self._fill()

    def read_exact(self, size: int) -> bytes:
        """Reads exactly ``size`` bytes (an IMAP literal), within the step's deadline."""
        while len(self._buf) < size:
            self._fill()
        data = bytes(self._buf[:size])
        del self._buf[:size]
        return data

    def read_some(self) -> bytes:
        """Returns whatever arrives before the step deadline (empty on silence or close)."""
        if not self._buf:
            with contextlib.suppress(NetworkTimeout, ConnectionLost):
                self._fill()
        data = bytes(self._buf)
        self._buf.clear()
        return data

    def take_buffer(self) -> bytes:
        """Removes and returns bytes received but not yet read."""
        data = bytes(self._buf)
        self._buf.clear()
        return data

    def sendall(self, data: bytes) -> None:
        """Sends ``data`` (encrypted once TLS is up)."""
        if self._ssl is None:
            self._send_raw(data)
            return
        self._ssl.write(data)
        self._flush_tls()

    # -- TLS ---------------------------------------------------------------------------

    def start_tls(self, context: ssl.SSLContext, server_hostname: str | None) -> None:
        """Runs the TLS handshake on this connection.

        Raises:
            ssl.SSLError: the handshake failed (``SSLCertVerificationError`` for certificates);
                :attr:`handshake_bytes` then holds what the server sent.
        """
        self._handshake_raw.clear()
        sslobj = context.wrap_bio(self._bio_in, self._bio_out, server_hostname=server_hostname)
        while True:
            try:
                sslobj.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush_tls()
                raw = self._recv_raw()
                room = 512 - len(self._handshake_raw)
                if room > 0:
                    self._handshake_raw += raw[:room]
                if raw:
                    self._bio_in.write(raw)
                else:
                    self._bio_in.write_eof()
            except ssl.SSLError:
                # Let the server know why (the alert is waiting in the outgoing buffer).
                with contextlib.suppress(OSError, ConnectionLost, NetworkTimeout):
                    self._flush_tls()
                raise
        self._flush_tls()
        self._ssl = sslobj

    def peer_closed(self) -> bool:
        """Whether the server closed an idle connection (or spoke unprompted, usually a 421
        just before closing)."""
        if self.closed or self._buf:
            return True
        try:
            pending = self._sock.recv(1, socket.MSG_PEEK)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True
        if not pending or self._ssl is None:
            return True
        # Encrypted: the bytes may be TLS housekeeping (a TLS 1.3 session ticket) rather
        # than words from the server. Read them through TLS without waiting to find out.
        saved = self.deadline
        self.deadline = self._clock()
        try:
            self._fill()
        except (NetworkTimeout, Cancelled):
            return False  # nothing from the server (a cancel is noticed by the next step)
        except (ConnectionLost, ReplyTooLong):
            return True
        finally:
            self.deadline = saved
        return True

    def discard_pending(self) -> None:
        """Drops what arrived and was not read, without waiting: closing a connection with
        unread data makes the system reset it (RST), which can throw away what was just
        sent (a QUIT) before the server reads it."""
        self._buf.clear()
        while not self.closed:
            try:
                if not self._sock.recv(65536):
                    return
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return

    @property
    def handshake_bytes(self) -> bytes:
        """The first raw bytes the server sent during the last handshake."""
        return bytes(self._handshake_raw)

    def close(self) -> None:
        """Closes the connection; further use raises :class:`ConnectionLost`."""
        if self.closed:
            return
        self.closed = True
        self._sel.close()
        with contextlib.suppress(OSError):
            self._sock.close()
