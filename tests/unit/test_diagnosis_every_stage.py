"""A finding for every stage a conversation can break in, for every protocol.

The stages of IMAP and POP3 (``capabilities``) are not those of SMTP (``ehlo``); a finding
that names the step must know them all, or explaining a broken IMAP server raises instead.
"""

from __future__ import annotations

import pytest

from smtpwizard.core.diagnosis.findings import explain
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Security
from smtpwizard.core.model import StageName
from tests.support.results import result

#: Readings whose headline names the step the server broke off in.
BROKEN_OFF = [
    (Outcome.TIMEOUT, Reason.REPLY_TIMEOUT),
    (Outcome.TIMEOUT, Reason.TIME_LIMIT),
    (Outcome.REFUSED, Reason.CONNECTION_LOST),
]
LATER_STAGES = [s for s in StageName if s not in (StageName.RESOLVE, StageName.CONNECT)]


@pytest.mark.parametrize("protocol", list(Protocol))
@pytest.mark.parametrize("stage", LATER_STAGES)
@pytest.mark.parametrize(("outcome", "reason"), BROKEN_OFF)
def test_every_stage_has_words(
    protocol: Protocol, stage: StageName, outcome: Outcome, reason: Reason
) -> None:
    finding = explain(result(outcome=outcome, reason=reason, failed=stage, protocol=protocol))
    assert "port 587" in finding.headline
    assert finding.explanation
    assert finding.advice


@pytest.mark.parametrize("protocol", list(Protocol))
def test_plain_text_after_agreeing_to_encrypt_is_not_told_to_use_starttls(
    protocol: Protocol,
) -> None:
    finding = explain(
        result(
            outcome=Outcome.TLS_ERROR,
            reason=Reason.PLAIN_PORT,
            failed=StageName.TLS,
            security=Security.STARTTLS,
            protocol=protocol,
        )
    )
    assert "agreed to encrypt, then went on without encryption" in finding.headline
    assert "use STARTTLS" not in finding.headline
    assert "SSL/TLS" in finding.advice


def test_plain_text_on_an_implicit_tls_port_still_says_use_starttls() -> None:
    finding = explain(
        result(
            465,
            Security.TLS,
            Outcome.TLS_ERROR,
            Reason.PLAIN_PORT,
            failed=StageName.TLS,
        )
    )
    assert finding.headline == "Port 465 starts without encryption: use STARTTLS"
