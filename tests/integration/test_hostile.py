"""Hostile and broken servers: every probe ends in time, in bounded memory, with a clear reading.

Each case is a loopback server that behaves well up to one point of the conversation and then
misbehaves in one way: a line that never ends, a reply that never ends, a megabyte, binary
garbage, a byte at a time, a reset or an alert in the TLS handshake, reply codes that do not
exist, silence, or plain text after agreeing to encrypt. For SMTP, IMAP and POP3 alike, the
probe must come back within its time budget, without holding much memory, with an outcome,
a reason and a finding a person can read, and without a traceback (also through the CLI).
"""

from __future__ import annotations

import json
import random
import socket
import ssl
import struct
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

import pytest
import trustme

import smtpwizard.core.probe.runner  # imported now, so its import is not measured
from smtpwizard.core.diagnosis.findings import explain
from smtpwizard.core.login import Credentials
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Security
from smtpwizard.core.model import StageName
from smtpwizard.core.net.address import parse_email
from smtpwizard.core.net.channel import MAX_BYTES
from smtpwizard.core.net.resolve import StaticResolver
from smtpwizard.core.net.tls import make_tls_context
from smtpwizard.core.probe.options import ProbeOptions
from smtpwizard.core.probe.runner import probe_candidate
from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.support.certs import CertSet
from tests.support.certs import server_context
from tests.support.cli import probe_args
from tests.support.cli import smtpwizard
from tests.support.listeners import ScriptedServer

HOST = "mail.example.test"
SMTP, IMAP, POP3 = Protocol.SMTP, Protocol.IMAP, Protocol.POP3
TLS, STARTTLS = Security.TLS, Security.STARTTLS

#: Seconds each step may take, and the whole probe: short, so the suite stays fast.
STEP = 1.0
BUDGET = 4.0
#: Allowance for a loaded machine on top of a time limit.
SLACK = 1.5
#: Most memory (Python allocations) one probe may hold at its peak, whatever it is sent: a
#: small multiple of what one connection may receive.
MEMORY_BOUND = 4 * MAX_BYTES

StartScripted = Callable[..., ScriptedServer]

# Payloads are built once, before memory is measured, so the servers (threads of this same
# process) send them without allocating.
CHUNK = b"x" * 65536
MEGABYTE = b"y" * (1024 * 1024)
GARBAGE = random.Random(5321).randbytes(64 * 1024)


# -- the server side -------------------------------------------------------------------------


class Peer:
    """The server's end of one connection: lines in, bytes out, an optional switch to TLS."""

    def __init__(self, conn: socket.socket, stopping: threading.Event, cert: trustme.LeafCert):
        self.sock: socket.socket = conn
        self.stopping = stopping
        self.cert = cert
        self.buf = b""
        self.tls = False

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def readline(self) -> bytes | None:
        while b"\n" not in self.buf:
            if len(self.buf) > 65536:
                return None
            data = self.sock.recv(4096)
            if not data:
                return None
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r")

    def recv_some(self) -> bytes:
        """The next bytes from the client (a ClientHello, say)."""
        return self.sock.recv(65536)

    def secure(self) -> None:
        self.sock = server_context(self.cert).wrap_socket(self.sock, server_side=True)
        self.tls = True

    def hold(self) -> None:
        """Keeps the connection open, saying nothing, until the test ends."""
        self.stopping.wait()


#: What a misbehaving server does instead of its normal answer; gets the peer and the line it
#: answers (empty on connect).
Action = Callable[[Peer, bytes], None]


def endless_line(prefix: bytes) -> Action:
    def act(peer: Peer, _line: bytes) -> None:
        peer.send(prefix)
        while not peer.stopping.is_set():
            peer.send(CHUNK)

    return act


def endless_lines(line: bytes) -> Action:
    batch = line * max(1, 65536 // len(line))

    def act(peer: Peer, _line: bytes) -> None:
        while not peer.stopping.is_set():
            peer.send(batch)

    return act


def blob(*parts: bytes) -> Action:
    def act(peer: Peer, _line: bytes) -> None:
        for part in parts:
            peer.send(part)
        peer.hold()

    return act


def tagged(template: bytes) -> Action:
    """An IMAP answer carrying the command's own tag (``{tag}`` in the template)."""

    def act(peer: Peer, line: bytes) -> None:
        tag = line.split(b" ", 1)[0]
        peer.send(template.replace(b"{tag}", tag))
        peer.hold()

    return act


def drip(data: bytes, every: float) -> Action:
    """Sends ``data`` a byte at a time: each byte well within the step timeout."""

    def act(peer: Peer, _line: bytes) -> None:
        for i in range(len(data)):
            peer.send(data[i : i + 1])
            if peer.stopping.wait(every):
                return
        peer.hold()

    return act


def silence(peer: Peer, _line: bytes) -> None:
    peer.hold()


def reset_after(answer: bytes = b"") -> Action:
    """Answers (the STARTTLS go-ahead, say), waits for the ClientHello, then resets (RST)."""

    def act(peer: Peer, line: bytes) -> None:
        peer.send(answer.replace(b"{tag}", line.split(b" ", 1)[0]))
        peer.recv_some()
        peer.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        peer.sock.close()

    return act


def alert_after(description: int, answer: bytes = b"") -> Action:
    """Answers, waits for the ClientHello, then sends a fatal TLS alert record."""

    def act(peer: Peer, line: bytes) -> None:
        peer.send(answer.replace(b"{tag}", line.split(b" ", 1)[0]))
        peer.recv_some()
        peer.send(bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, description]))
        peer.hold()

    return act


def plain_after(answer: bytes, plain: bytes) -> Action:
    """Agrees to encrypt, then answers the ClientHello in plain text."""

    def act(peer: Peer, line: bytes) -> None:
        tag = line.split(b" ", 1)[0]
        peer.send(answer.replace(b"{tag}", tag))
        peer.recv_some()
        peer.send(plain)
        peer.hold()

    return act


GREETINGS = {
    SMTP: b"220 mail.example.test ESMTP\r\n",
    IMAP: b"* OK test IMAP server ready\r\n",
    POP3: b"+OK test POP3 server ready\r\n",
}


def _normal(protocol: Protocol, peer: Peer, line: bytes) -> bytes | None:
    """A well-behaved server's answer; ``None`` ends the conversation."""
    if protocol is SMTP:
        verb = line.split(b" ", 1)[0].upper()
        if verb in (b"EHLO", b"HELO"):
            starttls = b"" if peer.tls else b"250-STARTTLS\r\n"
            return b"250-mail.example.test\r\n" + starttls + b"250 AUTH PLAIN LOGIN\r\n"
        if verb == b"STARTTLS":
            peer.send(b"220 2.0.0 Ready to start TLS\r\n")
            peer.secure()
            return b""
        if verb == b"QUIT":
            peer.send(b"221 2.0.0 Bye\r\n")
            return None
        return {b"AUTH": b"235 2.7.0 Accepted\r\n"}.get(verb, b"250 2.0.0 OK\r\n")
    if protocol is IMAP:
        tag, _, rest = line.partition(b" ")
        verb = rest.split(b" ", 1)[0].upper()
        if verb == b"CAPABILITY":
            caps = b"IMAP4rev1 AUTH=PLAIN" if peer.tls else b"IMAP4rev1 STARTTLS LOGINDISABLED"
            return b"* CAPABILITY " + caps + b"\r\n" + tag + b" OK done\r\n"
        if verb == b"STARTTLS":
            peer.send(tag + b" OK begin TLS\r\n")
            peer.secure()
            return b""
        if verb == b"LOGOUT":
            peer.send(b"* BYE\r\n" + tag + b" OK bye\r\n")
            return None
        return tag + b" OK done\r\n"
    verb = line.split(b" ", 1)[0].upper()
    if verb == b"CAPA":
        stls = b"" if peer.tls else b"STLS\r\n"
        return b"+OK\r\n" + stls + b"USER\r\nSASL PLAIN\r\n.\r\n"
    if verb == b"STLS":
        peer.send(b"+OK begin TLS\r\n")
        peer.secure()
        return b""
    if verb == b"QUIT":
        peer.send(b"+OK bye\r\n")
        return None
    return b"+OK\r\n"


def server_script(
    protocol: Protocol,
    security: Security,
    cert: trustme.LeafCert,
    trigger: str,
    action: Action,
    *,
    delay: float = 0.0,
) -> Callable[[socket.socket, threading.Event], None]:
    """A server that behaves until ``trigger`` ("connect", "greeting" or a command's verb),
    then runs ``action`` instead; ``delay`` holds back each normal answer."""

    def script(conn: socket.socket, stopping: threading.Event) -> None:
        peer = Peer(conn, stopping, cert)
        try:
            converse(peer)
        finally:
            peer.sock.close()  # the TLS socket, when there is one, replaced ``conn``

    def converse(peer: Peer) -> None:
        stopping = peer.stopping
        if trigger == "connect":
            action(peer, b"")
            return
        if security is TLS:
            peer.secure()
        if trigger == "greeting":
            action(peer, b"")
            return
        if delay and stopping.wait(delay):
            return
        peer.send(GREETINGS[protocol])
        while (line := peer.readline()) is not None:
            words = line.split(b" ")
            verb = words[1 if protocol is IMAP and len(words) > 1 else 0].upper()
            if verb == trigger.encode():
                action(peer, line)
                return
            if delay and stopping.wait(delay):
                return
            answer = _normal(protocol, peer, line)
            if answer is None:
                break
            peer.send(answer)

    return script


# -- the corpus ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One way to misbehave, and what the probe must make of it."""

    id: str
    protocol: Protocol
    security: Security
    trigger: str
    action: Action
    stages: frozenset[StageName]
    outcome: Outcome
    reasons: frozenset[Reason]
    headline: str
    """Words the finding's headline must contain."""
    quick: bool = False
    """The probe must see through it at once, without waiting for any timeout."""
    delay: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def case(
    id: str,
    protocol: Protocol,
    security: Security,
    trigger: str,
    action: Action,
    stage: StageName | set[StageName],
    outcome: Outcome,
    reasons: Reason | set[Reason],
    headline: str,
    **kwargs: object,
) -> Case:
    stages = frozenset(stage if isinstance(stage, set) else {stage})
    found = frozenset(reasons if isinstance(reasons, set) else {reasons})
    return Case(id, protocol, security, trigger, action, stages, outcome, found, headline, **kwargs)  # type: ignore[arg-type]


NOT_MAIL = "Something other than a mail server answers"
TOO_LONG, NOT_REPLY = Reason.REPLY_TOO_LONG, Reason.NOT_SMTP_REPLY
EHLO_, CAPS = StageName.EHLO, StageName.CAPABILITIES
GREETING, TLS_STAGE = StageName.GREETING, StageName.TLS

# A table reads best as a table.
# fmt: off
SMTP_CASES = [
    # lines and replies without end
    case("line-never-ends", SMTP, STARTTLS, "greeting", endless_line(b"220 "), GREETING,
         Outcome.NOT_SMTP, TOO_LONG, NOT_MAIL, quick=True),
    case("multiline-never-ends", SMTP, STARTTLS, "greeting", endless_lines(b"220-hello\r\n"),
         GREETING, Outcome.NOT_SMTP, TOO_LONG, NOT_MAIL, quick=True),
    case("ehlo-never-ends", SMTP, STARTTLS, "EHLO", endless_lines(b"250-PIPELINING\r\n"),
         EHLO_, Outcome.NOT_SMTP, TOO_LONG, NOT_MAIL, quick=True),
    case("ehlo-never-ends-encrypted", SMTP, TLS, "EHLO", endless_lines(b"250-SIZE\r\n"),
         EHLO_, Outcome.NOT_SMTP, TOO_LONG, NOT_MAIL, quick=True),
    # a megabyte: in one line, and in lines short enough to pass one by one
    case("megabyte-line", SMTP, STARTTLS, "EHLO", blob(b"250 ", MEGABYTE, b"\r\n"), EHLO_,
         Outcome.NOT_SMTP, TOO_LONG, NOT_MAIL, quick=True),
    case("megabyte-of-lines", SMTP, STARTTLS, "EHLO",
         endless_lines(b"250-" + b"z" * 7990 + b"\r\n"), EHLO_, Outcome.NOT_SMTP, TOO_LONG,
         NOT_MAIL, quick=True),
    # not the protocol at all
    case("binary-garbage", SMTP, STARTTLS, "greeting", blob(GARBAGE), GREETING,
         Outcome.NOT_SMTP, {NOT_REPLY, TOO_LONG}, NOT_MAIL, quick=True),
    case("garbage-after-ehlo", SMTP, STARTTLS, "EHLO", blob(GARBAGE), EHLO_,
         Outcome.NOT_SMTP, {NOT_REPLY, TOO_LONG}, NOT_MAIL, quick=True),
    case("code-600", SMTP, STARTTLS, "greeting", blob(b"600 mail.example.test ready\r\n"),
         GREETING, Outcome.NOT_SMTP, NOT_REPLY, NOT_MAIL, quick=True),
    case("code-four-digits", SMTP, STARTTLS, "greeting", blob(b"2200 ready\r\n"), GREETING,
         Outcome.NOT_SMTP, NOT_REPLY, NOT_MAIL, quick=True),
    case("code-letters", SMTP, STARTTLS, "greeting", blob(b"22O ready\r\n"), GREETING,
         Outcome.NOT_SMTP, NOT_REPLY, NOT_MAIL, quick=True),
    case("code-1xx", SMTP, STARTTLS, "greeting", blob(b"199 ready\r\n"), GREETING,
         Outcome.NOT_SMTP, NOT_REPLY, NOT_MAIL, quick=True),
    case("greeting-250", SMTP, STARTTLS, "greeting", blob(b"250 ready\r\n"), GREETING,
         Outcome.NOT_SMTP, Reason.PROTOCOL_ERROR, NOT_MAIL, quick=True),
    case("ehlo-code-999", SMTP, STARTTLS, "EHLO", blob(b"999 what\r\n"), EHLO_,
         Outcome.NOT_SMTP, NOT_REPLY, NOT_MAIL, quick=True),
    case("terminal-escapes", SMTP, STARTTLS, "greeting",
         blob(b"554 5.7.1 \x1b]0;owned\x07\x1b[2J\x1b[31mblocked\x9b6n\xe2\x80\xae\r\n"),
         GREETING, Outcome.REFUSED, Reason.GREETING_REJECTED, "refuses to talk to you"),
    case("ehlo-terminal-escapes", SMTP, STARTTLS, "EHLO",
         blob(b"250-mail.example.test\r\n250-\x1b[2JSTARTTLS\r\n250 AUTH PLAIN\r\n"),
         StageName.STARTTLS, Outcome.NO_STARTTLS, Reason.STARTTLS_NOT_OFFERED,
         "cannot encrypt"),
    case("multiline-changes-to-garbage", SMTP, STARTTLS, "EHLO",
         blob(b"250-mail.example.test\r\nSTARTTLS\r\n"), EHLO_, Outcome.NOT_SMTP, NOT_REPLY,
         NOT_MAIL, quick=True),
    # slow and silent
    case("greeting-drips", SMTP, STARTTLS, "greeting",
         drip(b"220 mail.example.test ESMTP ready\r\n", 0.2), GREETING, Outcome.TIMEOUT,
         Reason.GREETING_TIMEOUT, "never said hello"),
    case("ehlo-drips", SMTP, STARTTLS, "EHLO",
         drip(b"250-mail.example.test\r\n250 STARTTLS\r\n", 0.2), EHLO_, Outcome.TIMEOUT,
         Reason.REPLY_TIMEOUT, "stopped answering"),
    case("greeting-then-silence", SMTP, STARTTLS, "EHLO", silence, EHLO_, Outcome.TIMEOUT,
         Reason.REPLY_TIMEOUT, "stopped answering"),
    # each answer within its step's time, but the whole conversation over its budget
    case("every-answer-late", SMTP, STARTTLS, "never", silence, {EHLO_, StageName.STARTTLS},
         Outcome.TIMEOUT, Reason.TIME_LIMIT, "stopped answering", delay=0.6,
         extra={"total_timeout": 1.5}),
    # the TLS handshake broken off
    case("reset-in-handshake", SMTP, TLS, "connect", reset_after(), TLS_STAGE,
         Outcome.TLS_ERROR, Reason.HANDSHAKE_EOF, "could not be set up", quick=True),
    case("reset-in-starttls-handshake", SMTP, STARTTLS, "STARTTLS",
         reset_after(b"220 2.0.0 go ahead\r\n"), TLS_STAGE, Outcome.TLS_ERROR,
         Reason.HANDSHAKE_EOF, "could not be set up", quick=True),
    case("alert-handshake-failure", SMTP, TLS, "connect", alert_after(40), TLS_STAGE,
         Outcome.TLS_ERROR, Reason.HANDSHAKE_FAILED, "could not be set up", quick=True),
    case("alert-protocol-version", SMTP, STARTTLS, "STARTTLS",
         alert_after(70, b"220 2.0.0 go ahead\r\n"), TLS_STAGE, Outcome.TLS_ERROR,
         Reason.PROTOCOL_VERSION, "outdated", quick=True),
    case("starttls-then-plain-text", SMTP, STARTTLS, "STARTTLS",
         plain_after(b"220 2.0.0 go ahead\r\n", b"250 mail.example.test still plain\r\n"),
         TLS_STAGE, Outcome.TLS_ERROR, Reason.PLAIN_PORT, "then went on without encryption",
         quick=True),
    case("starttls-then-silence", SMTP, STARTTLS, "STARTTLS",
         blob(b"220 2.0.0 go ahead\r\n"), TLS_STAGE, Outcome.TIMEOUT,
         Reason.HANDSHAKE_TIMEOUT, "did not answer the encryption"),
]

INCOMING_CASES = [
    # IMAP
    case("imap-line-never-ends", IMAP, STARTTLS, "greeting", endless_line(b"* OK "), GREETING,
         Outcome.NOT_SMTP, TOO_LONG, NOT_MAIL, quick=True),
    case("imap-untagged-never-ends", IMAP, STARTTLS, "CAPABILITY",
         endless_lines(b"* CAPABILITY IMAP4rev1\r\n"), CAPS, Outcome.NOT_SMTP, TOO_LONG,
         NOT_MAIL),
    case("imap-megabyte-literal", IMAP, STARTTLS, "CAPABILITY",
         blob(b"* CAPABILITY {1048576}\r\n", MEGABYTE), CAPS, Outcome.NOT_SMTP, TOO_LONG,
         NOT_MAIL, quick=True),
    case("imap-huge-literal-announced", IMAP, TLS, "CAPABILITY",
         blob(b"* CAPABILITY {99999999999999999999}\r\n"), CAPS, Outcome.TIMEOUT,
         {Reason.REPLY_TIMEOUT, TOO_LONG}, "stopped answering"),
    case("imap-garbage", IMAP, STARTTLS, "greeting", blob(GARBAGE), GREETING,
         Outcome.NOT_SMTP, {NOT_REPLY, TOO_LONG, Reason.PROTOCOL_ERROR}, NOT_MAIL, quick=True),
    case("imap-bad-greeting", IMAP, STARTTLS, "greeting", blob(b"* HELLO there\r\n"),
         GREETING, Outcome.NOT_SMTP, {NOT_REPLY, Reason.PROTOCOL_ERROR}, NOT_MAIL, quick=True),
    case("imap-foreign-tag", IMAP, STARTTLS, "CAPABILITY", tagged(b"ZZZ9 OK done\r\n"), CAPS,
         Outcome.NOT_SMTP, {NOT_REPLY, Reason.PROTOCOL_ERROR}, NOT_MAIL, quick=True),
    case("imap-unknown-status", IMAP, STARTTLS, "CAPABILITY", tagged(b"{tag} MAYBE done\r\n"),
         CAPS, Outcome.NOT_SMTP, {NOT_REPLY, Reason.PROTOCOL_ERROR}, NOT_MAIL, quick=True),
    case("imap-greeting-drips", IMAP, STARTTLS, "greeting", drip(b"* OK ready\r\n", 0.2),
         GREETING, Outcome.TIMEOUT, Reason.GREETING_TIMEOUT, "never said hello"),
    case("imap-greeting-then-silence", IMAP, STARTTLS, "CAPABILITY", silence, CAPS,
         Outcome.TIMEOUT, Reason.REPLY_TIMEOUT, "stopped answering"),
    case("imap-reset-in-handshake", IMAP, TLS, "connect", reset_after(), TLS_STAGE,
         Outcome.TLS_ERROR, Reason.HANDSHAKE_EOF, "could not be set up", quick=True),
    case("imap-alert", IMAP, STARTTLS, "STARTTLS", alert_after(40, b"{tag} OK begin\r\n"),
         TLS_STAGE, Outcome.TLS_ERROR, Reason.HANDSHAKE_FAILED, "could not be set up",
         quick=True),
    case("imap-starttls-then-plain-text", IMAP, STARTTLS, "STARTTLS",
         plain_after(b"{tag} OK begin\r\n", b"* OK still plain\r\n"), TLS_STAGE,
         Outcome.TLS_ERROR, Reason.PLAIN_PORT, "then went on without encryption",
         quick=True),
    # POP3
    case("pop3-line-never-ends", POP3, STARTTLS, "greeting", endless_line(b"+OK "), GREETING,
         Outcome.NOT_SMTP, TOO_LONG, NOT_MAIL, quick=True),
    case("pop3-capa-never-ends", POP3, STARTTLS, "CAPA", endless_lines(b"+OK\r\nX-CAP\r\n"),
         CAPS, Outcome.NOT_SMTP, TOO_LONG, NOT_MAIL, quick=True),
    case("pop3-megabyte-line", POP3, TLS, "CAPA", blob(b"+OK ", MEGABYTE, b"\r\n"), CAPS,
         Outcome.NOT_SMTP, TOO_LONG, NOT_MAIL, quick=True),
    case("pop3-capa-unreadable", POP3, STARTTLS, "CAPA",
         blob(b"+OK\r\n\r\n\xff\xfe\r\nUSER\r\n.\r\n"), StageName.STARTTLS,
         Outcome.NO_STARTTLS, Reason.STARTTLS_NOT_OFFERED, "cannot encrypt"),
    case("pop3-garbage", POP3, STARTTLS, "greeting", blob(GARBAGE), GREETING,
         Outcome.NOT_SMTP, {NOT_REPLY, TOO_LONG}, NOT_MAIL, quick=True),
    case("pop3-bad-greeting", POP3, STARTTLS, "greeting", blob(b"OK ready\r\n"), GREETING,
         Outcome.NOT_SMTP, {NOT_REPLY, Reason.PROTOCOL_ERROR}, NOT_MAIL, quick=True),
    case("pop3-greeting-drips", POP3, STARTTLS, "greeting", drip(b"+OK ready\r\n", 0.2),
         GREETING, Outcome.TIMEOUT, Reason.GREETING_TIMEOUT, "never said hello"),
    case("pop3-greeting-then-silence", POP3, STARTTLS, "CAPA", silence, CAPS,
         Outcome.TIMEOUT, Reason.REPLY_TIMEOUT, "stopped answering"),
    case("pop3-reset-in-starttls-handshake", POP3, STARTTLS, "STLS",
         reset_after(b"+OK begin\r\n"), TLS_STAGE, Outcome.TLS_ERROR, Reason.HANDSHAKE_EOF,
         "could not be set up", quick=True),
    case("pop3-alert", POP3, TLS, "connect", alert_after(70), TLS_STAGE, Outcome.TLS_ERROR,
         Reason.PROTOCOL_VERSION, "outdated", quick=True),
    case("pop3-stls-then-plain-text", POP3, STARTTLS, "STLS",
         plain_after(b"+OK begin\r\n", b"+OK still plain\r\n"), TLS_STAGE, Outcome.TLS_ERROR,
         Reason.PLAIN_PORT, "then went on without encryption", quick=True),
]

# fmt: on

CASES = SMTP_CASES + INCOMING_CASES


@pytest.fixture(scope="module")
def context(certs: CertSet) -> ssl.SSLContext:
    return make_tls_context(str(certs.ca_file))


def run_probe(
    c: Case, port: int, context: ssl.SSLContext, resolver: StaticResolver
) -> tuple[ProbeResult, float, int]:
    """Probes the case's server with a login; returns the result, seconds taken, peak bytes."""
    options = ProbeOptions(timeout=STEP, total_timeout=c.extra.get("total_timeout", BUDGET))
    candidate = Candidate(HOST, port, c.security, protocol=c.protocol)
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = probe_candidate(
            candidate,
            options,
            email=parse_email(USER),
            credentials=Credentials(USER, PASSWORD),
            context=context,
            resolver=resolver,
        )
        elapsed = time.monotonic() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, elapsed, peak


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_hostile_server(
    c: Case,
    scripted: StartScripted,
    certs: CertSet,
    context: ssl.SSLContext,
    resolver: StaticResolver,
) -> None:
    server = scripted(
        server_script(c.protocol, c.security, certs.good, c.trigger, c.action, delay=c.delay)
    )
    result, elapsed, peak = run_probe(c, server.port, context, resolver)

    budget = ProbeOptions(timeout=STEP, total_timeout=c.extra.get("total_timeout", BUDGET)).budget
    assert elapsed < budget + SLACK, f"took {elapsed:.2f} s"
    if c.quick:
        assert elapsed < STEP, f"waited {elapsed:.2f} s for something it could see at once"
    assert peak < MEMORY_BOUND, f"peak {peak / 1024:.0f} KiB"

    failed = result.failed_stage
    assert failed is not None
    assert result.outcome is c.outcome, (result.outcome, result.reason, failed.detail)
    assert result.reason in c.reasons, (result.reason, failed.detail)
    assert failed.name in c.stages, (failed.name, failed.detail)
    assert failed.detail
    assert len(failed.detail) < 1000
    # never logged in: a broken conversation is not a place for a password
    assert result.auth.attempts == 0
    sent = " ".join(line.text for line in result.transcript if line.direction == "C")
    assert "AUTH" not in sent
    assert "LOGIN" not in sent
    assert "PASS" not in sent

    finding = explain(result)
    assert c.headline in finding.headline, finding.headline
    assert finding.explanation
    assert finding.advice
    assert "Traceback" not in finding.explanation
    # whatever the server sent, nothing it said can steer the terminal or page showing it
    shown = [finding.headline, finding.explanation, finding.advice]
    shown += [value for _label, value in finding.evidence]
    shown += [stage.detail for stage in result.stages]
    shown += [str(stage.reply) for stage in result.stages if stage.reply is not None]
    shown += [line.text for line in result.transcript]
    shown += list(result.features)
    assert [text for text in shown if not readable(text)] == []


def readable(text: str) -> bool:
    """Whether ``text`` holds only characters that show as themselves (and line ends)."""
    return all(ch.isprintable() or ch in "\t\n" for ch in text)


# -- through the command line ----------------------------------------------------------------

CLI_CASES = {c.id: c for c in CASES}


@pytest.mark.parametrize(
    "case_id",
    [
        "ehlo-never-ends",
        "binary-garbage",
        "greeting-drips",
        "reset-in-starttls-handshake",
        "terminal-escapes",
    ],
)
def test_hostile_server_through_the_cli(
    case_id: str, scripted: StartScripted, certs: CertSet
) -> None:
    c = CLI_CASES[case_id]
    server = scripted(server_script(c.protocol, c.security, certs.good, c.trigger, c.action))
    started = time.monotonic()
    run = smtpwizard(
        *probe_args(server.port, "--security", str(c.security), "--cafile", str(certs.ca_file)),
        *("--timeout", str(STEP), "--json"),
    )
    elapsed = time.monotonic() - started
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    # the interpreter's start-up is in this figure too, hence the generous allowance
    assert elapsed < ProbeOptions(timeout=STEP).budget, f"took {elapsed:.2f} s"
    doc = json.loads(run.stdout)
    assert doc["recommended"] is None
    [candidate] = doc["candidates"]
    assert candidate["outcome"] == str(c.outcome)
    assert c.headline in candidate["finding"]["headline"]
    human = smtpwizard(*[a for a in run.args[3:] if a != "--json"])
    assert human.returncode == 1
    assert "Traceback" not in human.stderr
    assert c.headline in human.stdout
    assert readable(human.stdout + human.stderr)


def test_ipv6_loopback_hostile_server(
    scripted: StartScripted, certs: CertSet, context: ssl.SSLContext
) -> None:
    c = CLI_CASES["megabyte-of-lines"]
    server = scripted(
        server_script(c.protocol, c.security, certs.good, c.trigger, c.action), host="::1"
    )
    result, elapsed, peak = run_probe(c, server.port, context, StaticResolver({HOST: ["::1"]}))
    assert (result.outcome, result.reason) == (Outcome.NOT_SMTP, Reason.REPLY_TOO_LONG)
    assert elapsed < STEP
    assert peak < MEMORY_BOUND


def test_the_corpus_covers_every_protocol() -> None:
    assert {c.protocol for c in CASES} == {SMTP, IMAP, POP3}
    assert len({c.id for c in CASES}) == len(CASES)
