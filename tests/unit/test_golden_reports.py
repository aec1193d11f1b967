"""Whole reports, pinned: the CLI's human report for a few typical runs.

To update after a deliberate wording change: ``SMTPWIZARD_GOLDEN=update pytest this_file``,
then read the new files in ``tests/golden/`` as a person would before committing them.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import pytest

from smtpwizard.cli.report import print_report
from smtpwizard.core.diagnosis.recommend import recommend
from smtpwizard.core.discovery.providers import load
from smtpwizard.core.model import AuthInfo
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import MatrixResult
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Security
from smtpwizard.core.model import StageName
from smtpwizard.core.model import TlsInfo
from tests.support.results import cert
from tests.support.results import logged_in
from tests.support.results import matrix
from tests.support.results import refused_login
from tests.support.results import result

GOLDEN = Path(__file__).parent.parent / "golden"


def home_network() -> MatrixResult:
    best = logged_in(465, Security.TLS, elapsed_ms=310)
    alt = logged_in(587, Security.STARTTLS, elapsed_ms=280)
    refused = result(
        2525,
        Security.STARTTLS,
        Outcome.REFUSED,
        Reason.CONNECTION_REFUSED,
        failed=StageName.CONNECT,
        detail="127.0.0.1: connection refused",
        elapsed_ms=3,
    )
    blocked = result(
        25,
        Security.STARTTLS,
        Outcome.TIMEOUT,
        Reason.CONNECT_TIMEOUT,
        failed=StageName.CONNECT,
        detail="127.0.0.1: timed out",
        elapsed_ms=10000,
    )
    rec = recommend(best, "alice@example.test", [alt])
    return matrix(best, alt, refused, blocked, recommended=rec, best=best)


def wrong_gmail_password() -> MatrixResult:
    refused = refused_login(
        "5.7.8 Username and Password not accepted. For more information, "
        "go to https://support.google.com/mail/?p=BadCredentials - gsmtp",
        host="smtp.gmail.com",
    )
    untried = result(
        587,
        Security.STARTTLS,
        host="smtp.gmail.com",
        auth=AuthInfo(("PLAIN", "LOGIN"), AuthStatus.NOT_TRIED),
    )
    return matrix(refused, untried, rejected=True)


def nothing_works() -> MatrixResult:
    expired = result(
        465,
        Security.TLS,
        Outcome.CERT_EXPIRED,
        Reason.CERT_EXPIRED,
        failed=StageName.TLS,
        detail="certificate rejected: certificate has expired (code 10)",
        tls=TlsInfo(
            cert=cert("mail.example.test", not_after=dt.datetime(2026, 5, 3, tzinfo=dt.UTC)),
            error="certificate has expired",
            verify_code=10,
        ),
    )
    mixed = result(
        587,
        Security.TLS,
        Outcome.TLS_ERROR,
        Reason.PLAIN_PORT,
        failed=StageName.TLS,
        detail="the server answered in plain text: “220 mail.example.test ESMTP”",
    )
    insecure = result(
        2525, Security.NONE, Outcome.INSECURE, Reason.UNENCRYPTED, starttls_offered=False
    )
    return matrix(expired, mixed, insecure)


CASES = {
    "home_network": (home_network, None),
    "wrong_gmail_password": (wrong_gmail_password, "gmail"),
    "nothing_works": (nothing_works, None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_report_matches_the_golden_file(name: str) -> None:
    build, provider_id = CASES[name]
    out = io.StringIO()
    provider = load().get(provider_id) if provider_id else None
    print_report(build(), out, provider=provider)
    path = GOLDEN / f"report_{name}.txt"
    if os.environ.get("SMTPWIZARD_GOLDEN") == "update":
        path.write_text(out.getvalue(), encoding="utf-8")
    assert out.getvalue() == path.read_text(encoding="utf-8")


def test_a_login_the_server_skipped_is_marked_undecided_not_failed() -> None:
    preauth = result(
        993,
        Security.TLS,
        Outcome.AUTH_UNAVAILABLE,
        Reason.PREAUTHENTICATED,
        failed=StageName.AUTH,
        protocol=Protocol.IMAP,
    )
    out = io.StringIO()
    print_report(matrix(preauth), out)
    row = out.getvalue().splitlines()[1]  # the table's row, under its heading
    assert row.startswith("-- mail.example.test:993")  # not proven, and not broken either


def test_an_address_the_network_cannot_reach_is_not_called_a_timeout() -> None:
    unreachable = result(
        587,
        Security.STARTTLS,
        Outcome.TIMEOUT,
        Reason.UNREACHABLE,
        failed=StageName.CONNECT,
        detail="[fe80::1%lo]: Invalid argument",
        elapsed_ms=1,
    )
    out = io.StringIO()
    print_report(matrix(unreachable), out)
    row = out.getvalue().splitlines()[1]
    assert row.split()[3] == "unreachable", row
