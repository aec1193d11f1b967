"""No password, nor its base64 or AUTH PLAIN form, in any transcript, detail or document."""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from smtpwizard.core.document import candidate_document
from smtpwizard.core.login import Credentials
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Security
from smtpwizard.core.net.address import parse_email
from smtpwizard.core.net.resolve import StaticResolver
from smtpwizard.core.probe.options import ProbeOptions
from smtpwizard.core.probe.runner import probe_candidate
from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.support.listeners import ScriptedServer
from tests.support.secrets import leaks
from tests.support.smtpd import SmtpServer

HOST = "mail.example.test"


def everything(result: ProbeResult) -> str:
    """All text a result can carry anywhere."""
    return json.dumps(candidate_document(result), ensure_ascii=False) + repr(result)


@pytest.fixture
def probe(resolver: StaticResolver, ca_file: Path) -> Callable[..., ProbeResult]:
    def run(port: int, security: Security, password: str, **options: object) -> ProbeResult:
        return probe_candidate(
            Candidate(HOST, port, security),
            ProbeOptions(timeout=3, cafile=str(ca_file), **options),  # type: ignore[arg-type]
            email=parse_email(USER),
            credentials=Credentials(USER, password),
            resolver=resolver,
        )

    return run


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
@pytest.mark.parametrize("right", [True, False])
def test_transcript_never_holds_the_password(
    probe, smtp_server: Callable[..., SmtpServer], mechanism: str, right: bool
) -> None:
    server = smtp_server(mode="starttls")
    password = PASSWORD if right else "Wr0ng-pässword!"
    result = probe(server.port, Security.STARTTLS, password, mechanism=mechanism)
    assert result.outcome is (Outcome.OK if right else Outcome.AUTH_FAILED)
    assert any(line.text.startswith("AUTH") for line in result.transcript)
    assert leaks(everything(result), password, USER) == []


def echoing_server(conn: socket.socket, stopping: threading.Event) -> None:
    """A hostile server that repeats what the client sent in its error replies."""
    reader = conn.makefile("rb")
    conn.sendall(b"220 evil.example.test ESMTP\r\n")
    for raw in reader:
        line = raw.strip()
        verb = line.split(b" ", 1)[0].upper()
        if verb == b"EHLO":
            conn.sendall(b"250-evil.example.test\r\n250 AUTH PLAIN LOGIN\r\n")
        elif verb == b"QUIT":
            conn.sendall(b"221 bye\r\n")
            return
        elif verb == b"AUTH" and line.upper().startswith(b"AUTH LOGIN"):
            conn.sendall(b"334 VXNlcm5hbWU6\r\n")
            user = reader.readline().strip()
            conn.sendall(b"334 UGFzc3dvcmQ6\r\n")
            secret = reader.readline().strip()
            decoded = base64.b64decode(secret)
            conn.sendall(b"535-5.7.8 you sent " + user + b" and " + secret + b"\r\n")
            conn.sendall(b"535 5.7.8 which is " + decoded + b"\r\n")
        else:
            conn.sendall(b"535 5.7.8 cannot use " + line + b"\r\n")


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_a_server_echoing_the_credentials_is_redacted(
    probe, scripted: Callable[..., ScriptedServer], mechanism: str
) -> None:
    server = scripted(echoing_server)
    result = probe(server.port, Security.NONE, PASSWORD, allow_plaintext=True, mechanism=mechanism)
    assert result.outcome is Outcome.AUTH_FAILED
    server_lines = [line.text for line in result.transcript if line.direction == "S"]
    assert any("[hidden]" in text for text in server_lines)
    assert leaks(everything(result), PASSWORD, USER) == []
