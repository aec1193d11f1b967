"""What the IMAP and POP3 conversations share: the transcript, hidden secrets, the TLS upgrade,
and how a refused login reads."""

from __future__ import annotations

import ssl
from typing import Any

from smtpwizard.core.errors import ReplyTooLong
from smtpwizard.core.model import (
    AuthStatus,
    Credentials,
    Outcome,
    Reason,
)
from smtpwizard.core.net.channel import Channel
from smtpwizard.core.net.tls import server_name
from smtpwizard.core.net.transcript import Transcript, printable, readable
from smtpwizard.core.probe.smtp import MAX_REPLY_LINES

__all__ = ["Transcribed", "login_refusal", "server_text"]


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


def login_refusal(text: str, encrypted: bool) -> tuple[AuthStatus, Outcome, Reason]:
    """Reads a refused IMAP or POP3 login by its response code (RFC 5530, RFC 3206)."""
    upper = text.upper()
    if "[PRIVACYREQUIRED]" in upper or (not encrypted and "PLAINTEXT" in upper):
        return AuthStatus.UNSUPPORTED, Outcome.AUTH_UNAVAILABLE, Reason.ENCRYPTION_REQUIRED
    if any(code in upper for code in ("[UNAVAILABLE]", "[IN-USE]", "[SYS/TEMP]", "[LIMIT]")):
        return AuthStatus.TEMPORARY_FAILURE, Outcome.AUTH_FAILED, Reason.AUTH_TEMPORARY
    if upper.startswith("BAD"):
        return AuthStatus.ERROR, Outcome.AUTH_FAILED, Reason.PROTOCOL_ERROR
    return AuthStatus.REJECTED, Outcome.AUTH_FAILED, Reason.AUTH_REJECTED
