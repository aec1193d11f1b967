"""The rules behind "never a false works", one at a time: how refusals read (for now or for
good, a login missing, a lockout), who logs in when, the advice towards encryption, and
what each address family did."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import replace

import pytest

from smtpwizard.core.diagnosis.common import Context
from smtpwizard.core.diagnosis.findings import explain
from smtpwizard.core.diagnosis.recommend import recommend
from smtpwizard.core.login import fallback_usernames
from smtpwizard.core.model import AddressResult
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Reply
from smtpwizard.core.model import Security
from smtpwizard.core.model import SendCheck
from smtpwizard.core.model import Severity
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.probe.refusals import credentials_refused
from smtpwizard.core.probe.refusals import login_lockout
from smtpwizard.core.probe.refusals import sending_refusal
from smtpwizard.core.probe.turns import MAX_LOGINS
from smtpwizard.core.probe.turns import Coordinator
from smtpwizard.core.probe.turns import works
from tests.support.results import logged_in
from tests.support.results import result

OK = Reply(250, "2.1.0 Ok")


@pytest.mark.parametrize(
    ("sender", "recipient", "logged", "expected"),
    [
        (Reply(530, "5.7.57 Client not authenticated"), None, False, "login_needed"),
        (OK, Reply(554, "5.7.1 <a@b>: Relay access denied"), False, "login_needed"),
        (OK, Reply(454, "4.7.1 <a@b>: Relay access denied"), False, "login_needed"),
        (OK, Reply(554, "5.7.1 <a@b>: Relay access denied"), True, "recipient_refused"),
        (
            OK,
            Reply(450, "4.2.0 <a@b>: Recipient address rejected: Greylisted"),
            False,
            "greylisted",
        ),
        (OK, Reply(450, "4.2.0 <a@b>: Recipient address rejected: Greylisted"), True, "greylisted"),
        (
            Reply(421, "4.7.0 Try again later, closing connection."),
            None,
            True,
            "service_unavailable",
        ),
        (Reply(550, "5.4.5 Daily user sending limit exceeded."), None, True, "rate_limited"),
        (Reply(552, "5.3.4 Message size exceeds fixed limit"), None, True, "sender_refused"),
        (
            Reply(553, "5.7.1 Sender address rejected: not owned by user"),
            None,
            True,
            "sender_refused",
        ),
        (
            Reply(553, "5.7.1 Sender address rejected: not owned by user"),
            None,
            False,
            "login_needed",
        ),
        (OK, Reply(550, "5.1.1 User unknown"), False, "recipient_refused"),
        (OK, Reply(452, "4.2.2 Mailbox full"), True, "send_deferred"),
        (
            Reply(530, "5.7.0 Must issue a STARTTLS command first"),
            None,
            False,
            "encryption_required",
        ),
    ],
)
def test_how_a_refused_dry_run_ends(
    sender: Reply, recipient: Reply | None, logged: bool, expected: str
) -> None:
    refusal = sending_refusal(SendCheck(sender, recipient), logged_in=logged, login_offered=True)
    assert refusal is not None
    outcome, reason = refusal
    assert str(reason) == expected
    temporary = expected in ("greylisted", "service_unavailable", "rate_limited", "send_deferred")
    assert (outcome is Outcome.TEMPORARY) == temporary


def test_an_accepted_dry_run_is_no_refusal() -> None:
    assert sending_refusal(SendCheck(OK, OK), logged_in=False, login_offered=True) is None


@pytest.mark.parametrize(
    ("text", "locked", "name_may_help"),
    [
        ("5.7.8 Username and Password not accepted", False, True),
        ("5.7.3 Authentication unsuccessful", False, True),
        ("Authentication Credentials Invalid", False, True),
        ("5.7.9 Application-specific password required", False, False),
        ("5.7.139 Authentication unsuccessful, basic authentication is disabled.", False, False),
        ("5.7.0 (#AUTH005) Too many bad auth attempts.", True, False),
        ("4.7.0 Too many login attempts, please try again later.", True, False),
    ],
)
def test_which_login_refusals_another_name_could_change(
    text: str, locked: bool, name_may_help: bool
) -> None:
    reply = Reply(535, text)
    assert login_lockout(reply) is locked
    assert credentials_refused(reply) is name_may_help


def test_the_login_names_to_fall_back_on() -> None:
    assert fallback_usernames("alice@example.com") == ("alice@example.com", "alice")
    assert fallback_usernames("nobody") == ("nobody",)


@pytest.fixture
def coordinator() -> Iterator[Callable[[], Coordinator]]:
    """Coordinators of three candidates logging in as the full address, then the local part."""
    tokens: list[CancelToken] = []

    def make() -> Coordinator:
        tokens.append(CancelToken())
        return Coordinator(3, ("alice@example.com", "alice"), True, False, tokens[-1])

    yield make
    for token in tokens:
        token.close()


def test_the_second_name_only_after_the_credentials_were_refused(
    coordinator: Callable[[], Coordinator],
) -> None:
    refused = coordinator()
    assert refused.await_turn(0) == "alice@example.com"
    assert refused.report_login(0, AuthStatus.REJECTED, name_refused=True)
    assert refused.await_turn(0) == "alice"
    assert not refused.report_login(0, AuthStatus.REJECTED, name_refused=True)
    assert refused.rejected

    policy = coordinator()
    assert not policy.report_login(0, AuthStatus.REJECTED, name_refused=False)
    assert policy.rejected
    assert policy.attempts == 1


def test_a_lockout_stops_every_login_at_once(coordinator: Callable[[], Coordinator]) -> None:
    locked = coordinator()
    assert not locked.report_login(0, AuthStatus.TEMPORARY_FAILURE, locked=True)
    assert locked.rejected
    assert locked.await_turn(1) is None


def test_logins_are_rationed_across_ports(coordinator: Callable[[], Coordinator]) -> None:
    rationed = coordinator()
    for index in range(MAX_LOGINS):
        assert not rationed.report_login(index, AuthStatus.TEMPORARY_FAILURE)
    assert rationed.exhausted
    assert rationed.await_turn(2) is None
    assert rationed.attempts == MAX_LOGINS


def test_works_needs_a_login_or_a_dry_run_that_shows_none_is_needed() -> None:
    untried = result(465, Security.TLS)
    assert not works(untried, will_login=False, allow_plaintext=False)
    taken = result(465, Security.TLS, send=SendCheck(OK, OK))
    assert works(taken, will_login=False, allow_plaintext=False)
    assert works(logged_in(), will_login=True, allow_plaintext=False)
    assert not works(taken, will_login=True, allow_plaintext=False)


@pytest.mark.parametrize("port", [587, 25])
def test_no_starttls_on_a_port_is_never_advised_for_it(port: int) -> None:
    broken = result(port, Security.STARTTLS, Outcome.NO_STARTTLS, Reason.STARTTLS_NOT_OFFERED)
    refused = result(465, Security.TLS, Outcome.REFUSED, Reason.CONNECTION_REFUSED)
    advice = explain(broken, Context([broken, refused])).advice
    assert f"port {port} with STARTTLS" not in advice
    assert "465" not in advice  # shown not to answer
    if port == 25:
        assert "port 587 with STARTTLS" in advice
    else:
        assert "No port tried on this server offers encryption" in advice
    working = logged_in(465, Security.TLS)
    advice = explain(broken, Context([broken, working])).advice
    assert advice == "Use port 465 with SSL/TLS: it works."


def _dual(used: str, other: AddressResult) -> tuple[AddressResult, ...]:
    family = "IPv6" if ":" in used else "IPv4"
    return (AddressResult(used, family, True, used=True, detail="connected"), other)


def test_each_family_in_words() -> None:
    blocked = AddressResult("127.0.0.1", "IPv4", False, Reason.CONNECT_TIMEOUT, "timed out")
    base = logged_in()
    working = replace(base, address_results=_dual("::1", blocked))
    finding = explain(working)
    assert finding.headline == "mail.example.test port 465 works over IPv6, blocked over IPv4"
    assert finding.severity is Severity.WARNING
    assert "programs that use only IPv4 cannot send from here" in finding.explanation
    rec = recommend(working, "alice@example.test")
    assert any("IPv4 (127.0.0.1)" in warning for warning in rec.warnings)

    refused = AddressResult("::1", "IPv6", False, Reason.CONNECTION_REFUSED, "connection refused")
    reverse = replace(base, address_results=_dual("127.0.0.1", refused))
    assert explain(reverse).headline.endswith("works over IPv4, refused over IPv6")

    same = replace(
        base,
        address_results=_dual("::1", AddressResult("127.0.0.1", "IPv4", True, detail="connected")),
    )
    assert explain(same).headline == "mail.example.test port 465 works"


def test_families_that_fail_differently_are_each_told() -> None:
    refused = AddressResult("::1", "IPv6", False, Reason.CONNECTION_REFUSED, "connection refused")
    blocked = AddressResult("127.0.0.1", "IPv4", False, Reason.CONNECT_TIMEOUT, "timed out")
    failed = replace(
        result(465, Security.TLS, Outcome.REFUSED, Reason.CONNECTION_REFUSED),
        address_results=(refused, blocked),
    )
    explanation = explain(failed).explanation
    assert "Over IPv6 (::1) the server refused the connection" in explanation
    assert "Over IPv4 (127.0.0.1) nothing answered in time" in explanation
    same = replace(failed, address_results=(refused, replace(blocked, reason=refused.reason)))
    assert "Over IPv4" not in explain(same).explanation


def test_a_family_without_a_route_in_words() -> None:
    unreachable = AddressResult("2001:db8::25", "IPv6", False, Reason.UNREACHABLE, "no route")
    working = replace(
        logged_in(),
        address_results=(
            AddressResult("127.0.0.1", "IPv4", True, used=True, detail="connected"),
            unreachable,
        ),
    )
    finding = explain(working)
    assert finding.headline.endswith("works over IPv4, not reachable over IPv6")
    assert "Over IPv6 (2001:db8::25) your computer has no route to the server." in (
        finding.explanation
    )
    answered = replace(working, outcome=Outcome.TIMEOUT, reason=Reason.GREETING_TIMEOUT)
    assert "Over IPv4 (127.0.0.1) the server accepts connections." in explain(answered).explanation
