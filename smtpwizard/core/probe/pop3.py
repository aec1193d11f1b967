"""POP3: poplib's POP3 over the engine's channel, and the probe that holds the conversation
(greeting, CAPA, STLS, USER/PASS or AUTH PLAIN, QUIT)."""

from __future__ import annotations

import base64
import poplib
import ssl
from dataclasses import replace
from typing import ClassVar

from smtpwizard.core.auth.sasl import challenge_answer
from smtpwizard.core.auth.sasl import plain_response
from smtpwizard.core.auth.sasl import read_token_challenge
from smtpwizard.core.auth.sasl import token_message
from smtpwizard.core.login import Credentials
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Reply
from smtpwizard.core.model import StageName
from smtpwizard.core.net.channel import Channel
from smtpwizard.core.net.transcript import Transcript
from smtpwizard.core.net.transcript import readable
from smtpwizard.core.probe.mailbox import MailboxProbe
from smtpwizard.core.probe.mailbox import Transcribed
from smtpwizard.core.probe.mailbox import server_text

__all__ = ["Pop3Conversation", "Pop3Probe"]


def _continues(reply: Reply) -> bool:
    """Whether a reply is the server's go-ahead in an AUTH exchange ("+ …"), not "+OK"."""
    return reply.text == "+" or reply.text.startswith("+ ")


#: Longest POP3 command line, its end included (RFC 2449 §4).
MAX_POP3_COMMAND = 255


class Pop3Conversation(Transcribed, poplib.POP3):
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
        return Reply(0, server_text(response))

    def greet(self) -> Reply:
        """Reads the server's greeting."""
        response, _octets = self._getline()
        self.welcome = response
        return Reply(0, server_text(response))

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
        blob = plain_response(credentials)
        self._hide_secret(credentials, blob.encode("ascii"))
        self._shown = f"AUTH PLAIN [{credentials.username} and password, hidden]"
        reply = self._command(f"AUTH PLAIN {blob}")
        if _continues(reply):
            self._shown = "[credentials, hidden]"
            reply = self._command(blob)
        return reply

    def authenticate_token(self, mechanism: str, credentials: Credentials, port: int) -> Reply:
        """AUTH with an OAuth 2.0 token (RFC 5034, RFC 7628): with an initial response when
        the command fits POP3's 255 octets, else after the server's go-ahead."""
        blob = base64.b64encode(token_message(mechanism, credentials, self.host, port))
        self._hide_secret(credentials, blob)
        self.token_challenge = None
        self._shown = f"AUTH {mechanism} [{credentials.username} and token, hidden]"
        if len(blob) + len(mechanism) + 7 <= MAX_POP3_COMMAND:
            reply = self._command(f"AUTH {mechanism} {blob.decode('ascii')}")
        else:
            reply = self._command(f"AUTH {mechanism}")
            if _continues(reply):
                self._shown = "[token, hidden]"
                reply = self._command(blob.decode("ascii"))
        if _continues(reply):
            self.token_challenge = read_token_challenge(reply.text[1:])
            self._shown = "[end of the token exchange]"
            reply = self._command(base64.b64encode(challenge_answer(mechanism)).decode("ascii"))
        return reply

    def goodbye(self) -> Reply:
        """QUIT."""
        return self._command("QUIT")


class Pop3Probe(MailboxProbe):
    """A POP3 conversation: greeting, CAPA, STLS, USER/PASS or AUTH PLAIN, QUIT."""

    PROTOCOL = Protocol.POP3
    OK = "+OK"
    WELCOME = ("+OK",)
    REFUSAL = "-ERR"
    GREETS = "a POP3 server greets with “+OK”"
    LOGINS: ClassVar[dict[str, str]] = {"USER": "login_user_pass", "PLAIN": "login_plain"}

    def _make_conversation(self, channel: Channel, host: str, local_name: str) -> Pop3Conversation:
        return Pop3Conversation(channel, host, self.transcript)

    def _pop3(self) -> Pop3Conversation:
        assert isinstance(self._conv, Pop3Conversation)
        return self._conv

    def _looks_like_greeting(self, received: bytes) -> bool:
        return received.startswith((b"+OK", b"-ERR"))

    def _not_a_greeting(self, reply: Reply) -> Reason:
        return Reason.HTTP_SERVER if reply.text.startswith("HTTP/") else Reason.NOT_SMTP_REPLY

    def _capabilities(self, stage: StageName, started: float) -> None:
        conv = self._pop3()
        conv.channel.start_step(self._step_timeout())
        caps = conv.list_capabilities()
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
