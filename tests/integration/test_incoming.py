"""IMAP and POP3 probes: every outcome against small responders, and the real thing against a
private Dovecot (skipped, with the reason, where Dovecot cannot run)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Iterator
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
from smtpwizard.core.model import Severity
from smtpwizard.core.model import StageName
from smtpwizard.core.net.address import parse_email
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.net.resolve import StaticResolver
from smtpwizard.core.probe.matrix import Prober
from smtpwizard.core.probe.options import ProbeOptions
from smtpwizard.core.probe.runner import probe_candidate
from smtpwizard.core.probe.turns import works
from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.support.certs import CertSet
from tests.support.listeners import ScriptedServer
from tests.support.listeners import dialogue
from tests.support.listeners import silent
from tests.support.mailboxd import Behaviour
from tests.support.mailboxd import Dovecot
from tests.support.mailboxd import dovecot_unavailable
from tests.support.mailboxd import imap_script
from tests.support.mailboxd import pop3_script
from tests.support.mailboxd import start_dovecot
from tests.support.mailboxd import stop_dovecot
from tests.support.secrets import leaks

HOST = "mail.example.test"
IMAP, POP3 = Protocol.IMAP, Protocol.POP3
TLS, STARTTLS, NONE = Security.TLS, Security.STARTTLS, Security.NONE
SCRIPTS = {IMAP: imap_script, POP3: pop3_script}

StartScripted = Callable[..., ScriptedServer]


@pytest.fixture
def probe(resolver: StaticResolver, ca_file: Path) -> Callable[..., ProbeResult]:
    def run(
        protocol: Protocol,
        port: int,
        security: Security,
        *,
        password: str | None = None,
        timeout: float = 3.0,
        cancel: CancelToken | None = None,
        **options: object,
    ) -> ProbeResult:
        return probe_candidate(
            Candidate(HOST, port, security, protocol=protocol),
            ProbeOptions(timeout=timeout, cafile=str(ca_file), **options),  # type: ignore[arg-type]
            credentials=Credentials(USER, password) if password is not None else None,
            resolver=resolver,
            cancel=cancel,
        )

    return run


def names(result: ProbeResult) -> list[str]:
    return [str(s.name) for s in result.stages]


# -- every outcome, both protocols ----------------------------------------------------------------


@pytest.fixture(params=[IMAP, POP3], ids=["imap", "pop3"])
def protocol(request: pytest.FixtureRequest) -> Protocol:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def responder(
    scripted: StartScripted, certs: CertSet, protocol: Protocol
) -> Callable[..., tuple[int, Behaviour]]:
    def start(**fields: object) -> tuple[int, Behaviour]:
        fields.setdefault("users", {USER: PASSWORD})
        fields.setdefault("cert", certs.good)
        behaviour = Behaviour(**fields)  # type: ignore[arg-type]
        return scripted(SCRIPTS[protocol](behaviour)).port, behaviour

    return start


def test_ok_with_starttls_and_login(probe, responder, protocol: Protocol) -> None:
    port, seen = responder()
    result = probe(protocol, port, STARTTLS, password=PASSWORD)
    assert (result.outcome, result.reason) == (Outcome.OK, None)
    assert names(result) == [
        "resolve",
        "connect",
        "greeting",
        "capabilities",
        "starttls",
        "tls",
        "capabilities_tls",
        "auth_mechanisms",
        "auth",
        "quit",
    ]
    assert result.auth.status is AuthStatus.OK
    assert seen.logins == [(USER, True)]
    assert result.tls is not None
    assert result.tls.verified
    everything = "\n".join(line.text for line in result.transcript)
    assert leaks(everything, PASSWORD, USER) == []


def test_ok_with_implicit_tls(probe, responder, protocol: Protocol) -> None:
    port, _seen = responder(implicit_tls=True)
    result = probe(protocol, port, TLS, password=PASSWORD)
    assert result.outcome is Outcome.OK
    assert names(result)[:4] == ["resolve", "connect", "tls", "greeting"]


def test_without_a_password_nothing_is_proven(probe, responder, protocol: Protocol) -> None:
    """Reading mail always takes a login: a server that answers, probed without a password
    (even one that would refuse every login), is "login needed", never "works"."""
    port, seen = responder(implicit_tls=True, login_reply=None, users={})
    result = probe(protocol, port, TLS)
    assert (result.outcome, result.reason) == (Outcome.LOGIN_NEEDED, Reason.LOGIN_NEEDED)
    assert result.auth.status is AuthStatus.NO_CREDENTIALS
    assert seen.logins == []
    assert not works(result, will_login=False, allow_plaintext=True)
    found = explain(result)
    assert found.headline == f"{HOST} port {port} answers; your login was not tested"
    assert "password" in found.advice
    assert found.severity is not Severity.OK


@pytest.mark.parametrize(
    ("cert_name", "outcome"),
    [
        ("expired", Outcome.CERT_EXPIRED),
        ("wrong_name", Outcome.CERT_NAME_MISMATCH),
        ("unknown_ca", Outcome.CERT_UNTRUSTED),
    ],
)
def test_certificate_failures(
    probe, responder, protocol: Protocol, certs: CertSet, cert_name: str, outcome: Outcome
) -> None:
    port, seen = responder(cert=getattr(certs, cert_name))
    result = probe(protocol, port, STARTTLS, password=PASSWORD)
    assert result.outcome is outcome
    assert result.tls is not None
    assert result.tls.cert is not None
    assert seen.logins == []


def test_no_starttls(probe, responder, protocol: Protocol) -> None:
    port, _seen = responder(cert=None)
    result = probe(protocol, port, STARTTLS, password=PASSWORD)
    assert (result.outcome, result.reason) == (Outcome.NO_STARTTLS, Reason.STARTTLS_NOT_OFFERED)


def test_login_refused_before_encryption(probe, responder, protocol: Protocol) -> None:
    port, seen = responder()
    result = probe(protocol, port, NONE, password=PASSWORD, allow_plaintext=True)
    assert (result.outcome, result.reason) == (Outcome.AUTH_UNAVAILABLE, Reason.ENCRYPTION_REQUIRED)
    assert seen.logins == []


def test_no_plaintext_login_without_consent(probe, responder, protocol: Protocol) -> None:
    port, seen = responder(login_before_tls=True)
    refused = probe(protocol, port, NONE, password=PASSWORD)
    assert (refused.outcome, refused.reason) == (Outcome.INSECURE, Reason.PLAINTEXT_LOGIN_REFUSED)
    assert seen.logins == []
    allowed = probe(protocol, port, NONE, password=PASSWORD, allow_plaintext=True)
    assert allowed.outcome is Outcome.INSECURE
    assert allowed.auth.status is AuthStatus.OK


def test_wrong_password(probe, responder, protocol: Protocol) -> None:
    port, seen = responder()
    result = probe(protocol, port, STARTTLS, password="wrong one")
    assert (result.outcome, result.reason) == (Outcome.AUTH_FAILED, Reason.AUTH_REJECTED)
    assert len(seen.logins) == 1
    assert "not accepted" in explain(result).headline


def test_temporary_login_failure(probe, responder, protocol: Protocol) -> None:
    reply = "NO [UNAVAILABLE] try later" if protocol is IMAP else "-ERR [SYS/TEMP] try later"
    port, _seen = responder(login_reply=reply)
    result = probe(protocol, port, STARTTLS, password=PASSWORD)
    assert (result.outcome, result.reason) == (Outcome.TEMPORARY, Reason.AUTH_TEMPORARY)


@pytest.mark.parametrize(
    ("replies", "reason", "headline"),
    [
        (
            (
                "NO [UNAVAILABLE] Account temporarily locked",
                "-ERR [SYS/TEMP] account temporarily locked",
            ),
            Reason.AUTH_LOCKED,
            "The account is locked",
        ),
        (
            (
                "NO [INUSE] Mailbox is locked by another session",
                "-ERR [IN-USE] Account is locked by another session",
            ),
            Reason.AUTH_TEMPORARY,
            "The mailbox is in use by another session",
        ),
    ],
    ids=["locked", "in-use"],
)
def test_a_locked_account_or_mailbox_is_not_a_wrong_password(
    probe, responder, protocol: Protocol, replies: tuple[str, str], reason: Reason, headline: str
) -> None:
    """A lockout (RFC 5530 [UNAVAILABLE], RFC 3206 [SYS/TEMP]) or a mailbox open in another
    session ([INUSE], [IN-USE]) is "not now", and the finding says which, never that the
    password was not accepted."""
    port, seen = responder(login_reply=replies[protocol is POP3])
    result = probe(protocol, port, STARTTLS, password=PASSWORD)
    assert (result.outcome, result.reason) == (Outcome.TEMPORARY, reason)
    assert len(seen.logins) == 1
    found = explain(result)
    assert found.headline.startswith(headline)
    assert "not accepted" not in found.headline
    assert "app password" not in f"{found.explanation} {found.advice}"
    assert found.severity is Severity.WARNING


@pytest.mark.parametrize("password", [PASSWORD, None], ids=["password", "no-password"])
@pytest.mark.parametrize("security", [TLS, STARTTLS], ids=["tls", "starttls"])
def test_a_preauth_greeting_is_no_proven_login(
    probe, scripted: StartScripted, certs: CertSet, password: str | None, security: Security
) -> None:
    """A server that greets with PREAUTH has logged the connection in already (RFC 9051): no
    login is tried, the password is not checked, and the finding says so."""
    seen = Behaviour(
        users={USER: PASSWORD},
        cert=certs.good,
        implicit_tls=security is TLS,
        login_before_tls=True,
        greeting="* PREAUTH [CAPABILITY IMAP4rev1] ready, logged in as alice",
    )
    port = scripted(imap_script(seen)).port
    result = probe(IMAP, port, security, password=password)
    assert (result.outcome, result.reason) == (Outcome.AUTH_UNAVAILABLE, Reason.PREAUTHENTICATED)
    assert seen.logins == []
    assert names(result)[-1] == "quit"  # a polite goodbye, not a broken conversation
    assert not works(result, will_login=password is not None, allow_plaintext=False)
    found = explain(result)
    assert "your password was not checked" in found.headline
    assert "PREAUTH" in found.explanation
    assert "Something other" not in found.headline
    assert found.severity is not Severity.OK


def test_greeting_refusal(probe, responder, protocol: Protocol) -> None:
    greeting = "* BYE too many connections" if protocol is IMAP else "-ERR too busy"
    port, _seen = responder(greeting=greeting)
    result = probe(protocol, port, STARTTLS)
    assert (result.outcome, result.reason) == (Outcome.REFUSED, Reason.GREETING_REJECTED)


def test_an_smtp_server_is_not_imap_or_pop3(
    probe, scripted: StartScripted, protocol: Protocol
) -> None:
    port = scripted(dialogue(b"220 mail.example.test ESMTP", {})).port
    result = probe(protocol, port, STARTTLS)
    assert result.outcome is Outcome.NOT_SMTP
    assert result.failed_stage is not None
    assert result.failed_stage.name is StageName.GREETING


def test_network_outcomes(probe, protocol: Protocol, refused_port: int, silent_port: int) -> None:
    assert probe(protocol, refused_port, TLS).outcome is Outcome.REFUSED
    timed = probe(protocol, silent_port, STARTTLS, timeout=0.5)
    assert (timed.outcome, timed.reason) == (Outcome.TIMEOUT, Reason.GREETING_TIMEOUT)
    missing = probe_candidate(
        Candidate("nowhere.example.test", 993, TLS, protocol=protocol), resolver=StaticResolver({})
    )
    assert missing.outcome is Outcome.DNS_ERROR


def test_cancel(probe, protocol: Protocol, scripted: StartScripted) -> None:
    port = scripted(silent).port
    with CancelToken() as cancel:
        threading.Timer(0.2, cancel.cancel).start()
        result = probe(protocol, port, STARTTLS, timeout=60, cancel=cancel)
    assert result.outcome is Outcome.CANCELLED


# -- Dovecot --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dovecot(certs: CertSet) -> Iterator[Dovecot]:
    reason = dovecot_unavailable()
    if reason:
        pytest.skip(reason)
    server = start_dovecot(certs.good, {USER: PASSWORD})
    yield server
    stop_dovecot(server)


@pytest.mark.parametrize(
    ("proto", "listener", "security"),
    [
        (IMAP, "imaps", TLS),
        (IMAP, "imap", STARTTLS),
        (POP3, "pop3s", TLS),
        (POP3, "pop3", STARTTLS),
    ],
)
def test_dovecot_logins(
    probe, dovecot: Dovecot, proto: Protocol, listener: str, security: Security
) -> None:
    port = getattr(dovecot, listener)
    good = probe(proto, port, security, password=PASSWORD)
    assert good.outcome is Outcome.OK, (good.failed_stage, dovecot.log()[-800:])
    assert good.auth.status is AuthStatus.OK
    bad = probe(proto, port, security, password="not it")
    assert (bad.outcome, bad.reason) == (Outcome.AUTH_FAILED, Reason.AUTH_REJECTED)
    for result in (good, bad):
        text = "\n".join(line.text for line in result.transcript)
        assert leaks(text, PASSWORD, USER) == []
        assert leaks(text, "not it", USER) == []


def test_dovecot_mode_mix_ups(probe, dovecot: Dovecot) -> None:
    plain_port = probe(IMAP, dovecot.imap, TLS)
    assert (plain_port.outcome, plain_port.reason) == (Outcome.TLS_ERROR, Reason.PLAIN_PORT)
    tls_port = probe(POP3, dovecot.pop3s, STARTTLS, timeout=1)
    assert (tls_port.outcome, tls_port.reason) == (Outcome.TLS_ERROR, Reason.EXPECTS_IMPLICIT_TLS)


def test_dovecot_plaintext_needs_consent(probe, dovecot: Dovecot) -> None:
    # Dovecot counts loopback connections as secure and accepts a plain-text login there;
    # smtpwizard still only sends the password unencrypted with consent, and flags it.
    for proto, port in ((IMAP, dovecot.imap), (POP3, dovecot.pop3)):
        refused = probe(proto, port, NONE, password=PASSWORD)
        assert (refused.outcome, refused.reason) == (
            Outcome.INSECURE,
            Reason.PLAINTEXT_LOGIN_REFUSED,
        )
        assert refused.auth.attempts == 0
        allowed = probe(proto, port, NONE, password=PASSWORD, allow_plaintext=True)
        assert allowed.outcome is Outcome.INSECURE
        assert allowed.auth.status is AuthStatus.OK


# -- the whole matrix: username variants, one login, both protocols ---------------------------


def test_username_variants_and_a_single_login_across_imap_and_pop3(
    resolver: StaticResolver, ca_file: Path, scripted: StartScripted, certs: CertSet
) -> None:
    imap = Behaviour(users={USER: PASSWORD}, cert=certs.good, implicit_tls=True)
    pop3 = Behaviour(users={USER: PASSWORD}, cert=certs.good)
    candidates = [
        Candidate(HOST, scripted(imap_script(imap)).port, TLS, protocol=IMAP),
        Candidate(HOST, scripted(pop3_script(pop3)).port, STARTTLS, protocol=POP3),
    ]
    prober = Assessor(Prober(ProbeOptions(timeout=3.0, cafile=str(ca_file)), resolver=resolver))
    matrix = prober.run(
        parse_email(USER), candidates, password=PASSWORD, usernames=["alice", USER], wait_all=True
    )
    assert matrix.recommended is not None
    assert matrix.recommended.candidate.protocol is IMAP
    assert matrix.recommended.username == USER
    assert imap.logins == [("alice", False), (USER, True)]
    assert pop3.logins == []  # one account, one proof: no second login elsewhere
    assert [r.outcome for r in matrix.results] == [Outcome.OK, Outcome.OK]
