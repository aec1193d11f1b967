"""The values that flow through smtpwizard: one vocabulary for probe, diagnosis, CLI and GUI.

Every value that crosses a thread boundary is a frozen dataclass. Enum values are the
spellings used in the JSON document (DESIGN.md), so ``str(Outcome.OK) == "ok"``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from dataclasses import field
from enum import IntEnum
from enum import StrEnum

from smtpwizard.core.i18n import _
from smtpwizard.core.login import SignIn
from smtpwizard.core.login import SignInRecord

__all__ = [
    "DEFAULT_PORTS",
    "INCOMING_PORTS",
    "AddressResult",
    "AuthInfo",
    "AuthStatus",
    "Candidate",
    "CertInfo",
    "Direction",
    "Finding",
    "MatrixResult",
    "Outcome",
    "ProbeResult",
    "Protocol",
    "Reason",
    "Recommendation",
    "Reply",
    "ReplyCode",
    "Security",
    "SecurityLevel",
    "SendCheck",
    "ServerSettings",
    "Severity",
    "Source",
    "StageName",
    "StageResult",
    "TlsInfo",
    "TranscriptLine",
    "Trust",
    "implied_security",
    "server_address",
    "url_host",
    "usual_security",
]


class Security(StrEnum):
    """How a connection is encrypted."""

    TLS = "tls"
    """Implicit TLS from the first byte ("SSL/TLS"), RFC 8314; usually port 465."""
    STARTTLS = "starttls"
    """Plain connection upgraded with the STARTTLS command; usually ports 587, 2525, 25."""
    NONE = "none"
    """No encryption at all."""

    @property
    def label(self) -> str:
        """The name mail programs show for this mode."""
        return {
            Security.TLS: _("SSL/TLS"),
            Security.STARTTLS: _("STARTTLS"),
            Security.NONE: _("no encryption"),
        }[self]


class ReplyCode(IntEnum):
    """The SMTP reply codes the engine acts on (RFC 5321 §4.2.3, RFC 4954, RFC 3207)."""

    SERVICE_READY = 220
    CLOSING = 221
    AUTH_SUCCEEDED = 235
    OK = 250
    WILL_FORWARD = 251
    AUTH_CONTINUE = 334
    START_MAIL_INPUT = 354
    SERVICE_UNAVAILABLE = 421
    MAILBOX_BUSY = 450
    LOCAL_ERROR = 451
    INSUFFICIENT_STORAGE = 452
    TLS_UNAVAILABLE = 454
    SYNTAX_ERROR = 500
    ARGUMENT_ERROR = 501
    NOT_IMPLEMENTED = 502
    BAD_SEQUENCE = 503
    PARAMETER_NOT_IMPLEMENTED = 504
    AUTH_REQUIRED = 530
    AUTH_FAILED = 535
    ENCRYPTION_REQUIRED = 538
    MAILBOX_UNAVAILABLE = 550

    @staticmethod
    def positive(code: int) -> bool:
        """Whether a code says the command was accepted (2xx)."""
        return 200 <= code < 300

    @staticmethod
    def temporary(code: int) -> bool:
        """Whether a code is a temporary refusal (4xx): the same command may work later."""
        return 400 <= code < 500


class Protocol(StrEnum):
    """Mail protocols a server speaks."""

    SMTP = "smtp"
    IMAP = "imap"
    POP3 = "pop3"


class Outcome(StrEnum):
    """What came of probing one candidate, in the words of the JSON contract."""

    OK = "ok"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    DNS_ERROR = "dns_error"
    NOT_SMTP = "not_smtp"
    TLS_ERROR = "tls_error"
    CERT_UNTRUSTED = "cert_untrusted"
    CERT_EXPIRED = "cert_expired"
    CERT_NAME_MISMATCH = "cert_name_mismatch"
    NO_STARTTLS = "no_starttls"
    AUTH_UNAVAILABLE = "auth_unavailable"
    AUTH_FAILED = "auth_failed"
    INSECURE = "insecure"
    CANCELLED = "cancelled"
    LOGIN_NEEDED = "login_needed"
    """The server takes mail only after a login, and none was given: not proven, not broken."""
    TEMPORARY = "temporary"
    """The server said "not now" (a 4xx reply: busy, greylisting, a rate limit): try later."""
    SEND_REFUSED = "send_refused"
    """The server refused the sender, the recipient or the message for good."""


class Reason(StrEnum):
    """The finer cause behind an outcome; the diagnosis turns each into a finding."""

    # resolve
    NO_SUCH_HOST = "no_such_host"
    NO_ADDRESS = "no_address"
    DNS_FAILURE = "dns_failure"
    DNS_TIMEOUT = "dns_timeout"
    # connect
    CONNECT_TIMEOUT = "connect_timeout"
    CONNECTION_REFUSED = "connection_refused"
    UNREACHABLE = "unreachable"
    # greeting and conversation
    GREETING_TIMEOUT = "greeting_timeout"
    CLOSED_BEFORE_GREETING = "closed_before_greeting"
    GREETING_REJECTED = "greeting_rejected"
    SERVICE_UNAVAILABLE = "service_unavailable"
    HTTP_SERVER = "http_server"
    NOT_SMTP_REPLY = "not_smtp_reply"
    EXPECTS_IMPLICIT_TLS = "expects_implicit_tls"
    REPLY_TIMEOUT = "reply_timeout"
    CONNECTION_LOST = "connection_lost"
    REPLY_TOO_LONG = "reply_too_long"
    PROTOCOL_ERROR = "protocol_error"
    TIME_LIMIT = "time_limit"
    # encryption
    STARTTLS_NOT_OFFERED = "starttls_not_offered"
    STARTTLS_REFUSED = "starttls_refused"
    PLAIN_PORT = "plain_port"
    HANDSHAKE_TIMEOUT = "handshake_timeout"
    HANDSHAKE_FAILED = "handshake_failed"
    PROTOCOL_VERSION = "protocol_version"
    HANDSHAKE_EOF = "handshake_eof"
    CERT_EXPIRED = "cert_expired"
    CERT_NOT_YET_VALID = "cert_not_yet_valid"
    CERT_NAME_MISMATCH = "cert_name_mismatch"
    CERT_SELF_SIGNED = "cert_self_signed"
    CERT_UNKNOWN_ISSUER = "cert_unknown_issuer"
    CERT_INVALID = "cert_invalid"
    # login
    AUTH_NOT_OFFERED = "auth_not_offered"
    OAUTH_ONLY = "oauth_only"
    OAUTH_NOT_OFFERED = "oauth_not_offered"
    NO_SUPPORTED_MECHANISM = "no_supported_mechanism"
    MECHANISM_NOT_OFFERED = "mechanism_not_offered"
    AUTH_REJECTED = "auth_rejected"
    TOKEN_REJECTED = "token_rejected"
    TOKEN_SCOPE = "token_scope"
    AUTH_TEMPORARY = "auth_temporary"
    ENCRYPTION_REQUIRED = "encryption_required"
    PLAINTEXT_LOGIN_REFUSED = "plaintext_login_refused"
    UNENCRYPTED = "unencrypted"
    AUTH_LOCKED = "auth_locked"
    """Too many login attempts: the server refuses logins for a while (no more are tried)."""
    PREAUTHENTICATED = "preauthenticated"
    """The IMAP server greeted with PREAUTH: the connection is logged in already, so no login
    (and no password) can be tested there."""
    AUTH_COMMAND_REFUSED = "auth_command_refused"
    """The server refused the login command itself (SMTP 500-503, IMAP BAD): too long or
    unreadable, not a verdict on the credentials."""
    # sending (MAIL FROM, RCPT TO, the test message)
    LOGIN_NEEDED = "login_needed"
    GREYLISTED = "greylisted"
    RATE_LIMITED = "rate_limited"
    SEND_DEFERRED = "send_deferred"
    SENDER_REFUSED = "sender_refused"
    RECIPIENT_REFUSED = "recipient_refused"
    MESSAGE_REFUSED = "message_refused"
    # stopping
    CANCELLED_BY_USER = "cancelled_by_user"
    SUPERSEDED = "superseded"
    LOGIN_STOPPED = "login_stopped"
    """Not tried: the login was refused on a better-ranked candidate, so no more were tried."""
    STOPPED_AS_ASKED = "stopped_as_asked"


class Source(StrEnum):
    """Where a candidate came from; shown to the person as the reason it was tried."""

    USER = "user"
    PROVIDER = "provider"
    AUTOCONFIG = "autoconfig"
    ISPDB = "ispdb"
    AUTODISCOVER = "autodiscover"
    SRV = "srv"
    GUESS = "guess"


class StageName(StrEnum):
    """The steps of one SMTP conversation, in the order they can happen."""

    RESOLVE = "resolve"
    CONNECT = "connect"
    TLS = "tls"
    GREETING = "greeting"
    EHLO = "ehlo"
    CAPABILITIES = "capabilities"
    STARTTLS = "starttls"
    EHLO_TLS = "ehlo_tls"
    CAPABILITIES_TLS = "capabilities_tls"
    AUTH_MECHANISMS = "auth_mechanisms"
    AUTH = "auth"
    MAIL_FROM = "mail_from"
    RCPT_TO = "rcpt_to"
    RSET = "rset"
    DATA = "data"
    QUIT = "quit"


class AuthStatus(StrEnum):
    """What happened to the login on one candidate."""

    OK = "ok"
    REJECTED = "rejected"
    TEMPORARY_FAILURE = "temporary_failure"
    UNSUPPORTED = "unsupported"
    NOT_OFFERED = "not_offered"
    PLAINTEXT_REFUSED = "plaintext_refused"
    NOT_TRIED = "not_tried"
    NO_CREDENTIALS = "no_credentials"
    ERROR = "error"


class Direction(StrEnum):
    """Who wrote a transcript line."""

    CLIENT = "C"
    SERVER = "S"
    NOTE = "*"


class SecurityLevel(StrEnum):
    """How well a working configuration protects the password and the mail (RFC 8314 §5)."""

    VERIFIED = "encrypted_verified"
    """Encrypted, and the server proved who it is with a valid certificate."""
    ACCEPTED = "encrypted_accepted"
    """Encrypted, with a certificate the person chose to trust although it could not be checked."""
    NONE = "not_encrypted"
    """Not encrypted: anyone on the way can read the password and the mail."""


class Severity(StrEnum):
    """How a finding should be shown."""

    OK = "ok"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


#: The usual encryption of the well-known submission ports (DESIGN.md).
DEFAULT_PORTS: tuple[tuple[int, Security], ...] = (
    (465, Security.TLS),
    (587, Security.STARTTLS),
    (2525, Security.STARTTLS),
    (25, Security.STARTTLS),
)


INCOMING_PORTS: dict[Protocol, tuple[tuple[int, Security], ...]] = {
    Protocol.IMAP: ((993, Security.TLS), (143, Security.STARTTLS)),
    Protocol.POP3: ((995, Security.TLS), (110, Security.STARTTLS)),
}
"""The standard ports of incoming mail, encrypted from the start first (RFC 8314)."""


def url_host(host: str) -> str:
    """A host as a URL (or a program that parses one like it) needs it: an IPv6 address in
    brackets."""
    return f"[{host}]" if ":" in host else host


def server_address(host: str, port: int) -> str:
    """``host:port`` as people and programs write it: an IPv6 address in brackets."""
    return f"{url_host(host)}:{port}"


def implied_security(port: int | None) -> Security:
    """The encryption a port implies when nothing says otherwise: SSL/TLS on 465 (RFC 8314),
    STARTTLS elsewhere."""
    return Security.TLS if port == 465 else Security.STARTTLS


def usual_security(port: int) -> tuple[Security, ...]:
    """The encryption modes worth trying on ``port`` when none was asked for."""
    for known, security in DEFAULT_PORTS:
        if known == port:
            return (security,)
    return (Security.TLS, Security.STARTTLS)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One server, port and encryption mode to try, as some source named it.

    Identity is the server, port, mode and protocol; where it came from, and the login name
    and sign-in methods that source gave, travel along without changing it.
    """

    host: str
    port: int
    security: Security
    source: Source = field(default=Source.USER, compare=False)
    source_detail: str = field(default="", compare=False)
    protocol: Protocol = Protocol.SMTP
    username: str | None = field(default=None, compare=False)
    """The login name the source gives, if any."""
    sign_in: tuple[SignIn, ...] = field(default=(), compare=False)
    """How the source says to sign in, if it says."""

    def label(self) -> str:
        """``host:port (mode)`` for messages, with the protocol when it is not SMTP."""
        kind = "" if self.protocol is Protocol.SMTP else f"{self.protocol.name}, "
        return f"{server_address(self.host, self.port)} ({kind}{self.security.label})"


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """One server as a program uses it: where, how encrypted, how to log in, and whether a
    test proved it. Troubleshooting takes one apart; exporters write one.

    Attributes:
        host, port, security: the server and how to talk to it.
        username: the login name; ``None`` or empty: no login.
        email: the address that sends through it (sender and recipient checks).
        mechanism: the SASL mechanism (``PLAIN``, ``LOGIN``, ``CRAM-MD5``); ``None``: any.
        allow_plaintext: the person accepted that the password travels unencrypted.
        protocol: SMTP, IMAP or POP3.
        tested: a probe proved these exact settings.
        login_tested: a login with them was accepted in that probe.
        test_outcome: the outcome word of the probe that tried them (``None``: not tried).
    """

    host: str
    port: int
    security: Security
    username: str | None = None
    email: str | None = None
    mechanism: str | None = None
    allow_plaintext: bool = False
    protocol: Protocol = Protocol.SMTP
    tested: bool = False
    login_tested: bool = False
    test_outcome: str | None = None

    def candidate(self) -> Candidate:
        """The server as a candidate to probe."""
        return Candidate(self.host, self.port, self.security, Source.USER, "", self.protocol)

    def describe(self) -> str:
        """One line, as the attempts list shows it."""
        parts = [f"{server_address(self.host, self.port)} {self.security.label}"]
        if self.username:
            parts.append(_("as {username}").format(username=self.username))
        if self.mechanism:
            parts.append(self.mechanism)
        return ", ".join(parts)

    def changes_from(self, before: ServerSettings) -> list[str]:
        """What differs from earlier settings, in words ("port 587 → 465")."""
        changes: list[str] = []
        for label, old, new in (
            (_("server"), before.host, self.host),
            (_("port"), before.port, self.port),
            (_("encryption"), before.security.label, self.security.label),
            (_("username"), before.username or "–", self.username or "–"),
            (
                _("login method"),
                before.mechanism or _("automatic"),
                self.mechanism or _("automatic"),
            ),
            (_("address"), before.email or "–", self.email or "–"),
        ):
            if old != new:
                changes.append(f"{label} {old} → {new}")
        return changes


_ENHANCED = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)")


@dataclass(frozen=True, slots=True)
class Reply:
    """A server's reply: for SMTP a three-digit code and its text lines joined with newlines;
    for IMAP and POP3 code 0 and the line as it came ("NO [AUTHENTICATIONFAILED] ...")."""

    code: int
    text: str

    @property
    def enhanced(self) -> str | None:
        """The RFC 3463 enhanced status code at the start of the text, e.g. ``5.7.8``."""
        match = _ENHANCED.match(self.text)
        return match.group(0) if match else None

    def __str__(self) -> str:
        if self.code == 0:  # IMAP and POP3 replies carry their status in the text
            return self.text
        lines = self.text.split("\n") if self.text else [""]
        return "\n".join(f"{self.code} {line}".rstrip() for line in lines)


@dataclass(frozen=True, slots=True)
class StageResult:
    """One step of a conversation: whether it worked, how long it took, and the evidence."""

    name: StageName
    ok: bool
    ms: float
    detail: str
    reply: Reply | None = None
    error: str | None = None
    transcript_end: int = field(default=0, compare=False)
    """How many transcript lines existed when the stage ended: a stage's own lines are the
    ones after the previous stage's end."""


@dataclass(frozen=True, slots=True)
class CertInfo:
    """The server's certificate as received, whether or not it could be verified."""

    subject: str
    issuer: str
    issuer_name: str
    names: tuple[str, ...]
    not_before: dt.datetime
    not_after: dt.datetime
    fingerprint_sha256: str
    serial: str
    self_signed: bool
    issuer_urls: tuple[str, ...] = ()
    """Where the issuer's certificate can be fetched (the certificate's "CA Issuers" access
    information); authorities that others trust put it in every certificate they issue."""

    def covers(self, host: str) -> bool:
        """Whether the certificate's names include ``host`` (one wildcard label allowed)."""
        host = host.rstrip(".").lower()
        for name in self.names:
            name = name.lower()
            if name == host:
                return True
            if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
                return True
        return False


@dataclass(frozen=True, slots=True)
class TlsInfo:
    """What the encryption step established, or how it failed."""

    version: str | None = None
    cipher: str | None = None
    cert: CertInfo | None = None
    verified: bool = False
    error: str | None = None
    verify_code: int | None = None
    pinned: bool = False
    """The certificate could not be verified, but it is the exact one the person chose to
    trust for this server."""
    chain: tuple[CertInfo, ...] = ()
    """The certificates the server sent, its own first (empty when they could not be read)."""


@dataclass(frozen=True, slots=True)
class AuthInfo:
    """The login mechanisms a server offered and what happened when we used one."""

    offered: tuple[str, ...] = ()
    status: AuthStatus = AuthStatus.NO_CREDENTIALS
    mechanism: str | None = None
    username: str | None = None
    reply: Reply | None = None
    attempts: int = 0
    challenge: str | None = None
    """What the server said about a refused token before its final reply (RFC 7628 §3.2.2:
    JSON such as ``{"status":"401","schemes":"bearer"}``), as it said it."""
    usernames: tuple[str, ...] = ()
    """Every login name tried, in order (``username`` is the last)."""


@dataclass(frozen=True, slots=True)
class SendCheck:
    """The dry run (MAIL FROM, RCPT TO, RSET) and the optional real test message."""

    sender: Reply | None = None
    recipient: Reply | None = None
    message: Reply | None = None

    @property
    def ok(self) -> bool:
        """Whether everything that was tried was accepted."""
        replies = [r for r in (self.sender, self.recipient, self.message) if r is not None]
        return bool(replies) and all(ReplyCode.positive(r.code) for r in replies)


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    """A line of the conversation, already redacted; ``encrypted`` marks lines sent in TLS."""

    direction: Direction
    text: str
    encrypted: bool
    at_ms: float


@dataclass(frozen=True, slots=True)
class AddressResult:
    """How one address of the server did, when the name has several (IPv4 and IPv6)."""

    address: str
    family: str
    """``IPv4`` or ``IPv6``."""
    connected: bool
    """The connection was accepted."""
    reason: Reason | None = None
    """Why it was not (refused, no answer, no route); ``None`` when it was, or when the
    check was stopped before it ended."""
    detail: str = ""
    used: bool = False
    """The conversation went over this address (its outcome is the candidate's)."""


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """Everything learnt from one candidate."""

    candidate: Candidate
    outcome: Outcome
    reason: Reason | None
    stages: tuple[StageResult, ...]
    started_at: dt.datetime
    elapsed_ms: float
    addresses: tuple[str, ...] = ()
    connected_to: str | None = None
    local_address: str | None = None
    greeting: Reply | None = None
    features: tuple[str, ...] = ()
    starttls_offered: bool | None = None
    tls: TlsInfo | None = None
    auth: AuthInfo = AuthInfo()
    send: SendCheck | None = None
    transcript: tuple[TranscriptLine, ...] = ()
    address_results: tuple[AddressResult, ...] = ()
    """How each address tried did, when the server's name has more than one."""

    @property
    def failed_stage(self) -> StageResult | None:
        """The stage that decided a failed outcome (``None`` when the candidate works)."""
        if self.outcome in (Outcome.OK, Outcome.INSECURE):
            return None
        sending = (StageName.MAIL_FROM, StageName.RCPT_TO, StageName.DATA)
        refused = any(not s.ok and s.name in sending for s in self.stages)
        for stage in reversed(self.stages):
            if stage.ok or stage.name is StageName.QUIT:
                continue
            if refused and stage.name is StageName.RSET:
                continue  # the refusal before it decided (a server may hang up after a 421)
            return stage
        return None

    @property
    def encrypted(self) -> bool:
        """Whether the conversation was encrypted (TLS established)."""
        return self.tls is not None and self.tls.version is not None


@dataclass(frozen=True, slots=True)
class Finding:
    """A plain-language reading of a result: what happened, why, and what to do."""

    headline: str
    explanation: str
    advice: str
    severity: Severity = Severity.INFO
    evidence: tuple[tuple[str, str], ...] = ()
    """Technical facts behind the finding, as (label, value) pairs, for the curious."""
    link: str | None = None
    """The provider's own help page for this problem, when known."""


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The configuration we advise, and why."""

    candidate: Candidate
    username: str | None
    auth_mechanism: str | None
    reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    level: SecurityLevel = SecurityLevel.VERIFIED
    alternatives: tuple[Candidate, ...] = ()
    """Other configurations that also worked, best first."""


@dataclass(frozen=True, slots=True)
class Trust:
    """What a probe run trusted besides the system's certificate authorities."""

    cafile: str | None = None
    """The extra CA file it was given, as an absolute path."""
    pins: tuple[tuple[str, str], ...] = ()
    """The certificates the person trusts by hand, as (host, SHA-256 fingerprint) pairs."""


@dataclass(frozen=True, slots=True)
class MatrixResult:
    """The outcome of probing every candidate for one address.

    The probe stage fills in the facts; ``recommended`` stays ``None`` until the diagnosis
    concludes (:func:`smtpwizard.core.diagnosis.recommend.conclude`).
    """

    email: str
    results: tuple[ProbeResult, ...]
    recommended: Recommendation | None
    credentials_rejected: bool
    cancelled: bool
    complete: bool
    verdict_ms: float
    elapsed_ms: float
    started_at: dt.datetime
    best: ProbeResult | None = None
    """The best-ranked candidate that worked (or logged in), when one did."""
    proven: bool = False
    """Whether ``best`` is proven to work as asked (logged in when a password was given)."""
    alternatives: tuple[ProbeResult, ...] = ()
    """The other candidates that also work, best first (only when ``best`` is proven)."""
    sign_in: SignInRecord | None = None
    """The OAuth 2.0 sign-in that gave the token the probes logged in with, if any."""
    trust: Trust = Trust()
    """What the run trusted besides the system's authorities (a CA file, pinned certificates)."""
