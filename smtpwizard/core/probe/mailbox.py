"""What the IMAP and POP3 conversations share: the transcript, hidden secrets, the TLS upgrade,
and how a refused login reads."""

from __future__ import annotations

import ssl
from typing import Any
from typing import ClassVar

from smtpwizard.core.auth.sasl import OAUTH_MECHANISMS
from smtpwizard.core.auth.sasl import TokenChallenge
from smtpwizard.core.errors import ReplyTooLong
from smtpwizard.core.login import Credentials
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Reply
from smtpwizard.core.model import StageName
from smtpwizard.core.net.channel import Channel
from smtpwizard.core.net.tls import server_name
from smtpwizard.core.net.transcript import Transcript
from smtpwizard.core.net.transcript import printable
from smtpwizard.core.net.transcript import readable
from smtpwizard.core.probe.base import Probe
from smtpwizard.core.probe.refusals import login_lockout
from smtpwizard.core.probe.refusals import mailbox_in_use
from smtpwizard.core.probe.smtp import MAX_REPLY_LINES

__all__ = ["MailboxProbe", "Transcribed", "login_refusal", "server_text"]


def server_text(data: Any) -> str:
    """A server's words as text that is safe to show."""
    if isinstance(data, bytes):
        return readable(data.decode("utf-8", "replace"))
    return readable(str(data))


class Transcribed:
    """What the IMAP and POP3 conversations share: transcript, hiding, the TLS upgrade."""

    channel: Channel
    transcript: Transcript
    _shown: str | None
    #: What the server said in its challenge when it refused a token.
    token_challenge: TokenChallenge | None = None
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
        redact.add(credentials.secret)
        for form in forms:
            redact.add(form.decode("utf-8", "replace"), derived=True)


def login_refusal(text: str, encrypted: bool) -> tuple[AuthStatus, Outcome, Reason]:
    """Reads a refused IMAP or POP3 login by its response code (RFC 5530, RFC 3206)."""
    upper = text.upper()
    if "[PRIVACYREQUIRED]" in upper or (not encrypted and "PLAINTEXT" in upper):
        return AuthStatus.UNSUPPORTED, Outcome.AUTH_UNAVAILABLE, Reason.ENCRYPTION_REQUIRED
    reply = Reply(0, text)
    temporary = ("[UNAVAILABLE]", "[SYS/TEMP]", "[LIMIT]")
    if any(code in upper for code in temporary) or mailbox_in_use(reply):
        if login_lockout(reply):
            return AuthStatus.TEMPORARY_FAILURE, Outcome.TEMPORARY, Reason.AUTH_LOCKED
        return AuthStatus.TEMPORARY_FAILURE, Outcome.TEMPORARY, Reason.AUTH_TEMPORARY
    if login_lockout(reply):
        return AuthStatus.REJECTED, Outcome.AUTH_FAILED, Reason.AUTH_LOCKED
    if upper.startswith("BAD"):
        return AuthStatus.ERROR, Outcome.AUTH_FAILED, Reason.AUTH_COMMAND_REFUSED
    return AuthStatus.REJECTED, Outcome.AUTH_FAILED, Reason.AUTH_REJECTED


class MailboxProbe(Probe):
    """What the IMAP and POP3 probes share: both conversations greet, switch to encryption
    and say goodbye the same way, and answer with a status word ("OK", "+OK").

    A protocol supplies its status words and, in :attr:`LOGINS`, the conversation's method
    for each login mechanism it can use, best first.
    """

    CAPABILITY_STAGES = (StageName.CAPABILITIES, StageName.CAPABILITIES_TLS)
    #: The word that starts a positive answer.
    OK: ClassVar[str]
    #: The greetings that welcome us, and the one that turns us away.
    WELCOME: ClassVar[tuple[str, ...]]
    REFUSAL: ClassVar[str]
    #: How a greeting looks, in words ("an IMAP server greets with “* OK”").
    GREETS: ClassVar[str]
    #: Login mechanism -> the conversation's method that uses it, best first.
    LOGINS: ClassVar[dict[str, str]]

    def _greet(self) -> Reply:
        reply: Reply = self._conv.greet()
        return reply

    def _greeting_refusal(self, reply: Reply) -> tuple[Outcome, Reason, str] | None:
        if reply.text.startswith(self.WELCOME):
            return None
        if reply.text.startswith(self.REFUSAL):
            return self._turned_away(reply)
        return (
            Outcome.NOT_SMTP,
            self._not_a_greeting(reply),
            f"{self.GREETS}, this one said: {reply}",
        )

    def _not_a_greeting(self, reply: Reply) -> Reason:
        """The cause when the first line is not this protocol's greeting."""
        return Reason.PROTOCOL_ERROR

    def _starttls_command(self) -> Reply:
        reply: Reply = self._conv.starttls_command()
        return reply

    def _starttls_accepted(self, reply: Reply) -> bool:
        return reply.text.startswith(self.OK)

    def _supported(self, encrypted: bool) -> tuple[str, ...]:
        return tuple(self.LOGINS)

    def _authenticate(self, mechanism: str, credentials: Credentials) -> tuple[bool, Reply]:
        if mechanism in OAUTH_MECHANISMS:
            port = self._conv.channel.peer_port
            reply: Reply = self._conv.authenticate_token(mechanism, credentials, port)
        else:
            reply = getattr(self._conv, self.LOGINS[mechanism])(credentials)
        return reply.text.startswith(self.OK), reply

    def _login_refusal(self, reply: Reply, encrypted: bool) -> tuple[AuthStatus, Outcome, Reason]:
        return login_refusal(reply.text, encrypted)

    def _goodbye(self) -> Reply:
        reply: Reply = self._conv.goodbye()
        return reply

    def _final_outcome(self) -> tuple[Outcome, Reason | None]:
        outcome, reason = super()._final_outcome()
        if outcome is Outcome.OK and self._auth.status is AuthStatus.NO_CREDENTIALS:
            # Reading mail always takes a login: without one, nothing here is proven.
            return Outcome.LOGIN_NEEDED, Reason.LOGIN_NEEDED
        return outcome, reason

    def _fetch_preamble(self, conv: Any) -> bool:
        conv.greet()
        reply: Reply = conv.starttls_command()
        return bool(reply.text.startswith(self.OK))
