"""The wizard without a mouse: each page starts in its first field, Tab follows the page,
Enter does what the default button says, and bad input is refused where it is typed.

Keys go to the widget the window gives the keyboard to (``focusWidget``), as a person's would.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from smtpwizard.core.draft import Purpose
from smtpwizard.core.engine import Engine
from smtpwizard.gui.pages import AccountPage
from smtpwizard.gui.pages import ExportPage
from smtpwizard.gui.pages import FixSettingsPage
from smtpwizard.gui.pages import ServersPage
from smtpwizard.gui.pages import SignInPage
from smtpwizard.gui.pages import StartPage
from smtpwizard.gui.pages import TestingPage
from smtpwizard.gui.pages import TroubleshootPage
from smtpwizard.gui.wizard import PageId
from smtpwizard.gui.wizard import SetupWizard
from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.gui.conftest import Announce
from tests.gui.conftest import Driver
from tests.gui.test_troubleshoot import paused
from tests.gui.test_wizard_flow import to_servers
from tests.gui.test_wizard_flow import to_testing
from tests.support.smtpd import SmtpServer

StartSmtp = Callable[..., SmtpServer]


def focused(driver: Driver) -> QWidget:
    widget = driver.wizard.focusWidget()
    assert widget is not None
    return widget


def press(driver: Driver, key: Qt.Key) -> None:
    driver.qtbot.keyClick(focused(driver), key)


def type_in(driver: Driver, text: str) -> None:
    driver.qtbot.keyClicks(focused(driver), text)


def tab_stops(driver: Driver, count: int) -> list[QWidget]:
    stops = []
    for _ in range(count):
        press(driver, Qt.Key.Key_Tab)
        stops.append(focused(driver))
    return stops


def test_enter_takes_the_path_that_is_checked(driver: Driver) -> None:
    start = driver.wizard.currentPage()
    assert isinstance(start, StartPage)
    assert focused(driver) is start.buttons[Purpose.MAIL_PROGRAM]
    press(driver, Qt.Key.Key_Down)
    press(driver, Qt.Key.Key_Down)
    assert focused(driver) is start.buttons[Purpose.FIX]
    assert start.buttons[Purpose.FIX].isChecked()
    press(driver, Qt.Key.Key_Return)
    assert driver.wizard.currentId() == PageId.FIX_SETTINGS


def test_a_remembered_path_has_the_focus_where_its_check_mark_is(
    qtbot: QtBot, services: Engine
) -> None:
    settings = services.settings.load()
    settings.purpose = Purpose.APPLICATION.value
    services.settings.save(settings)
    wizard = SetupWizard(services)
    qtbot.addWidget(wizard)
    wizard.show()
    start = wizard.currentPage()
    assert isinstance(start, StartPage)
    assert start.buttons[Purpose.APPLICATION].isChecked()
    assert wizard.focusWidget() is start.buttons[Purpose.APPLICATION]
    wizard.shutdown()


def test_from_the_address_to_the_test_with_the_keyboard(
    driver: Driver, smtp_server: StartSmtp, announce: Announce
) -> None:
    server = smtp_server(mode="tls")
    announce(server.port)
    wizard = driver.wizard
    start = wizard.currentPage()
    assert isinstance(start, StartPage)
    start.buttons[Purpose.APPLICATION].setChecked(True)
    press(driver, Qt.Key.Key_Return)
    account = wizard.currentPage()
    assert isinstance(account, AccountPage)
    assert focused(driver) is account.email

    type_in(driver, "mailto:" + USER)  # pasted from a link: refused, and said why
    assert not account.isComplete()
    assert "Leave out “mailto:”" in account.status.message()
    account.email.clear()
    type_in(driver, USER)
    assert account.isComplete()
    servers = wizard.page(PageId.SERVERS)
    assert isinstance(servers, ServersPage)
    with driver.qtbot.waitSignal(servers.task.finished, timeout=15000):
        press(driver, Qt.Key.Key_Return)
    assert focused(driver) is servers.table  # not a label
    assert servers.table.rowCount() == 1

    signin = wizard.page(PageId.SIGN_IN)
    assert isinstance(signin, SignInPage)
    with driver.qtbot.waitSignal(signin.keyring_task.finished, timeout=15000):
        press(driver, Qt.Key.Key_Return)
    assert signin.username.text() == USER
    assert focused(driver) is signin.password  # the username is known already
    type_in(driver, PASSWORD)
    testing = wizard.page(PageId.TESTING)
    assert isinstance(testing, TestingPage)
    with driver.qtbot.waitSignal(testing.task.finished, timeout=15000):
        press(driver, Qt.Key.Key_Return)
    press(driver, Qt.Key.Key_Return)
    assert wizard.currentId() == PageId.RESULT
    assert len(server.seen.attempts) == 1


def test_tab_follows_the_servers_page(driver: Driver) -> None:
    servers = to_servers(driver, Purpose.APPLICATION, email="bob@nowhere.test")
    assert servers.table.rowCount() == 0
    assert focused(driver) is servers.manual_host  # nothing found: the server name
    assert tab_stops(driver, 5) == [
        servers.manual_port,
        servers.manual_security,
        servers.manual_only,
        servers.manual_add,
        servers.remove,
    ]
    servers.manual_host.setFocus()
    type_in(driver, "mail.example.test")
    assert servers.manual_add.isDefault()  # shown as what Enter does here
    press(driver, Qt.Key.Key_Return)
    assert driver.wizard.currentPage() is servers  # added, not gone on
    assert servers.table.rowCount() == 4  # the port typed, then the server's other standard ones
    assert servers.table.item(0, 0).text() == "mail.example.test"
    assert servers.table.item(0, 1).text() == "587"


def test_tab_follows_the_sign_in_page(
    driver: Driver, smtp_server: StartSmtp, announce: Announce
) -> None:
    announce(smtp_server(mode="tls").port)
    to_servers(driver, Purpose.APPLICATION)
    signin = driver.wizard.page(PageId.SIGN_IN)
    assert isinstance(signin, SignInPage)
    driver.next_and_wait(signin.keyring_task.finished)
    assert focused(driver) is signin.password
    press(driver, Qt.Key.Key_Backtab)
    assert focused(driver) is signin.username
    assert tab_stops(driver, 2) == [signin.password, signin.remember]


def test_enter_on_the_fix_page_goes_on_and_opens_no_file(
    driver: Driver, smtp_server: StartSmtp
) -> None:
    server = smtp_server(mode="starttls")
    start = driver.wizard.currentPage()
    assert isinstance(start, StartPage)
    start.buttons[Purpose.FIX].setChecked(True)
    driver.wizard.next()
    fix = driver.wizard.currentPage()
    assert isinstance(fix, FixSettingsPage)
    opened: list[str] = []
    fix.ask_open_path = lambda: opened.append("file dialog") or None  # type: ignore[func-returns-value]
    assert focused(driver) is fix.host
    type_in(driver, "127.0.0.1")
    fix.port.setValue(server.port)
    troubleshoot = driver.wizard.page(PageId.TROUBLESHOOT)
    assert isinstance(troubleshoot, TroubleshootPage)
    with driver.qtbot.waitSignal(troubleshoot.task.progress, check_params_cb=paused, timeout=9000):
        press(driver, Qt.Key.Key_Return)
    assert opened == []
    assert driver.wizard.currentId() == PageId.TROUBLESHOOT
    assert focused(driver) is troubleshoot.step  # the conversation waits for "Next step"
    troubleshoot.change.password.setFocus()
    type_in(driver, "a password")
    assert troubleshoot.change.retry.isDefault()  # shown as what Enter does here
    with driver.qtbot.waitSignal(troubleshoot.task.finished, timeout=15000):
        press(driver, Qt.Key.Key_Return)  # tries again; the window stays
    assert driver.wizard.isVisible()
    assert troubleshoot.attempts.count() == 1


def test_a_port_outside_1_to_65535_is_refused_where_it_is_typed(driver: Driver) -> None:
    servers = to_servers(driver, Purpose.APPLICATION, email="bob@nowhere.test")
    port = servers.manual_port
    port.setFocus()
    port.selectAll()
    type_in(driver, "99999")
    assert port.text() == "99999"  # shown as typed, not changed into 9999
    assert "ports go from 1 to 65535" in servers.status.message()
    assert port.warning.isVisible()
    assert not servers.manual_add.isEnabled()
    port.selectAll()
    type_in(driver, "0")
    assert port.text() == "0"
    assert "Port 0 does not exist" in servers.status.message()
    type_in(driver, "abc")  # not even typed: digits only
    assert port.text() == "0"
    press(driver, Qt.Key.Key_Backspace)
    assert "Type a port number" in servers.status.message()
    type_in(driver, "465")
    assert servers.manual_add.isEnabled()
    assert servers.status.message() == ""
    assert servers.manual_security.currentData() == "tls"  # 465 means SSL/TLS
    press(driver, Qt.Key.Key_Up)
    assert port.text() == "466"

    driver.wizard.restart()
    start = driver.wizard.currentPage()
    assert isinstance(start, StartPage)
    start.buttons[Purpose.FIX].setChecked(True)
    driver.wizard.next()
    fix = driver.wizard.currentPage()
    assert isinstance(fix, FixSettingsPage)
    fix.host.setText("mail.example.test")
    assert fix.isComplete()
    fix.port.setText("0")
    assert not fix.isComplete()
    assert "Port 0 does not exist" in fix.status.message()


def test_saved_to_goes_when_another_format_is_shown(
    driver: Driver, smtp_server: StartSmtp, announce: Announce, tmp_path: Path
) -> None:
    server = smtp_server(mode="tls")
    announce(server.port)
    to_servers(driver, Purpose.APPLICATION)
    to_testing(driver, PASSWORD)
    driver.wizard.next()
    driver.wizard.next()
    export = driver.wizard.currentPage()
    assert isinstance(export, ExportPage)
    assert focused(driver) is export.formats
    export.select("msmtp")
    export.ask_path = lambda _suggestion: str(tmp_path / "msmtprc")
    export.save.click()
    assert "Saved to" in export.status.message()
    assert export.work_is_kept()
    export.select("django")
    assert "Saved to" not in export.status.message()
