"""smtplib's command layer on a bounded, cancellable, transcribed channel.

smtplib keeps doing what it does well (EHLO parsing, MAIL/RCPT/DATA, quoting, message
sending). Replaced underneath: reading replies (bounded lines and line counts, strict reply
codes), sending (through :class:`~smtpwizard.core.net.channel.Channel`, recorded in the
transcript), the TLS upgrade (verified, with no plaintext fallback) and AUTH (UTF-8
credentials per RFC 4616, never written to the transcript).
"""

from __future__ import annotations

import base64
import hmac
import re
import smtplib
import ssl
from collections.abc import Callable, Sequence
from typing import Any

from smtpwizard.core.errors import NotSmtpReply, ReplyTooLong
from smtpwizard.core.model import Credentials, Reply
from smtpwizard.core.net.channel import Channel
from smtpwizard.core.net.transcript import Transcript, printable, readable

#: Most lines one reply may have (an EHLO reply has about a dozen).
MAX_REPLY_LINES = 100
#: Most server challenges in one AUTH exchange (as smtplib).
MAX_CHALLENGES = 5

_REPLY_LINE = re.compile(rb"^([2-5][0-9][0-9])([ -]|$)")

#: Login mechanisms we can use, best first on an encrypted connection.
SUPPORTED_MECHANISMS = ("PLAIN", "LOGIN", "CRAM-MD5")
#: On a connection without encryption, the mechanism that does not reveal the password first.
PLAINTEXT_PREFERENCE = ("CRAM-MD5", "PLAIN", "LOGIN")
OAUTH_MECHANISMS = frozenset({"XOAUTH2", "OAUTHBEARER"})


class Conversation(smtplib.SMTP):
    """One SMTP conversation over a :class:`Channel`.

    Args:
        channel: the connected channel.
        host: the name the person gave (for the TLS server name check).
        local_hostname: what we say in EHLO.
        transcript: where every line goes, redacted.
    """

    def __init__(
        self, channel: Channel, host: str, local_hostname: str, transcript: Transcript
    ) -> None:
        super().__init__(local_hostname=local_hostname)
        self.channel = channel
        self.sock = channel  # type: ignore[assignment]  # smtplib only tests it for truth
        self._host = host
        self.transcript = transcript
        self.last_reply: Reply | None = None
        self._shown: str | None = None
        self._in_data = False

    # -- wire ------------------------------------------------------------------------------

    def send(self, s: bytes | str) -> None:  # type: ignore[override]
        """Sends raw data and records it (or the replacement set by :meth:`_hide`)."""
        data = s.encode(self.command_encoding) if isinstance(s, str) else s
        shown = self._shown
        self._shown = None
        if shown is None and self._in_data and data.endswith(b"\r\n.\r\n"):
            shown = f"[the message, {len(data)} bytes]"
        if shown is None:
            shown = printable(data.rstrip(b"\r\n"))
        self.transcript.client(shown, encrypted=self.channel.encrypted)
        self.channel.sendall(data)

    def putcmd(self, cmd: str, args: str = "") -> None:
        """Sends a command, verb in capitals as the RFCs write them."""
        super().putcmd(cmd.upper(), args)

    def _hide(self, shown: str) -> None:
        self._shown = shown

    def getreply(self) -> tuple[int, bytes]:
        """Reads one (possibly multi-line) reply within the channel's bounds.

        Raises:
            NotSmtpReply: a line without a valid reply code.
            ReplyTooLong: too many lines.
            ConnectionLost, NetworkTimeout, TimeLimit, Cancelled: from the channel.
        """
        texts: list[bytes] = []
        code = 0
        while True:
            line = self.channel.read_line()
            self.transcript.server(line, encrypted=self.channel.encrypted)
            match = _REPLY_LINE.match(line)
            if match is None:
                raise NotSmtpReply("not an SMTP reply", line=line)
            code = int(match.group(1))
            texts.append(line[4:].strip(b" \t"))
            if match.group(2) != b"-":
                break
            if len(texts) >= MAX_REPLY_LINES:
                raise ReplyTooLong(f"a reply of more than {MAX_REPLY_LINES} lines", line=line)
        message = b"\n".join(texts)
        # Redacted here, where replies are born: a server may echo what it was sent.
        text = self.transcript.redactor(message.decode("utf-8", "replace"))
        self.last_reply = Reply(code, readable(text))
        return code, message

    def command(self, cmd: str, args: str = "") -> Reply:
        """Sends a command and returns its reply."""
        self.docmd(cmd, args)
        assert self.last_reply is not None
        return self.last_reply

    def read_reply(self) -> Reply:
        """Reads a reply (the greeting, say) without sending anything."""
        self.getreply()
        assert self.last_reply is not None
        return self.last_reply

    def data(self, msg: Any) -> tuple[int, bytes]:
        """DATA, with the message body summarised in the transcript instead of copied."""
        self._in_data = True
        try:
            return super().data(msg)
        finally:
            self._in_data = False

    def close(self) -> None:
        """Closes the channel."""
        self.channel.close()
        self.sock = None

    # -- TLS -------------------------------------------------------------------------------

    def secure(self, context: ssl.SSLContext) -> bytes:
        """Runs the TLS handshake (after a 220 to STARTTLS, or first thing for implicit TLS).

        Returns:
            Bytes the server sent before the handshake that were not read yet; they are
            discarded, never treated as protected (a server, or something in between,
            injecting commands after STARTTLS, as in CVE-2011-0411).

        Raises:
            ssl.SSLError: the handshake failed; there is no way back to plain text.
        """
        leftover = self.channel.take_buffer()
        if leftover:
            self.transcript.note(
                f"ignored {len(leftover)} bytes the server sent before encryption started"
            )
        self.channel.start_tls(context, server_name(self._host))
        # What was learnt before encryption must not be trusted afterwards (RFC 3207).
        self.helo_resp = None
        self.ehlo_resp = None
        self.esmtp_features = {}
        self.does_esmtp = False
        return leftover

    # -- AUTH ------------------------------------------------------------------------------

    def offered_mechanisms(self) -> tuple[str, ...]:
        """The AUTH mechanisms of the last EHLO, upper-case, in the server's order."""
        words = self.esmtp_features.get("auth", "").upper().split()
        return tuple(dict.fromkeys(words))

    def authenticate(self, mechanism: str, credentials: Credentials) -> Reply:
        """Runs one AUTH exchange; the final reply tells how it went.

        The caller registers the password with the transcript's redactor first; here the
        derived forms (the PLAIN blob, the CRAM-MD5 answer) are registered before use.
        """
        user = credentials.username.encode("utf-8")
        secret = credentials.password.encode("utf-8")
        redact = self.transcript.redactor
        mechanism = mechanism.upper()
        if mechanism == "PLAIN":
            blob = base64.b64encode(b"\0" + user + b"\0" + secret).decode("ascii")
            redact.add(blob, derived=True)
            self._hide(f"AUTH PLAIN [{credentials.username} and password, hidden]")
            self.putcmd("AUTH", f"PLAIN {blob}")
            responders: Sequence[Callable[[bytes], tuple[bytes, str]]] = ()
        elif mechanism == "LOGIN":
            self.putcmd("AUTH", "LOGIN")
            responders = (
                lambda _c: (user, f"[username {credentials.username}, base64]"),
                lambda _c: (secret, "[password, hidden]"),
            )
        elif mechanism == "CRAM-MD5":
            self.putcmd("AUTH", "CRAM-MD5")

            def cram(challenge: bytes) -> tuple[bytes, str]:
                digest = hmac.new(secret, challenge, "md5").hexdigest()
                redact.add(digest, derived=True)
                answer = user + b" " + digest.encode("ascii")
                redact.add(base64.b64encode(answer).decode("ascii"), derived=True)
                return answer, f"[{credentials.username} and password digest, hidden]"

            responders = (cram,)
        else:
            raise ValueError(f"unsupported mechanism {mechanism}")
        code, _message = self.getreply()
        step = 0
        while code == 334:
            if step >= min(len(responders), MAX_CHALLENGES):
                # More challenges than the mechanism has: abort the exchange (RFC 4954).
                self.putcmd("*")
                code, _message = self.getreply()
                break
            challenge = _decode_challenge(self.last_reply.text if self.last_reply else "")
            answer, shown = responders[step](challenge)
            step += 1
            encoded = base64.b64encode(answer).decode("ascii")
            redact.add(encoded, derived=True)
            self._hide(shown)
            self.send(encoded + "\r\n")
            code, _message = self.getreply()
        assert self.last_reply is not None
        return self.last_reply


def _decode_challenge(text: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except ValueError:
        return b""


def server_name(host: str) -> str | None:
    """The TLS server name for ``host``: the name itself, bracket-free for IP literals."""
    return host.strip("[]").rstrip(".") or None
