"""The wizard's draft: which incoming servers a mail program run tests, and what it exports."""

from __future__ import annotations

import dataclasses

import pytest

from smtpwizard.core.diagnosis.recommend import recommend
from smtpwizard.core.discovery.results import DiscoveryResult
from smtpwizard.core.draft import Purpose
from smtpwizard.core.draft import SetupDraft
from smtpwizard.core.errors import InvalidInput
from smtpwizard.core.exporters.common import incoming_line
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Security
from smtpwizard.core.model import Source
from smtpwizard.core.model import StageName
from smtpwizard.core.net.address import parse_email
from tests.support.results import logged_in
from tests.support.results import matrix
from tests.support.results import result

SMTP = Candidate("smtp.example.test", 465, Security.TLS)
FOUND = Candidate("imap.example.test", 993, Security.TLS, Source.SRV, "_imaps._tcp", Protocol.IMAP)


def draft(purpose: Purpose = Purpose.MAIL_PROGRAM, *found: Candidate) -> SetupDraft:
    return SetupDraft(
        purpose=purpose,
        email=parse_email("alice@example.test"),
        discovery=DiscoveryResult(
            email="alice@example.test",
            domain="example.test",
            candidates=(SMTP,),
            incoming=found,
            usernames=(),
            provider=None,
            provider_match=None,
            mx=(),
            reports=(),
            elapsed_ms=1.0,
        ),
        candidates=[SMTP],
    )


def test_mail_programs_test_the_incoming_servers_found() -> None:
    assert draft(Purpose.MAIL_PROGRAM, FOUND).choose_incoming() == [FOUND]


def test_applications_test_no_incoming_server() -> None:
    assert draft(Purpose.APPLICATION, FOUND).choose_incoming() == []


def test_a_typed_server_wins_and_bad_ones_are_refused() -> None:
    d = draft(Purpose.MAIL_PROGRAM, FOUND)
    d.incoming_server = "pop3s://pop.example.test"
    assert d.choose_incoming() == [
        Candidate("pop.example.test", 995, Security.TLS, protocol=Protocol.POP3)
    ]
    d.incoming_server = "pop.example.test:25"
    with pytest.raises(InvalidInput):
        d.choose_incoming()


def test_without_any_the_outgoing_host_is_tried() -> None:
    modes = [(c.protocol.name, c.port) for c in draft().choose_incoming()]
    assert modes == [("IMAP", 993), ("IMAP", 143), ("POP3", 995), ("POP3", 110)]
    assert {c.host for c in draft().choose_incoming()} == {"smtp.example.test"}


def test_the_document_and_export_carry_the_incoming_test() -> None:
    d = draft(Purpose.MAIL_PROGRAM, FOUND)
    smtp = logged_in(host="smtp.example.test")
    d.matrix = matrix(smtp, recommended=recommend(smtp, "alice@example.test"), best=smtp)
    assert "incoming_test" not in d.document()
    assert "not tested by smtpwizard" in (incoming_line(d.export_config()) or "")

    imap = dataclasses.replace(logged_in(993, host="imap.example.test"), candidate=FOUND)
    d.incoming_matrix = matrix(imap, recommended=recommend(imap, "alice@example.test"), best=imap)
    document = d.document()
    assert document["incoming_test"]["recommended"]["protocol"] == "imap"
    assert document["incoming"][0]["login_tested"] is True
    config = d.export_config()
    assert config.incoming is not None
    assert (config.incoming.host, config.incoming.tested) == ("imap.example.test", True)
    assert "login accepted" in (incoming_line(config) or "")

    d.forget_results()
    assert (d.matrix, d.incoming_matrix) == (None, None)


def test_an_incoming_server_that_failed_its_test_is_exported_with_a_warning() -> None:
    d = draft(Purpose.MAIL_PROGRAM, FOUND)
    smtp = logged_in(host="smtp.example.test")
    d.matrix = matrix(smtp, recommended=recommend(smtp, "alice@example.test"), best=smtp)
    refused = result(
        993,
        Security.TLS,
        Outcome.REFUSED,
        Reason.CONNECTION_REFUSED,
        host="imap.example.test",
        failed=StageName.CONNECT,
        protocol=Protocol.IMAP,
    )
    d.incoming_matrix = matrix(refused)
    assert d.document()["incoming"][0]["test_outcome"] == "refused"
    line = incoming_line(d.export_config()) or ""
    assert "did not work (refused)" in line
