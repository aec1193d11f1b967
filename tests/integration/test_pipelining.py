"""Command pipelining (RFC 2920) in the sender and recipient check and the test message, and
the goodbye that is not waited for: same stages, same readings, fewer round trips."""

from __future__ import annotations

import base64
import socket
import threading
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import pytest

from smtpwizard.core.login import Credentials
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Security
from smtpwizard.core.model import StageName
from smtpwizard.core.model import StageResult
from smtpwizard.core.model import TranscriptLine
from smtpwizard.core.net.address import parse_email
from smtpwizard.core.net.resolve import StaticResolver
from smtpwizard.core.probe.options import ProbeOptions
from smtpwizard.core.probe.runner import probe_candidate
from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.support.certs import CertSet
from tests.support.listeners import ScriptedServer
from tests.support.mailboxd import dovecot_unavailable
from tests.support.mailboxd import start_dovecot
from tests.support.mailboxd import stop_dovecot
from tests.support.smtpd import SmtpServer

HOST = "mail.example.test"
ENVELOPE = [StageName.MAIL_FROM, StageName.RCPT_TO]


def read_chunks(conn: socket.socket) -> Iterator[list[bytes]]:
    """The complete lines of each chunk the client sends, as they come, until it closes."""
    pending = b""
    while True:
        data = conn.recv(65536)
        if not data:
            return
        pending += data
        *lines, pending = pending.split(b"\r\n")
        yield lines


@dataclass
class Envelope:
    """A plain-text SMTP peer without login (a relay) that answers the envelope as scripted.

    With ``pipelining``, it advertises PIPELINING and answers nothing of a group (MAIL FROM
    up to RSET or DATA) before it has the whole group: a client that waits for each reply
    before the next command never hears back. It keeps each chunk it received, as lines.
    """

    pipelining: bool = True
    sender: bytes = b"250 2.1.0 sender ok"
    recipient: bytes = b"250 2.1.5 recipient ok"
    data: bytes = b"354 go ahead"
    chunks: list[list[bytes]] = field(default_factory=list)
    message: list[bytes] = field(default_factory=list)
    answers_quit: bool = True
    quit_seen: threading.Event = field(default_factory=threading.Event)

    def reply_to(self, verb: bytes, sender_taken: bool) -> bytes:
        if verb == b"RCPT" and not sender_taken:
            return b"503 5.5.1 MAIL first"
        return {
            b"MAIL": self.sender,
            b"RCPT": self.recipient,
            b"RSET": b"250 2.0.0 reset",
            b"DATA": self.data,
        }.get(verb, b"502 5.5.2 no")

    def __call__(self, conn: socket.socket, stopping: threading.Event) -> None:
        conn.sendall(b"220 relay.example.test ESMTP\r\n")
        group: list[bytes] = []
        in_message = False
        for lines in read_chunks(conn):
            self.chunks.append(lines)
            for line in lines:
                if in_message:
                    if line == b".":
                        in_message = False
                        conn.sendall(b"250 2.0.0 queued as 42\r\n")
                    else:
                        self.message.append(line)
                    continue
                verb = line.split(b" ", 1)[0].upper()
                if verb == b"EHLO":
                    extensions = b"250-PIPELINING\r\n" if self.pipelining else b""
                    conn.sendall(b"250-relay.example.test\r\n" + extensions + b"250 8BITMIME\r\n")
                elif verb == b"QUIT":
                    self.quit_seen.set()
                    if self.answers_quit:
                        conn.sendall(b"221 2.0.0 bye\r\n")
                    stopping.wait()
                    return
                elif self.pipelining and verb in (b"MAIL", b"RCPT"):
                    group.append(verb)
                else:
                    group.append(verb)
                    taken = self.sender.startswith(b"250")
                    for asked in group:
                        conn.sendall(self.reply_to(asked, taken) + b"\r\n")
                    in_message = verb == b"DATA" and self.data.startswith(b"354")
                    group = []


@pytest.fixture
def relay(
    scripted: Callable[..., ScriptedServer],
) -> Callable[..., tuple[Envelope, int]]:
    def start(**kwargs: object) -> tuple[Envelope, int]:
        script = Envelope(**kwargs)  # type: ignore[arg-type]
        return script, scripted(script).port

    return start


def check(port: int, send_test: bool = False, gate: bool = False) -> ProbeResult:
    """Probes the relay without a login (it offers none), with the dry run or the message."""

    def yes(stage: StageResult, transcript: tuple[TranscriptLine, ...]) -> bool:
        return True

    return probe_candidate(
        Candidate(HOST, port, Security.NONE),
        ProbeOptions(timeout=3, send_test=send_test),
        email=parse_email(USER),
        resolver=StaticResolver({HOST: ["127.0.0.1"]}),
        gate=yes if gate else None,
    )


def stage(result: ProbeResult, name: StageName) -> StageResult:
    found = [s for s in result.stages if s.name is name]
    assert len(found) == 1, [str(s.name) for s in result.stages]
    return found[0]


def after_ehlo(result: ProbeResult) -> list[str]:
    names = [str(s.name) for s in result.stages]
    return names[names.index(str(StageName.AUTH_MECHANISMS)) + 1 :]


def client_lines(result: ProbeResult) -> list[str]:
    return [line.text for line in result.transcript if line.direction == "C"]


def server_lines(result: ProbeResult) -> list[str]:
    return [line.text for line in result.transcript if line.direction == "S"]


# -- the dry run -------------------------------------------------------------------------------


def test_the_dry_run_goes_in_one_flight_and_each_reply_is_its_own_stage(relay) -> None:
    server, port = relay()
    result = check(port)
    assert result.outcome is Outcome.INSECURE  # plain text, as the relay is: no failure
    assert after_ehlo(result) == ["mail_from", "rcpt_to", "rset", "quit"]
    assert [b"MAIL FROM:<alice@example.test>", b"RCPT TO:<alice@example.test>", b"RSET"] in (
        server.chunks
    )
    assert str(stage(result, StageName.MAIL_FROM).reply) == "250 2.1.0 sender ok"
    assert str(stage(result, StageName.RCPT_TO).reply) == "250 2.1.5 recipient ok"
    assert stage(result, StageName.RSET).ok
    assert result.send is not None
    assert result.send.ok


def test_without_pipelining_each_command_waits_for_its_reply(relay) -> None:
    server, port = relay(pipelining=False)
    result = check(port)
    assert after_ehlo(result) == ["mail_from", "rcpt_to", "rset", "quit"]
    assert all(len(chunk) == 1 for chunk in server.chunks)
    assert str(stage(result, StageName.RCPT_TO).reply) == "250 2.1.5 recipient ok"


def test_stepping_through_the_conversation_sends_one_command_at_a_time(relay) -> None:
    server, port = relay(pipelining=False)
    result = check(port, gate=True)
    assert after_ehlo(result) == ["mail_from", "rcpt_to", "rset", "quit"]
    assert all(len(chunk) == 1 for chunk in server.chunks)
    assert str(stage(result, StageName.QUIT).reply) == "221 2.0.0 bye"  # shown to the person


@pytest.mark.parametrize("pipelining", [True, False])
def test_a_refused_sender_reads_the_same_with_or_without_pipelining(
    relay, pipelining: bool
) -> None:
    _server, port = relay(pipelining=pipelining, sender=b"553 5.7.1 not your address")
    result = check(port)
    assert after_ehlo(result) == ["mail_from", "rset", "quit"]  # no recipient stage
    sender = stage(result, StageName.MAIL_FROM)
    assert not sender.ok
    assert str(sender.reply) == "553 5.7.1 not your address"
    assert stage(result, StageName.RSET).ok
    assert result.send is not None
    assert result.send.recipient is None
    if pipelining:  # the recipient's answer to a command sent ahead stays in the transcript
        assert "RCPT TO:<alice@example.test>" in client_lines(result)
        assert server_lines(result).count("503 5.5.1 MAIL first") == 1


@pytest.mark.parametrize("pipelining", [True, False])
def test_a_refused_recipient_reads_the_same_with_or_without_pipelining(
    relay, pipelining: bool
) -> None:
    _server, port = relay(pipelining=pipelining, recipient=b"550 5.1.1 no such user")
    result = check(port)
    assert after_ehlo(result) == ["mail_from", "rcpt_to", "rset", "quit"]
    assert stage(result, StageName.MAIL_FROM).ok
    recipient = stage(result, StageName.RCPT_TO)
    assert not recipient.ok
    assert recipient.reply is not None
    assert recipient.reply.code == 550


# -- the test message ------------------------------------------------------------------------------


def test_the_test_message_goes_with_its_envelope_in_one_flight(relay) -> None:
    server, port = relay()
    result = check(port, send_test=True)
    assert after_ehlo(result) == ["mail_from", "rcpt_to", "data", "quit"]
    assert [b"MAIL FROM:<alice@example.test>", b"RCPT TO:<alice@example.test>", b"DATA"] in (
        server.chunks
    )
    assert str(stage(result, StageName.DATA).reply) == "250 2.0.0 queued as 42"
    assert b"Subject: smtpwizard test message" in server.message
    assert result.send is not None
    assert result.send.message is not None


def test_a_data_accepted_without_recipients_gets_a_lone_dot_and_no_message(relay) -> None:
    server, port = relay(recipient=b"550 5.1.1 no such user")  # DATA answers 354 anyway
    result = check(port, send_test=True)
    assert after_ehlo(result) == ["mail_from", "rcpt_to", "rset", "quit"]
    assert not stage(result, StageName.RCPT_TO).ok
    assert server.message == []
    assert "." in client_lines(result)
    assert stage(result, StageName.RSET).ok


def test_a_refused_data_is_a_failed_step(relay) -> None:
    _server, port = relay(data=b"554 5.3.4 no messages today")
    result = check(port, send_test=True)
    data = stage(result, StageName.DATA)
    assert not data.ok
    assert str(data.reply) == "554 5.3.4 no messages today"
    assert result.send is not None
    assert not result.send.ok


# -- the goodbye -----------------------------------------------------------------------------------


def test_the_goodbye_is_not_waited_for(relay) -> None:
    server, port = relay(answers_quit=False)
    result = check(port)
    quit_stage = stage(result, StageName.QUIT)
    assert quit_stage.ok
    assert quit_stage.reply is None
    assert client_lines(result)[-1] == "QUIT"
    assert server.quit_seen.wait(5)  # it went out before the connection closed


# -- a real server, with a login ------------------------------------------------------------------


def login_probe(
    port: int, resolver: StaticResolver, ca_file: Path, **options: object
) -> ProbeResult:
    return probe_candidate(
        Candidate(HOST, port, Security.TLS),
        ProbeOptions(timeout=3, cafile=str(ca_file), **options),  # type: ignore[arg-type]
        email=parse_email(USER),
        credentials=Credentials(USER, PASSWORD),
        resolver=resolver,
    )


@pytest.mark.parametrize("pipelining", [True, False])
def test_a_real_server_takes_the_pipelined_dry_run_and_message(
    smtp_server: Callable[..., SmtpServer],
    resolver: StaticResolver,
    ca_file: Path,
    pipelining: bool,
) -> None:
    server = smtp_server(mode="tls", pipelining=pipelining)
    dry = login_probe(server.port, resolver, ca_file)
    sent = login_probe(server.port, resolver, ca_file, send_test=True)
    assert dry.outcome is Outcome.OK
    assert after_ehlo(dry) == ["auth", "mail_from", "rcpt_to", "rset", "quit"]
    assert sent.outcome is Outcome.OK
    assert after_ehlo(sent) == ["auth", "mail_from", "rcpt_to", "data", "quit"]
    assert len(server.seen.messages) == 1
    assert [a.success for a in server.seen.attempts] == [True, True]  # one login each


def test_a_real_server_refusing_the_sender_reads_as_without_pipelining(
    smtp_server: Callable[..., SmtpServer], resolver: StaticResolver, ca_file: Path
) -> None:
    readings = []
    for pipelining in (True, False):
        server = smtp_server(
            mode="tls", pipelining=pipelining, sender_reply="550 5.7.60 not your address"
        )
        result = login_probe(server.port, resolver, ca_file)
        readings.append(
            (
                result.outcome,
                [(str(s.name), s.ok, str(s.reply)) for s in result.stages[6:-1]],
            )
        )
    assert readings[0] == readings[1]


# -- the login in the same flight (RFC 4954 section 4: AUTH PLAIN completes in one round trip) --


@dataclass
class Submission:
    """A plain-text submission server with PIPELINING and AUTH PLAIN, keeping each chunk it
    received. ``eager``: it answers MAIL FROM as if the login before it had not happened yet
    when both came in one chunk (a server that does not pipeline after AUTH)."""

    password: str = PASSWORD
    eager: bool = False
    chunks: list[list[bytes]] = field(default_factory=list)

    def __call__(self, conn: socket.socket, stopping: threading.Event) -> None:
        conn.sendall(b"220 submit.example.test ESMTP\r\n")
        authenticated = False
        sender = False
        for lines in read_chunks(conn):
            self.chunks.append(lines)
            login_in_chunk = False
            for line in lines:
                verb, _, rest = line.partition(b" ")
                verb = verb.upper()
                if verb == b"EHLO":
                    conn.sendall(
                        b"250-submit.example.test\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n"
                    )
                elif verb == b"AUTH":
                    blob = base64.b64decode(rest.split(b" ", 1)[1])
                    _zid, user, secret = blob.split(b"\0")
                    authenticated = user == USER.encode() and secret == self.password.encode()
                    login_in_chunk = True
                    conn.sendall(
                        b"235 2.7.0 ok\r\n" if authenticated else b"535 5.7.8 bad credentials\r\n"
                    )
                elif verb == b"MAIL":
                    sender = authenticated and not (self.eager and login_in_chunk)
                    conn.sendall(b"250 2.1.0 ok\r\n" if sender else b"530 5.7.0 log in first\r\n")
                elif verb == b"RCPT":
                    conn.sendall(b"250 2.1.5 ok\r\n" if sender else b"503 5.5.1 MAIL first\r\n")
                elif verb == b"RSET":
                    sender = False
                    conn.sendall(b"250 2.0.0 reset\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 2.0.0 bye\r\n")
                    stopping.wait()
                    return
                else:
                    conn.sendall(b"502 5.5.2 no\r\n")


def submit(port: int, password: str = PASSWORD, **options: object) -> ProbeResult:
    return probe_candidate(
        Candidate(HOST, port, Security.NONE),
        ProbeOptions(timeout=3, allow_plaintext=True, **options),  # type: ignore[arg-type]
        email=parse_email(USER),
        credentials=Credentials(USER, password),
        resolver=StaticResolver({HOST: ["127.0.0.1"]}),
    )


def auth_chunk(server: Submission) -> list[bytes]:
    return next(chunk for chunk in server.chunks if chunk and chunk[0].startswith(b"AUTH"))


def test_the_dry_run_goes_with_the_login(scripted: Callable[..., ScriptedServer]) -> None:
    server = Submission()
    result = submit(scripted(server).port)
    assert result.auth.status.name == "OK"
    assert [line.split(b" ")[0] for line in auth_chunk(server)] == [
        b"AUTH",
        b"MAIL",
        b"RCPT",
        b"RSET",
    ]
    assert after_ehlo(result) == ["auth", "mail_from", "rcpt_to", "rset", "quit"]
    assert stage(result, StageName.MAIL_FROM).ok
    assert stage(result, StageName.RCPT_TO).ok
    assert result.send is not None
    assert result.send.ok
    assert PASSWORD not in " ".join(client_lines(result))  # the flight is redacted too


def test_a_refused_login_in_the_flight_reads_as_alone(
    scripted: Callable[..., ScriptedServer],
) -> None:
    server = Submission(password="another one")
    result = submit(scripted(server).port)
    assert result.outcome is Outcome.AUTH_FAILED
    assert after_ehlo(result) == ["auth", "quit"]  # the replies owed are read, not staged
    assert "535 5.7.8 bad credentials" in server_lines(result)


def test_a_server_that_does_not_pipeline_after_the_login_is_asked_again(
    scripted: Callable[..., ScriptedServer],
) -> None:
    server = Submission(eager=True)
    result = submit(scripted(server).port)
    assert stage(result, StageName.MAIL_FROM).ok  # asked again after the login: no false refusal
    assert stage(result, StageName.RCPT_TO).ok
    assert result.send is not None
    assert result.send.ok
    assert sum(1 for chunk in server.chunks for line in chunk if line.startswith(b"AUTH")) == 1


def test_the_message_is_never_sent_with_the_login(
    scripted: Callable[..., ScriptedServer],
) -> None:
    server = Submission()
    submit(scripted(server).port, send_test=True)
    assert auth_chunk(server) == [auth_chunk(server)[0]]  # DATA waits for the login's answer


@pytest.mark.parametrize(("password", "works"), [(PASSWORD, True), ("not the password", False)])
def test_dovecot_submission_takes_the_login_and_the_dry_run_in_one_flight(
    certs: CertSet,
    smtp_server: Callable[..., SmtpServer],
    resolver: StaticResolver,
    ca_file: Path,
    password: str,
    works: bool,
) -> None:
    reason = dovecot_unavailable()
    if reason:
        pytest.skip(reason)
    relay = smtp_server(mode="plain", users={})
    dovecot = start_dovecot(certs.good, {USER: PASSWORD}, None, relay.port)
    try:
        result = probe_candidate(
            Candidate(HOST, dovecot.submissions, Security.TLS),
            ProbeOptions(timeout=5, cafile=str(ca_file)),
            email=parse_email(USER),
            credentials=Credentials(USER, password),
            resolver=resolver,
        )
    finally:
        stop_dovecot(dovecot)
    lines = [(line.direction, line.text.split(" ")[0]) for line in result.transcript]
    auth = lines.index(("C", "AUTH"))
    assert lines[auth + 1 : auth + 4] == [("C", "MAIL"), ("C", "RCPT"), ("C", "RSET")]
    if works:
        assert result.outcome is Outcome.OK
        assert after_ehlo(result) == ["auth", "mail_from", "rcpt_to", "rset", "quit"]
    else:
        assert result.outcome is Outcome.AUTH_FAILED
        assert result.send is None
