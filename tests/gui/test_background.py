"""After the verdict the wizard keeps testing the servers it did not need, without a login:
a blocked port's explanation still reaches the result page, the verdict never waits for it,
and moving on cancels it."""

from __future__ import annotations

from collections.abc import Callable

from smtpwizard.core.diagnosis.common import Context
from smtpwizard.core.draft import Purpose
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Reason
from smtpwizard.core.model import StageName
from smtpwizard.gui.pages import ExportPage
from smtpwizard.gui.pages import ResultPage
from smtpwizard.gui.pages import TestingPage
from smtpwizard.gui.wizard import PageId
from tests.conftest import PASSWORD
from tests.gui.conftest import Announce
from tests.gui.conftest import Driver
from tests.gui.test_wizard_flow import to_servers
from tests.gui.test_wizard_flow import to_testing
from tests.support import results
from tests.support.smtpd import SmtpServer

StartSmtp = Callable[..., SmtpServer]


def problems_of(result: ResultPage) -> str:
    tree = result.problems
    return "\n".join(tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount()))


def start_with_a_blocked_port(
    driver: Driver, smtp_server: StartSmtp, announce: Announce, blackhole_port: int
) -> tuple[TestingPage, SmtpServer]:
    server = smtp_server(mode="tls")
    announce(server.port)  # 465-style SSL/TLS: ranked first, it gives the verdict
    announce(blackhole_port, implicit_tls=False)  # the STARTTLS port: blocked on the way
    to_servers(driver, Purpose.APPLICATION)
    return to_testing(driver, PASSWORD), server


def test_a_blocked_port_is_explained_after_the_verdict_without_delaying_it(
    driver: Driver, smtp_server: StartSmtp, announce: Announce, blackhole_port: int
) -> None:
    testing, server = start_with_a_blocked_port(driver, smtp_server, announce, blackhole_port)
    matrix = driver.wizard.draft.matrix
    assert matrix is not None
    assert matrix.recommended is not None
    assert matrix.recommended.candidate.port == server.port
    # The verdict came while the blocked port was still connecting: it did not wait for it.
    blocked = next(r for r in matrix.results if r.candidate.port == blackhole_port)
    assert blocked.reason is Reason.SUPERSEDED
    assert testing.background_running()
    row = testing.row_of(blocked.candidate)
    assert row is not None
    assert "background" in testing.table.item(row, 6).text()

    driver.wizard.next()
    result = driver.wizard.currentPage()
    assert isinstance(result, ResultPage)
    assert result.headline.text() == "It works."
    assert "still being checked" in problems_of(result)

    with driver.qtbot.waitSignal(testing.rest.finished, timeout=15000):
        pass
    problems = problems_of(result)
    assert f"{blackhole_port}" in problems
    assert "still being checked" not in problems
    matrix = driver.wizard.draft.matrix
    assert matrix is not None
    blocked = next(r for r in matrix.results if r.candidate.port == blackhole_port)
    assert blocked.outcome is Outcome.TIMEOUT  # kept in the results the exports and report use
    assert matrix.recommended is not None
    assert matrix.recommended.candidate.port == server.port
    row = testing.row_of(blocked.candidate)
    assert row is not None
    # The row reads as the result page reads it, with the other results in view.
    assert testing.table.item(row, 6).text() in problems
    # No extra login: the one that gave the verdict was the only one.
    assert len(server.seen.attempts) == 1


def test_moving_on_cancels_the_background_tests(
    driver: Driver, smtp_server: StartSmtp, announce: Announce, blackhole_port: int
) -> None:
    testing, _server = start_with_a_blocked_port(driver, smtp_server, announce, blackhole_port)
    assert testing.background_running()
    driver.wizard.next()
    assert isinstance(driver.wizard.currentPage(), ResultPage)
    assert testing.background_running()  # staying on the result: it goes on
    driver.wizard.next()
    assert isinstance(driver.wizard.currentPage(), ExportPage)
    assert not testing.background_running()
    matrix = driver.wizard.draft.matrix
    assert matrix is not None
    assert any(r.reason is Reason.SUPERSEDED for r in matrix.results)


def test_going_back_and_testing_again_cancels_them(
    driver: Driver, smtp_server: StartSmtp, announce: Announce, blackhole_port: int
) -> None:
    testing, _server = start_with_a_blocked_port(driver, smtp_server, announce, blackhole_port)
    assert testing.background_running()
    driver.wizard.back()
    assert driver.wizard.currentId() == PageId.SIGN_IN
    assert not testing.background_running()


def test_a_late_result_keeps_what_the_person_opened_in_the_list(driver: Driver) -> None:
    """Results arriving after the verdict rebuild the list only when it changes, and what
    the person opened stays open."""
    result = driver.wizard.page(PageId.RESULT)
    assert isinstance(result, ResultPage)
    refused = results.result(
        2525, outcome=Outcome.REFUSED, reason=Reason.CONNECTION_REFUSED,
        failed=StageName.CONNECT, detail="connection refused",
    )  # fmt: skip
    blocked = results.result(
        587, outcome=Outcome.TIMEOUT, reason=Reason.CONNECT_TIMEOUT,
        failed=StageName.CONNECT, detail="timed out",
    )  # fmt: skip
    first = results.matrix(results.logged_in(), refused)
    context = Context(first.results, None)
    result._fill_problems(first, context)
    top = result.problems.topLevelItem(0)
    assert top is not None
    assert "2525" in top.text(0)
    top.setExpanded(True)

    result._fill_problems(first, context)  # nothing new: the very same items stay
    assert result.problems.topLevelItem(0) is top
    assert top.child(0) is not None

    later = results.matrix(results.logged_in(), refused, blocked)
    result._fill_problems(later, Context(later.results, None))
    texts = [result.problems.topLevelItem(i).text(0) for i in range(2)]  # type: ignore[union-attr]
    assert "2525" in texts[0]
    assert "587" in texts[1]
    reopened = result.problems.topLevelItem(0)
    assert reopened is not None
    assert reopened.isExpanded()  # still open, as the person left it
    second = result.problems.topLevelItem(1)
    assert second is not None
    assert not second.isExpanded()
