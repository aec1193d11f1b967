"""SMTP: smtplib's command layer on a bounded, cancellable, transcribed channel, and the probe
that holds the conversation (EHLO, STARTTLS, AUTH, the dry run and the test message, QUIT).

smtplib keeps doing what it does well (EHLO parsing, MAIL/RCPT/DATA, quoting, message
sending). Replaced underneath: reading replies (bounded lines and line counts, strict reply
codes), sending (through :class:`~smtpwizard.core.net.channel.Channel`, recorded in the
transcript), the TLS upgrade (verified, with no plaintext fallback) and AUTH (UTF-8
credentials per RFC 4616, never written to the transcript).

Where the server offers PIPELINING (RFC 2920), the sender and recipient check goes out in
one flight (MAIL FROM, RCPT TO, then RSET or DATA) and its replies are read one by one, each
in its own stage as without pipelining. The dry run (no message) even goes with an
``AUTH PLAIN`` carrying its initial response, which RFC 4954 section 4 allows because PLAIN
completes in one round trip; a server that answers such a MAIL FROM as if the login had not
happened yet is asked again once the login is through. The goodbye (QUIT) is sent without
waiting for its answer, which changes nothing.
"""

from __future__ import annotations

import base64
import hmac
import re
import smtplib
import ssl
from collections import deque
from collections.abc import Callable
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import replace
from typing import Any

from smtpwizard.core.auth.sasl import OAUTH_MECHANISMS
from smtpwizard.core.auth.sasl import PLAINTEXT_PREFERENCE
from smtpwizard.core.auth.sasl import SUPPORTED_MECHANISMS
from smtpwizard.core.auth.sasl import TokenChallenge
from smtpwizard.core.auth.sasl import challenge_answer
from smtpwizard.core.auth.sasl import plain_response
from smtpwizard.core.auth.sasl import read_token_challenge
from smtpwizard.core.auth.sasl import token_message
from smtpwizard.core.errors import NotSmtpReply
from smtpwizard.core.errors import ReplyTooLong
from smtpwizard.core.login import Credentials
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Reply
from smtpwizard.core.model import ReplyCode
from smtpwizard.core.model import SendCheck
from smtpwizard.core.model import StageName
from smtpwizard.core.net.address import EmailAddress
from smtpwizard.core.net.channel import Channel
from smtpwizard.core.net.tls import server_name
from smtpwizard.core.net.transcript import Transcript
from smtpwizard.core.net.transcript import printable
from smtpwizard.core.net.transcript import readable
from smtpwizard.core.probe.base import Probe
from smtpwizard.core.probe.options import Stop
from smtpwizard.core.probe.refusals import login_lockout

__all__ = ["MAX_CHALLENGES", "MAX_REPLY_LINES", "Conversation", "SmtpProbe"]

#: Most lines one reply may have (an EHLO reply has about a dozen).
MAX_REPLY_LINES = 100
#: Most server challenges in one AUTH exchange (as smtplib).
MAX_CHALLENGES = 5

_REPLY_LINE = re.compile(rb"^([2-5][0-9][0-9])([ -]|$)")


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
        self._flight: bytearray | None = None
        self._ahead: deque[str] = deque()
        self.token_challenge: TokenChallenge | None = None
        """What the server said in its challenge when it refused a token."""

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
        if self._flight is not None:
            self._flight += data
            return
        self.channel.sendall(data)

    def putcmd(self, cmd: str, args: str = "") -> None:
        """Sends a command, verb in capitals as the RFCs write them.

        A command already sent ahead (:meth:`send_ahead`) is not sent again: its reply is
        the next one to read. Replies owed to commands sent ahead that nobody asked for
        (RCPT TO after a refused MAIL FROM) are read first, so replies never get out of
        step with their commands.
        """
        verb = cmd.upper()
        while self._ahead:
            ahead = self._ahead.popleft()
            if ahead == verb:
                return
            self._read_unasked(ahead)
        super().putcmd(verb, args)

    @property
    def pipelining(self) -> bool:
        """Whether the server offers command pipelining (RFC 2920) in its last EHLO."""
        return bool(self.does_esmtp and self.has_extn("pipelining"))

    def send_ahead(self, *commands: tuple[str, str]) -> None:
        """Sends ``(verb, arguments)`` commands in one flight, each recorded in the transcript.

        Their replies come in order: the caller goes on as without pipelining (``mail``,
        ``rcpt``, ``command("RSET")``, ``data``), which then reads the reply instead of
        sending the command again.
        """
        self._flight = bytearray()
        try:
            for verb, args in commands:
                super().putcmd(verb.upper(), args)
            flight = bytes(self._flight)
        finally:
            self._flight = None
        self.channel.sendall(flight)
        self._ahead.extend(verb.upper() for verb, _args in commands)

    def drain(self) -> None:
        """Reads the replies still owed to commands sent ahead."""
        while self._ahead:
            self._read_unasked(self._ahead.popleft())

    def _read_unasked(self, verb: str) -> None:
        """Reads the reply to a command sent ahead that the conversation skipped (it stays in
        the transcript). A DATA accepted although no recipient was gets a lone dot, as RFC
        2920 section 3.1 asks: without a recipient, nothing is delivered."""
        code, _message = self.getreply()
        if verb == "DATA" and code == ReplyCode.START_MAIL_INPUT:
            self.send(b".\r\n")
            self.getreply()

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

    def authenticate(
        self,
        mechanism: str,
        credentials: Credentials,
        then: Sequence[tuple[str, str]] = (),
    ) -> Reply:
        """Runs one AUTH exchange; the final reply tells how it went.

        The caller registers the password with the transcript's redactor first; here the
        derived forms (the PLAIN blob, the CRAM-MD5 answer) are registered before use.
        ``then``: commands to send in the same flight as an ``AUTH PLAIN`` with its initial
        response (RFC 4954 section 4 allows it: PLAIN completes in one round trip); their
        replies are read when the conversation gets to them (:meth:`send_ahead`).
        """
        user = credentials.username.encode("utf-8")
        secret = credentials.password.encode("utf-8")
        redact = self.transcript.redactor
        mechanism = mechanism.upper()
        self.token_challenge = None
        if mechanism in OAUTH_MECHANISMS:
            message = token_message(mechanism, credentials, self._host, self.channel.peer_port)
            blob = base64.b64encode(message).decode("ascii")
            redact.add(blob, derived=True)
            self._hide(f"AUTH {mechanism} [{credentials.username} and token, hidden]")
            self.putcmd("AUTH", f"{mechanism} {blob}")

            def refused_token(challenge: bytes) -> tuple[bytes, str]:
                self.token_challenge = read_token_challenge(
                    base64.b64encode(challenge).decode("ascii")
                )
                return challenge_answer(mechanism), "[end of the token exchange]"

            responders: Sequence[Callable[[bytes], tuple[bytes, str]]] = (refused_token,)
        elif mechanism == "PLAIN":
            blob = plain_response(credentials)
            redact.add(blob, derived=True)
            self._hide(f"AUTH PLAIN [{credentials.username} and password, hidden]")
            if then:
                self.send_ahead(("AUTH", f"PLAIN {blob}"), *then)
                self.putcmd("AUTH")  # already on its way: its reply is next
            else:
                self.putcmd("AUTH", f"PLAIN {blob}")
            responders = ()
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
        while code == ReplyCode.AUTH_CONTINUE:
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


class SmtpProbe(Probe):
    """The SMTP conversation: EHLO, STARTTLS, AUTH, the dry run and the test message, QUIT."""

    PROTOCOL = Protocol.SMTP
    CAPABILITY_STAGES = (StageName.EHLO, StageName.EHLO_TLS)

    _planned_check: EmailAddress | None = None
    """The address of the dry run that follows the login (:meth:`plan_check`)."""
    _check_in_flight = False
    """Whether the dry run's commands went out with the last AUTH."""

    def _make_conversation(self, channel: Channel, host: str, local_name: str) -> Conversation:
        return Conversation(channel, host, local_name, self.transcript)

    def _conversation(self) -> Conversation:
        assert isinstance(self._conv, Conversation)
        return self._conv

    def _greet(self) -> Reply:
        return self._conversation().read_reply()

    def _greeting_refusal(self, reply: Reply) -> tuple[Outcome, Reason, str] | None:
        if reply.code == ReplyCode.SERVICE_READY:
            return None
        if reply.code == ReplyCode.SERVICE_UNAVAILABLE:
            return (
                Outcome.TEMPORARY,
                Reason.SERVICE_UNAVAILABLE,
                f"the server is not taking connections now: {reply}",
            )
        if ReplyCode.temporary(reply.code):
            _outcome, reason, detail = self._turned_away(reply)
            return Outcome.TEMPORARY, reason, detail
        if reply.code >= 400:
            return self._turned_away(reply)
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
        if code == ReplyCode.OK:
            self._features = tuple(reply.text.split("\n")[1:])
            if stage is StageName.EHLO:
                self._starttls_offered = conv.has_extn("starttls")
            self._auth = replace(self._auth, offered=conv.offered_mechanisms())
            shown = ", ".join(self._features) or "no extensions"
            self._record(stage, started, True, f"server supports: {shown}", reply)
            return
        if code == ReplyCode.SERVICE_UNAVAILABLE:
            raise self._fail(
                stage,
                started,
                Outcome.TEMPORARY,
                Reason.SERVICE_UNAVAILABLE,
                f"the server closed the session: {reply}",
                reply,
            )
        # An old server without extensions: HELO is all it knows (RFC 5321 3.2).
        code, _ = conv.helo()
        helo_reply = conv.last_reply
        assert helo_reply is not None
        if code == ReplyCode.OK:
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
        return reply.code == ReplyCode.SERVICE_READY

    def _supported(self, encrypted: bool) -> tuple[str, ...]:
        return SUPPORTED_MECHANISMS if encrypted else PLAINTEXT_PREFERENCE

    def plan_check(self, address: EmailAddress) -> None:
        """Says that the sender and recipient check (the dry run, no message) follows the
        login: where the server pipelines, it can then go out with ``AUTH PLAIN``."""
        self._planned_check = address

    def _authenticate(self, mechanism: str, credentials: Credentials) -> tuple[bool, Reply]:
        conv = self._conversation()
        then = self._check_commands() if mechanism == "PLAIN" else []
        reply = conv.authenticate(mechanism, credentials, then)
        self._check_in_flight = bool(then)
        return reply.code == ReplyCode.AUTH_SUCCEEDED, reply

    def _check_commands(self) -> list[tuple[str, str]]:
        """MAIL FROM, RCPT TO and RSET for the planned dry run, when they may go with the
        login: the server offers PIPELINING and nobody is stepping through."""
        address = self._planned_check
        conv = self._conversation()
        if address is None or not conv.pipelining or self._gate is not None:
            return []
        return self._sending_commands(address, self._mail_options(address), send_message=False)

    def _mail_options(self, address: EmailAddress) -> list[str]:
        conv = self._conversation()
        return ["SMTPUTF8"] if address.needs_smtputf8 and conv.has_extn("smtputf8") else []

    def _sending_commands(
        self, address: EmailAddress, options: list[str], *, send_message: bool
    ) -> list[tuple[str, str]]:
        if options:
            self._conversation().command_encoding = "utf-8"  # as smtplib's mail() sets it
        suffix = "".join(f" {option}" for option in options)
        return [
            ("MAIL", f"FROM:{smtplib.quoteaddr(address.ascii)}{suffix}"),
            ("RCPT", f"TO:{smtplib.quoteaddr(address.ascii)}"),
            ("DATA", "") if send_message else ("RSET", ""),
        ]

    def _mechanism_refused(self, reply: Reply) -> bool:
        return reply.code == ReplyCode.PARAMETER_NOT_IMPLEMENTED

    def _login_refusal(self, reply: Reply, encrypted: bool) -> tuple[AuthStatus, Outcome, Reason]:
        return _auth_failure(reply, encrypted)

    def _goodbye(self) -> Reply:
        return self._conversation().command("QUIT")

    def _say_goodbye(self) -> bool:
        self._conversation().putcmd("QUIT")
        return True

    def _fetch_preamble(self, conv: Conversation) -> bool:
        conv.read_reply()
        conv.ehlo()
        return conv.command("STARTTLS").code == ReplyCode.SERVICE_READY

    # -- sending -------------------------------------------------------------------------------

    @property
    def may_send(self) -> bool:
        """Whether a sending check makes sense: logged in, or a relay that wants no login."""
        if not self.usable:
            return False
        if self._will_login:
            return self.authenticated
        return True  # without a login, only the server's answer tells whether it needs one

    def check_sending(
        self, address: EmailAddress, *, send_message: bool = False
    ) -> SendCheck | None:
        """MAIL FROM and RCPT TO with the person's own address, then RSET or a real message.

        The outcome is not changed by this; the result is kept in ``send``.
        """
        if not self.usable:
            return None
        conv = self._conversation()
        options = self._mail_options(address)
        in_flight = self._check_in_flight and not send_message
        self._check_in_flight = False
        check = SendCheck()
        try:
            with self._stage(StageName.MAIL_FROM) as started:
                conv.channel.start_step(self._step_timeout())
                if not in_flight:
                    self._send_ahead(address, options, send_message)
                conv.mail(address.ascii, options)
                reply = conv.last_reply
                assert reply is not None
                if in_flight and reply.code in (ReplyCode.BAD_SEQUENCE, ReplyCode.AUTH_REQUIRED):
                    # The server took MAIL FROM before the login it then accepted (it does
                    # not pipeline after AUTH): ask again, now that the login is done.
                    conv.drain()
                    self._send_ahead(address, options, send_message)
                    conv.mail(address.ascii, options)
                    reply = conv.last_reply
                    assert reply is not None
                check = replace(check, sender=reply)
                self._record(
                    StageName.MAIL_FROM, started, reply.code == ReplyCode.OK, str(reply), reply
                )
            if check.sender is not None and check.sender.code == ReplyCode.OK:
                with self._stage(StageName.RCPT_TO) as started:
                    conv.channel.start_step(self._step_timeout())
                    conv.rcpt(address.ascii)
                    reply = conv.last_reply
                    assert reply is not None
                    check = replace(check, recipient=reply)
                    self._record(
                        StageName.RCPT_TO,
                        started,
                        reply.code in (ReplyCode.OK, ReplyCode.WILL_FORWARD),
                        str(reply),
                        reply,
                    )
            if send_message and check.ok:
                with self._stage(StageName.DATA) as started:
                    conv.channel.start_step(self._step_timeout())
                    with suppress(smtplib.SMTPDataError):  # DATA refused: its reply says why
                        conv.data(_test_message(address, self.candidate))
                    reply = conv.last_reply
                    assert reply is not None
                    check = replace(check, message=reply)
                    self._record(
                        StageName.DATA, started, reply.code == ReplyCode.OK, str(reply), reply
                    )
            else:
                with self._stage(StageName.RSET) as started:
                    conv.channel.start_step(self._step_timeout())
                    reply = conv.command("RSET")
                    self._record(
                        StageName.RSET, started, reply.code == ReplyCode.OK, str(reply), reply
                    )
        except Stop:
            pass
        self._send = check
        return check

    def _send_ahead(self, address: EmailAddress, options: list[str], send_message: bool) -> None:
        """Sends MAIL FROM, RCPT TO and RSET (or DATA) in one flight where the server offers
        PIPELINING (RFC 2920: DATA ends a group). Not when stepping through the
        conversation: each step is then shown with its own answer before the next goes."""
        conv = self._conversation()
        if not conv.pipelining or self._gate is not None:
            return
        conv.send_ahead(*self._sending_commands(address, options, send_message=send_message))


def _auth_failure(reply: Reply, encrypted: bool) -> tuple[AuthStatus, Outcome, Reason]:
    """Reads a refused AUTH: temporary, needs encryption, or a verdict on the credentials."""
    enhanced = reply.enhanced or ""
    needs_tls = (
        reply.code == ReplyCode.ENCRYPTION_REQUIRED
        or enhanced in ("5.7.10", "5.7.11")
        or (reply.code == ReplyCode.AUTH_REQUIRED and not encrypted)
    )
    if needs_tls:
        return AuthStatus.UNSUPPORTED, Outcome.AUTH_UNAVAILABLE, Reason.ENCRYPTION_REQUIRED
    if login_lockout(reply):
        if ReplyCode.temporary(reply.code):
            return AuthStatus.TEMPORARY_FAILURE, Outcome.TEMPORARY, Reason.AUTH_LOCKED
        return AuthStatus.REJECTED, Outcome.AUTH_FAILED, Reason.AUTH_LOCKED
    if ReplyCode.temporary(reply.code):
        return AuthStatus.TEMPORARY_FAILURE, Outcome.TEMPORARY, Reason.AUTH_TEMPORARY
    if reply.code in (
        ReplyCode.SYNTAX_ERROR,
        ReplyCode.ARGUMENT_ERROR,
        ReplyCode.NOT_IMPLEMENTED,
        ReplyCode.BAD_SEQUENCE,
    ):
        return AuthStatus.ERROR, Outcome.AUTH_FAILED, Reason.AUTH_COMMAND_REFUSED
    return AuthStatus.REJECTED, Outcome.AUTH_FAILED, Reason.AUTH_REJECTED


def _test_message(address: EmailAddress, candidate: Candidate) -> bytes:
    # The message classes are only needed to send a test message: not at every start.
    import email.policy
    import email.utils
    from email.message import EmailMessage

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
