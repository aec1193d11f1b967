"""Logging in with OAuth 2.0 tokens at real servers: a private Dovecot that checks each token by
asking the authorization server (its oauth2 passdb, RFC 7662 introspection) for IMAP, POP3 and
SMTP submission, and scripted SMTP servers that answer as the big providers do."""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Iterator

import pytest

from smtpwizard.core.diagnosis.findings import explain
from smtpwizard.core.login import Credentials
from smtpwizard.core.login import SignIn
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Security
from smtpwizard.core.net.resolve import StaticResolver
from smtpwizard.core.probe.options import ProbeOptions
from smtpwizard.core.probe.runner import probe_candidate
from tests.conftest import HOSTS
from tests.conftest import USER
from tests.support.certs import CertSet
from tests.support.oauthmail import Mail
from tests.support.oauthmail import oauth_mail

HOST = "mail.example.test"


@pytest.fixture(scope="module")
def mail(certs: CertSet) -> Iterator[Mail]:
    """For logins that work."""
    yield from oauth_mail(certs)


@pytest.fixture
def fresh_mail(certs: CertSet) -> Iterator[Mail]:
    """For logins that fail: Dovecot slows the next login from an address after a failure
    (its auth penalty), so each of these tests has a Dovecot of its own."""
    yield from oauth_mail(certs)


Probe = Callable[..., ProbeResult]


@pytest.fixture
def probe(certs: CertSet) -> Probe:
    def run(
        protocol: Protocol, port: int, security: Security, token: str, username: str = USER
    ) -> ProbeResult:
        return probe_candidate(
            Candidate(HOST, port, security, protocol=protocol),
            ProbeOptions(timeout=5, cafile=str(certs.ca_file), sign_in=SignIn.OAUTH2),
            email=None,
            credentials=Credentials(username, token=token),
            resolver=StaticResolver(HOSTS),
        )

    return run


LISTENERS = [
    (Protocol.SMTP, "submissions", Security.TLS),
    (Protocol.SMTP, "submission", Security.STARTTLS),
    (Protocol.IMAP, "imaps", Security.TLS),
    (Protocol.IMAP, "imap", Security.STARTTLS),
    (Protocol.POP3, "pop3s", Security.TLS),
    (Protocol.POP3, "pop3", Security.STARTTLS),
]


@pytest.mark.parametrize(("protocol", "listener", "security"), LISTENERS)
def test_a_token_logs_in_everywhere(
    mail: Mail, probe: Probe, protocol: Protocol, listener: str, security: Security
) -> None:
    token = mail.oauth.issue(USER)
    result = probe(protocol, getattr(mail.dovecot, listener), security, token)
    assert result.outcome is Outcome.OK, (result.failed_stage, mail.dovecot.log()[-600:])
    assert result.auth.status is AuthStatus.OK
    assert result.auth.mechanism == "OAUTHBEARER"
    assert token in mail.oauth.state.introspected  # Dovecot asked the authorization server
    shown = json.dumps([line.text for line in result.transcript])
    assert token not in shown
    assert "token, hidden" in shown or "AUTHENTICATE OAUTHBEARER" in shown


@pytest.mark.parametrize(("protocol", "listener", "security"), LISTENERS[::2])
def test_an_expired_token_is_refused_and_its_challenge_answered(
    fresh_mail: Mail, probe: Probe, protocol: Protocol, listener: str, security: Security
) -> None:
    mail = fresh_mail
    token = mail.oauth.issue(USER)
    mail.oauth.expire_all()
    result = probe(protocol, getattr(mail.dovecot, listener), security, token)
    assert result.outcome is Outcome.AUTH_FAILED, result.failed_stage
    assert result.auth.status is AuthStatus.REJECTED
    assert result.reason is Reason.TOKEN_REJECTED
    assert result.auth.challenge is not None
    assert json.loads(result.auth.challenge)["status"] == "invalid_token"
    finding = explain(result)
    assert "sign in again" in finding.advice.lower()
    assert token not in json.dumps([line.text for line in result.transcript])


def test_a_token_for_another_account_is_refused(fresh_mail: Mail, probe: Probe) -> None:
    mail = fresh_mail
    token = mail.oauth.issue("bob@example.test")
    result = probe(Protocol.SMTP, mail.dovecot.submissions, Security.TLS, token)
    assert result.outcome is Outcome.AUTH_FAILED
    assert result.auth.status is AuthStatus.REJECTED
