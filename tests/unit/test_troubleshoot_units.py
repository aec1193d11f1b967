"""The pieces of troubleshooting that need no server: reply codes in words, what changed since
an earlier test, the support report's Markdown, and certificates trusted by hand in settings."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from smtpwizard.core.document import candidate_document
from smtpwizard.core.model import Direction
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Reply
from smtpwizard.core.model import Security
from smtpwizard.core.model import ServerSettings
from smtpwizard.core.model import StageName
from smtpwizard.core.model import TlsInfo
from smtpwizard.core.model import TranscriptLine
from smtpwizard.core.store.settings import Settings
from smtpwizard.core.troubleshoot.compare import what_changed
from smtpwizard.core.troubleshoot.session import StepControl
from smtpwizard.core.troubleshoot.session import build_attempt
from smtpwizard.core.troubleshoot.steps import reply_meaning
from smtpwizard.core.troubleshoot.support import support_document
from smtpwizard.core.troubleshoot.support import support_markdown
from tests.support.results import cert
from tests.support.results import logged_in
from tests.support.results import refused_login
from tests.support.results import result
from tests.support.results import verified_tls


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Reply(250, "OK"), ["250 means it worked."]),
        (Reply(535, "5.7.8 Authentication credentials invalid"), ["permanent", "wrong"]),
        (Reply(534, "5.7.9 Application-specific password required"), ["app password"]),
        (Reply(454, "4.7.0 Try later"), ["temporary", "4.7.0"]),
        (Reply(530, "5.7.0 Must issue a STARTTLS command first"), ["encryption or a login"]),
        (Reply(550, "5.7.139 SmtpClientAuthentication is disabled"), ["switched off"]),
        (Reply(999, "odd"), ["not a reply code"]),
    ],
)
def test_reply_codes_in_words(reply: Reply, words: list[str]) -> None:
    text = reply_meaning(reply)
    for word in words:
        assert word in text


def test_a_stop_point_ends_a_run_and_stepping_waits() -> None:
    control = StepControl(stop_after=StageName.EHLO)
    assert control.wait(StageName.GREETING)
    assert not control.wait(StageName.EHLO)
    stepping = StepControl(stepping=True)
    stepping.next_step()
    assert stepping.wait(StageName.CONNECT)  # one step's credit
    stepping.run_to_end()
    assert stepping.wait(StageName.GREETING)
    stepping.stop()
    assert not stepping.wait(StageName.EHLO)


def earlier(*results: object) -> dict[str, object]:
    return {"candidates": [candidate_document(r) for r in results]}  # type: ignore[arg-type]


def test_what_changed_names_a_new_certificate_and_a_new_address() -> None:
    before = logged_in(465, Security.TLS, host="mail.example.test")
    new_cert = dataclasses.replace(
        verified_tls(), cert=dataclasses.replace(cert("mail.example.test"), issuer_name="Other CA")
    )
    new_cert = dataclasses.replace(
        new_cert,
        cert=dataclasses.replace(new_cert.cert, fingerprint_sha256="EE:" * 31 + "FF"),  # type: ignore[arg-type]
    )
    now = dataclasses.replace(before, tls=new_cert, addresses=("192.0.2.9",))
    changes = what_changed(earlier(before), [now])
    kinds = [c.kind for c in changes]
    assert kinds == ["certificate", "dns"]
    assert "from another issuer (R11 before, Other CA now)" in changes[0].text
    assert "192.0.2.9" in changes[1].text


def test_what_changed_names_a_blocked_port_and_a_refused_password() -> None:
    before = logged_in(587, Security.STARTTLS)
    blocked = result(
        587, Security.STARTTLS, Outcome.TIMEOUT, Reason.CONNECT_TIMEOUT, failed=StageName.CONNECT
    )
    assert [c.kind for c in what_changed(earlier(before), [blocked])] == ["blocked"]
    refused = refused_login("5.7.8 Authentication credentials invalid")
    worked = logged_in(465, Security.TLS)
    assert [c.kind for c in what_changed(earlier(worked), [refused])] == ["password"]
    assert [c.kind for c in what_changed({}, [refused])] == ["outcome"]
    assert [c.kind for c in what_changed(earlier(before), [before])] == ["same"]


def test_the_markdown_report_cannot_be_broken_by_what_a_server_says() -> None:
    line = TranscriptLine(Direction.SERVER, "``` # injected heading", False, 1.0)
    hostile = dataclasses.replace(logged_in(465, Security.TLS), transcript=(line,))
    attempt = build_attempt(
        1, ServerSettings("mail.example.test", 465, Security.TLS, "alice"), hostile
    )
    text = support_markdown(
        support_document([attempt], created=dt.datetime(2026, 11, 22, 10, tzinfo=dt.UTC))
    )
    assert "````\nS ``` # injected heading\n````" in text  # a longer fence than the server's
    assert "Made: 2026-11-22T10:00:00+00:00" in text


def test_certificates_trusted_by_hand_are_per_host_and_revocable() -> None:
    settings = Settings()
    leaf = cert("mail.example.test")
    entry = settings.trust("Mail.Example.test.", leaf)
    assert entry.host == "mail.example.test"
    assert settings.pins() == (("mail.example.test", leaf.fingerprint_sha256),)
    settings.trust("mail.example.test", leaf)  # again: still one entry
    assert len(settings.trusted()) == 1
    settings.trusted_certificates.append({"host": "x", "fingerprint": "not one"})
    settings.trusted_certificates.append("garbage")  # type: ignore[arg-type]
    assert len(settings.trusted()) == 1  # damaged entries are ignored
    assert settings.untrust("other.example.test") == 0
    assert settings.untrust("mail.example.test", leaf.fingerprint_sha256) == 1
    assert settings.pins() == ()


def test_a_pinned_tls_result_is_described_as_trusted_by_hand() -> None:
    pinned = dataclasses.replace(
        logged_in(465, Security.TLS),
        tls=TlsInfo("TLSv1.3", "X", cert("mail.example.test"), verified=False, pinned=True),
    )
    attempt = build_attempt(1, ServerSettings("mail.example.test", 465, Security.TLS), pinned)
    assert "chose to trust" in attempt.finding.explanation
