"""One candidate, one real SMTP conversation, stage by stage, with a truthful outcome.

The stages: resolve, connect, TLS (implicit mode), greeting, EHLO, STARTTLS, TLS, EHLO
again, the AUTH mechanisms offered; then, when the prober says so, AUTH; the dry run (MAIL
FROM and RCPT TO to the person's own address, then RSET) or a real test message; QUIT.

Rules kept here:
- certificates are verified (system trust plus an optional extra CA file);
- a password only travels encrypted, unless the caller allowed plain text explicitly;
- a failed STARTTLS never continues in plain text;
- every wait is bounded (per step and per probe) and wakes on cancellation.

A :class:`SmtpProbe` is driven in three calls so that the prober can hold a working
connection while it decides where to log in: :meth:`~SmtpProbe.open`, then
:meth:`~SmtpProbe.login` and :meth:`~SmtpProbe.check_sending` if wanted, then
:meth:`~SmtpProbe.finish`. :func:`probe_candidate` does all three.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from email.message import EmailMessage
from typing import Any, ClassVar

from smtpwizard.core.errors import (
    Cancelled,
    ConnectFailed,
    ConnectionLost,
    NetworkTimeout,
    NotSmtpReply,
    ProbeError,
    ProtocolError,
    ReplyTooLong,
    ResolveError,
    TimeLimit,
)
from smtpwizard.core.model import (
    AuthInfo,
    AuthStatus,
    Candidate,
    CertInfo,
    Credentials,
    Outcome,
    ProbeResult,
    Protocol,
    Reason,
    Reply,
    Security,
    SendCheck,
    StageName,
    StageResult,
    TlsInfo,
    TranscriptLine,
)
from smtpwizard.core.net.address import EmailAddress, host_key
from smtpwizard.core.net.certs import name_matches, parse_certificate
from smtpwizard.core.net.channel import (
    MAX_BYTES,
    Address,
    CancelToken,
    Channel,
    Clock,
    open_connection,
)
from smtpwizard.core.net.resolve import Resolver, SystemResolver
from smtpwizard.core.net.tls import make_tls_context, unverified_context
from smtpwizard.core.net.transcript import Redactor, Transcript, readable
from smtpwizard.core.probe.smtp import (
    OAUTH_MECHANISMS,
    PLAINTEXT_PREFERENCE,
    SUPPORTED_MECHANISMS,
    Conversation,
    server_name,
)

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

_SMTP_START = re.compile(rb"^[2-5][0-9][0-9][ \r\n-]")
_TLS_RECORD = (b"\x14\x03", b"\x15\x03", b"\x16\x03", b"\x17\x03")
_PLAIN_PORT_REASONS = {
    "WRONG_VERSION_NUMBER",
    "RECORD_LAYER_FAILURE",
    "PACKET_LENGTH_TOO_LONG",
    "HTTP_REQUEST",
    "UNKNOWN_PROTOCOL",
}
_VERSION_REASONS = {
    "TLSV1_ALERT_PROTOCOL_VERSION",
    "UNSUPPORTED_PROTOCOL",
    "NO_PROTOCOLS_AVAILABLE",
    "TLSV1_ALERT_INAPPROPRIATE_FALLBACK",
}


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


class _Stop(Exception):
    """Ends the conversation early; the outcome is already recorded."""


class Probe:
    """One conversation with one candidate, for any of the mail protocols.

    The subclasses (SMTP here, IMAP and POP3 in their own modules) supply the conversation
    itself: the greeting, the capabilities, the STARTTLS command, the login and the goodbye.
    Everything else is shared, so the three protocols have the same stages, outcomes,
    redaction, bounds and cancellation.

    Args:
        candidate: what to try.
        options: how.
        context: the verifying TLS context (shared by probes; built from ``options``).
        resolver: turns the host into addresses.
        cancel: stops the probe from another thread.
        listener: told about every finished stage (called on the probe's thread).
        gate: asked after every step that worked whether to go on (step-by-step
            troubleshooting); when it says no, the conversation ends there politely.
        will_login: credentials will follow, so a server without login is a failure.
        redactor: secrets to keep out of the transcript and details.
        clock: monotonic time source.
    """

    PROTOCOL: ClassVar[Protocol]
    CAPABILITY_STAGES: ClassVar[tuple[StageName, StageName]]
    OAUTH: ClassVar[frozenset[str]] = OAUTH_MECHANISMS

    def __init__(
        self,
        candidate: Candidate,
        options: ProbeOptions | None = None,
        *,
        context: ssl.SSLContext | None = None,
        resolver: Resolver | None = None,
        cancel: CancelToken | None = None,
        listener: StageListener | None = None,
        gate: StageGate | None = None,
        will_login: bool = False,
        redactor: Redactor | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.candidate = candidate
        self.options = options or ProbeOptions()
        self._context = context or make_tls_context(self.options.cafile)
        self._resolver = resolver or SystemResolver()
        self._own_cancel = cancel is None
        self._cancel = cancel or CancelToken()
        self._listener = listener
        self._gate = gate
        self._will_login = will_login
        self._clock = clock
        self.transcript = Transcript(redactor, clock)
        self._started_at = dt.datetime.now(dt.UTC)
        self._t0 = clock()
        self._total_deadline = self._t0 + self.options.budget
        self._stages: list[StageResult] = []
        self._failure: tuple[Outcome, Reason] | None = None
        self._auth_failure: tuple[Outcome, Reason] | None = None
        self._conv: Any = None
        self._clean = True
        self._addresses: list[Address] = []
        self._connected: Address | None = None
        self._local: str | None = None
        self._greeting: Reply | None = None
        self._features: tuple[str, ...] = ()
        self._starttls_offered: bool | None = None
        self._tls: TlsInfo | None = None
        self._auth = AuthInfo(
            status=AuthStatus.NOT_TRIED if will_login else AuthStatus.NO_CREDENTIALS
        )
        self._send: SendCheck | None = None
        self._result: ProbeResult | None = None

    # -- what the protocols supply ---------------------------------------------------------

    def _make_conversation(self, channel: Channel, host: str, local_name: str) -> Any:
        raise NotImplementedError

    def _greet(self) -> Reply:
        """Reads the greeting (raising the engine's errors for what is not the protocol)."""
        raise NotImplementedError

    def _greeting_refusal(self, reply: Reply) -> tuple[Outcome, Reason, str] | None:
        """``None`` when the greeting welcomes us, else how it refused."""
        raise NotImplementedError

    def _capabilities(self, stage: StageName, started: float) -> None:
        """Asks what the server can do; records the stage; fills features and mechanisms."""
        raise NotImplementedError

    def _starttls_command(self) -> Reply:
        """Sends the command that switches to encryption."""
        raise NotImplementedError

    def _starttls_accepted(self, reply: Reply) -> bool:
        raise NotImplementedError

    def _supported(self, encrypted: bool) -> tuple[str, ...]:
        """The login mechanisms we can use, best first."""
        raise NotImplementedError

    def _authenticate(self, mechanism: str, credentials: Credentials) -> tuple[bool, Reply]:
        """One login attempt: whether it was accepted, and the final reply."""
        raise NotImplementedError

    def _mechanism_refused(self, reply: Reply) -> bool:
        """Whether the reply refuses the mechanism itself (the credentials were not judged)."""
        return False

    def _login_refusal(self, reply: Reply, encrypted: bool) -> tuple[AuthStatus, Outcome, Reason]:
        raise NotImplementedError

    def _goodbye(self) -> Reply:
        raise NotImplementedError

    def _fetch_preamble(self, conv: Any) -> bool:
        """On a second connection: everything before the TLS handshake (STARTTLS mode)."""
        raise NotImplementedError

    # -- state -----------------------------------------------------------------------------

    @property
    def usable(self) -> bool:
        """Whether the conversation is open and nothing has failed."""
        return self._failure is None and self._conv is not None and not self._conv.channel.closed

    @property
    def can_login(self) -> bool:
        """Whether a login can be attempted here now."""
        return (
            self.usable
            and self._will_login
            and self._auth.status not in (AuthStatus.PLAINTEXT_REFUSED, AuthStatus.OK)
            and bool(self._mechanism_order())
        )

    @property
    def offered_mechanisms(self) -> tuple[str, ...]:
        """The login mechanisms the server offered (after encryption, where there is one)."""
        return self._auth.offered

    @property
    def authenticated(self) -> bool:
        """Whether a login succeeded."""
        return self._auth.status is AuthStatus.OK

    def _remaining(self) -> float:
        return max(self._total_deadline - self._clock(), 0.0)

    def _step_timeout(self, limit: float | None = None) -> float:
        timeout = self.options.timeout if limit is None else min(limit, self.options.timeout)
        return min(timeout, self._remaining())

    # -- recording -------------------------------------------------------------------------

    def _record(
        self,
        name: StageName,
        started: float,
        ok: bool,
        detail: str,
        reply: Reply | None = None,
        error: BaseException | None = None,
    ) -> StageResult:
        redact = self.transcript.redactor
        if reply is not None and redact:
            reply = Reply(reply.code, redact(reply.text))
        stage = StageResult(
            name=name,
            ok=ok,
            ms=round((self._clock() - started) * 1000, 1),
            detail=redact(detail),
            reply=reply,
            error=redact(f"{type(error).__name__}: {error}") if error is not None else None,
            transcript_end=len(self.transcript.lines),
        )
        self._stages.append(stage)
        if self._listener is not None:
            self._listener(self.candidate, stage)
        if self._gate is not None and ok and name is not StageName.QUIT:
            self._ask_gate(stage)
        return stage

    def _ask_gate(self, stage: StageResult) -> None:
        """Holds the conversation while the gate decides; the wait is not counted."""
        paused = self._clock()
        assert self._gate is not None
        go_on = self._gate(stage, self.transcript.lines)
        waited = self._clock() - paused
        self._total_deadline += waited
        if self._conv is not None:
            self._conv.channel.total_deadline += waited
        if not go_on and self._failure is None:
            self._failure = (Outcome.CANCELLED, Reason.STOPPED_AS_ASKED)
            self.transcript.note(f"stopped after {stage.name} as asked")
            raise _Stop()

    def _fail(
        self,
        name: StageName,
        started: float,
        outcome: Outcome,
        reason: Reason,
        detail: str,
        reply: Reply | None = None,
        error: BaseException | None = None,
    ) -> _Stop:
        """Records a failed stage and the outcome; returns the exception that ends the flow."""
        self._record(name, started, False, detail, reply, error)
        if self._failure is None:
            self._failure = (outcome, reason)
        return _Stop()

    @contextmanager
    def _stage(self, name: StageName) -> Iterator[float]:
        """Times a stage and turns the engine's generic errors into its outcome."""
        started = self._clock()
        try:
            self._cancel.check()
            yield started
        except _Stop:
            raise
        except Cancelled as exc:
            self._clean = False
            reason = self._cancel.effective_reason
            if reason is Reason.EXPECTS_IMPLICIT_TLS:  # told by the prober: see its on_stage
                raise self._fail(
                    name,
                    started,
                    Outcome.TLS_ERROR,
                    reason,
                    "no greeting in plain text, while the same port completed an SSL/TLS "
                    "handshake at once: it expects SSL/TLS from the first byte",
                    error=exc,
                ) from None
            raise self._fail(
                name, started, Outcome.CANCELLED, reason, "stopped", error=exc
            ) from None
        except TimeLimit as exc:
            self._clean = False
            detail = f"the probe used up its {self.options.budget:g} seconds"
            raise self._fail(
                name, started, Outcome.TIMEOUT, Reason.TIME_LIMIT, detail, error=exc
            ) from None
        except NetworkTimeout as exc:
            self._clean = False
            reason = {
                StageName.GREETING: Reason.GREETING_TIMEOUT,
                StageName.TLS: Reason.HANDSHAKE_TIMEOUT,
            }.get(name, Reason.REPLY_TIMEOUT)
            detail = f"no complete answer within {self.options.timeout:g} seconds"
            if exc.received:
                detail += f"; only this arrived: {_show(exc.received)}"
            raise self._fail(name, started, Outcome.TIMEOUT, reason, detail, error=exc) from None
        except ConnectionLost as exc:
            self._clean = False
            reason = (
                Reason.CLOSED_BEFORE_GREETING
                if name is StageName.GREETING
                else Reason.CONNECTION_LOST
            )
            detail = f"the server closed the connection ({exc})"
            raise self._fail(name, started, Outcome.REFUSED, reason, detail, error=exc) from None
        except NotSmtpReply as exc:
            self._clean = False
            reason = _not_smtp_kind(exc.line)
            detail = f"not a {self.PROTOCOL.name} reply: {_show(exc.line)}"
            raise self._fail(name, started, Outcome.NOT_SMTP, reason, detail, error=exc) from None
        except ReplyTooLong as exc:
            self._clean = False
            raise self._fail(
                name,
                started,
                Outcome.NOT_SMTP,
                Reason.REPLY_TOO_LONG,
                f"the server sent {exc}",
                error=exc,
            ) from None
        except ProtocolError as exc:
            self._clean = False
            raise self._fail(
                name, started, Outcome.NOT_SMTP, Reason.PROTOCOL_ERROR, str(exc), error=exc
            ) from None

    # -- opening -----------------------------------------------------------------------------

    def open(self) -> bool:
        """Runs every stage up to the login mechanisms; returns whether it can go on."""
        with suppress(_Stop):
            self._open()
        return self.usable

    def _open(self) -> None:
        candidate = self.candidate
        with self._stage(StageName.RESOLVE) as started:
            try:
                self._addresses = self._resolver.resolve(
                    candidate.host,
                    candidate.port,
                    timeout=self._step_timeout(),
                    cancel=self._cancel,
                )
            except ResolveError as exc:
                raise self._fail(
                    StageName.RESOLVE,
                    started,
                    Outcome.DNS_ERROR,
                    exc.reason,
                    f"{candidate.host}: {exc}",
                    error=exc,
                ) from None
            self._record(StageName.RESOLVE, started, True, ", ".join(a.ip for a in self._addresses))

        with self._stage(StageName.CONNECT) as started:
            try:
                sock, self._connected = open_connection(
                    self._addresses,
                    candidate.port,
                    timeout=self._step_timeout(),
                    cancel=self._cancel,
                    clock=self._clock,
                )
            except ConnectFailed as exc:
                if exc.refused:
                    outcome, reason = Outcome.REFUSED, Reason.CONNECTION_REFUSED
                elif exc.timed_out:
                    outcome, reason = Outcome.TIMEOUT, Reason.CONNECT_TIMEOUT
                else:
                    outcome, reason = Outcome.TIMEOUT, Reason.UNREACHABLE
                raise self._fail(
                    StageName.CONNECT, started, outcome, reason, str(exc), error=exc
                ) from None
            channel = self._converse_on(sock)
            self._local = str(channel.local_address[0]).split("%", 1)[0]
            self.transcript.note(f"connected to {self._connected} port {candidate.port}")
            self._record(StageName.CONNECT, started, True, f"connected to {self._connected}")

        first, second = self.CAPABILITY_STAGES
        if candidate.security is Security.TLS:
            self._handshake()
        self._read_greeting()
        with self._stage(first) as started:
            self._capabilities(first, started)
        if candidate.security is Security.STARTTLS:
            self._starttls()
            self._handshake()
            with self._stage(second) as started:
                self._capabilities(second, started)
        self._check_mechanisms()

    def _read_greeting(self) -> None:
        conv = self._conv
        with self._stage(StageName.GREETING) as started:
            conv.channel.start_step(self._step_timeout())
            try:
                reply = self._greet()
            except NetworkTimeout as exc:
                self._clean = False
                self._silent_greeting(started, exc)
                raise
            self._greeting = reply
            refusal = self._greeting_refusal(reply)
            if refusal is None:
                self._record(StageName.GREETING, started, True, str(reply), reply)
                return
            outcome, reason, detail = refusal
            if outcome is Outcome.NOT_SMTP:
                self._clean = False
            raise self._fail(StageName.GREETING, started, outcome, reason, detail, reply)

    def _silent_greeting(self, started: float, exc: NetworkTimeout) -> None:
        """The greeting did not come: find out what listens instead, if anything."""
        received = exc.received
        conv = self._conv
        if received:
            if _not_smtp_kind(received) is Reason.HTTP_SERVER:
                raise self._fail(
                    StageName.GREETING,
                    started,
                    Outcome.NOT_SMTP,
                    Reason.HTTP_SERVER,
                    f"a web server answered: {_show(received)}",
                    error=exc,
                )
            if not self._looks_like_greeting(received):
                raise self._fail(
                    StageName.GREETING,
                    started,
                    Outcome.NOT_SMTP,
                    Reason.NOT_SMTP_REPLY,
                    f"not a {self.PROTOCOL.name} greeting: {_show(received)}",
                    error=exc,
                )
            return  # a greeting started but never finished: a plain timeout
        if conv.channel.encrypted:
            return
        self.transcript.note("no greeting; checking whether this port expects encryption first")
        kind, data = _sniff(conv.channel, self.candidate.host, self._step_timeout(SNIFF_TIMEOUT))
        if kind is Reason.EXPECTS_IMPLICIT_TLS:
            raise self._fail(
                StageName.GREETING,
                started,
                Outcome.TLS_ERROR,
                Reason.EXPECTS_IMPLICIT_TLS,
                "no greeting in plain text, but the port answered a TLS handshake: "
                "it expects SSL/TLS from the first byte",
                error=exc,
            )
        if kind is not None:
            raise self._fail(
                StageName.GREETING,
                started,
                Outcome.NOT_SMTP,
                kind,
                f"something else listens here: {_show(data)}",
                error=exc,
            )

    def _looks_like_greeting(self, received: bytes) -> bool:
        return bool(_SMTP_START.match(received + b"\r"))

    def _starttls(self) -> None:
        with self._stage(StageName.STARTTLS) as started:
            if not self._starttls_offered:
                raise self._fail(
                    StageName.STARTTLS,
                    started,
                    Outcome.NO_STARTTLS,
                    Reason.STARTTLS_NOT_OFFERED,
                    "the server does not offer STARTTLS, so the connection cannot be encrypted",
                )
            self._conv.channel.start_step(self._step_timeout())
            reply = self._starttls_command()
            if not self._starttls_accepted(reply):
                raise self._fail(
                    StageName.STARTTLS,
                    started,
                    Outcome.TLS_ERROR,
                    Reason.STARTTLS_REFUSED,
                    f"the server offered STARTTLS but refused it: {reply}",
                    reply,
                )
            self._record(StageName.STARTTLS, started, True, str(reply), reply)

    def _handshake(self) -> None:
        conv = self._conv
        channel = conv.channel
        host = self.candidate.host
        with self._stage(StageName.TLS) as started:
            channel.start_step(self._step_timeout())
            try:
                conv.secure(self._context)
            except ssl.SSLCertVerificationError as exc:
                self._clean = False
                code = exc.verify_code
                message = str(exc.verify_message or exc.reason or exc)
                outcome, reason = _certificate_failure(code)
                self.transcript.note(f"certificate rejected: {message}")
                cert, chain = self._fetch_certificate()
                if cert is not None and cert.fingerprint_sha256 in self.options.pinned_for(host):
                    self._use_pinned(started, cert, message, code)
                    return
                self._tls = TlsInfo(
                    cert=cert, verified=False, error=message, verify_code=code, chain=chain
                )
                raise self._fail(
                    StageName.TLS,
                    started,
                    outcome,
                    reason,
                    _certificate_detail(message, code, cert, host),
                    error=exc,
                ) from None
            except ssl.SSLError as exc:
                self._clean = False
                raw = channel.handshake_bytes
                outcome, reason = _handshake_failure(exc, raw, self._looks_like_greeting)
                self._tls = TlsInfo(error=str(exc.reason or exc))
                detail = f"the encryption could not be set up: {exc.reason or exc}"
                if raw and not raw.startswith(_TLS_RECORD):
                    detail = f"the server answered in plain text: {_show(raw)}"
                raise self._fail(
                    StageName.TLS, started, outcome, reason, detail, error=exc
                ) from None
            except NetworkTimeout:
                self._clean = False
                if not channel.handshake_bytes:
                    kind, data = _sniff_after_hello(channel, self._step_timeout(POKE_TIMEOUT))
                    if kind is not None:
                        raise self._fail(
                            StageName.TLS,
                            started,
                            Outcome.NOT_SMTP,
                            kind,
                            f"no TLS here; something else listens: {_show(data)}",
                        ) from None
                self._tls = TlsInfo(error="no answer to the TLS handshake")
                raise
            except ConnectionLost as exc:
                self._clean = False
                self._tls = TlsInfo(error=str(exc))
                raise self._fail(
                    StageName.TLS,
                    started,
                    Outcome.TLS_ERROR,
                    Reason.HANDSHAKE_EOF,
                    f"the server broke off the encryption handshake ({exc})",
                    error=exc,
                ) from None
            tls = channel.tls
            assert tls is not None
            cert = _parse_or_none(tls.getpeercert(binary_form=True))
            cipher = tls.cipher()
            self._tls = TlsInfo(
                version=tls.version(),
                cipher=cipher[0] if cipher else None,
                cert=cert,
                verified=self._context.verify_mode == ssl.CERT_REQUIRED,
                chain=_peer_chain(tls),
            )
            checked = "verified" if self._tls.verified else "not checked"
            summary = f"{tls.version()}, certificate {checked}"
            if cert is not None:
                summary += (
                    f" (issued to {', '.join(cert.names[:3]) or cert.subject} by "
                    f"{cert.issuer_name}, valid until {cert.not_after:%Y-%m-%d})"
                )
            self.transcript.note(f"encryption established: {summary}", encrypted=True)
            self._record(StageName.TLS, started, True, summary)

    def _use_pinned(self, started: float, pinned: CertInfo, message: str, code: int | None) -> None:
        """Continues on a new connection with the certificate the person trusts for this host.

        The fingerprint is checked again on that connection: the conversation goes on only
        with the exact certificate that was pinned.
        """
        host = self.candidate.host
        self.transcript.note(
            "this is the certificate you chose to trust for this server "
            f"(SHA-256 {pinned.fingerprint_sha256}); connecting again to use it"
        )
        self._conv.channel.close()
        assert self._connected is not None
        try:
            channel = self._reconnect_pinned()
        except (ConnectFailed, ssl.SSLError, ValueError) as exc:
            self._clean = False
            self._tls = TlsInfo(cert=pinned, verified=False, error=message, verify_code=code)
            raise self._fail(
                StageName.TLS,
                started,
                Outcome.TLS_ERROR,
                Reason.HANDSHAKE_FAILED,
                f"could not connect again to use the certificate you trust ({exc})",
                error=exc,
            ) from None
        if channel is None:
            raise self._fail(
                StageName.TLS,
                started,
                Outcome.TLS_ERROR,
                Reason.STARTTLS_REFUSED,
                "the server refused STARTTLS on the second connection",
            )
        tls = channel.tls
        assert tls is not None
        cert = _parse_or_none(tls.getpeercert(binary_form=True))
        if cert is None or cert.fingerprint_sha256 not in self.options.pinned_for(host):
            self._clean = False
            outcome, reason = _certificate_failure(code)
            self._tls = TlsInfo(cert=cert, verified=False, error=message, verify_code=code)
            raise self._fail(
                StageName.TLS,
                started,
                outcome,
                reason,
                "the server showed another certificate than the one you trust for it",
            )
        self._clean = True
        cipher = tls.cipher()
        self._tls = TlsInfo(
            version=tls.version(),
            cipher=cipher[0] if cipher else None,
            cert=cert,
            verified=False,
            error=message,
            verify_code=code,
            pinned=True,
            chain=_peer_chain(tls),
        )
        summary = (
            f"{tls.version()}, certificate not verifiable ({message}) but trusted by you "
            f"for {host} (SHA-256 {cert.fingerprint_sha256[:23]}…)"
        )
        self.transcript.note(f"encryption established: {summary}", encrypted=True)
        self._record(StageName.TLS, started, True, summary)

    def _converse_on(self, sock: socket.socket) -> Channel:
        """Starts the conversation on a connected socket (it becomes ``self._conv``)."""
        channel = Channel(
            sock,
            cancel=self._cancel,
            clock=self._clock,
            total_deadline=self._total_deadline,
            max_bytes=self.options.max_bytes,
        )
        ehlo_name = self.options.ehlo_name or address_literal(channel.local_address)
        self._conv = self._make_conversation(channel, self.candidate.host, ehlo_name)
        return channel

    def _reconnect_pinned(self) -> Channel | None:
        """A new connection, encrypted without verification (the caller checks the pin);
        ``None`` when STARTTLS was refused on it."""
        assert self._connected is not None
        sock, _ = open_connection(
            [self._connected],
            self.candidate.port,
            timeout=self._step_timeout(),
            cancel=self._cancel,
            clock=self._clock,
        )
        channel = self._converse_on(sock)
        channel.start_step(self._step_timeout())
        if self.candidate.security is Security.STARTTLS and not self._fetch_preamble(self._conv):
            return None
        self._conv.secure(unverified_context())
        return channel

    def _fetch_certificate(self) -> tuple[CertInfo | None, tuple[CertInfo, ...]]:
        """Reads the rejected certificate (and the chain sent with it) on a second connection
        that does not verify it."""
        if self._connected is None:
            return None, ()
        self.transcript.note("reading the certificate on a second connection, without trusting it")
        timeout = self._step_timeout()
        try:
            sock, _ = open_connection(
                [self._connected],
                self.candidate.port,
                timeout=timeout,
                cancel=self._cancel,
                clock=self._clock,
            )
            channel = Channel(
                sock, cancel=self._cancel, clock=self._clock, total_deadline=self._total_deadline
            )
            try:
                channel.start_step(timeout)
                conv = self._make_conversation(
                    channel,
                    self.candidate.host,
                    "[127.0.0.1]",
                )
                conv.transcript = Transcript(self.transcript.redactor, self._clock)
                if self.candidate.security is Security.STARTTLS and not self._fetch_preamble(conv):
                    return None, ()
                conv.secure(unverified_context())
                tls = channel.tls
                if tls is None:
                    return None, ()
                return _parse_or_none(tls.getpeercert(binary_form=True)), _peer_chain(tls)
            finally:
                channel.close()
        except Cancelled:
            raise
        except (ProbeError, OSError, ValueError):
            return None, ()

    def _check_mechanisms(self) -> None:
        with self._stage(StageName.AUTH_MECHANISMS) as started:
            offered = self._auth.offered
            detail = f"login offered: {' '.join(offered)}" if offered else "no login offered here"
            if not self._will_login:
                self._record(StageName.AUTH_MECHANISMS, started, True, detail)
                return
            if self.candidate.security is Security.NONE and not self.options.allow_plaintext:
                self._auth = replace(self._auth, status=AuthStatus.PLAINTEXT_REFUSED)
                self._record(
                    StageName.AUTH_MECHANISMS,
                    started,
                    True,
                    f"{detail}; not logging in without encryption (not allowed)",
                )
                return
            if not offered:
                self._auth = replace(self._auth, status=AuthStatus.NOT_OFFERED)
                reason = self._no_login_reason()
                raise self._fail(
                    StageName.AUTH_MECHANISMS, started, Outcome.AUTH_UNAVAILABLE, reason, detail
                )
            if not self._mechanism_order():
                self._auth = replace(self._auth, status=AuthStatus.UNSUPPORTED)
                if self.options.mechanism and self.options.mechanism.upper() not in offered:
                    reason = Reason.MECHANISM_NOT_OFFERED
                elif set(offered) <= self.OAUTH:
                    reason = Reason.OAUTH_ONLY
                else:
                    reason = Reason.NO_SUPPORTED_MECHANISM
                raise self._fail(
                    StageName.AUTH_MECHANISMS, started, Outcome.AUTH_UNAVAILABLE, reason, detail
                )
            self._record(StageName.AUTH_MECHANISMS, started, True, detail)

    def _no_login_reason(self) -> Reason:
        return Reason.AUTH_NOT_OFFERED

    def _reopen(self) -> None:
        """Connects again after the server closed the connection we kept for the login."""
        self.transcript.note("the server closed the connection while we waited; connecting again")
        self._conv.channel.close()
        self._conv = None
        self._clean = True
        with suppress(_Stop):
            self._open()

    def _mechanism_order(self) -> list[str]:
        offered = self._auth.offered
        encrypted = self._conv is not None and self._conv.channel.encrypted
        supported = self._supported(encrypted)
        if self.options.mechanism:
            wanted = self.options.mechanism.upper()
            return [wanted] if wanted in offered and wanted in supported else []
        return [m for m in supported if m in offered]

    # -- login -------------------------------------------------------------------------------

    def login(self, credentials: Credentials) -> AuthStatus:
        """Logs in with the first usable mechanism; a rejection is not retried elsewhere.

        A refusal of the mechanism itself moves on to the next one; any other answer is
        final for these credentials.
        """
        self.transcript.redactor.add(credentials.password)
        conv = self._conv
        if conv is not None and self._failure is None and conv.channel.peer_closed():
            self._reopen()
        if not self.can_login:
            return self._auth.status
        try:
            return self._login(credentials)
        except _Stop:
            return self._auth.status

    def _login(self, credentials: Credentials) -> AuthStatus:
        attempts = self._auth.attempts
        for mechanism in self._mechanism_order():
            with self._stage(StageName.AUTH) as started:
                wait = max(self.options.timeout, AUTH_TIMEOUT)
                self._conv.channel.start_step(min(wait, self._remaining()))
                attempts += 1
                accepted, reply = self._authenticate(mechanism, credentials)
                self._auth = replace(
                    self._auth,
                    mechanism=mechanism,
                    username=credentials.username,
                    reply=reply,
                    attempts=attempts,
                )
                label = f"{mechanism} as {credentials.username}"
                if accepted:
                    self._auth = replace(self._auth, status=AuthStatus.OK)
                    self._auth_failure = None
                    self._record(StageName.AUTH, started, True, f"logged in ({label})", reply)
                    return AuthStatus.OK
                if self._mechanism_refused(reply):
                    self._record(
                        StageName.AUTH,
                        started,
                        False,
                        f"{mechanism} refused as a mechanism: {reply}",
                        reply,
                    )
                    attempts -= 1  # the credentials were not judged
                    continue
                status, outcome, reason = self._login_refusal(reply, self._conv.channel.encrypted)
                self._auth = replace(self._auth, status=status)
                self._auth_failure = (outcome, reason)
                self._record(
                    StageName.AUTH, started, False, f"login refused ({label}): {reply}", reply
                )
                return status
        self._auth = replace(self._auth, status=AuthStatus.UNSUPPORTED, attempts=attempts)
        self._auth_failure = (Outcome.AUTH_UNAVAILABLE, Reason.NO_SUPPORTED_MECHANISM)
        return AuthStatus.UNSUPPORTED

    # -- finishing ---------------------------------------------------------------------------

    def finish(self) -> ProbeResult:
        """Says goodbye (when the conversation is still in order), closes, returns the result."""
        if self._result is not None:
            return self._result
        conv = self._conv
        if conv is not None and not conv.channel.closed:
            if self._clean and not self._cancel.cancelled:
                started = self._clock()
                try:
                    conv.channel.start_step(self._step_timeout(QUIT_TIMEOUT))
                    reply = self._goodbye()
                    self._record(StageName.QUIT, started, True, str(reply), reply)
                except (ProbeError, OSError) as exc:
                    self._record(StageName.QUIT, started, True, f"no answer to the goodbye ({exc})")
            conv.channel.close()
        outcome, reason = self._final_outcome()
        self._result = ProbeResult(
            candidate=self.candidate,
            outcome=outcome,
            reason=reason,
            stages=tuple(self._stages),
            started_at=self._started_at,
            elapsed_ms=round((self._clock() - self._t0) * 1000, 1),
            addresses=tuple(a.ip for a in self._addresses),
            connected_to=self._connected.ip if self._connected else None,
            local_address=self._local,
            greeting=self._greeting,
            features=self._features,
            starttls_offered=self._starttls_offered,
            tls=self._tls,
            auth=self._auth,
            send=self._send,
            transcript=self.transcript.lines,
        )
        if self._own_cancel:
            self._cancel.close()
        return self._result

    def _final_outcome(self) -> tuple[Outcome, Reason | None]:
        if self._failure is not None:
            return self._failure
        if self._auth_failure is not None:
            return self._auth_failure
        if self.candidate.security is Security.NONE:
            if self._auth.status is AuthStatus.PLAINTEXT_REFUSED:
                return Outcome.INSECURE, Reason.PLAINTEXT_LOGIN_REFUSED
            return Outcome.INSECURE, Reason.UNENCRYPTED
        return Outcome.OK, None


class SmtpProbe(Probe):
    """The SMTP conversation: EHLO, STARTTLS, AUTH, the dry run and the test message, QUIT."""

    PROTOCOL = Protocol.SMTP
    CAPABILITY_STAGES = (StageName.EHLO, StageName.EHLO_TLS)

    def _make_conversation(self, channel: Channel, host: str, local_name: str) -> Conversation:
        return Conversation(channel, host, local_name, self.transcript)

    def _conversation(self) -> Conversation:
        assert isinstance(self._conv, Conversation)
        return self._conv

    def _greet(self) -> Reply:
        return self._conversation().read_reply()

    def _greeting_refusal(self, reply: Reply) -> tuple[Outcome, Reason, str] | None:
        if reply.code == 220:
            return None
        if reply.code == 421:
            return (
                Outcome.REFUSED,
                Reason.SERVICE_UNAVAILABLE,
                f"the server is not taking connections now: {reply}",
            )
        if reply.code >= 400:
            return (
                Outcome.REFUSED,
                Reason.GREETING_REJECTED,
                f"the server refused us in its greeting: {reply}",
            )
        return (
            Outcome.NOT_SMTP,
            Reason.PROTOCOL_ERROR,
            f"an SMTP server greets with 220, this one said: {reply}",
        )

    def _capabilities(self, stage: StageName, started: float) -> None:
        conv = self._conversation()
        conv.channel.start_step(self._step_timeout())
        code, _ = conv.ehlo()
        reply = conv.last_reply
        assert reply is not None
        if code == 250:
            self._features = tuple(reply.text.split("\n")[1:])
            if stage is StageName.EHLO:
                self._starttls_offered = conv.has_extn("starttls")
            self._auth = replace(self._auth, offered=conv.offered_mechanisms())
            shown = ", ".join(self._features) or "no extensions"
            self._record(stage, started, True, f"server supports: {shown}", reply)
            return
        if code == 421:
            raise self._fail(
                stage,
                started,
                Outcome.REFUSED,
                Reason.SERVICE_UNAVAILABLE,
                f"the server closed the session: {reply}",
                reply,
            )
        # An old server without extensions: HELO is all it knows (RFC 5321 3.2).
        code, _ = conv.helo()
        helo_reply = conv.last_reply
        assert helo_reply is not None
        if code == 250:
            self._features = ()
            if stage is StageName.EHLO:
                self._starttls_offered = False
            self._record(
                stage,
                started,
                True,
                f"EHLO refused ({reply.code}), HELO accepted: the server has no extensions",
                helo_reply,
            )
            return
        raise self._fail(
            stage,
            started,
            Outcome.REFUSED,
            Reason.GREETING_REJECTED,
            f"the server refused both EHLO and HELO: {helo_reply}",
            helo_reply,
        )

    def _starttls_command(self) -> Reply:
        return self._conversation().command("STARTTLS")

    def _starttls_accepted(self, reply: Reply) -> bool:
        return reply.code == 220

    def _supported(self, encrypted: bool) -> tuple[str, ...]:
        return SUPPORTED_MECHANISMS if encrypted else PLAINTEXT_PREFERENCE

    def _authenticate(self, mechanism: str, credentials: Credentials) -> tuple[bool, Reply]:
        reply = self._conversation().authenticate(mechanism, credentials)
        return reply.code == 235, reply

    def _mechanism_refused(self, reply: Reply) -> bool:
        return reply.code == 504

    def _login_refusal(self, reply: Reply, encrypted: bool) -> tuple[AuthStatus, Outcome, Reason]:
        return _auth_failure(reply, encrypted)

    def _goodbye(self) -> Reply:
        return self._conversation().command("QUIT")

    def _fetch_preamble(self, conv: Conversation) -> bool:
        conv.read_reply()
        conv.ehlo()
        return conv.command("STARTTLS").code == 220

    # -- sending -------------------------------------------------------------------------------

    @property
    def may_send(self) -> bool:
        """Whether a sending check makes sense: logged in, or a relay that wants no login."""
        if not self.usable:
            return False
        if self._will_login:
            return self.authenticated
        return not self._auth.offered

    def check_sending(
        self, address: EmailAddress, *, send_message: bool = False
    ) -> SendCheck | None:
        """MAIL FROM and RCPT TO with the person's own address, then RSET or a real message.

        The outcome is not changed by this; the result is kept in ``send``.
        """
        if not self.usable:
            return None
        conv = self._conversation()
        options = ["SMTPUTF8"] if address.needs_smtputf8 and conv.has_extn("smtputf8") else []
        check = SendCheck()
        try:
            with self._stage(StageName.MAIL_FROM) as started:
                conv.channel.start_step(self._step_timeout())
                conv.mail(address.ascii, options)
                reply = conv.last_reply
                assert reply is not None
                check = replace(check, sender=reply)
                self._record(StageName.MAIL_FROM, started, reply.code == 250, str(reply), reply)
            if check.sender is not None and check.sender.code == 250:
                with self._stage(StageName.RCPT_TO) as started:
                    conv.channel.start_step(self._step_timeout())
                    conv.rcpt(address.ascii)
                    reply = conv.last_reply
                    assert reply is not None
                    check = replace(check, recipient=reply)
                    self._record(
                        StageName.RCPT_TO, started, reply.code in (250, 251), str(reply), reply
                    )
            if send_message and check.ok:
                with self._stage(StageName.DATA) as started:
                    conv.channel.start_step(self._step_timeout())
                    conv.data(_test_message(address, self.candidate))
                    reply = conv.last_reply
                    assert reply is not None
                    check = replace(check, message=reply)
                    self._record(StageName.DATA, started, reply.code == 250, str(reply), reply)
            else:
                with self._stage(StageName.RSET) as started:
                    conv.channel.start_step(self._step_timeout())
                    reply = conv.command("RSET")
                    self._record(StageName.RSET, started, reply.code == 250, str(reply), reply)
        except _Stop:
            pass
        self._send = check
        return check


def probe_candidate(
    candidate: Candidate,
    options: ProbeOptions | None = None,
    *,
    email: EmailAddress | None = None,
    credentials: Credentials | None = None,
    context: ssl.SSLContext | None = None,
    resolver: Resolver | None = None,
    cancel: CancelToken | None = None,
    listener: StageListener | None = None,
    gate: StageGate | None = None,
    clock: Clock = time.monotonic,
) -> ProbeResult:
    """Probes one candidate completely: open, log in, check sending (SMTP), finish."""
    options = options or ProbeOptions()
    redactor = Redactor([credentials.password] if credentials else [])
    probe = make_probe(
        candidate,
        options,
        context=context,
        resolver=resolver,
        cancel=cancel,
        listener=listener,
        gate=gate,
        will_login=credentials is not None,
        redactor=redactor,
        clock=clock,
    )
    if probe.open() and credentials is not None and probe.can_login:
        probe.login(credentials)
    if (
        isinstance(probe, SmtpProbe)
        and email is not None
        and (options.dry_run or options.send_test)
        and probe.may_send
    ):
        probe.check_sending(email, send_message=options.send_test)
    return probe.finish()


def make_probe(candidate: Candidate, options: ProbeOptions | None = None, **kwargs: Any) -> Probe:
    """The probe for the candidate's protocol."""
    if candidate.protocol is Protocol.SMTP:
        return SmtpProbe(candidate, options, **kwargs)
    from smtpwizard.core.probe.incoming import ImapProbe, Pop3Probe

    kind = ImapProbe if candidate.protocol is Protocol.IMAP else Pop3Probe
    return kind(candidate, options, **kwargs)


# -- helpers ---------------------------------------------------------------------------------


def _show(data: bytes, limit: int = 80) -> str:
    text = data[:limit].decode("utf-8", "backslashreplace").replace("\r", "").replace("\n", " ⏎ ")
    return f"“{readable(text.strip())}{'…' if len(data) > limit else ''}”"


#: At most this many certificates of a chain are read (servers send two or three).
MAX_CHAIN = 8
_ENCODING_DER = 2  # ssl's private ENCODING_DER, for the certificate objects of 3.10 to 3.12


def _peer_chain(tls: ssl.SSLObject) -> tuple[CertInfo, ...]:
    """The certificates the server sent, its own first. Python 3.13 has this as a public
    method; 3.10 to 3.12 have the same method on the underlying object only."""
    getter = getattr(tls, "get_unverified_chain", None)
    if getter is None:
        getter = getattr(getattr(tls, "_sslobj", None), "get_unverified_chain", None)
    if getter is None:
        return ()
    try:
        sent = list(getter() or ())[:MAX_CHAIN]
    except (ssl.SSLError, ValueError, TypeError):
        return ()
    chain: list[CertInfo] = []
    for item in sent:
        try:
            der = item if isinstance(item, bytes) else item.public_bytes(_ENCODING_DER)
        except (AttributeError, ValueError, ssl.SSLError):
            return tuple(chain)
        cert = _parse_or_none(der)
        if cert is not None:
            chain.append(cert)
    return tuple(chain)


def _parse_or_none(der: bytes | None) -> CertInfo | None:
    if not der:
        return None
    try:
        return parse_certificate(der)
    except ValueError:
        return None


def _client_hello(host: str) -> bytes:
    """The bytes of a TLS ClientHello for ``host`` (sent raw to see whether TLS answers)."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    sslobj = unverified_context().wrap_bio(incoming, outgoing, server_hostname=server_name(host))
    with suppress(ssl.SSLWantReadError):
        sslobj.do_handshake()
    return outgoing.read()


def _sniff(channel: Channel, host: str, timeout: float) -> tuple[Reason | None, bytes]:
    """Sends a TLS ClientHello to a port that did not greet, and reads what comes back."""
    try:
        channel.start_step(timeout)
        channel.sendall(_client_hello(host))
        data = channel.read_some()
    except (ConnectionLost, NetworkTimeout):
        return None, b""
    if data.startswith(_TLS_RECORD):
        return Reason.EXPECTS_IMPLICIT_TLS, data
    if data:
        return _not_smtp_kind(data), data
    return _sniff_after_hello(channel, min(timeout, POKE_TIMEOUT))


def _sniff_after_hello(channel: Channel, timeout: float) -> tuple[Reason | None, bytes]:
    """Ends a line after a handshake nobody answered: web servers then reply with an error."""
    try:
        channel.start_step(timeout)
        channel.sendall(b"\r\n\r\n")
        data = channel.read_some()
    except (ConnectionLost, NetworkTimeout):
        return None, b""
    return (_not_smtp_kind(data), data) if data else (None, b"")


def _not_smtp_kind(data: bytes) -> Reason:
    """A web server (status line, or an HTML page as old servers send to odd requests),
    or something else that is not SMTP."""
    start = data.lstrip()[:16].lower()
    if data.startswith(b"HTTP/") or start.startswith((b"<!doctype html", b"<html")):
        return Reason.HTTP_SERVER
    return Reason.NOT_SMTP_REPLY


def _certificate_failure(code: int | None) -> tuple[Outcome, Reason]:
    """Maps OpenSSL's verify result (x509_vfy.h) to an outcome."""
    if code == 10:  # X509_V_ERR_CERT_HAS_EXPIRED
        return Outcome.CERT_EXPIRED, Reason.CERT_EXPIRED
    if code == 9:  # X509_V_ERR_CERT_NOT_YET_VALID
        return Outcome.CERT_EXPIRED, Reason.CERT_NOT_YET_VALID
    if code in (62, 64):  # HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH
        return Outcome.CERT_NAME_MISMATCH, Reason.CERT_NAME_MISMATCH
    if code == 18:  # DEPTH_ZERO_SELF_SIGNED_CERT
        return Outcome.CERT_UNTRUSTED, Reason.CERT_SELF_SIGNED
    if code in (2, 19, 20, 21):  # issuer unknown / untrusted root in the chain
        return Outcome.CERT_UNTRUSTED, Reason.CERT_UNKNOWN_ISSUER
    return Outcome.CERT_UNTRUSTED, Reason.CERT_INVALID


def _certificate_detail(message: str, code: int | None, cert: CertInfo | None, host: str) -> str:
    detail = f"certificate rejected: {message} (code {code})"
    if cert is None:
        return detail
    names = ", ".join(cert.names[:6]) or "no names"
    detail = (
        f"{detail}; issued to {names} by {cert.issuer_name}, "
        f"valid {cert.not_before:%Y-%m-%d} to {cert.not_after:%Y-%m-%d}"
    )
    if not name_matches(cert, host):
        detail += f"; {host} is not among its names"
    return detail


def _handshake_failure(
    exc: ssl.SSLError, raw: bytes, greets: Callable[[bytes], bool] | None = None
) -> tuple[Outcome, Reason]:
    greets = greets or (lambda data: bool(_SMTP_START.match(data + b"\r")))
    if raw and not raw.startswith(_TLS_RECORD):
        if greets(raw):
            return Outcome.TLS_ERROR, Reason.PLAIN_PORT
        return Outcome.NOT_SMTP, _not_smtp_kind(raw)
    reason = str(exc.reason or "").upper()
    if reason in _PLAIN_PORT_REASONS or "record layer failure" in str(exc):
        return Outcome.TLS_ERROR, Reason.PLAIN_PORT
    if reason in _VERSION_REASONS:
        return Outcome.TLS_ERROR, Reason.PROTOCOL_VERSION
    if isinstance(exc, ssl.SSLEOFError):
        return Outcome.TLS_ERROR, Reason.HANDSHAKE_EOF
    return Outcome.TLS_ERROR, Reason.HANDSHAKE_FAILED


def _auth_failure(reply: Reply, encrypted: bool) -> tuple[AuthStatus, Outcome, Reason]:
    """Reads a refused AUTH: temporary, needs encryption, or a verdict on the credentials."""
    enhanced = reply.enhanced or ""
    needs_tls = (
        reply.code == 538
        or enhanced in ("5.7.10", "5.7.11")
        or (reply.code == 530 and not encrypted)
    )
    if needs_tls:
        return AuthStatus.UNSUPPORTED, Outcome.AUTH_UNAVAILABLE, Reason.ENCRYPTION_REQUIRED
    if 400 <= reply.code < 500:
        return AuthStatus.TEMPORARY_FAILURE, Outcome.AUTH_FAILED, Reason.AUTH_TEMPORARY
    if reply.code in (500, 501, 502, 503):
        return AuthStatus.ERROR, Outcome.AUTH_FAILED, Reason.PROTOCOL_ERROR
    return AuthStatus.REJECTED, Outcome.AUTH_FAILED, Reason.AUTH_REJECTED


def _test_message(address: EmailAddress, candidate: Candidate) -> bytes:
    message = EmailMessage()
    message["From"] = str(address)
    message["To"] = str(address)
    message["Subject"] = "smtpwizard test message"
    message["Date"] = email.utils.formatdate(localtime=True)
    message["Message-ID"] = email.utils.make_msgid(domain=address.ascii_domain)
    message.set_content(
        "This message was sent by smtpwizard to check that sending works through\n"
        f"{candidate.host} port {candidate.port} ({candidate.security.label}).\n"
        "It reached you, so the configuration works. You can delete it.\n"
    )
    policy = email.policy.SMTPUTF8 if address.needs_smtputf8 else email.policy.SMTP
    return message.as_bytes(policy=policy)
