"""Troubleshooting against real servers on loopback: every stop point, stepping, certificates
trusted by hand (only that certificate, only that host), comparisons and re-tests."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme

from smtpwizard.core.diagnosis.recommend import security_level
from smtpwizard.core.document import candidate_document
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Security
from smtpwizard.core.model import SecurityLevel
from smtpwizard.core.model import ServerSettings
from smtpwizard.core.model import StageName
from smtpwizard.core.net.resolve import StaticResolver
from smtpwizard.core.probe.options import ProbeOptions
from smtpwizard.core.troubleshoot.compare import compare
from smtpwizard.core.troubleshoot.compare import what_changed
from smtpwizard.core.troubleshoot.session import ExchangeDone
from smtpwizard.core.troubleshoot.session import StepControl
from smtpwizard.core.troubleshoot.session import Troubleshooter
from smtpwizard.core.troubleshoot.session import stop_points
from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.support.certs import CertSet
from tests.support.certs import server_context
from tests.support.listeners import ScriptedServer
from tests.support.secrets import leaks
from tests.support.smtpd import SmtpServer

StartSmtp = Callable[..., SmtpServer]
HOST = "mail.example.test"


@pytest.fixture
def session(resolver: StaticResolver, ca_file: Path) -> Troubleshooter:
    troubleshooter = Troubleshooter(
        ProbeOptions(timeout=3.0, cafile=str(ca_file)), resolver=resolver
    )
    troubleshooter.password = PASSWORD
    return troubleshooter


def setup_for(server: SmtpServer, security: Security, **changes: object) -> ServerSettings:
    fields: dict[str, object] = {"username": USER, "email": USER}
    fields.update(changes)
    return ServerSettings(HOST, server.port, security, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("security", [Security.STARTTLS, Security.TLS], ids=["starttls", "tls"])
def test_every_stop_point(
    session: Troubleshooter, smtp_server: StartSmtp, security: Security
) -> None:
    server = smtp_server(mode=str(security))
    for stage in stop_points(security)[:-1]:  # DATA: below, it sends a real message
        attempt = session.run(setup_for(server, security), control=StepControl(stop_after=stage))
        assert attempt.reached is stage, (stage, [s.name for s in attempt.result.stages])
        assert attempt.stopped_as_asked
        assert attempt.result.outcome is Outcome.CANCELLED
        assert attempt.result.reason is Reason.STOPPED_AS_ASKED
        assert "as you asked" in attempt.finding.headline
        assert attempt.result.stages[-1].name is StageName.QUIT  # a polite goodbye
        logged_in = stage in (
            StageName.AUTH,
            StageName.MAIL_FROM,
            StageName.RCPT_TO,
            StageName.DATA,
        )
        assert (attempt.result.auth.status is AuthStatus.OK) is logged_in
    # only the runs that went as far as the login logged in, and nothing was sent
    logins = [s for s in stop_points(security) if s in (StageName.AUTH, StageName.MAIL_FROM)]
    logins += [StageName.RCPT_TO]
    assert len(server.seen.attempts) == len(logins)
    assert server.seen.messages == []


def test_stopping_after_data_sends_the_test_message(
    session: Troubleshooter, smtp_server: StartSmtp
) -> None:
    server = smtp_server(mode="tls")
    attempt = session.run(
        setup_for(server, Security.TLS),
        control=StepControl(stop_after=StageName.DATA),
        send_message=True,
    )
    assert attempt.reached is StageName.DATA
    assert attempt.sent_message
    assert len(server.seen.messages) == 1
    data = attempt.step(StageName.DATA)
    assert data is not None
    assert "accepted for delivery" in data.meaning


def test_a_full_run_explains_each_step(session: Troubleshooter, smtp_server: StartSmtp) -> None:
    server = smtp_server(mode="starttls")
    attempt = session.run(setup_for(server, Security.STARTTLS))
    assert attempt.result.outcome is Outcome.OK
    names = [e.stage for e in attempt.exchanges]
    assert names[:4] == [StageName.RESOLVE, StageName.CONNECT, StageName.GREETING, StageName.EHLO]
    assert StageName.RSET in names  # the dry run ends without sending
    ehlo = attempt.step(StageName.EHLO)
    assert ehlo is not None
    assert "STARTTLS" in ehlo.meaning
    assert any(line.text.startswith("EHLO") for line in ehlo.lines)
    again = attempt.step(StageName.EHLO_TLS)
    assert again is not None
    assert "login with" in again.meaning
    assert all(line.encrypted for line in again.lines)
    auth = attempt.step(StageName.AUTH)
    assert auth is not None
    text = "\n".join(line.text for e in attempt.exchanges for line in e.lines)
    assert leaks(text, PASSWORD, USER) == []


def test_a_refused_login_is_explained_with_its_reply(
    resolver: StaticResolver, ca_file: Path, smtp_server: StartSmtp
) -> None:
    server = smtp_server(mode="tls", login_reply="535 5.7.139 Authentication unsuccessful")
    session = Troubleshooter(ProbeOptions(timeout=3.0, cafile=str(ca_file)), resolver=resolver)
    session.password = "whatever it is"
    attempt = session.run(setup_for(server, Security.TLS))
    auth = attempt.step(StageName.AUTH)
    assert auth is not None
    assert not auth.ok
    assert "535 is a permanent refusal" in auth.meaning
    assert "5.7.139" in auth.meaning
    assert auth.advice


def test_stepping_holds_the_conversation_between_steps(
    session: Troubleshooter, smtp_server: StartSmtp
) -> None:
    server = smtp_server(mode="starttls")
    control = StepControl(stepping=True)
    seen: list[StageName] = []

    def listener(event: object) -> None:
        if isinstance(event, ExchangeDone):
            seen.append(event.exchange.stage)
            if event.paused:
                # the server has heard nothing beyond this step yet
                if event.exchange.stage is StageName.GREETING:
                    assert server.seen.attempts == []
                control.next_step()

    attempt = session.run(setup_for(server, Security.STARTTLS), control=control, listener=listener)
    assert attempt.result.outcome is Outcome.OK
    assert seen[:3] == [StageName.RESOLVE, StageName.CONNECT, StageName.GREETING]
    assert StageName.AUTH in seen


def test_the_wait_between_steps_does_not_count_against_the_time_limit(
    resolver: StaticResolver, ca_file: Path, smtp_server: StartSmtp
) -> None:
    server = smtp_server(mode="tls")
    now = [1000.0]
    real = time.monotonic
    start = real()

    def clock() -> float:
        return now[0] + (real() - start)

    options = ProbeOptions(timeout=2.0, total_timeout=4.0, cafile=str(ca_file))
    session = Troubleshooter(options, resolver=resolver, clock=clock)
    session.password = PASSWORD
    control = StepControl(stepping=True)

    def listener(event: object) -> None:
        if isinstance(event, ExchangeDone) and event.paused:
            now[0] += 60.0  # a person reading for a minute at every step
            control.next_step()

    attempt = session.run(setup_for(server, Security.TLS), control=control, listener=listener)
    assert attempt.result.outcome is Outcome.OK, attempt.finding.headline
    assert attempt.result.auth.status is AuthStatus.OK


def test_stop_and_cancel_while_paused(session: Troubleshooter, smtp_server: StartSmtp) -> None:
    from smtpwizard.core.net.channel import CancelToken

    server = smtp_server(mode="starttls")
    control = StepControl(stepping=True)

    def stop_at_ehlo(event: object) -> None:
        if isinstance(event, ExchangeDone) and event.paused:
            if event.exchange.stage is StageName.EHLO:
                control.stop()
            else:
                control.next_step()

    stopped = session.run(
        setup_for(server, Security.STARTTLS), control=control, listener=stop_at_ehlo
    )
    assert stopped.reached is StageName.EHLO
    assert stopped.stopped_as_asked

    with CancelToken() as cancel:
        waiting = StepControl(stepping=True)
        threading.Timer(0.2, cancel.cancel).start()
        cancelled = session.run(
            setup_for(server, Security.STARTTLS), control=waiting, cancel=cancel
        )
    assert cancelled.result.outcome is Outcome.CANCELLED
    assert cancelled.result.reason is Reason.CANCELLED_BY_USER


# -- certificates trusted by hand ------------------------------------------------------------


def pinned_session(resolver: StaticResolver, *pins: tuple[str, str]) -> Troubleshooter:
    session = Troubleshooter(ProbeOptions(timeout=3.0, pins=pins), resolver=resolver)
    session.password = PASSWORD
    return session


def fingerprint(leaf: trustme.LeafCert) -> str:
    from smtpwizard.core.net.certs import fingerprint as of

    der = ssl.PEM_cert_to_DER_cert(leaf.cert_chain_pems[0].bytes().decode())
    return of(der)


def test_a_trusted_certificate_is_accepted_for_its_host_only(
    resolver: StaticResolver, smtp_server: StartSmtp, certs: CertSet
) -> None:
    server = smtp_server(mode="starttls", cert=certs.unknown_ca)
    pin = fingerprint(certs.unknown_ca)
    trusted = pinned_session(resolver, (HOST, pin)).run(setup_for(server, Security.STARTTLS))
    assert trusted.result.outcome is Outcome.OK, trusted.finding.headline
    assert trusted.result.tls is not None
    assert trusted.result.tls.pinned
    assert not trusted.result.tls.verified
    assert security_level(trusted.result) is SecurityLevel.ACCEPTED
    assert trusted.result.auth.status is AuthStatus.OK

    elsewhere = pinned_session(resolver, ("other.example.test", pin)).run(
        setup_for(server, Security.STARTTLS)
    )
    assert elsewhere.result.outcome is Outcome.CERT_UNTRUSTED
    wrong = pinned_session(resolver, (HOST, "AB:" * 31 + "CD")).run(
        setup_for(server, Security.STARTTLS)
    )
    assert wrong.result.outcome is Outcome.CERT_UNTRUSTED
    assert len(server.seen.attempts) == 1  # only the trusted run logged in


def test_the_trusted_certificate_is_checked_again_on_the_connection_used(
    resolver: StaticResolver, certs: CertSet
) -> None:
    """A server whose certificate changes between connections is refused, even when the
    one shown first is trusted."""
    shown = [certs.unknown_ca, certs.unknown_ca, certs.intercepted]
    count = [0]

    def script(conn: socket.socket, stopping: threading.Event) -> None:
        leaf = shown[min(count[0], len(shown) - 1)]
        count[0] += 1
        try:
            tls = server_context(leaf).wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            return
        with tls:
            converse(tls, stopping)

    def converse(tls: ssl.SSLSocket, stopping: threading.Event) -> None:
        tls.sendall(b"220 mail.example.test ready\r\n")
        buffer = b""
        while not stopping.is_set():
            data = tls.recv(4096)
            if not data:
                return
            buffer += data
            while b"\n" in buffer:
                line, _, buffer = buffer.partition(b"\n")
                if line.upper().startswith(b"EHLO"):
                    tls.sendall(b"250-mail.example.test\r\n250 AUTH PLAIN\r\n")
                elif line.upper().startswith(b"QUIT"):
                    tls.sendall(b"221 bye\r\n")
                    return
                else:
                    tls.sendall(b"502 no\r\n")

    with ScriptedServer(script) as server:
        session = pinned_session(resolver, (HOST, fingerprint(certs.unknown_ca)))
        attempt = session.run(ServerSettings(HOST, server.port, Security.TLS))
    assert attempt.result.outcome is Outcome.CERT_UNTRUSTED
    assert "another certificate" in attempt.result.failed_stage.detail  # type: ignore[union-attr]


# -- comparing -------------------------------------------------------------------------------


def test_attempts_side_by_side_and_what_changed(
    session: Troubleshooter, smtp_server: StartSmtp, refused_port: int
) -> None:
    server = smtp_server(mode="starttls")
    first = session.run(setup_for(server, Security.STARTTLS))
    second = session.run(ServerSettings(HOST, refused_port, Security.STARTTLS, USER, USER))
    assert second.setup.changes_from(first.setup) == [f"port {server.port} → {refused_port}"]
    rows = dict(compare(session.attempts))
    assert rows[StageName.CONNECT] == ["✓", "✗"]
    assert rows[StageName.AUTH] == ["✓", "–"]

    earlier = {"candidates": [candidate_document(first.result)]}
    session.password = "changed since"
    now = session.run(setup_for(server, Security.STARTTLS))
    changes = what_changed(earlier, [now.result])
    assert [c.kind for c in changes] == ["password"]
    assert "refused now" in changes[0].text
    same = what_changed(earlier, [first.result])
    assert [c.kind for c in same] == ["same"]
