"""The wizard never says "works" where sending was not shown: it asks before testing without the
password, a server that wants a login says so, and after a wrong password no port is green."""

from __future__ import annotations

from collections.abc import Callable

from smtpwizard.core.draft import Purpose
from smtpwizard.gui.pages import ResultPage
from smtpwizard.gui.pages import SignInPage
from smtpwizard.gui.pages import TestingPage
from smtpwizard.gui.wizard import PageId
from tests.gui.conftest import Announce
from tests.gui.conftest import Driver
from tests.gui.conftest import Mailbox
from tests.gui.test_wizard_flow import to_servers
from tests.support.smtpd import SmtpServer

StartSmtp = Callable[..., SmtpServer]

LOGIN_NEEDED = "530 5.7.57 Client not authenticated to send mail"


def to_sign_in(driver: Driver) -> SignInPage:
    signin = driver.wizard.page(PageId.SIGN_IN)
    assert isinstance(signin, SignInPage)
    driver.next_and_wait(signin.keyring_task.finished)
    return signin


def results_of(testing: TestingPage) -> list[str]:
    return [testing.table.item(row, 6).text() for row in range(testing.table.rowCount())]


def test_an_empty_password_is_asked_about_before_testing(
    driver: Driver, smtp_server: StartSmtp, announce: Announce
) -> None:
    announce(smtp_server(mode="tls", anonymous_sender_reply=LOGIN_NEEDED).port)
    to_servers(driver, Purpose.APPLICATION)
    signin = to_sign_in(driver)
    driver.wizard.confirm = lambda _parent, _title, text: driver.questions.append(text) or False
    driver.wizard.next()
    assert driver.wizard.currentPage() is signin  # "No: type it first"
    assert "cannot prove that you can send" in driver.questions[-1]
    assert signin.password.hasFocus()


def test_without_the_password_a_server_that_wants_a_login_never_works(
    driver: Driver, smtp_server: StartSmtp, announce: Announce
) -> None:
    server = smtp_server(mode="tls", anonymous_sender_reply=LOGIN_NEEDED)
    announce(server.port)
    to_servers(driver, Purpose.APPLICATION)
    to_sign_in(driver)
    testing = driver.wizard.page(PageId.TESTING)
    assert isinstance(testing, TestingPage)
    driver.next_and_wait(testing.task.finished)  # the question answered yes
    assert any("without your password" in q.lower() for q in driver.questions)
    assert not [text for text in results_of(testing) if "works" in text]
    assert "login" in " ".join(results_of(testing)).lower()
    driver.wizard.next()
    result = driver.wizard.currentPage()
    assert isinstance(result, ResultPage)
    assert result.headline.text() != "It works."
    assert not result.card.isVisible()
    assert server.seen.messages == []


def test_after_a_wrong_password_no_port_is_green(
    driver: Driver, smtp_server: StartSmtp, announce: Announce
) -> None:
    first, second = smtp_server(mode="tls"), smtp_server(mode="starttls")
    announce(first.port)
    announce(second.port, implicit_tls=False)
    to_servers(driver, Purpose.APPLICATION)
    signin = to_sign_in(driver)
    signin.password.setText("not the password")
    testing = driver.wizard.page(PageId.TESTING)
    assert isinstance(testing, TestingPage)
    driver.next_and_wait(testing.task.finished)
    texts = results_of(testing)
    assert len(texts) == 2
    assert not [text for text in texts if "works" in text], texts
    logins = len(first.seen.attempts) + len(second.seen.attempts)
    assert 1 <= logins <= 2  # the address, then perhaps its local part: never more


def test_without_the_password_receiving_is_not_said_to_work(
    driver: Driver, smtp_server: StartSmtp, announce: Announce, mailbox: Mailbox
) -> None:
    """Reading mail always takes a login: the IMAP server answers, but without the password
    the wizard says the login was not tested, as the command line does."""
    announce(smtp_server(mode="tls").port)
    to_servers(driver, Purpose.MAIL_PROGRAM)
    to_sign_in(driver)
    testing = driver.wizard.page(PageId.TESTING)
    assert isinstance(testing, TestingPage)
    driver.next_and_wait(testing.task.finished)  # the question answered yes
    texts = results_of(testing)
    assert len(texts) == 2
    assert "works" not in texts[1], texts
    assert "receiving does not yet" in testing.status.message()
    driver.wizard.next()
    result = driver.wizard.currentPage()
    assert isinstance(result, ResultPage)
    assert result.headline.text() != "It works."
    assert not result.incoming_card.isVisible()
    assert "your login was not tested" in result.summary.text()
    assert mailbox.behaviour.logins == []
