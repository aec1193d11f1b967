"""Every outcome of one probe, produced against real servers on loopback, and only there."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from smtpwizard.core.diagnosis.findings import explain
from smtpwizard.core.errors import NetworkTimeout
from smtpwizard.core.login import Credentials
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Security
from smtpwizard.core.model import StageName
from smtpwizard.core.net.address import parse_email
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.net.channel import Channel
from smtpwizard.core.net.resolve import StaticResolver
from smtpwizard.core.probe.options import ProbeOptions
from smtpwizard.core.probe.runner import probe_candidate
from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.support.certs import CertSet
from tests.support.listeners import ScriptedServer
from tests.support.listeners import dialogue
from tests.support.listeners import reply_script
from tests.support.smtpd import SmtpServer

HOST = "mail.example.test"

StartSmtp = Callable[..., SmtpServer]
StartScripted = Callable[..., ScriptedServer]


@pytest.fixture
def probe(resolver: StaticResolver, ca_file: Path) -> Callable[..., ProbeResult]:
    def run(
        port: int,
        security: Security,
        *,
        host: str = HOST,
        password: str | None = None,
        username: str = USER,
        timeout: float = 3.0,
        cancel: CancelToken | None = None,
        **options: object,
    ) -> ProbeResult:
        opts = ProbeOptions(timeout=timeout, cafile=str(ca_file), **options)  # type: ignore[arg-type]
        credentials = Credentials(username, password) if password is not None else None
        return probe_candidate(
            Candidate(host, port, security),
            opts,
            email=parse_email(USER),
            credentials=credentials,
            resolver=resolver,
            cancel=cancel,
        )

    return run


def names(result: ProbeResult) -> list[str]:
    return [str(stage.name) for stage in result.stages]


# -- working ---------------------------------------------------------------------------------


def test_starttls_without_login_reports_capabilities(probe, smtp_server: StartSmtp) -> None:
    server = smtp_server(mode="starttls")
    result = probe(server.port, Security.STARTTLS)
    assert result.outcome is Outcome.OK
    assert result.reason is None
    # Without a login, only the dry run shows that the server takes mail without one.
    assert names(result) == [
        "resolve",
        "connect",
        "greeting",
        "ehlo",
        "starttls",
        "tls",
        "ehlo_tls",
        "auth_mechanisms",
        "mail_from",
        "rcpt_to",
        "rset",
        "quit",
    ]
    assert all(stage.ok for stage in result.stages)
    assert result.starttls_offered is True
    assert result.tls is not None
    assert result.tls.verified
    assert result.tls.version in ("TLSv1.2", "TLSv1.3")
    assert result.tls.cert is not None
    assert "mail.example.test" in result.tls.cert.names
    assert set(result.auth.offered) == {"PLAIN", "LOGIN", "CRAM-MD5"}
    assert result.auth.status is AuthStatus.NO_CREDENTIALS
    assert result.addresses == ("127.0.0.1",)
    assert server.seen.attempts == []
    # AUTH is only offered once encrypted; the first EHLO was answered in plain text
    plain_ehlo = [line.text for line in result.transcript if not line.encrypted]
    assert not any("AUTH" in text for text in plain_ehlo if text.startswith("250"))


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_implicit_tls_login_with_each_mechanism(
    probe, smtp_server: StartSmtp, mechanism: str
) -> None:
    server = smtp_server(mode="tls")
    result = probe(server.port, Security.TLS, password=PASSWORD, mechanism=mechanism)
    assert result.outcome is Outcome.OK, result.failed_stage
    assert names(result)[:4] == ["resolve", "connect", "tls", "greeting"]
    assert result.auth.status is AuthStatus.OK
    assert result.auth.mechanism == mechanism
    assert [(a.mechanism, a.login, a.success) for a in server.seen.attempts] == [
        (mechanism, USER, True)
    ]
    # the dry run: sender and recipient accepted, then RSET; nothing was sent
    assert result.send is not None
    assert result.send.ok
    assert "rset" in names(result)
    assert "data" not in names(result)
    assert server.seen.messages == []


def test_login_prefers_plain_on_an_encrypted_connection(probe, smtp_server: StartSmtp) -> None:
    server = smtp_server(mode="starttls")
    result = probe(server.port, Security.STARTTLS, password=PASSWORD)
    assert result.outcome is Outcome.OK
    assert result.auth.mechanism == "PLAIN"
    assert len(server.seen.attempts) == 1


def test_send_test_delivers_a_message_to_the_person(probe, smtp_server: StartSmtp) -> None:
    server = smtp_server(mode="starttls")
    result = probe(server.port, Security.STARTTLS, password=PASSWORD, send_test=True)
    assert result.outcome is Outcome.OK
    assert result.send is not None
    assert result.send.message is not None
    assert result.send.message.code == 250
    [envelope] = server.seen.messages
    assert envelope.mail_from == USER
    assert envelope.rcpt_tos == [USER]
    assert b"Subject: smtpwizard test message" in envelope.original_content
    # the body is summarised in the transcript, not copied
    assert any(line.text.startswith("[the message,") for line in result.transcript)


def test_sender_refused_at_dry_run_is_not_working(probe, smtp_server: StartSmtp) -> None:
    server = smtp_server(
        mode="starttls", sender_reply="553 5.7.1 Sender address rejected: not owned by user"
    )
    result = probe(server.port, Security.STARTTLS, password=PASSWORD)
    assert (result.outcome, result.reason) == (Outcome.SEND_REFUSED, Reason.SENDER_REFUSED)
    assert result.auth.status is AuthStatus.OK
    assert result.send is not None
    assert not result.send.ok
    assert result.send.sender is not None
    assert result.send.sender.code == 553
    finding = explain(result)
    assert "refused your address" in finding.headline
    assert "553 5.7.1" in finding.explanation


def test_ipv6_loopback(probe, smtp_server: StartSmtp) -> None:
    server = smtp_server(mode="tls", host="::1")
    result = probe(server.port, Security.TLS, host="::1")
    assert result.outcome is Outcome.OK
    assert result.addresses == ("::1",)
    assert result.connected_to == "::1"


def test_records_ipv4_and_ipv6_addresses_and_uses_the_one_that_answers(
    probe, smtp_server: StartSmtp, ca_file: Path
) -> None:
    server = smtp_server(mode="tls")  # listens on 127.0.0.1 only; ::1 refuses
    result = probe_candidate(
        Candidate("mail.example.test", server.port, Security.TLS),
        ProbeOptions(timeout=3, cafile=str(ca_file)),
        resolver=StaticResolver({"mail.example.test": ["::1", "127.0.0.1"]}),
    )
    assert result.outcome is Outcome.OK
    assert result.addresses == ("::1", "127.0.0.1")
    assert result.connected_to == "127.0.0.1"


# -- network ---------------------------------------------------------------------------------


def test_dns_error(probe) -> None:
    result = probe(25, Security.STARTTLS, host="nowhere.example.test")
    assert (result.outcome, result.reason) == (Outcome.DNS_ERROR, Reason.NO_SUCH_HOST)
    assert names(result) == ["resolve"]


def test_refused(probe, refused_port: int) -> None:
    result = probe(refused_port, Security.STARTTLS)
    assert (result.outcome, result.reason) == (Outcome.REFUSED, Reason.CONNECTION_REFUSED)
    assert result.failed_stage is not None
    assert result.failed_stage.name is StageName.CONNECT


def test_connect_timeout(probe, blackhole_port: int) -> None:
    result = probe(blackhole_port, Security.STARTTLS, timeout=0.5)
    assert (result.outcome, result.reason) == (Outcome.TIMEOUT, Reason.CONNECT_TIMEOUT)
    assert result.failed_stage is not None
    assert result.failed_stage.name is StageName.CONNECT


def test_silent_greeting_is_a_different_timeout(probe, silent_port: int) -> None:
    result = probe(silent_port, Security.STARTTLS, timeout=0.5)
    assert (result.outcome, result.reason) == (Outcome.TIMEOUT, Reason.GREETING_TIMEOUT)
    assert result.failed_stage is not None
    assert result.failed_stage.name is StageName.GREETING
    # The step took its half second and the two checks after it: the detail says both.
    assert result.failed_stage.detail == (
        "no greeting within 0.5 seconds, and no answer to a TLS handshake or a line end "
        "after it either"
    )
    connect = result.stages[1]
    assert connect.name is StageName.CONNECT
    assert connect.ok


def test_silent_port_in_tls_mode_times_out_in_the_handshake(probe, silent_port: int) -> None:
    result = probe(silent_port, Security.TLS, timeout=0.5)
    assert (result.outcome, result.reason) == (Outcome.TIMEOUT, Reason.HANDSHAKE_TIMEOUT)
    assert result.failed_stage is not None
    assert result.failed_stage.name is StageName.TLS
    assert result.failed_stage.detail == (
        "no answer to the TLS handshake within 0.5 seconds, nor to a line end after it"
    )


def test_a_timeout_says_the_time_its_step_had() -> None:
    """Steps have their own times (a login gets longer than a reply); a timeout says the
    one its step had."""
    ours, theirs = socket.socketpair()
    with theirs, CancelToken() as cancel:
        channel = Channel(ours, cancel=cancel)
        channel.start_step(0.2)
        with pytest.raises(NetworkTimeout) as timed_out:
            channel.read_line()
        channel.close()
    assert timed_out.value.waited == 0.2


# -- wrong protocol or mode ------------------------------------------------------------------


def test_plain_spoken_to_a_tls_port(probe, smtp_server: StartSmtp) -> None:
    server = smtp_server(mode="tls")
    result = probe(server.port, Security.STARTTLS, timeout=0.5)
    assert (result.outcome, result.reason) == (Outcome.TLS_ERROR, Reason.EXPECTS_IMPLICIT_TLS)
    assert result.failed_stage is not None
    assert result.failed_stage.name is StageName.GREETING
    assert "SSL/TLS from the start" in explain(result).headline


def test_tls_spoken_to_a_plain_port(probe, smtp_server: StartSmtp) -> None:
    server = smtp_server(mode="starttls")
    result = probe(server.port, Security.TLS)
    assert (result.outcome, result.reason) == (Outcome.TLS_ERROR, Reason.PLAIN_PORT)
    assert result.failed_stage is not None
    assert "220" in result.failed_stage.detail
    assert "use STARTTLS" in explain(result).headline


@pytest.mark.parametrize("security", [Security.STARTTLS, Security.TLS])
def test_web_server_is_not_smtp(probe, http_port: int, security: Security) -> None:
    result = probe(http_port, security, timeout=0.5)
    assert (result.outcome, result.reason) == (Outcome.NOT_SMTP, Reason.HTTP_SERVER)


def test_other_protocol_banner_is_not_smtp(probe, scripted: StartScripted) -> None:
    server = scripted(reply_script(b"SSH-2.0-OpenSSH_9.2p1 Debian-2"))
    result = probe(server.port, Security.STARTTLS)
    assert (result.outcome, result.reason) == (Outcome.NOT_SMTP, Reason.NOT_SMTP_REPLY)


@pytest.mark.parametrize(
    ("greeting", "reason"),
    [
        (b"554 5.7.1 No SMTP service here: your address is listed", Reason.GREETING_REJECTED),
        (b"421 4.3.2 Service not available, closing channel", Reason.SERVICE_UNAVAILABLE),
    ],
)
def test_greeting_refusal(probe, scripted: StartScripted, greeting: bytes, reason: Reason) -> None:
    server = scripted(dialogue(greeting, {}))
    result = probe(server.port, Security.STARTTLS)
    temporary = greeting.startswith(b"4")  # "not now": never the settings' fault
    assert (result.outcome, result.reason) == (
        Outcome.TEMPORARY if temporary else Outcome.REFUSED,
        reason,
    )
    assert result.greeting is not None
    assert result.greeting.code == int(greeting[:3])
    assert names(result)[-1] == "quit"  # a refusing server still gets its QUIT (RFC 5321 3.1)


# -- encryption ------------------------------------------------------------------------------


def test_no_starttls(probe, smtp_server: StartSmtp) -> None:
    server = smtp_server(mode="plain")
    result = probe(server.port, Security.STARTTLS, password=PASSWORD)
    assert (result.outcome, result.reason) == (Outcome.NO_STARTTLS, Reason.STARTTLS_NOT_OFFERED)
    assert result.starttls_offered is False
    assert server.seen.attempts == []


def test_starttls_refused_never_falls_back_to_plain_text(probe, scripted: StartScripted) -> None:
    server = scripted(
        dialogue(
            b"220 mail.example.test ESMTP",
            {
                "EHLO": b"250-mail.example.test\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS",
                "STARTTLS": b"454 4.7.0 TLS not available due to local problem",
            },
        )
    )
    result = probe(server.port, Security.STARTTLS, password=PASSWORD)
    assert (result.outcome, result.reason) == (Outcome.TEMPORARY, Reason.STARTTLS_REFUSED)
    sent = [line.text for line in result.transcript if line.direction == "C"]
    assert not any(text.startswith(("AUTH", "MAIL")) for text in sent)


def test_starttls_answered_then_plain_text_is_a_tls_error(probe, scripted: StartScripted) -> None:
    server = scripted(
        dialogue(
            b"220 mail.example.test ESMTP",
            {
                "EHLO": b"250-mail.example.test\r\n250-AUTH PLAIN\r\n250 STARTTLS",
                "STARTTLS": b"220 2.0.0 go ahead\r\n250 mail.example.test still in plain text",
            },
        )
    )
    result = probe(server.port, Security.STARTTLS, password=PASSWORD)
    assert result.outcome in (Outcome.TLS_ERROR, Outcome.TIMEOUT)
    assert result.failed_stage is not None
    assert result.failed_stage.name is StageName.TLS
    sent = [line.text for line in result.transcript if line.direction == "C"]
    assert not any(text.startswith("AUTH") for text in sent)


def test_expired_certificate(probe, smtp_server: StartSmtp, certs: CertSet) -> None:
    server = smtp_server(mode="tls", cert=certs.expired)
    result = probe(server.port, Security.TLS, password=PASSWORD)
    assert (result.outcome, result.reason) == (Outcome.CERT_EXPIRED, Reason.CERT_EXPIRED)
    assert result.tls is not None
    assert result.tls.verify_code == 10
    assert result.tls.cert is not None
    assert result.tls.cert.not_after.date().isoformat() == "2024-05-03"
    assert "3 May 2024" in explain(result).headline
    assert server.seen.attempts == []


def test_certificate_not_yet_valid(probe, smtp_server: StartSmtp, certs: CertSet) -> None:
    server = smtp_server(mode="starttls", cert=certs.not_yet_valid)
    result = probe(server.port, Security.STARTTLS)
    assert (result.outcome, result.reason) == (Outcome.CERT_EXPIRED, Reason.CERT_NOT_YET_VALID)
    assert "clock" in explain(result).explanation or "time" in explain(result).advice


def test_certificate_for_another_name(probe, smtp_server: StartSmtp, certs: CertSet) -> None:
    server = smtp_server(mode="starttls", cert=certs.wrong_name)
    result = probe(server.port, Security.STARTTLS)
    assert (result.outcome, result.reason) == (
        Outcome.CERT_NAME_MISMATCH,
        Reason.CERT_NAME_MISMATCH,
    )
    assert result.tls is not None
    assert result.tls.verify_code == 62
    assert result.tls.cert is not None
    assert "other.example.test" in result.tls.cert.names
    finding = explain(result)
    assert "other.example.test" in finding.headline
    assert "other.example.test" not in finding.advice  # never advise following the certificate


def test_certificate_from_an_unknown_authority(
    probe, smtp_server: StartSmtp, certs: CertSet
) -> None:
    server = smtp_server(mode="tls", cert=certs.unknown_ca)
    result = probe(server.port, Security.TLS)
    assert (result.outcome, result.reason) == (Outcome.CERT_UNTRUSTED, Reason.CERT_UNKNOWN_ISSUER)
    assert result.tls is not None
    assert result.tls.cert is not None
    assert "Unknown Authority Ltd" in result.tls.cert.issuer


def test_intercepting_antivirus_is_named(probe, smtp_server: StartSmtp, certs: CertSet) -> None:
    server = smtp_server(mode="starttls", cert=certs.intercepted)
    result = probe(server.port, Security.STARTTLS)
    assert result.outcome is Outcome.CERT_UNTRUSTED
    assert "Avast" in explain(result).headline


def test_certificate_errors_are_told_apart(probe, smtp_server: StartSmtp, certs: CertSet) -> None:
    outcomes = {
        probe(smtp_server(mode="tls", cert=cert).port, Security.TLS).outcome
        for cert in (certs.expired, certs.wrong_name, certs.unknown_ca)
    }
    assert outcomes == {Outcome.CERT_EXPIRED, Outcome.CERT_NAME_MISMATCH, Outcome.CERT_UNTRUSTED}


# -- login -----------------------------------------------------------------------------------


def test_wrong_password(probe, smtp_server: StartSmtp) -> None:
    server = smtp_server(mode="starttls")
    result = probe(server.port, Security.STARTTLS, password="wrong")
    assert (result.outcome, result.reason) == (Outcome.AUTH_FAILED, Reason.AUTH_REJECTED)
    assert result.auth.status is AuthStatus.REJECTED
    assert result.auth.reply is not None
    assert result.auth.reply.code == 535
    assert result.auth.reply.enhanced == "5.7.8"
    assert len(server.seen.attempts) == 1  # one attempt: no second mechanism tried


@pytest.mark.parametrize(
    ("password", "code", "words"),
    [
        ("x" * 2000, 500, "the login line was too long"),
        ("pass\0word", 501, "could not read the login line"),
    ],
)
def test_a_login_line_the_server_cannot_take_is_not_a_wrong_server(
    probe, smtp_server: StartSmtp, password: str, code: int, words: str
) -> None:
    """aiosmtpd refuses an over-long AUTH line (500) and a PLAIN value with a stray NUL
    (501): the server could not accept the login, which says nothing against the port."""
    server = smtp_server(mode="tls")
    result = probe(server.port, Security.TLS, password=password)
    assert (result.outcome, result.reason) == (Outcome.AUTH_FAILED, Reason.AUTH_COMMAND_REFUSED)
    assert result.auth.reply is not None
    assert result.auth.reply.code == code
    found = explain(result)
    assert found.headline.startswith("The server could not accept the login")
    assert words in found.headline
    assert "mail server answers" not in found.headline


@pytest.mark.parametrize(
    ("reply", "status", "reason", "words"),
    [
        (
            "534 5.7.9 Application-specific password required",
            AuthStatus.REJECTED,
            Reason.AUTH_REJECTED,
            "app password",
        ),
        (
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled",
            AuthStatus.REJECTED,
            Reason.AUTH_REJECTED,
            "turned off",
        ),
        (
            "454 4.7.0 Temporary authentication failure",
            AuthStatus.TEMPORARY_FAILURE,
            Reason.AUTH_TEMPORARY,
            "for now",
        ),
    ],
)
def test_scripted_login_failures(
    probe, smtp_server: StartSmtp, reply: str, status: AuthStatus, reason: Reason, words: str
) -> None:
    server = smtp_server(mode="tls", login_reply=reply)
    result = probe(server.port, Security.TLS, password=PASSWORD)
    temporary = status is AuthStatus.TEMPORARY_FAILURE
    assert (result.outcome, result.reason) == (
        Outcome.TEMPORARY if temporary else Outcome.AUTH_FAILED,
        reason,
    )
    assert result.auth.status is status
    assert words in explain(result).headline


def test_login_not_offered(probe, smtp_server: StartSmtp) -> None:
    server = smtp_server(mode="starttls", mechanisms=())
    with_login = probe(server.port, Security.STARTTLS, password=PASSWORD)
    assert (with_login.outcome, with_login.reason) == (
        Outcome.AUTH_UNAVAILABLE,
        Reason.AUTH_NOT_OFFERED,
    )
    without_login = probe(server.port, Security.STARTTLS)
    assert without_login.outcome is Outcome.OK


def test_oauth_only_server(probe, scripted: StartScripted) -> None:
    server = scripted(
        dialogue(
            b"220 smtp.example.test ESMTP",
            {"EHLO": b"250-smtp.example.test\r\n250 AUTH XOAUTH2 OAUTHBEARER"},
        )
    )
    result = probe(server.port, Security.NONE, password=PASSWORD, allow_plaintext=True)
    assert (result.outcome, result.reason) == (Outcome.AUTH_UNAVAILABLE, Reason.OAUTH_ONLY)


def test_old_server_without_ehlo(probe, scripted: StartScripted) -> None:
    server = scripted(
        dialogue(
            b"220 old.example.test SMTP",
            {
                "HELO": b"250 old.example.test",
                "MAIL": b"250 ok",
                "RCPT": b"250 ok",
                "RSET": b"250 ok",
            },
        )
    )
    plain = probe(server.port, Security.NONE)
    assert (plain.outcome, plain.reason) == (Outcome.INSECURE, Reason.UNENCRYPTED)
    starttls = probe(server.port, Security.STARTTLS)
    assert (starttls.outcome, starttls.reason) == (Outcome.NO_STARTTLS, Reason.STARTTLS_NOT_OFFERED)


# -- no encryption ---------------------------------------------------------------------------


def test_unencrypted_server_is_insecure(probe, smtp_server: StartSmtp) -> None:
    server = smtp_server(mode="plain", auth_require_tls=False)
    result = probe(server.port, Security.NONE)
    assert (result.outcome, result.reason) == (Outcome.INSECURE, Reason.UNENCRYPTED)


def test_no_login_without_encryption_unless_allowed(probe, smtp_server: StartSmtp) -> None:
    server = smtp_server(mode="plain", auth_require_tls=False)
    refused = probe(server.port, Security.NONE, password=PASSWORD)
    assert (refused.outcome, refused.reason) == (Outcome.INSECURE, Reason.PLAINTEXT_LOGIN_REFUSED)
    assert refused.auth.status is AuthStatus.PLAINTEXT_REFUSED
    assert server.seen.attempts == []

    allowed = probe(server.port, Security.NONE, password=PASSWORD, allow_plaintext=True)
    assert allowed.outcome is Outcome.INSECURE
    assert allowed.auth.status is AuthStatus.OK
    assert allowed.auth.mechanism == "CRAM-MD5"  # the one that does not reveal the password


def test_security_none_against_a_server_offering_starttls(probe, smtp_server: StartSmtp) -> None:
    server = smtp_server(mode="starttls")
    result = probe(server.port, Security.NONE)
    assert result.outcome is Outcome.INSECURE
    assert result.starttls_offered is True
    assert "STARTTLS" in explain(result).advice


# -- stopping --------------------------------------------------------------------------------


def test_cancel_stops_a_waiting_probe(probe, silent_port: int) -> None:
    with CancelToken() as cancel:
        threading.Timer(0.2, cancel.cancel).start()
        result = probe(silent_port, Security.STARTTLS, timeout=60, cancel=cancel)
    assert (result.outcome, result.reason) == (Outcome.CANCELLED, Reason.CANCELLED_BY_USER)
    assert result.failed_stage is not None
    assert result.failed_stage.name is StageName.GREETING
