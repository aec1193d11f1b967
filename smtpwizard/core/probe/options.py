"""How a probe runs: its options, its time limits, and the hooks a caller can give it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from smtpwizard.core.login import SignIn
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import StageResult
from smtpwizard.core.model import TranscriptLine
from smtpwizard.core.net import MAX_BYTES
from smtpwizard.core.net.address import host_key

__all__ = [
    "AUTH_TIMEOUT",
    "POKE_TIMEOUT",
    "QUIT_TIMEOUT",
    "SNIFF_TIMEOUT",
    "ProbeOptions",
    "StageGate",
    "StageListener",
    "Stop",
    "address_literal",
]

#: After a greeting that did not come: how long a ClientHello may take to be answered (a
#: TLS server answers within one round trip), and then how long a line end may take to draw
#: a web server's error page.
SNIFF_TIMEOUT = 2.0
POKE_TIMEOUT = 1.0
#: How long QUIT may take; its answer changes nothing.
QUIT_TIMEOUT = 3.0
#: How long a login may take at least: servers slow their answers after failed logins from
#: the same address (Dovecot waits up to 15 seconds), and directory-backed logins are slow.
AUTH_TIMEOUT = 20.0

StageListener = Callable[[Candidate, StageResult], None]
#: Called after each step that worked, with the transcript so far (on the probe's thread,
#: which it may hold as long as it likes: the waiting does not count against the time
#: limits); returns whether to go on.
StageGate = Callable[[StageResult, tuple[TranscriptLine, ...]], bool]


@dataclass(frozen=True, slots=True)
class ProbeOptions:
    """How to probe.

    Attributes:
        timeout: seconds each step (connect, a reply, the handshake) may take.
        total_timeout: seconds the whole probe may take; default six steps' worth.
        cafile: extra certificate authorities to trust, besides the system's.
        allow_plaintext: log in even without encryption (the person accepted the risk).
        dry_run: after logging in, check that the server accepts the address as sender and
            recipient (MAIL FROM, RCPT TO, RSET; nothing is sent).
        send_test: after logging in, send a real test message to the address.
        mechanism: use only this AUTH mechanism.
        ehlo_name: the name to give in EHLO; default our address as a literal.
        max_bytes: most bytes one connection may receive.
        pins: certificates the person chose to trust although they cannot be verified, as
            (host, SHA-256 fingerprint) pairs; a pin only ever applies to its own host.
        sign_in: log in with a password, or with an OAuth 2.0 token (``SignIn.OAUTH2``).
    """

    timeout: float = 10.0
    total_timeout: float | None = None
    cafile: str | None = None
    allow_plaintext: bool = False
    dry_run: bool = True
    send_test: bool = False
    mechanism: str | None = None
    ehlo_name: str | None = None
    max_bytes: int = MAX_BYTES
    pins: tuple[tuple[str, str], ...] = ()
    sign_in: SignIn = SignIn.PASSWORD

    def pinned_for(self, host: str) -> frozenset[str]:
        """The fingerprints the person trusts for ``host`` (and for no other host)."""
        wanted = host_key(host)
        return frozenset(fp.upper() for name, fp in self.pins if host_key(name) == wanted)

    @property
    def budget(self) -> float:
        """Seconds the whole probe may take."""
        return self.total_timeout if self.total_timeout else max(30.0, 6 * self.timeout)


def address_literal(sockname: tuple[object, ...]) -> str:
    """Our own address as an EHLO argument (RFC 5321 section 4.1.3): no DNS lookup needed."""
    host = str(sockname[0]).split("%", 1)[0]
    return f"[IPv6:{host}]" if ":" in host else f"[{host}]"


class Stop(Exception):
    """Ends the conversation early; the outcome is already recorded."""
