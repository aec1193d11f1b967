"""IMAP: imaplib's IMAP4 over the engine's channel, and the probe that holds the conversation
(greeting, CAPABILITY, STARTTLS, login with AUTHENTICATE PLAIN or LOGIN, LOGOUT)."""

from __future__ import annotations

import base64
import imaplib
import re
import secrets
import ssl
from dataclasses import replace
from typing import Any
from typing import ClassVar

from smtpwizard.core.auth.sasl import challenge_answer
from smtpwizard.core.auth.sasl import plain_message
from smtpwizard.core.auth.sasl import read_token_challenge
from smtpwizard.core.auth.sasl import token_message
from smtpwizard.core.errors import ConnectionLost
from smtpwizard.core.errors import NotSmtpReply
from smtpwizard.core.errors import ProtocolError
from smtpwizard.core.login import Credentials
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Reply
from smtpwizard.core.model import StageName
from smtpwizard.core.net.channel import Channel
from smtpwizard.core.net.transcript import Transcript
from smtpwizard.core.probe.mailbox import MailboxProbe
from smtpwizard.core.probe.mailbox import Transcribed
from smtpwizard.core.probe.mailbox import server_text

__all__ = ["IMAP_OAUTH", "ImapConversation", "ImapProbe"]

IMAP_OAUTH = frozenset({"XOAUTH2", "OAUTHBEARER"})


class ImapConversation(Transcribed, imaplib.IMAP4):
    """imaplib's IMAP4 over a :class:`Channel` (the connection already made)."""

    def __init__(self, channel: Channel, host: str, transcript: Transcript) -> None:
        # imaplib's own __init__ connects and reads the greeting; ours is already connected
        # and reads the greeting as a stage of its own, so the state is set up here.
        self.debug = 0
        self.state = "LOGOUT"
        self.literal = None
        self.tagged_commands: dict[Any, Any] = {}
        self.untagged_responses: dict[str, Any] = {}
        self.continuation_response = ""
        self.is_readonly = False
        self.tagnum = 0
        self._tls_established = False
        self._mode_ascii()
        self.host = host
        self.port = 0
        self.channel = channel
        self.sock = channel  # type: ignore[assignment]
        self.file = None  # type: ignore[assignment]
        self.transcript = transcript
        self._shown = None
        self.capabilities: tuple[str, ...] = ()
        # imaplib works in bytes here, although its type stubs say str.
        tagpre: Any = imaplib.Int2AP(4096 + secrets.randbelow(61440))
        self.tagpre = tagpre
        pattern: Any = rb"(?P<tag>" + tagpre + rb"\d+) (?P<type>[A-Z]+) (?P<data>.*)"
        self.tagre = re.compile(pattern, re.ASCII)
        self._cmd_log_len = 10
        self._cmd_log_idx = 0
        self._cmd_log: dict[int, Any] = {}

    # -- imaplib's I/O -------------------------------------------------------------------------

    def readline(self) -> bytes:
        """One line from the server, as imaplib expects it (with its CRLF)."""
        line = self.channel.read_line()
        self._record_received(line)
        return line + b"\r\n"

    def read(self, size: int) -> bytes:
        """A literal from the server."""
        data = self.channel.read_exact(size)
        self.transcript.note(f"[{size} bytes of data]", encrypted=self.channel.encrypted)
        return data

    def send(self, data: bytes) -> None:  # type: ignore[override]
        """Data to the server, recorded (or hidden) in the transcript."""
        self._record_sent(data)
        self.channel.sendall(data)

    def shutdown(self) -> None:
        """imaplib closes the connection after LOGOUT."""
        self.channel.close()

    def _run(self, call: Any, *args: Any) -> Any:
        """Runs an imaplib call, turning its errors into the engine's."""
        try:
            return call(*args)
        except imaplib.IMAP4.abort as exc:
            message = str(exc)
            if "EOF" in message:
                raise ConnectionLost() from None
            match = re.search(r"unexpected response: (b['\"].*['\"])", message)
            line = _literal_bytes(match.group(1)) if match else message.encode()
            raise NotSmtpReply("not an IMAP reply", line=line) from None
        except imaplib.IMAP4.error as exc:
            raise ProtocolError(str(exc)) from None

    def _tagged(self, name: str, *args: Any) -> Reply:
        """A command's completion as a reply ("OK …", "NO [AUTHENTICATIONFAILED] …")."""
        try:
            typ, data = self._run(self._simple_command, name, *args)
        except ProtocolError as exc:
            # imaplib raises on BAD; a BAD is an answer, not a broken conversation.
            found = re.search(r"command error: BAD \[(b['\"].*['\"])\]", str(exc))
            if found is None:
                raise
            return Reply(0, "BAD " + server_text(_literal_bytes(found.group(1))))
        return Reply(0, f"{typ} {server_text(data[-1] if data else b'')}".strip())

    # -- the stages ----------------------------------------------------------------------------

    def greet(self) -> Reply:
        """Reads the server's greeting."""
        response = self._run(self._get_response)
        if response is None:
            raise NotSmtpReply("a continuation instead of a greeting", line=b"+")
        if "PREAUTH" in self.untagged_responses:
            self.state = "AUTH"
        elif "OK" in self.untagged_responses:
            self.state = "NONAUTH"
        return Reply(0, server_text(response).removeprefix("* "))

    def list_capabilities(self) -> tuple[str, ...]:
        """The CAPABILITY list."""
        reply = self._tagged("CAPABILITY")
        if not reply.text.startswith("OK"):
            raise ProtocolError(f"CAPABILITY refused: {reply}")
        _typ, data = self._untagged_response("OK", [None], "CAPABILITY")
        words = server_text(data[-1] or b"").upper().split()
        self.capabilities = tuple(words)
        return self.capabilities

    def starttls_command(self) -> Reply:
        """STARTTLS (the handshake is :meth:`secure`)."""
        return self._tagged("STARTTLS")

    def secure(self, context: ssl.SSLContext) -> bytes:
        """Runs the TLS handshake; what was learnt before it is forgotten (RFC 3501 6.2.1)."""
        leftover = self._start_tls(context, self.host)
        self._tls_established = True
        self.capabilities = ()
        return leftover

    def authenticate_plain(self, credentials: Credentials) -> Reply:
        """AUTHENTICATE PLAIN with UTF-8 credentials (RFC 4616)."""
        blob = plain_message(credentials)
        self._hide_secret(credentials, base64.b64encode(blob))
        self._shown = "AUTHENTICATE PLAIN"
        self.literal = imaplib._Authenticator(lambda _challenge: blob).process  # type: ignore[assignment]
        return self._tagged("AUTHENTICATE", "PLAIN")

    def authenticate_token(self, mechanism: str, credentials: Credentials, port: int) -> Reply:
        """AUTHENTICATE with an OAuth 2.0 token (XOAUTH2 or OAUTHBEARER, RFC 7628); a refusal's
        challenge is kept in :attr:`token_challenge` and answered as the mechanism wants."""
        message = token_message(mechanism, credentials, self.host, port)
        self._hide_secret(credentials, base64.b64encode(message))
        self.token_challenge = None
        answered = False

        def respond(challenge: bytes) -> bytes:
            nonlocal answered
            if not answered:
                answered = True
                return message
            self.token_challenge = read_token_challenge(base64.b64encode(challenge).decode())
            return challenge_answer(mechanism)

        self._shown = f"AUTHENTICATE {mechanism}"
        self.literal = imaplib._Authenticator(respond).process  # type: ignore[assignment]
        return self._tagged("AUTHENTICATE", mechanism)

    def login_command(self, credentials: Credentials) -> Reply:
        """The LOGIN command (quoted strings; UTF-8 where the credentials need it)."""
        user, password = credentials.username, credentials.password
        if not (user.isascii() and password.isascii()):
            self._mode_utf8()
        quoted = self._quote(password)
        self._hide_secret(credentials, quoted.encode("utf-8"))
        self._shown = f"LOGIN {self._quote(user)} [password hidden]"
        try:
            return self._tagged("LOGIN", self._quote(user), quoted)
        finally:
            self._mode_ascii()

    def goodbye(self) -> Reply:
        """LOGOUT."""
        self.state = "LOGOUT"
        typ, data = self._run(self._simple_command, "LOGOUT")
        return Reply(0, f"{typ} {server_text(data[-1] if data else b'')}".strip())


def _literal_bytes(text: str) -> bytes:
    """The bytes behind imaplib's ``b'...'`` in an error message (shown as evidence only)."""
    import ast

    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text.encode()
    return value if isinstance(value, bytes) else text.encode()


class ImapProbe(MailboxProbe):
    """An IMAP conversation: greeting, CAPABILITY, STARTTLS, login, LOGOUT."""

    PROTOCOL = Protocol.IMAP
    OAUTH = IMAP_OAUTH
    OK = "OK"
    WELCOME = ("OK", "PREAUTH")
    REFUSAL = "BYE"
    GREETS = "an IMAP server greets with “* OK”"
    LOGINS: ClassVar[dict[str, str]] = {"PLAIN": "authenticate_plain", "LOGIN": "login_command"}

    def _make_conversation(self, channel: Channel, host: str, local_name: str) -> ImapConversation:
        return ImapConversation(channel, host, self.transcript)

    def _imap(self) -> ImapConversation:
        assert isinstance(self._conv, ImapConversation)
        return self._conv

    def _looks_like_greeting(self, received: bytes) -> bool:
        return received.startswith(b"* ")

    def _capabilities(self, stage: StageName, started: float) -> None:
        conv = self._imap()
        conv.channel.start_step(self._step_timeout())
        caps = conv.list_capabilities()
        self._features = caps
        if stage is StageName.CAPABILITIES:
            self._starttls_offered = "STARTTLS" in caps
        sasl = [c.split("=", 1)[1] for c in caps if c.startswith("AUTH=")]
        offered = [m for m in sasl if m != "LOGIN"]
        if "LOGINDISABLED" not in caps:
            offered.append("LOGIN")
        self._auth = replace(self._auth, offered=tuple(dict.fromkeys(offered)))
        self._record(stage, started, True, f"server supports: {' '.join(caps) or 'nothing'}")

    def _preauthenticated(self) -> bool:
        return self._imap().state == "AUTH"

    def _refuse_preauth(self, stage: StageName) -> None:
        """A PREAUTH greeting (RFC 9051 7.1.4): the server logged the connection in already,
        so neither encryption by STARTTLS nor a login can follow, and nothing checks the
        password."""
        with self._stage(stage) as started:
            self._auth = replace(self._auth, status=AuthStatus.NOT_OFFERED)
            raise self._fail(
                stage,
                started,
                Outcome.AUTH_UNAVAILABLE,
                Reason.PREAUTHENTICATED,
                "the server greeted with PREAUTH: the connection is logged in already, "
                "without a login; the password was not checked",
            )

    def _starttls(self) -> None:
        if self._preauthenticated():
            self._refuse_preauth(StageName.STARTTLS)
        super()._starttls()

    def _check_mechanisms(self) -> None:
        if self._preauthenticated():
            self._refuse_preauth(StageName.AUTH_MECHANISMS)
        super()._check_mechanisms()

    def _no_login_reason(self) -> Reason:
        if "LOGINDISABLED" in self._features:
            return Reason.ENCRYPTION_REQUIRED
        return Reason.AUTH_NOT_OFFERED

    def _mechanism_refused(self, reply: Reply) -> bool:
        return reply.text.startswith("BAD") or "[CANNOT]" in reply.text
