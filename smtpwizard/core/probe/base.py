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
import json
import socket
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextlib import suppress
from dataclasses import replace
from typing import Any
from typing import ClassVar

from smtpwizard.core.auth.sasl import OAUTH_MECHANISMS
from smtpwizard.core.auth.sasl import TOKEN_MECHANISMS
from smtpwizard.core.auth.sasl import TokenChallenge
from smtpwizard.core.errors import Cancelled
from smtpwizard.core.errors import ConnectionLost
from smtpwizard.core.errors import NetworkTimeout
from smtpwizard.core.errors import NotSmtpReply
from smtpwizard.core.errors import ProbeError
from smtpwizard.core.errors import ProtocolError
from smtpwizard.core.errors import ReplyTooLong
from smtpwizard.core.errors import TimeLimit
from smtpwizard.core.login import Credentials
from smtpwizard.core.login import SignIn
from smtpwizard.core.model import AuthInfo
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Reply
from smtpwizard.core.model import Security
from smtpwizard.core.model import SendCheck
from smtpwizard.core.model import StageName
from smtpwizard.core.model import StageResult
from smtpwizard.core.model import TlsInfo
from smtpwizard.core.net.channel import Address
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.net.channel import Channel
from smtpwizard.core.net.channel import Clock
from smtpwizard.core.net.resolve import Resolver
from smtpwizard.core.net.resolve import SystemResolver
from smtpwizard.core.net.tls import make_tls_context
from smtpwizard.core.net.transcript import Redactor
from smtpwizard.core.net.transcript import Transcript
from smtpwizard.core.probe.connect import ConnectStages
from smtpwizard.core.probe.encryption import EncryptionStages
from smtpwizard.core.probe.options import AUTH_TIMEOUT
from smtpwizard.core.probe.options import QUIT_TIMEOUT
from smtpwizard.core.probe.options import ProbeOptions
from smtpwizard.core.probe.options import StageGate
from smtpwizard.core.probe.options import StageListener
from smtpwizard.core.probe.options import Stop
from smtpwizard.core.probe.options import address_literal
from smtpwizard.core.probe.peer import SMTP_START
from smtpwizard.core.probe.peer import not_smtp_kind
from smtpwizard.core.probe.peer import seconds_waited
from smtpwizard.core.probe.peer import show
from smtpwizard.core.probe.refusals import credentials_refused
from smtpwizard.core.probe.refusals import sending_refusal

__all__ = ["Probe"]


#: A refused token's challenge status (RFC 7628 uses OAuth error codes; Google and Microsoft
#: send HTTP status numbers) and the cause it names.
_TOKEN_REFUSALS = {
    "401": Reason.TOKEN_REJECTED,
    "invalid_token": Reason.TOKEN_REJECTED,
    "403": Reason.TOKEN_SCOPE,
    "insufficient_scope": Reason.TOKEN_SCOPE,
}


class Probe(ConnectStages, EncryptionStages):
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

    @staticmethod
    def _turned_away(reply: Reply) -> tuple[Outcome, Reason, str]:
        """A greeting that refuses us."""
        return (
            Outcome.REFUSED,
            Reason.GREETING_REJECTED,
            f"the server refused us in its greeting: {reply}",
        )

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

    def _say_goodbye(self) -> bool:
        """Sends the goodbye without waiting for its answer, where the protocol's probe can;
        returns whether it did (else :meth:`_goodbye` says goodbye and waits)."""
        return False

    def _token_challenge(self) -> TokenChallenge | None:
        """What the server said about a refused token in its challenge, if it did."""
        challenge: TokenChallenge | None = getattr(self._conv, "token_challenge", None)
        return challenge

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

    @property
    def login_locked(self) -> bool:
        """Whether the last login refusal said logins are locked for a while."""
        return self._auth_failure is not None and self._auth_failure[1] is Reason.AUTH_LOCKED

    @property
    def login_name_refused(self) -> bool:
        """Whether the last login refusal judged the credentials themselves, so that another
        login name may do (not a policy, a missing app password, a lockout or a token)."""
        reply = self._auth.reply
        return (
            self._auth.status is AuthStatus.REJECTED
            and self._auth_failure is not None
            and self._auth_failure[1] is Reason.AUTH_REJECTED
            and reply is not None
            and credentials_refused(reply)
        )

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
            raise Stop()

    def _fail(
        self,
        name: StageName,
        started: float,
        outcome: Outcome,
        reason: Reason,
        detail: str,
        reply: Reply | None = None,
        error: BaseException | None = None,
    ) -> Stop:
        """Records a failed stage and the outcome; returns the exception that ends the flow."""
        self._record(name, started, False, detail, reply, error)
        if self._failure is None:
            self._failure = (outcome, reason)
        return Stop()

    @contextmanager
    def _stage(self, name: StageName) -> Iterator[float]:
        """Times a stage and turns the engine's generic errors into its outcome."""
        started = self._clock()
        try:
            self._cancel.check()
            yield started
        except Stop:
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
            waited = seconds_waited(exc, self.options.timeout)
            detail = f"no complete answer within {waited} seconds"
            if exc.received:
                detail += f"; only this arrived: {show(exc.received)}"
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
            reason = not_smtp_kind(exc.line)
            detail = f"not a {self.PROTOCOL.name} reply: {show(exc.line)}"
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
        with suppress(Stop):
            self._open()
        return self.usable

    def _open(self) -> None:
        candidate = self.candidate
        self._resolve_and_connect()

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

    def _looks_like_greeting(self, received: bytes) -> bool:
        return bool(SMTP_START.match(received + b"\r"))

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
                elif self.options.sign_in is SignIn.OAUTH2:
                    reason = Reason.OAUTH_NOT_OFFERED
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
        with suppress(Stop):
            self._open()

    def _mechanism_order(self) -> list[str]:
        offered = self._auth.offered
        encrypted = self._conv is not None and self._conv.channel.encrypted
        if self.options.sign_in is SignIn.OAUTH2:
            supported = tuple(m for m in TOKEN_MECHANISMS if m in self.OAUTH)
        else:
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
        self.transcript.redactor.add(credentials.secret)
        conv = self._conv
        if conv is not None and self._failure is None and conv.channel.peer_closed():
            self._reopen()
        if not self.can_login:
            return self._auth.status
        try:
            return self._login(credentials)
        except Stop:
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
                    usernames=tuple(dict.fromkeys((*self._auth.usernames, credentials.username))),
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
                challenge = self._token_challenge()
                if challenge is not None:
                    self._auth = replace(self._auth, challenge=json.dumps(challenge))
                    reason = _TOKEN_REFUSALS.get(challenge.status, reason)
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
                    # The outcome is known; the answer to the goodbye changes nothing, so it
                    # is only awaited when someone steps through the conversation to see it.
                    if self._gate is None and self._say_goodbye():
                        self._record(
                            StageName.QUIT, started, True, "said goodbye; its answer is not awaited"
                        )
                        conv.channel.discard_pending()
                    else:
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
            address_results=self._address_results(),
        )
        if self._own_cancel:
            self._cancel.close()
        return self._result

    def _final_outcome(self) -> tuple[Outcome, Reason | None]:
        if self._send is not None:
            # A refused sender or recipient decides, whatever broke after it (the server
            # often hangs up after a 421).
            refusal = sending_refusal(
                self._send, logged_in=self.authenticated, login_offered=bool(self._auth.offered)
            )
            if refusal is not None:
                return refusal
        if self._failure is not None:
            return self._failure
        if self._auth_failure is not None:
            return self._auth_failure
        if self.candidate.security is Security.NONE:
            if self._auth.status is AuthStatus.PLAINTEXT_REFUSED:
                return Outcome.INSECURE, Reason.PLAINTEXT_LOGIN_REFUSED
            return Outcome.INSECURE, Reason.UNENCRYPTED
        return Outcome.OK, None
