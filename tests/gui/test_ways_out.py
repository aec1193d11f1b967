"""Every dead end has a way out: a stopped test runs again, the result page tests again or
tries the other standard ports of a server typed by hand, 'Change one thing' changes the
password too, and closing asks before a running test or typed data is thrown away."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from smtpwizard.core.draft import Purpose
from smtpwizard.core.engine import Engine
from smtpwizard.core.model import DEFAULT_PORTS
from smtpwizard.core.model import Security
from smtpwizard.gui.pages import AccountPage
from smtpwizard.gui.pages import ResultPage
from smtpwizard.gui.pages import ServersPage
from smtpwizard.gui.pages import SignInPage
from smtpwizard.gui.pages import TestingPage
from smtpwizard.gui.wizard import PageId
from tests.conftest import PASSWORD
from tests.gui.conftest import Announce
from tests.gui.conftest import Driver
from tests.gui.test_troubleshoot import fill
from tests.gui.test_troubleshoot import start_stepping
from tests.gui.test_troubleshoot import to_fix
from tests.gui.test_wizard_flow import to_servers
from tests.gui.test_wizard_flow import to_testing
from tests.gui.test_wizard_flow import type_loopback_server
from tests.support.listeners import ScriptedServer
from tests.support.listeners import silent
from tests.support.smtpd import SmtpServer

StartSmtp = Callable[..., SmtpServer]


def to_a_test_that_hangs(
    driver: Driver, scripted: Callable[..., ScriptedServer], services: Engine
) -> TestingPage:
    """Two servers that never answer, tested with a long timeout: the test runs until
    stopped."""
    services.probe = replace(services.probe, timeout=60)
    servers = to_servers(driver, Purpose.APPLICATION, email="bob@nowhere.test")
    for _ in range(2):
        type_loopback_server(servers, scripted(silent).port)
    signin = driver.wizard.page(PageId.SIGN_IN)
    assert isinstance(signin, SignInPage)
    driver.next_and_wait(signin.keyring_task.finished)
    testing = driver.wizard.page(PageId.TESTING)
    assert isinstance(testing, TestingPage)
    driver.wizard.next()
    assert testing.task.running
    return testing


def test_a_stopped_test_runs_again_after_back_and_next(
    driver: Driver, scripted: Callable[..., ScriptedServer], services: Engine
) -> None:
    testing = to_a_test_that_hangs(driver, scripted, services)
    with driver.qtbot.waitSignal(testing.task.finished, timeout=5000):
        testing.stop.click()
    assert "Stopped" in testing.status.message()
    assert testing.progress.value() < testing.progress.maximum()  # not "100 %"
    assert testing.again.isVisible()
    driver.wizard.back()
    driver.wizard.next()
    assert driver.wizard.currentPage() is testing
    assert testing.task.running  # tested again, not the stale stopped run
    assert testing.progress.value() == 0
    with driver.qtbot.waitSignal(testing.task.finished, timeout=5000):
        testing.stop.click()
    with driver.qtbot.waitSignal(testing.task.finished, timeout=5000):
        testing.again.click()
        assert testing.task.running
        testing.stop.click()


def test_the_result_page_tests_again(
    driver: Driver, smtp_server: StartSmtp, announce: Announce
) -> None:
    server = smtp_server(mode="tls")
    announce(server.port)
    to_servers(driver, Purpose.APPLICATION)
    testing = to_testing(driver, PASSWORD)
    driver.wizard.next()
    result = driver.wizard.currentPage()
    assert isinstance(result, ResultPage)
    assert result.again.isVisible()
    assert not result.other_ports.isVisible()
    with driver.qtbot.waitSignal(testing.task.finished, timeout=15000):
        result.again.click()
        assert driver.wizard.currentPage() is testing
    driver.wizard.next()
    assert result.headline.text() == "It works."
    assert len(server.seen.attempts) == 2  # really tested twice


def test_a_failing_typed_port_offers_the_other_standard_ports(
    driver: Driver, refused_port: int, services: Engine
) -> None:
    services.probe = replace(services.probe, timeout=1.0)
    servers = to_servers(driver, Purpose.APPLICATION, email="bob@nowhere.test")
    servers.manual_only.setChecked(True)  # that port alone: loopback holds no others
    servers.manual_host.setText("127.0.0.1")
    servers.manual_port.setValue(refused_port)
    typed = Security(servers.manual_security.currentData())
    servers.manual_add.click()
    testing = to_testing(driver, "")
    driver.wizard.next()
    result = driver.wizard.currentPage()
    assert isinstance(result, ResultPage)
    assert result.headline.text() == "Nothing works yet."
    assert result.other_ports.isVisible()
    assert result.other_ports.text().replace("&", "") == "Try the other ports of 127.0.0.1"

    with driver.qtbot.waitSignal(testing.task.finished, timeout=20000):
        result.other_ports.click()
    tried = {(c.port, c.security) for c in driver.wizard.draft.candidates}
    assert tried == {(refused_port, typed), *DEFAULT_PORTS}
    assert testing.table.rowCount() == 1 + len(DEFAULT_PORTS)
    assert servers.table.rowCount() == 1 + len(DEFAULT_PORTS)  # the list shows them too


def test_no_other_ports_once_a_login_was_refused(driver: Driver, smtp_server: StartSmtp) -> None:
    server = smtp_server(mode="tls")
    servers = to_servers(driver, Purpose.APPLICATION, email="bob@nowhere.test")
    type_loopback_server(servers, server.port, "tls")
    to_testing(driver, "not the password")
    driver.wizard.next()
    result = driver.wizard.currentPage()
    assert isinstance(result, ResultPage)
    assert result.headline.text() == "The servers answer, but the login was refused."
    assert not result.other_ports.isVisible()  # more logins would only lock the account


def test_the_password_is_one_thing_to_change(driver: Driver, smtp_server: StartSmtp) -> None:
    server = smtp_server(mode="tls")
    fix = to_fix(driver)
    fill(fix, server.port, Security.TLS, password="not the password")
    page = start_stepping(driver)
    with driver.qtbot.waitSignal(page.task.finished, timeout=15000):
        page.run_all.click()
    assert "not accepted" in page.status.message()
    assert page.change.password.text() == "not the password"
    assert page.change.password.echoMode() == page.change.password.EchoMode.Password
    page.change.password.setText(PASSWORD)
    with driver.qtbot.waitSignal(page.task.finished, timeout=15000):
        page.change.retry.click()
    assert "works, login accepted" in page.status.message()


def test_escape_during_a_test_asks_before_closing(
    driver: Driver, scripted: Callable[..., ScriptedServer], services: Engine
) -> None:
    testing = to_a_test_that_hangs(driver, scripted, services)
    wizard = driver.wizard
    answers = [False]

    def answer(_parent: object, _title: str, text: str) -> bool:
        driver.questions.append(text)
        return answers.pop(0)

    wizard.confirm = answer
    driver.qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    assert wizard.isVisible()  # kept: the person said no
    assert testing.task.running
    assert "still testing" in driver.questions[-1]
    answers.append(True)
    wizard.button(QWizard.WizardButton.CancelButton).click()
    assert not wizard.isVisible()
    assert not testing.task.running
    assert len([q for q in driver.questions if "still testing" in q]) == 2


def test_nothing_entered_nothing_asked(driver: Driver) -> None:
    driver.qtbot.keyClick(driver.wizard, Qt.Key.Key_Escape)
    assert not driver.wizard.isVisible()
    assert driver.questions == []


def test_typed_data_is_not_thrown_away_without_asking(driver: Driver) -> None:
    wizard = driver.wizard
    wizard.next()
    account = wizard.currentPage()
    assert isinstance(account, AccountPage)
    driver.qtbot.keyClicks(account.email, "alice@exam")
    wizard.confirm = lambda _parent, _title, text: driver.questions.append(text) or False
    driver.qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    assert wizard.isVisible()
    assert "What you entered" in driver.questions[-1]


def test_the_servers_page_searches_again_when_asked(driver: Driver) -> None:
    servers = to_servers(driver, Purpose.APPLICATION)
    assert isinstance(servers, ServersPage)
    with driver.qtbot.waitSignal(servers.task.finished, timeout=15000):
        servers.again.click()
    assert not servers.stop.isVisible()
    assert servers.again.isVisible()


def test_a_typed_server_is_tested_on_all_its_standard_ports_unless_one_is_fixed(
    driver: Driver,
) -> None:
    servers = to_servers(driver, Purpose.APPLICATION, email="bob@nowhere.test")
    servers.manual_host.setText("smtp.nowhere.test")
    servers.manual_port.setValue(587)
    servers.manual_add.click()
    tried = [(c.port, c.security) for c in servers.candidates()]
    assert tried[0] == (587, Security.STARTTLS)  # the one typed comes first
    assert set(tried) == set(DEFAULT_PORTS)
    assert "and its other standard ports (465, 2525, 25)" in servers.status.message()

    servers.remove.click()  # nothing selected: nothing removed
    servers.table.selectAll()
    servers.remove.click()
    servers.manual_only.setChecked(True)
    servers.manual_port.setValue(2525)
    servers.manual_add.click()
    assert [(c.port, c.security) for c in servers.candidates()] == [(2525, Security.STARTTLS)]
    servers.manual_host.setText("SMTP.nowhere.test.")  # the same server, written otherwise
    servers.manual_add.click()
    assert len(servers.candidates()) == 1  # not twice
    assert "already in the list" in servers.status.message()
