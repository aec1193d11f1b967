"""Security properties, each under attack on loopback.

- No STARTTLS downgrade: a server that advertises STARTTLS and then refuses or breaks it, or a
  man in the middle that removes STARTTLS from the server's list, never gets a login in plain
  text, not even from a person who allowed plain text (that consent is for the unencrypted
  mode they chose, not for an encrypted mode that fails).
- No plain-text login without consent, from the probe, the matrix and the command line.
- No silent certificate acceptance: an expired, not yet valid, wrong-name or unknown-CA
  certificate refuses the login, with or without the consent to plain text.

Each test watches the wire or the server, not only the probe's own account of what it did.
"""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from smtpwizard.core.diagnosis.findings import explain
from smtpwizard.core.engine import Assessor
from smtpwizard.core.login import Credentials
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Security
from smtpwizard.core.model import StageName
from smtpwizard.core.net.address import parse_email
from smtpwizard.core.net.resolve import StaticResolver
from smtpwizard.core.probe.matrix import Prober
from smtpwizard.core.probe.options import ProbeOptions
from smtpwizard.core.probe.runner import probe_candidate
from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.support.certs import CertSet
from tests.support.certs import server_context
from tests.support.cli import probe_args
from tests.support.cli import smtpwizard
from tests.support.listeners import ScriptedServer
from tests.support.mailboxd import Behaviour
from tests.support.mailboxd import imap_script
from tests.support.mailboxd import pop3_script
from tests.support.proxy import RewritingProxy
from tests.support.secrets import leaks
from tests.support.smtpd import SmtpServer

HOST = "mail.example.test"
SMTP, IMAP, POP3 = Protocol.SMTP, Protocol.IMAP, Protocol.POP3
TLS, STARTTLS, NONE = Security.TLS, Security.STARTTLS, Security.NONE

StartSmtp = Callable[..., SmtpServer]
StartScripted = Callable[..., ScriptedServer]

#: The commands that log in, in any of the three protocols.
LOGIN_COMMANDS = {b"AUTH", b"LOGIN", b"AUTHENTICATE", b"USER", b"PASS"}


@pytest.fixture
def probe(resolver: StaticResolver, ca_file: Path) -> Callable[..., ProbeResult]:
    def run(
        port: int,
        security: Security,
        *,
        protocol: Protocol = SMTP,
        allow_plaintext: bool = False,
        timeout: float = 3.0,
    ) -> ProbeResult:
        return probe_candidate(
            Candidate(HOST, port, security, protocol=protocol),
            ProbeOptions(timeout=timeout, cafile=str(ca_file), allow_plaintext=allow_plaintext),
            email=parse_email(USER),
            credentials=Credentials(USER, PASSWORD),
            resolver=resolver,
        )

    return run


def logins_in(data: bytes) -> list[bytes]:
    """The lines of ``data`` in which a client logs in (IMAP commands carry a tag first)."""
    return [
        line
        for line in data.split(b"\n")
        if any(word in LOGIN_COMMANDS for word in line.strip().upper().split(b" ")[:2])
    ]


def no_secret_in(data: bytes) -> None:
    """Neither the password, in any form, nor a login command is in ``data``."""
    assert leaks(data.decode("utf-8", "replace"), PASSWORD, USER) == []
    assert logins_in(data) == []


# -- a man in the middle strips STARTTLS -------------------------------------------------------


def strip_starttls(line: bytes) -> bytes | None:
    """Removes STARTTLS from an EHLO reply, keeping the reply well formed."""
    if line.upper().startswith(b"250-STARTTLS"):
        return None
    if line.upper().startswith(b"250 STARTTLS"):
        return b"250 HELP\r\n"
    return line


def mask_starttls(line: bytes) -> bytes:
    """What Cisco ASA's ESMTP inspection does to the extensions it does not allow."""
    return line.replace(b"STARTTLS", b"XXXXXXXA")


@pytest.mark.parametrize("allow_plaintext", [False, True], ids=["no-consent", "consent"])
@pytest.mark.parametrize("rewrite", [strip_starttls, mask_starttls], ids=["stripped", "masked"])
def test_stripped_starttls_gives_no_starttls_never_a_login(
    probe,
    smtp_server: StartSmtp,
    rewrite: Callable[[bytes], bytes | None],
    allow_plaintext: bool,
) -> None:
    # The server even offers AUTH before encryption: the downgrade is right there to take.
    server = smtp_server(mode="starttls", auth_require_tls=False)
    with RewritingProxy(server.port, rewrite) as mitm:
        result = probe(mitm.port, STARTTLS, allow_plaintext=allow_plaintext)
        sent = mitm.client_bytes
    assert (result.outcome, result.reason) == (Outcome.NO_STARTTLS, Reason.STARTTLS_NOT_OFFERED)
    assert result.auth.offered  # the login was offered, in plain text, and not taken
    assert result.auth.attempts == 0
    assert server.seen.attempts == []
    no_secret_in(sent)
    assert b"STARTTLS" not in sent  # nothing to ask for: it was never offered
    finding = explain(result)
    assert "cannot encrypt" in finding.headline
    if rewrite is mask_starttls:
        assert "masked" in finding.explanation


def test_the_matrix_never_falls_back_to_plain_text_when_starttls_is_stripped(
    smtp_server: StartSmtp, resolver: StaticResolver, ca_file: Path
) -> None:
    server = smtp_server(mode="starttls", auth_require_tls=False)
    with RewritingProxy(server.port, strip_starttls) as mitm:
        candidates = [Candidate(HOST, mitm.port, STARTTLS), Candidate(HOST, mitm.port, NONE)]
        prober = Assessor(Prober(ProbeOptions(timeout=3, cafile=str(ca_file)), resolver=resolver))
        matrix = prober.run(parse_email(USER), candidates, password=PASSWORD)
        sent = mitm.client_bytes
    assert matrix.recommended is None
    outcomes = {r.candidate.security: (r.outcome, r.reason) for r in matrix.results}
    assert outcomes == {
        STARTTLS: (Outcome.NO_STARTTLS, Reason.STARTTLS_NOT_OFFERED),
        NONE: (Outcome.INSECURE, Reason.PLAINTEXT_LOGIN_REFUSED),
    }
    assert server.seen.attempts == []
    no_secret_in(sent)


def test_stripped_starttls_through_the_command_line(smtp_server: StartSmtp, ca_file: Path) -> None:
    server = smtp_server(mode="starttls", auth_require_tls=False)
    with RewritingProxy(server.port, strip_starttls) as mitm:
        modes = ("--security", "starttls", "--security", "none", "--port", str(mitm.port))
        run = smtpwizard(
            *probe_args(mitm.port, *modes, "--cafile", str(ca_file)),
            *("--password-stdin", "--json"),
            stdin=PASSWORD + "\n",
        )
        sent = mitm.client_bytes
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    doc = json.loads(run.stdout)
    assert doc["recommended"] is None
    assert sorted(c["outcome"] for c in doc["candidates"]) == ["insecure", "no_starttls"]
    assert server.seen.attempts == []
    no_secret_in(sent)
    assert leaks(run.stdout + run.stderr, PASSWORD, USER) == []


def strip_imap_starttls(line: bytes) -> bytes:
    if line.startswith(b"* CAPABILITY"):
        return line.replace(b" STARTTLS", b"")
    return line


def strip_pop3_stls(line: bytes) -> bytes | None:
    return None if line.strip().upper() == b"STLS" else line


@pytest.mark.parametrize("allow_plaintext", [False, True], ids=["no-consent", "consent"])
@pytest.mark.parametrize("protocol", [IMAP, POP3], ids=["imap", "pop3"])
def test_stripped_starttls_on_incoming_servers(
    probe, scripted: StartScripted, certs: CertSet, protocol: Protocol, allow_plaintext: bool
) -> None:
    # A server that would take the login before encryption, behind a man in the middle.
    behaviour = Behaviour(users={USER: PASSWORD}, cert=certs.good, login_before_tls=True)
    script = imap_script if protocol is IMAP else pop3_script
    rewrite = strip_imap_starttls if protocol is IMAP else strip_pop3_stls
    server = scripted(script(behaviour))
    with RewritingProxy(server.port, rewrite) as mitm:
        result = probe(mitm.port, STARTTLS, protocol=protocol, allow_plaintext=allow_plaintext)
        sent = mitm.client_bytes
    assert (result.outcome, result.reason) == (Outcome.NO_STARTTLS, Reason.STARTTLS_NOT_OFFERED)
    assert behaviour.logins == []
    no_secret_in(sent)


# -- STARTTLS offered, then refused or broken ----------------------------------------------------


class Recorder:
    """What a scripted server received in plain text, line by line, per connection."""

    def __init__(self) -> None:
        self.connections: list[list[bytes]] = []
        self.lock = threading.Lock()

    def connection(self) -> list[bytes]:
        lines: list[bytes] = []
        with self.lock:
            self.connections.append(lines)
        return lines

    @property
    def data(self) -> bytes:
        with self.lock:
            return b"\n".join(b"\n".join(lines) for lines in self.connections)


Breaker = Callable[[socket.socket, CertSet], None]


def refuse(code: bytes) -> Breaker:
    def act(conn: socket.socket, certs: CertSet) -> None:
        conn.sendall(code + b"\r\n")

    return act


def reset(conn: socket.socket, certs: CertSet) -> None:
    conn.sendall(b"220 2.0.0 go ahead\r\n")
    conn.recv(65536)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def alert(conn: socket.socket, certs: CertSet) -> None:
    conn.sendall(b"220 2.0.0 go ahead\r\n")
    conn.recv(65536)
    conn.sendall(bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40]))


def plain_text(conn: socket.socket, certs: CertSet) -> None:
    conn.sendall(b"220 2.0.0 go ahead\r\n")
    conn.recv(65536)
    conn.sendall(b"235 2.7.0 come in, no need to encrypt\r\n")


def bad_certificate(conn: socket.socket, certs: CertSet) -> None:
    conn.sendall(b"220 2.0.0 go ahead\r\n")
    context = server_context(certs.expired)
    tls = context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
    try:
        tls.do_handshake()
    except OSError:
        pass  # the client refused the certificate, as it must
    finally:
        tls.close()


def starttls_then(breaker: Breaker, certs: CertSet, seen: Recorder) -> Callable[..., None]:
    """An SMTP server offering STARTTLS and AUTH in plain text; STARTTLS runs ``breaker``.
    Whatever comes afterwards in plain text is recorded and welcomed (235 to AUTH)."""

    def script(conn: socket.socket, stopping: threading.Event) -> None:
        lines = seen.connection()
        conn.sendall(b"220 mail.example.test ESMTP\r\n")
        buf = b""
        while True:
            while b"\n" not in buf:
                try:
                    data = conn.recv(4096)
                except OSError:
                    return
                if not data:
                    return
                buf += data
            line, _, buf = buf.partition(b"\n")
            lines.append(line.rstrip(b"\r"))
            verb = line.split(b" ", 1)[0].strip().upper()
            if verb == b"EHLO":
                conn.sendall(b"250-mail.example.test\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n")
            elif verb == b"STARTTLS":
                breaker(conn, certs)
                if conn.fileno() < 0:
                    return
            elif verb == b"AUTH":
                conn.sendall(b"235 2.7.0 Authentication successful\r\n")
            elif verb == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"250 OK\r\n")

    return script


@pytest.mark.parametrize("allow_plaintext", [False, True], ids=["no-consent", "consent"])
@pytest.mark.parametrize(
    ("breaker", "outcomes"),
    [
        (refuse(b"454 4.7.0 TLS not available due to local problem"), {Outcome.TEMPORARY}),
        (refuse(b"501 5.5.4 Syntax error"), {Outcome.TLS_ERROR}),
        (refuse(b"502 5.5.1 Command not implemented"), {Outcome.TLS_ERROR}),
        (reset, {Outcome.TLS_ERROR}),
        (alert, {Outcome.TLS_ERROR}),
        (plain_text, {Outcome.TLS_ERROR}),
        (bad_certificate, {Outcome.CERT_EXPIRED}),
    ],
    ids=["454", "501", "502", "reset", "alert", "plain-text", "expired-certificate"],
)
def test_failed_starttls_never_leads_to_a_plain_text_login(
    probe,
    scripted: StartScripted,
    certs: CertSet,
    breaker: Breaker,
    outcomes: set[Outcome],
    allow_plaintext: bool,
) -> None:
    seen = Recorder()
    server = scripted(starttls_then(breaker, certs, seen))
    result = probe(server.port, STARTTLS, allow_plaintext=allow_plaintext)
    assert result.outcome in outcomes, (result.outcome, result.reason)
    assert result.failed_stage is not None
    assert result.failed_stage.name in (StageName.STARTTLS, StageName.TLS)
    assert result.auth.status is not AuthStatus.OK
    assert result.auth.attempts == 0
    no_secret_in(seen.data)
    # After STARTTLS nothing more was said in plain text on any connection (a QUIT at most;
    # a second connection reads a rejected certificate, and stops there too).
    for lines in seen.connections:
        after = lines[lines.index(b"STARTTLS") + 1 :] if b"STARTTLS" in lines else []
        assert [line for line in after if line.upper() != b"QUIT"] == []


@pytest.mark.parametrize("protocol", [IMAP, POP3], ids=["imap", "pop3"])
def test_refused_starttls_on_incoming_servers_never_leads_to_a_login(
    probe, scripted: StartScripted, protocol: Protocol
) -> None:
    seen = Recorder()

    def script(conn: socket.socket, stopping: threading.Event) -> None:
        lines = seen.connection()
        conn.sendall(b"* OK ready\r\n" if protocol is IMAP else b"+OK ready\r\n")
        for raw in conn.makefile("rb"):
            line = raw.rstrip(b"\r\n")
            lines.append(line)
            words = line.split(b" ")
            if protocol is IMAP:
                tag, verb = words[0], (words[1].upper() if len(words) > 1 else b"")
                if verb == b"CAPABILITY":
                    conn.sendall(b"* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN\r\n")
                    conn.sendall(tag + b" OK done\r\n")
                elif verb == b"STARTTLS":
                    conn.sendall(tag + b" NO [UNAVAILABLE] TLS not available\r\n")
                elif verb == b"LOGOUT":
                    conn.sendall(b"* BYE\r\n" + tag + b" OK bye\r\n")
                    return
                else:
                    conn.sendall(tag + b" OK welcome\r\n")
            else:
                verb = words[0].upper()
                if verb == b"CAPA":
                    conn.sendall(b"+OK\r\nSTLS\r\nUSER\r\nSASL PLAIN\r\n.\r\n")
                elif verb == b"STLS":
                    conn.sendall(b"-ERR TLS not available\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"+OK bye\r\n")
                    return
                else:
                    conn.sendall(b"+OK welcome\r\n")

    server = scripted(script)
    for consent in (False, True):
        result = probe(server.port, STARTTLS, protocol=protocol, allow_plaintext=consent)
        assert (result.outcome, result.reason) == (Outcome.TLS_ERROR, Reason.STARTTLS_REFUSED)
        assert result.auth.attempts == 0
    no_secret_in(seen.data)


# -- no plain-text login without consent ----------------------------------------------------------


def test_plain_text_login_needs_consent_on_the_command_line(
    smtp_server: StartSmtp, ca_file: Path
) -> None:
    server = smtp_server(mode="plain", auth_require_tls=False)
    base = probe_args(server.port, "--security", "none", "--cafile", str(ca_file))

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return smtpwizard(*base, "--password-stdin", "--json", *extra, stdin=PASSWORD + "\n")

    refused = run()
    assert refused.returncode == 1, refused.stderr
    [candidate] = json.loads(refused.stdout)["candidates"]
    assert candidate["outcome"] == "insecure"
    assert server.seen.attempts == []

    allowed = run("--allow-plaintext")
    assert allowed.returncode == 0, allowed.stderr
    assert [(a.login, a.success) for a in server.seen.attempts] == [(USER, True)]
    assert leaks(allowed.stdout + allowed.stderr, PASSWORD, USER) == []


# -- no silent certificate acceptance --------------------------------------------------------------

BAD_CERTIFICATES = {
    "expired": (Outcome.CERT_EXPIRED, Reason.CERT_EXPIRED),
    "not_yet_valid": (Outcome.CERT_EXPIRED, Reason.CERT_NOT_YET_VALID),
    "wrong_name": (Outcome.CERT_NAME_MISMATCH, Reason.CERT_NAME_MISMATCH),
    "unknown_ca": (Outcome.CERT_UNTRUSTED, Reason.CERT_UNKNOWN_ISSUER),
    "intercepted": (Outcome.CERT_UNTRUSTED, Reason.CERT_UNKNOWN_ISSUER),
}


@pytest.mark.parametrize("allow_plaintext", [False, True], ids=["no-consent", "consent"])
@pytest.mark.parametrize("security", [TLS, STARTTLS], ids=["tls", "starttls"])
@pytest.mark.parametrize("cert_name", list(BAD_CERTIFICATES))
def test_a_bad_certificate_refuses_the_login(
    probe,
    smtp_server: StartSmtp,
    certs: CertSet,
    cert_name: str,
    security: Security,
    allow_plaintext: bool,
) -> None:
    server = smtp_server(mode=str(security), cert=getattr(certs, cert_name))
    result = probe(server.port, security, allow_plaintext=allow_plaintext)
    assert (result.outcome, result.reason) == BAD_CERTIFICATES[cert_name]
    assert result.tls is not None
    assert not result.tls.verified
    assert result.tls.cert is not None  # read on a second connection, without trusting it
    assert result.auth.attempts == 0
    assert server.seen.attempts == []
    headline = explain(result).headline
    assert "certificate" in headline.lower() or "inspecting" in headline, headline


def test_the_matrix_recommends_no_server_with_a_bad_certificate(
    smtp_server: StartSmtp, certs: CertSet, resolver: StaticResolver, ca_file: Path
) -> None:
    servers = [
        smtp_server(mode=mode, cert=getattr(certs, name))
        for name in BAD_CERTIFICATES
        for mode in ("tls", "starttls")
    ]
    candidates = [Candidate(HOST, s.port, Security(s.mode)) for s in servers]
    prober = Assessor(Prober(ProbeOptions(timeout=3, cafile=str(ca_file)), resolver=resolver))
    matrix = prober.run(parse_email(USER), candidates, password=PASSWORD)
    assert matrix.recommended is None
    assert {r.outcome for r in matrix.results} == {
        Outcome.CERT_EXPIRED,
        Outcome.CERT_NAME_MISMATCH,
        Outcome.CERT_UNTRUSTED,
    }
    assert all(s.seen.attempts == [] for s in servers)


@pytest.mark.parametrize("protocol", [IMAP, POP3], ids=["imap", "pop3"])
@pytest.mark.parametrize("cert_name", ["expired", "not_yet_valid", "wrong_name", "unknown_ca"])
def test_a_bad_certificate_refuses_the_login_on_implicit_tls_incoming_servers(
    probe, scripted: StartScripted, certs: CertSet, protocol: Protocol, cert_name: str
) -> None:
    behaviour = Behaviour(users={USER: PASSWORD}, cert=getattr(certs, cert_name), implicit_tls=True)
    script = imap_script if protocol is IMAP else pop3_script
    server = scripted(script(behaviour))
    result = probe(server.port, TLS, protocol=protocol, allow_plaintext=True)
    assert (result.outcome, result.reason) == BAD_CERTIFICATES[cert_name]
    assert result.auth.attempts == 0
    assert behaviour.logins == []
