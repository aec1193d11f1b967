"""aiosmtpd servers on loopback: STARTTLS, implicit TLS or plain, with AUTH and scripted replies."""

from __future__ import annotations

import gc
import hmac
import secrets
import threading
import warnings
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING
from aiosmtpd.smtp import SMTP as SMTPServerProtocol
from aiosmtpd.smtp import AuthResult
from aiosmtpd.smtp import Envelope
from aiosmtpd.smtp import LoginPassword
from aiosmtpd.smtp import Session
from aiosmtpd.smtp import auth_mechanism

from tests.support.certs import PemLeaf
from tests.support.certs import server_context

# aiosmtpd warns about its own attribute on every successful login, on its server thread.
warnings.filterwarnings("ignore", message="Session.login_data is deprecated")

ALL_MECHANISMS = ("PLAIN", "LOGIN", "CRAM-MD5")
HOSTNAME = "mail.example.test"


@dataclass
class Attempt:
    """One AUTH attempt the server saw."""

    mechanism: str
    login: str
    success: bool


@dataclass
class Recorder:
    """What the server saw, for assertions."""

    attempts: list[Attempt] = field(default_factory=list)
    messages: list[Envelope] = field(default_factory=list)
    encrypted: list[bool] = field(default_factory=list)
    """For each message: whether it came over an encrypted connection."""
    senders: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Handler:
    """Accepts mail, checks logins against ``users``, and answers as configured.

    Args:
        users: login -> password.
        login_reply: when set, every login is refused with this reply (e.g. ``534 5.7.9 ...``).
        sender_reply: when set, MAIL FROM is refused with this reply.
        recipient_reply: when set, RCPT TO is refused with this reply.
        pipelining: advertise PIPELINING (RFC 2920) in the EHLO reply, as real servers do;
            aiosmtpd reads commands in order whether or not they come in one flight.
        refusal_reply: how wrong credentials are refused (default: aiosmtpd's
            ``535 5.7.8``); right ones are accepted.
        anonymous_sender_reply, anonymous_recipient_reply: how MAIL FROM and RCPT TO are
            refused in a session that has not logged in (a server that wants a login).
    """

    def __init__(
        self,
        users: Mapping[str, str],
        login_reply: str | None = None,
        sender_reply: str | None = None,
        recipient_reply: str | None = None,
        refusal_reply: str | None = None,
        anonymous_sender_reply: str | None = None,
        anonymous_recipient_reply: str | None = None,
        pipelining: bool = True,
    ) -> None:
        self.users = dict(users)
        self.login_reply = login_reply
        self.sender_reply = sender_reply
        self.recipient_reply = recipient_reply
        self.pipelining = pipelining
        self.refusal_reply = refusal_reply
        self.anonymous_sender_reply = anonymous_sender_reply
        self.anonymous_recipient_reply = anonymous_recipient_reply
        self.seen = Recorder()

    def _judge(self, mechanism: str, login: str, ok: bool) -> AuthResult:
        with self.seen.lock:
            self.seen.attempts.append(Attempt(mechanism, login, ok and not self.login_reply))
        if self.login_reply:
            return AuthResult(success=False, handled=False, message=self.login_reply)
        if not ok and self.refusal_reply:
            return AuthResult(success=False, handled=False, message=self.refusal_reply)
        return AuthResult(success=ok, handled=False, auth_data=login)

    def authenticator(
        self,
        server: SMTPServerProtocol,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login = auth_data.login.decode("utf-8")
        password = auth_data.password.decode("utf-8")
        return self._judge(mechanism, login, self.users.get(login) == password)

    async def handle_EHLO(
        self,
        server: SMTPServerProtocol,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname  # what aiosmtpd does itself when there is no hook
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    @auth_mechanism("CRAM-MD5")
    async def auth_cram_md5(self, server: SMTPServerProtocol, args: list[str]) -> AuthResult:
        challenge = f"<{secrets.token_hex(8)}@{HOSTNAME}>".encode()
        response = await server.challenge_auth(challenge)
        if response is MISSING:
            return AuthResult(success=False, handled=True)
        assert isinstance(response, bytes)
        login_b, _, digest = response.partition(b" ")
        login = login_b.decode("utf-8", "replace")
        password = self.users.get(login)
        expected = (
            hmac.new(password.encode("utf-8"), challenge, "md5").hexdigest().encode()
            if password is not None
            else b""
        )
        ok = bool(password is not None and hmac.compare_digest(expected, digest))
        return self._judge("CRAM-MD5", login, ok)

    async def handle_MAIL(
        self,
        server: SMTPServerProtocol,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        with self.seen.lock:
            self.seen.senders.append(address)
        if self.anonymous_sender_reply and not session.authenticated:
            return self.anonymous_sender_reply
        if self.sender_reply:
            return self.sender_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self,
        server: SMTPServerProtocol,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if self.anonymous_recipient_reply and not session.authenticated:
            return self.anonymous_recipient_reply
        if self.recipient_reply:
            return self.recipient_reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(
        self, server: SMTPServerProtocol, session: Session, envelope: Envelope
    ) -> str:
        transport = server.transport
        with self.seen.lock:
            self.seen.messages.append(envelope)
            self.seen.encrypted.append(
                transport is not None and transport.get_extra_info("ssl_object") is not None
            )
        return "250 2.0.0 OK: queued"


class _LoopbackController(Controller):
    """aiosmtpd's Controller on a port chosen by the system (it wants a fixed one)."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    """A real SMTP server on loopback.

    Args:
        mode: ``starttls`` (plain first, STARTTLS offered), ``tls`` (implicit TLS) or
            ``plain`` (no encryption at all).
        cert: the certificate to present (default: the good one of ``certs``).
        users: login -> password.
        mechanisms: the AUTH mechanisms to offer.
        login_reply, sender_reply, recipient_reply, refusal_reply, anonymous_sender_reply,
            anonymous_recipient_reply: scripted refusals (see :class:`Handler`).
        pipelining: advertise PIPELINING (see :class:`Handler`).
        require_starttls: refuse commands before STARTTLS (530).
        auth_require_tls: offer AUTH only once encrypted (ignored in ``tls`` mode).
        host: the loopback address to listen on.
        port: the port to listen on (default: one the system chooses).
    """

    def __init__(
        self,
        *,
        mode: str = "starttls",
        cert: trustme.LeafCert | PemLeaf | None = None,
        users: Mapping[str, str] | None = None,
        mechanisms: Iterable[str] = ALL_MECHANISMS,
        login_reply: str | None = None,
        sender_reply: str | None = None,
        recipient_reply: str | None = None,
        pipelining: bool = True,
        refusal_reply: str | None = None,
        anonymous_sender_reply: str | None = None,
        anonymous_recipient_reply: str | None = None,
        require_starttls: bool = False,
        auth_require_tls: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        assert host in ("127.0.0.1", "::1"), "tests only use loopback"
        self.mode = mode
        self.handler = Handler(
            users or {},
            login_reply,
            sender_reply,
            recipient_reply,
            refusal_reply,
            anonymous_sender_reply,
            anonymous_recipient_reply,
            pipelining=pipelining,
        )
        excluded = [m for m in ALL_MECHANISMS if m not in set(mechanisms)]
        kwargs: dict[str, Any] = {
            "hostname": host,
            "port": port,
            "server_hostname": HOSTNAME,
            "ident": "smtpwizard test server",
            "authenticator": self.handler.authenticator,
            "auth_exclude_mechanism": excluded,
        }
        if mode == "starttls":
            assert cert is not None
            kwargs["tls_context"] = server_context(cert)
            kwargs["require_starttls"] = require_starttls
            kwargs["auth_require_tls"] = auth_require_tls
        elif mode == "tls":
            assert cert is not None
            kwargs["ssl_context"] = server_context(cert)
            # aiosmtpd does not count implicit TLS as TLS for AUTH (DESIGN.md).
            kwargs["auth_require_tls"] = False
        else:
            kwargs["auth_require_tls"] = auth_require_tls
        self._controller = _LoopbackController(self.handler, **kwargs)
        self.host = host

    @property
    def port(self) -> int:
        return int(self._controller.port)

    @property
    def seen(self) -> Recorder:
        return self.handler.seen

    def start(self) -> SmtpServer:
        self._controller.start()
        # aiosmtpd's readiness check made one connection; it is not part of any test.
        with self.seen.lock:
            self.seen.attempts.clear()
        return self

    def stop(self) -> None:
        self._controller.stop()
        # A connection the server was still accepting when its loop stopped (a client that
        # gave up at once) leaves its socket to the garbage collector, which would report it
        # in whatever test runs next: it is the server's own, so it is collected here.
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore",
                message=rf"unclosed <socket\.socket .*laddr=\('[0-9a-f.:]+', {self.port}[,)]",
                category=ResourceWarning,
            )
            gc.collect()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
