"""The engine's error hierarchy. Each leaf maps to one reading in the diagnosis.

::

    ProbeError
    ├── Cancelled                       the person (or a better result) stopped the probe
    ├── TimeLimit                       the whole probe ran out of its time budget
    ├── NetworkTimeout (TimeoutError)   one step got no (complete) answer in time
    ├── ConnectionLost (ConnectionError) the peer closed or reset the connection
    ├── ConnectFailed (OSError)         no address of the host accepted a connection
    └── ProtocolError                   the peer's bytes break the protocol
        ├── ReplyTooLong                a reply line or reply exceeded our bounds
        └── NotSmtpReply                a line that is not an SMTP reply at all

Exceptions also inherit the matching built-in, so callers outside the engine can catch
``TimeoutError`` or ``ConnectionError`` as usual.
"""

from __future__ import annotations

import errno


class ProbeError(Exception):
    """Base of every error the engine raises on purpose."""


class Cancelled(ProbeError):
    """The probe was cancelled."""


class TimeLimit(ProbeError, TimeoutError):
    """The probe's overall time budget ran out."""


class NetworkTimeout(ProbeError, TimeoutError):
    """A network operation got no answer before its deadline.

    Attributes:
        received: bytes that did arrive before the deadline (at most a few hundred).
    """

    def __init__(self, message: str = "timed out", received: bytes = b"") -> None:
        super().__init__(message)
        self.received = received


class ConnectionLost(ProbeError, ConnectionError):
    """The connection was closed or reset by the peer.

    Attributes:
        received: the unfinished bytes that arrived before the connection ended.
    """

    def __init__(self, message: str = "connection closed by the server", received: bytes = b""):
        super().__init__(message)
        self.received = received


class ConnectFailed(ProbeError, OSError):
    """No address of the host accepted the connection.

    Attributes:
        attempts: ``(address, error)`` for every address tried, in order.
    """

    def __init__(self, attempts: list[tuple[str, OSError]]) -> None:
        summary = "; ".join(f"{addr}: {describe_os_error(err)}" for addr, err in attempts)
        super().__init__(summary or "no address to connect to")
        self.attempts = attempts

    @property
    def refused(self) -> bool:
        """Whether any address actively refused (something answered)."""
        return any(isinstance(err, ConnectionRefusedError) for _, err in self.attempts)

    @property
    def timed_out(self) -> bool:
        """Whether every address stayed silent."""
        return bool(self.attempts) and all(
            isinstance(err, TimeoutError) for _, err in self.attempts
        )


class ProtocolError(ProbeError):
    """The peer sent something that breaks the protocol.

    Attributes:
        line: the offending raw line (truncated), for the evidence.
    """

    def __init__(self, message: str, line: bytes = b"") -> None:
        super().__init__(message)
        self.line = line[:200]


class ReplyTooLong(ProtocolError):
    """A reply line, or a whole reply, exceeded the bounds we accept."""


class NotSmtpReply(ProtocolError):
    """A line that does not start with a three-digit SMTP reply code."""


def describe_os_error(err: BaseException) -> str:
    """A short, stable description of a socket error (no platform message noise)."""
    if isinstance(err, TimeoutError):
        return "timed out"
    if isinstance(err, ConnectionRefusedError):
        return "connection refused"
    if isinstance(err, OSError) and err.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "no route to host" if err.errno == errno.EHOSTUNREACH else "network unreachable"
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err) or type(err).__name__
