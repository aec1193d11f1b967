"""Property-based tests: reading SMTP, IMAP and POP3 replies, whatever the server sends.

Each example feeds bytes through a socket pair (the server's end is written in full and
closed, so nothing can wait on a server that is still thinking) into the real conversation
classes. Properties: only the engine's own errors (:class:`~smtpwizard.core.errors.ProbeError`)
come out; nothing hangs; what is returned is well formed; no password reaches the transcript.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from smtpwizard.core.errors import ProbeError
from smtpwizard.core.login import Credentials
from smtpwizard.core.model import Reply
from smtpwizard.core.net.channel import MAX_LINE
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.net.channel import Channel
from smtpwizard.core.net.transcript import Redactor
from smtpwizard.core.net.transcript import Transcript
from smtpwizard.core.probe.imap import ImapConversation
from smtpwizard.core.probe.pop3 import Pop3Conversation
from smtpwizard.core.probe.smtp import MAX_CHALLENGES
from smtpwizard.core.probe.smtp import Conversation
from tests.support.secrets import leaks

HOST = "mail.example.test"
USER = "alice@example.test"
PASSWORD = "correct horse ß battery 9!"
#: Seconds one example may take at most; everything it reads is already there.
QUICK = 2.0

SETTINGS = settings(
    deadline=None,
    max_examples=150,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@contextmanager
def feeding(data: bytes) -> Iterator[tuple[Channel, socket.socket]]:
    """A channel whose server has already said ``data`` and hung up."""
    ours, theirs = socket.socketpair()
    cancel = CancelToken()
    channel = Channel(ours, cancel=cancel, total_deadline=time.monotonic() + 2 * QUICK)
    try:
        theirs.sendall(data)
        theirs.shutdown(socket.SHUT_WR)
        channel.start_step(QUICK)
        yield channel, theirs
    finally:
        channel.close()
        theirs.close()
        cancel.close()


def transcript() -> Transcript:
    return Transcript(Redactor([PASSWORD]))


def shows_as_itself(text: str) -> bool:
    """No control or invisible character a terminal or page could act on (line ends aside)."""
    return all(ch.isprintable() or ch in "\t\n" for ch in text)


def no_password_in(t: Transcript) -> None:
    text = "\n".join(line.text for line in t.lines)
    assert leaks(text, PASSWORD, USER) == []


# -- what servers send -----------------------------------------------------------------------

CRLF = st.sampled_from([b"\r\n", b"\n", b"\r\n", b"\r\r\n"])
TEXT = st.binary(max_size=80).map(lambda b: b.replace(b"\n", b" "))
CODE = st.one_of(
    st.sampled_from([b"220", b"250", b"235", b"334", b"354", b"421", b"454", b"535", b"554"]),
    st.integers(0, 999).map(lambda n: str(n).encode()),
    st.binary(min_size=0, max_size=4).map(lambda b: b.replace(b"\n", b"")),
)
SEPARATOR = st.sampled_from([b" ", b"-", b"", b"\t", b"x"])


@st.composite
def smtp_lines(draw: st.DrawFn) -> bytes:
    """Reply lines, mostly shaped like SMTP, some broken, now and then far too long."""
    parts = []
    for _ in range(draw(st.integers(0, 12))):
        if draw(st.integers(0, 30)) == 0:
            parts.append(draw(CODE) + b" " + b"x" * draw(st.integers(MAX_LINE - 10, MAX_LINE + 10)))
        else:
            parts.append(draw(CODE) + draw(SEPARATOR) + draw(TEXT))
        parts.append(draw(CRLF))
    return b"".join(parts)


SMTP_BYTES = st.one_of(smtp_lines(), st.binary(max_size=3000))


# -- SMTP ------------------------------------------------------------------------------------


@SETTINGS
@given(data=SMTP_BYTES)
@example(data=b"220-a\r\n" * 150)
@example(data=b"250 " + b"x" * (MAX_LINE + 1) + b"\r\n")
def test_smtp_replies(data: bytes) -> None:
    started = time.monotonic()
    with feeding(data) as (channel, _server):
        conv = Conversation(channel, HOST, "[127.0.0.1]", transcript())
        for _ in range(len(data) + 1):
            try:
                reply = conv.read_reply()
            except ProbeError:
                break
            assert 200 <= reply.code <= 599
            assert shows_as_itself(reply.text)
            str(reply)  # the forms the diagnosis uses
            _ = reply.enhanced
    assert time.monotonic() - started < QUICK


@SETTINGS
@given(data=SMTP_BYTES)
@example(data=b"250-x\r\n250-AUTH\r\n250 AUTH=PLAIN\xff PLAIN plain\r\n")
def test_smtp_ehlo_features(data: bytes) -> None:
    with feeding(data) as (channel, _server):
        conv = Conversation(channel, HOST, "[127.0.0.1]", transcript())
        try:
            code, _message = conv.ehlo()
        except ProbeError:
            return
        assert 200 <= code <= 599
        mechanisms = conv.offered_mechanisms()
        assert all(m and m == m.upper() and " " not in m for m in mechanisms)
        assert len(set(mechanisms)) == len(mechanisms)
        conv.has_extn("starttls")


@st.composite
def auth_exchanges(draw: st.DrawFn) -> bytes:
    """Challenges (334, valid base64 or not), then some end, or none."""
    parts = []
    for _ in range(draw(st.integers(0, 9))):
        challenge = draw(st.one_of(st.binary(max_size=40).map(_b64), TEXT))
        parts.append(b"334 " + challenge + b"\r\n")
    parts.append(draw(st.one_of(smtp_lines(), st.just(b"235 2.7.0 ok\r\n"), st.just(b""))))
    return b"".join(parts)


def _b64(raw: bytes) -> bytes:
    import base64

    return base64.b64encode(raw)


@SETTINGS
@given(
    mechanism=st.sampled_from(["PLAIN", "LOGIN", "CRAM-MD5"]),
    data=auth_exchanges(),
    password=st.text(min_size=1, max_size=20),
)
def test_smtp_auth_exchange(mechanism: str, data: bytes, password: str) -> None:
    t = Transcript(Redactor([password]))
    with feeding(data) as (channel, server):
        conv = Conversation(channel, HOST, "[127.0.0.1]", t)
        try:
            reply = conv.authenticate(mechanism, Credentials(USER, password))
        except ProbeError:
            reply = None
        if reply is not None:
            assert isinstance(reply, Reply)
        server.settimeout(QUICK)
        sent = _drain(server)
    # AUTH, at most one answer per challenge the mechanism has (the rest aborted with "*")
    assert sent.count(b"\r\n") <= 1 + MAX_CHALLENGES + 1
    text = "\n".join(line.text for line in t.lines)
    if len(password) >= 4:  # shorter ones can appear in any text by chance
        assert leaks(text, password, USER) == []


def _drain(sock: socket.socket) -> bytes:
    chunks = []
    sock.setblocking(False)
    while True:
        try:
            chunk = sock.recv(65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


# -- IMAP ------------------------------------------------------------------------------------

TAG = b"{tag}"


@st.composite
def imap_lines(draw: st.DrawFn) -> bytes:
    """IMAP responses: untagged, tagged (with our tag or another), continuations, literals."""
    atoms = st.sampled_from(
        [b"OK", b"NO", b"BAD", b"BYE", b"PREAUTH", b"CAPABILITY", b"IMAP4rev1", b"STARTTLS",
         b"AUTH=PLAIN", b"LOGINDISABLED", b"[ALERT]", b"[CAPABILITY", b"]", b"(", b")", b"\"",
         b"*", b"+", b"NIL", b"{5}", b"\xff", b""]
    )  # fmt: skip
    parts = []
    for _ in range(draw(st.integers(0, 10))):
        start = draw(st.sampled_from([b"* ", TAG + b" ", b"+ ", b"A999 ", b"", b"*"]))
        words = draw(st.lists(st.one_of(atoms, TEXT), max_size=6))
        line = start + b" ".join(words)
        if draw(st.integers(0, 8)) == 0:
            size = draw(st.integers(0, 40))
            line += (
                b" {"
                + str(size).encode()
                + b"}\r\n"
                + draw(st.binary(min_size=size, max_size=size))
            )
        parts.append(line + draw(CRLF))
    return b"".join(parts)


IMAP_BYTES = st.one_of(imap_lines(), st.binary(max_size=2000))


@SETTINGS
@given(data=IMAP_BYTES, login=st.booleans())
@example(data=b"* OK hi\r\n* CAPABILITY {99999999999}\r\n", login=False)
@example(data=b"* OK hi\r\n{tag} BAD [b'\\xff'\r\n", login=False)
def test_imap_responses(data: bytes, login: bool) -> None:
    started = time.monotonic()
    t = transcript()
    ours, theirs = socket.socketpair()
    cancel = CancelToken()
    channel = Channel(ours, cancel=cancel, total_deadline=time.monotonic() + 2 * QUICK)
    try:
        conv = ImapConversation(channel, HOST, t)
        # tags are numbered from 0 after a random prefix; the first command gets the first
        tag = conv.tagpre + b"0"
        theirs.sendall(data.replace(TAG, tag))
        theirs.shutdown(socket.SHUT_WR)
        channel.start_step(QUICK)
        try:
            assert shows_as_itself(conv.greet().text)
            caps = conv.list_capabilities()
            assert all(c == c.upper() and shows_as_itself(c) for c in caps)
            if login:
                assert shows_as_itself(conv.login_command(Credentials(USER, PASSWORD)).text)
            else:
                assert shows_as_itself(conv.starttls_command().text)
        except ProbeError:
            pass
    finally:
        channel.close()
        theirs.close()
        cancel.close()
    assert time.monotonic() - started < QUICK
    no_password_in(t)


# -- POP3 ------------------------------------------------------------------------------------


@st.composite
def pop3_lines(draw: st.DrawFn) -> bytes:
    starts = st.sampled_from([b"+OK", b"-ERR", b"+", b".", b"..", b"", b"STLS", b"USER", b"SASL"])
    parts = []
    for _ in range(draw(st.integers(0, 14))):
        parts.append(draw(starts) + draw(st.sampled_from([b" ", b""])) + draw(TEXT) + draw(CRLF))
    return b"".join(parts)


POP3_BYTES = st.one_of(pop3_lines(), st.binary(max_size=2000))


@SETTINGS
@given(data=POP3_BYTES, login=st.booleans())
@example(data=b"+OK hi\r\n+OK\r\n\r\n\xff\r\n.\r\n", login=False)
def test_pop3_responses(data: bytes, login: bool) -> None:
    started = time.monotonic()
    t = transcript()
    with feeding(data) as (channel, _server):
        conv = Pop3Conversation(channel, HOST, t)
        try:
            assert shows_as_itself(conv.greet().text)
            caps = conv.list_capabilities()
            if caps is not None:
                assert all(name and shows_as_itself(name) for name in caps)
                assert all(shows_as_itself(" ".join(args)) for args in caps.values())
            credentials = Credentials(USER, PASSWORD)
            reply: Any = (
                conv.login_user_pass(credentials) if login else conv.login_plain(credentials)
            )
            assert isinstance(reply.text, str)
        except ProbeError:
            pass
    assert time.monotonic() - started < QUICK
    no_password_in(t)
