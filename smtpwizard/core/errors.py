"""The engine's error tree. Every error the engine raises on purpose is a :class:`EngineError`;
each probe leaf maps to one reading in the diagnosis, and the others carry a sentence for a
person as their message.

::

    EngineError
    ├── ProbeError                          a conversation with a server went wrong
    │   ├── Cancelled                       the person (or a better result) stopped the probe
    │   ├── TimeLimit (TimeoutError)        the whole probe ran out of its time budget
    │   ├── NetworkTimeout (TimeoutError)   one step got no (complete) answer in time
    │   ├── ConnectionLost (ConnectionError) the peer closed or reset the connection
    │   ├── ConnectFailed (OSError)         no address of the host accepted a connection
    │   ├── ResolveError                    a host name gave no address
    │   │   └── DnsError                    a DNS lookup of our own failed
    │   └── ProtocolError                   the peer's bytes break the protocol
    │       ├── ReplyTooLong                a reply line or reply exceeded our bounds
    │       └── NotSmtpReply                a line that is not an SMTP reply at all
    ├── InvalidInput (ValueError)           something typed is not an address, host or port
    ├── TrustFileError (ValueError)         a CA file cannot be used
    ├── FetchError                          an HTTP(S) document could not be fetched
    ├── DocumentError (ValueError)          an autoconfig or Autodiscover document was refused
    ├── KnowledgeBaseError (ValueError)     the provider data breaks its schema
    ├── SignInError                         signing in with OAuth 2.0 gave no token
    ├── CredentialError                     the keyring could not be used
    ├── ImportFailed (ValueError)           a settings file cannot be read as mail settings
    ├── ExportError (ValueError)            a configuration cannot be written in a format
    └── WriteError (OSError)                a file could not be written
        ├── TargetExists (FileExistsError)
        ├── FolderMissing (FileNotFoundError)
        └── FolderNotWritable (PermissionError)

Exceptions also inherit the matching built-in, so callers outside the engine can catch
``TimeoutError``, ``ConnectionError`` or ``ValueError`` as usual.
"""

from __future__ import annotations

import errno
from pathlib import Path

from smtpwizard.core.login import SignInProblem
from smtpwizard.core.model import Reason

__all__ = [
    "Cancelled",
    "ConnectFailed",
    "ConnectionLost",
    "CredentialError",
    "DnsError",
    "DocumentError",
    "EngineError",
    "ExportError",
    "FetchError",
    "FolderMissing",
    "FolderNotWritable",
    "ImportFailed",
    "InvalidInput",
    "KnowledgeBaseError",
    "NetworkTimeout",
    "NotSmtpReply",
    "ProbeError",
    "ProtocolError",
    "ReplyTooLong",
    "ResolveError",
    "SignInError",
    "TargetExists",
    "TimeLimit",
    "TrustFileError",
    "WriteError",
    "describe_os_error",
]


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""


class ProbeError(EngineError):
    """Something went wrong in a conversation with a server."""


class Cancelled(ProbeError):
    """The probe was cancelled."""


class TimeLimit(ProbeError, TimeoutError):
    """The probe's overall time budget ran out."""


class NetworkTimeout(ProbeError, TimeoutError):
    """A network operation got no answer before its deadline.

    Attributes:
        received: bytes that did arrive before the deadline (at most a few hundred).
        waited: the seconds the step had (``None``: not known).
    """

    def __init__(
        self, message: str = "timed out", received: bytes = b"", waited: float | None = None
    ) -> None:
        super().__init__(message)
        self.received = received
        self.waited = waited


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


class ResolveError(ProbeError):
    """A host name could not be turned into addresses.

    Attributes:
        reason: ``NO_SUCH_HOST``, ``NO_ADDRESS``, ``DNS_FAILURE`` or ``DNS_TIMEOUT``.
    """

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class DnsError(ResolveError):
    """A lookup failed; ``reason`` says how (no such name, no records, timeout, failure)."""


class InvalidInput(EngineError, ValueError):
    """Something the person typed cannot be used; the message says why, in plain words."""


class TrustFileError(EngineError, ValueError):
    """A CA file to trust cannot be used; the message says why, in plain words."""


class FetchError(EngineError):
    """A document could not be fetched; the message is plain words.

    Attributes:
        kind: ``not_found``, ``timeout``, ``unreachable``, ``tls``, ``too_large``,
            ``redirect``, ``http`` or ``dns``.
        status: the HTTP status of an answer that was not a success, when there was one.
        body: that answer's body (an OAuth 2.0 error is JSON there).
    """

    def __init__(
        self, kind: str, message: str, *, status: int | None = None, body: bytes = b""
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.body = body


class DocumentError(EngineError, ValueError):
    """A document was refused; the message says why in plain words."""


class KnowledgeBaseError(EngineError, ValueError):
    """The data file breaks the schema; the message names the entry and the field."""


class SignInError(EngineError):
    """Signing in with OAuth 2.0 gave no token; the message is a sentence for a person.

    Attributes:
        problem: the cause (:class:`~smtpwizard.core.model.SignInProblem`).
        code: the provider's error code (``invalid_grant``, ``access_denied``…), if any.
        description: the provider's own words (Microsoft's start with ``AADSTS…``), if any.
    """

    def __init__(
        self, problem: SignInProblem, message: str, code: str = "", description: str = ""
    ) -> None:
        super().__init__(message)
        self.problem = problem
        self.code = code
        self.description = description


class CredentialError(EngineError):
    """The keyring could not be used; the message says why in plain words."""


class ImportFailed(EngineError, ValueError):
    """The file cannot be read as mail settings; ``str()`` is one sentence for a person."""


class ExportError(EngineError, ValueError):
    """The configuration cannot be exported in this format; the message says why and what to do."""


class WriteError(EngineError, OSError):
    """A file could not be written; ``str()`` is a sentence for a person."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.message = message
        self.filename = str(path)

    def __str__(self) -> str:
        # OSError would show "[Errno None] None: 'path'" once filename is set.
        return self.message


class TargetExists(WriteError, FileExistsError):
    """The file exists and replacing it was not asked for."""


class FolderMissing(WriteError, FileNotFoundError):
    """The folder to write in does not exist."""


class FolderNotWritable(WriteError, PermissionError):
    """We may not create files in the folder."""


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
