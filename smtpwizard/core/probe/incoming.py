"""Incoming mail: IMAP and POP3 conversations, probed like SMTP.

imaplib and poplib keep doing the protocol (commands, tags, responses, capabilities);
underneath, their socket I/O is replaced by the engine's bounded, cancellable, transcribed
:class:`~smtpwizard.core.net.channel.Channel`, with verified TLS and no fallback to plain text.
The probes share every stage, outcome, redaction and bound with :class:`SmtpProbe`; only the
conversation differs:

- IMAP: greeting (``* OK``), CAPABILITY, STARTTLS, CAPABILITY again, login with
  AUTHENTICATE PLAIN (UTF-8, RFC 4616) or the LOGIN command, LOGOUT;
- POP3: greeting (``+OK``), CAPA, STLS, CAPA again, login with USER/PASS or AUTH PLAIN
  (RFC 5034), QUIT.
"""

from __future__ import annotations

import base64
import imaplib
import poplib
import re
import secrets
import ssl
from typing import Any

from smtpwizard.core.errors import ConnectionLost, NotSmtpReply, ProtocolError, ReplyTooLong
from smtpwizard.core.model import (
    AuthStatus,
    Credentials,
    Outcome,
    Protocol,
    Reason,
    Reply,
    StageName,
)
from smtpwizard.core.net.channel import Channel
from smtpwizard.core.net.transcript import Transcript, printable, readable
from smtpwizard.core.probe.base import Probe
from smtpwizard.core.probe.smtp import MAX_REPLY_LINES, server_name

IMAP_OAUTH = frozenset({"XOAUTH2", "OAUTHBEARER"})


def _text(data: Any) -> str:
    """A server's words as text that is safe to show."""
    if isinstance(data, bytes):
        return readable(data.decode("utf-8", "replace"))
    return readable(str(data))


class _Transcribed:
    """What the IMAP and POP3 conversations share: transcript, hiding, the TLS upgrade."""

    channel: Channel
    transcript: Transcript
    _shown: str | None
    #: Lines received since the last command: an answer that never ends is cut off here.
    _lines: int = 0

    def _record_sent(self, data: bytes) -> None:
        self._lines = 0
        shown = self._shown
        self._shown = None
        if shown is None:
            if not data.strip():
                return  # the line end imaplib sends on its own
            shown = printable(data.rstrip(b"\r\n"))
        self.transcript.client(shown, encrypted=self.channel.encrypted)

    def _record_received(self, line: bytes) -> None:
        self._lines += 1
        if self._lines > MAX_REPLY_LINES:
            raise ReplyTooLong(f"an answer of more than {MAX_REPLY_LINES} lines", line=line)
        self.transcript.server(line, encrypted=self.channel.encrypted)

    def _start_tls(self, context: ssl.SSLContext, host: str) -> bytes:
        leftover = self.channel.take_buffer()
        if leftover:
            self.transcript.note(
                f"ignored {len(leftover)} bytes the server sent before encryption started"
            )
        self.channel.start_tls(context, server_name(host))
        return leftover

    def _hide_secret(self, credentials: Credentials, *forms: bytes) -> None:
        redact = self.transcript.redactor
        redact.add(credentials.password)
        for form in forms:
            redact.add(form.decode("utf-8", "replace"), derived=True)


class ImapConversation(_Transcribed, imaplib.IMAP4):
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
            return Reply(0, "BAD " + _text(_literal_bytes(found.group(1))))
        return Reply(0, f"{typ} {_text(data[-1] if data else b'')}".strip())

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
        return Reply(0, _text(response).removeprefix("* "))

    def list_capabilities(self) -> tuple[str, ...]:
        """The CAPABILITY list."""
        reply = self._tagged("CAPABILITY")
        if not reply.text.startswith("OK"):
            raise ProtocolError(f"CAPABILITY refused: {reply}")
        _typ, data = self._untagged_response("OK", [None], "CAPABILITY")
        words = _text(data[-1] or b"").upper().split()
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
        blob = (
            b"\0"
            + credentials.username.encode("utf-8")
            + b"\0"
            + credentials.password.encode("utf-8")
        )
        self._hide_secret(credentials, base64.b64encode(blob))
        self._shown = "AUTHENTICATE PLAIN"
        self.literal = imaplib._Authenticator(lambda _challenge: blob).process  # type: ignore[assignment]
        return self._tagged("AUTHENTICATE", "PLAIN")

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
        return Reply(0, f"{typ} {_text(data[-1] if data else b'')}".strip())


def _literal_bytes(text: str) -> bytes:
    """The bytes behind imaplib's ``b'...'`` in an error message (shown as evidence only)."""
    import ast

    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text.encode()
    return value if isinstance(value, bytes) else text.encode()


class Pop3Conversation(_Transcribed, poplib.POP3):
    """poplib's POP3 over a :class:`Channel` (the connection already made)."""

    encoding = "UTF-8"

    def __init__(self, channel: Channel, host: str, transcript: Transcript) -> None:
        # poplib's own __init__ connects and reads the greeting; see ImapConversation.
        self.host = host
        self.port = 0
        self._tls_established = False
        self.sock = channel  # type: ignore[assignment]
        self.file = None  # type: ignore[assignment]
        self._debugging = 0
        self.welcome = b""
        self.channel = channel
        self.transcript = transcript
        self._shown = None

    def _putline(self, line: bytes) -> None:
        self._record_sent(line)
        self.channel.sendall(line + b"\r\n")

    def _getline(self) -> tuple[bytes, int]:
        line = self.channel.read_line()
        self._record_received(line)
        return line, len(line) + 2

    def _command(self, line: str) -> Reply:
        """A command and its one-line reply, "+OK …" or "-ERR …" (never raised)."""
        self._putline(line.encode(self.encoding))
        response, _octets = self._getline()
        return Reply(0, _text(response))

    def greet(self) -> Reply:
        """Reads the server's greeting."""
        response, _octets = self._getline()
        self.welcome = response
        return Reply(0, _text(response))

    def list_capabilities(self) -> dict[str, list[str]] | None:
        """The CAPA answer, or None when the server does not know CAPA (RFC 2449).

        Read here rather than by poplib's ``capa()``, which raises on an empty or non-ASCII
        line; such a line is skipped.
        """
        try:
            _response, lines, _octets = self._longcmd("CAPA")  # type: ignore[attr-defined]
        except poplib.error_proto:
            return None
        caps: dict[str, list[str]] = {}
        for line in lines:
            words = readable(line.decode("ascii", "replace")).split()
            if words:
                caps[words[0]] = words[1:]
        return caps

    def starttls_command(self) -> Reply:
        """STLS (the handshake is :meth:`secure`)."""
        return self._command("STLS")

    def secure(self, context: ssl.SSLContext) -> bytes:
        """Runs the TLS handshake."""
        leftover = self._start_tls(context, self.host)
        self._tls_established = True
        return leftover

    def login_user_pass(self, credentials: Credentials) -> Reply:
        """USER then PASS."""
        self._hide_secret(credentials)
        reply = self._command(f"USER {credentials.username}")
        if not reply.text.startswith("+OK"):
            return reply
        self._shown = "PASS [password hidden]"
        return self._command(f"PASS {credentials.password}")

    def login_plain(self, credentials: Credentials) -> Reply:
        """AUTH PLAIN with an initial response (RFC 5034), UTF-8 credentials."""
        blob = base64.b64encode(
            b"\0"
            + credentials.username.encode("utf-8")
            + b"\0"
            + credentials.password.encode("utf-8")
        ).decode("ascii")
        self._hide_secret(credentials, blob.encode("ascii"))
        self._shown = f"AUTH PLAIN [{credentials.username} and password, hidden]"
        reply = self._command(f"AUTH PLAIN {blob}")
        if reply.text.startswith("+ ") or reply.text == "+":
            self._shown = "[credentials, hidden]"
            reply = self._command(blob)
        return reply

    def goodbye(self) -> Reply:
        """QUIT."""
        return self._command("QUIT")


# -- the probes ---------------------------------------------------------------------------------


class ImapProbe(Probe):
    """An IMAP conversation: greeting, CAPABILITY, STARTTLS, login, LOGOUT."""

    PROTOCOL = Protocol.IMAP
    CAPABILITY_STAGES = (StageName.CAPABILITIES, StageName.CAPABILITIES_TLS)
    OAUTH = IMAP_OAUTH

    def _make_conversation(self, channel: Channel, host: str, local_name: str) -> ImapConversation:
        return ImapConversation(channel, host, self.transcript)

    def _imap(self) -> ImapConversation:
        assert isinstance(self._conv, ImapConversation)
        return self._conv

    def _greet(self) -> Reply:
        return self._imap().greet()

    def _looks_like_greeting(self, received: bytes) -> bool:
        return received.startswith(b"* ")

    def _greeting_refusal(self, reply: Reply) -> tuple[Outcome, Reason, str] | None:
        if reply.text.startswith(("OK", "PREAUTH")):
            return None
        if reply.text.startswith("BYE"):
            return (
                Outcome.REFUSED,
                Reason.GREETING_REJECTED,
                f"the server refused us in its greeting: {reply}",
            )
        return (
            Outcome.NOT_SMTP,
            Reason.PROTOCOL_ERROR,
            f"an IMAP server greets with “* OK”, this one said: {reply}",
        )

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
        from dataclasses import replace

        self._auth = replace(self._auth, offered=tuple(dict.fromkeys(offered)))
        self._record(stage, started, True, f"server supports: {' '.join(caps) or 'nothing'}")

    def _no_login_reason(self) -> Reason:
        if "LOGINDISABLED" in self._features:
            return Reason.ENCRYPTION_REQUIRED
        return Reason.AUTH_NOT_OFFERED

    def _starttls_command(self) -> Reply:
        return self._imap().starttls_command()

    def _starttls_accepted(self, reply: Reply) -> bool:
        return reply.text.startswith("OK")

    def _supported(self, encrypted: bool) -> tuple[str, ...]:
        return ("PLAIN", "LOGIN")

    def _authenticate(self, mechanism: str, credentials: Credentials) -> tuple[bool, Reply]:
        conv = self._imap()
        reply = (
            conv.authenticate_plain(credentials)
            if mechanism == "PLAIN"
            else conv.login_command(credentials)
        )
        return reply.text.startswith("OK"), reply

    def _mechanism_refused(self, reply: Reply) -> bool:
        return reply.text.startswith("BAD") or "[CANNOT]" in reply.text

    def _login_refusal(self, reply: Reply, encrypted: bool) -> tuple[AuthStatus, Outcome, Reason]:
        return _incoming_refusal(reply.text, encrypted)

    def _goodbye(self) -> Reply:
        return self._imap().goodbye()

    def _fetch_preamble(self, conv: ImapConversation) -> bool:
        conv.greet()
        return conv.starttls_command().text.startswith("OK")


class Pop3Probe(Probe):
    """A POP3 conversation: greeting, CAPA, STLS, USER/PASS or AUTH PLAIN, QUIT."""

    PROTOCOL = Protocol.POP3
    CAPABILITY_STAGES = (StageName.CAPABILITIES, StageName.CAPABILITIES_TLS)

    def _make_conversation(self, channel: Channel, host: str, local_name: str) -> Pop3Conversation:
        return Pop3Conversation(channel, host, self.transcript)

    def _pop3(self) -> Pop3Conversation:
        assert isinstance(self._conv, Pop3Conversation)
        return self._conv

    def _greet(self) -> Reply:
        return self._pop3().greet()

    def _looks_like_greeting(self, received: bytes) -> bool:
        return received.startswith((b"+OK", b"-ERR"))

    def _greeting_refusal(self, reply: Reply) -> tuple[Outcome, Reason, str] | None:
        if reply.text.startswith("+OK"):
            return None
        if reply.text.startswith("-ERR"):
            return (
                Outcome.REFUSED,
                Reason.GREETING_REJECTED,
                f"the server refused us in its greeting: {reply}",
            )
        kind = Reason.HTTP_SERVER if reply.text.startswith("HTTP/") else Reason.NOT_SMTP_REPLY
        return (Outcome.NOT_SMTP, kind, f"a POP3 server greets with “+OK”, this one said: {reply}")

    def _capabilities(self, stage: StageName, started: float) -> None:
        conv = self._pop3()
        conv.channel.start_step(self._step_timeout())
        caps = conv.list_capabilities()
        from dataclasses import replace

        if caps is None:
            # CAPA unknown (RFC 1939 servers): USER/PASS is all there is, and no STLS.
            self._features = ()
            if stage is StageName.CAPABILITIES:
                self._starttls_offered = False
            self._auth = replace(self._auth, offered=("USER",))
            self._record(stage, started, True, "the server does not list its capabilities")
            return
        self._features = tuple(" ".join([name, *args]) for name, args in caps.items())
        if stage is StageName.CAPABILITIES:
            self._starttls_offered = "STLS" in caps
        offered = [m.upper() for m in caps.get("SASL", [])]
        if "USER" in caps:
            offered.insert(0, "USER")
        self._auth = replace(self._auth, offered=tuple(dict.fromkeys(offered)))
        self._record(
            stage, started, True, f"server supports: {', '.join(self._features) or 'nothing'}"
        )

    def _no_login_reason(self) -> Reason:
        if self._starttls_offered and not self._conv.channel.encrypted:
            return Reason.ENCRYPTION_REQUIRED
        return Reason.AUTH_NOT_OFFERED

    def _starttls_command(self) -> Reply:
        return self._pop3().starttls_command()

    def _starttls_accepted(self, reply: Reply) -> bool:
        return reply.text.startswith("+OK")

    def _supported(self, encrypted: bool) -> tuple[str, ...]:
        return ("USER", "PLAIN")

    def _authenticate(self, mechanism: str, credentials: Credentials) -> tuple[bool, Reply]:
        conv = self._pop3()
        reply = (
            conv.login_user_pass(credentials)
            if mechanism == "USER"
            else conv.login_plain(credentials)
        )
        return reply.text.startswith("+OK"), reply

    def _login_refusal(self, reply: Reply, encrypted: bool) -> tuple[AuthStatus, Outcome, Reason]:
        return _incoming_refusal(reply.text, encrypted)

    def _goodbye(self) -> Reply:
        return self._pop3().goodbye()

    def _fetch_preamble(self, conv: Pop3Conversation) -> bool:
        conv.greet()
        return conv.starttls_command().text.startswith("+OK")


def _incoming_refusal(text: str, encrypted: bool) -> tuple[AuthStatus, Outcome, Reason]:
    """Reads a refused IMAP or POP3 login by its response code (RFC 5530, RFC 3206)."""
    upper = text.upper()
    if "[PRIVACYREQUIRED]" in upper or (not encrypted and "PLAINTEXT" in upper):
        return AuthStatus.UNSUPPORTED, Outcome.AUTH_UNAVAILABLE, Reason.ENCRYPTION_REQUIRED
    if any(code in upper for code in ("[UNAVAILABLE]", "[IN-USE]", "[SYS/TEMP]", "[LIMIT]")):
        return AuthStatus.TEMPORARY_FAILURE, Outcome.AUTH_FAILED, Reason.AUTH_TEMPORARY
    if upper.startswith("BAD"):
        return AuthStatus.ERROR, Outcome.AUTH_FAILED, Reason.PROTOCOL_ERROR
    return AuthStatus.REJECTED, Outcome.AUTH_FAILED, Reason.AUTH_REJECTED
