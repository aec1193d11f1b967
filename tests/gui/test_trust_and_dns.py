"""Trust and DNS without leaving the window: a private certificate authority and another DNS
server chosen under Advanced (checked as they are typed, remembered, used at once), and one
certificate trusted from a failed row of the testing page and of the result page."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from smtpwizard.core.draft import Purpose
from smtpwizard.core.engine import Engine
from smtpwizard.gui.advanced import NetworkDialog
from smtpwizard.gui.pages import ResultPage
from smtpwizard.gui.pages import TestingPage
from smtpwizard.gui.wizard import PageId
from smtpwizard.gui.wizard import SetupWizard
from tests.gui.conftest import Announce
from tests.gui.conftest import Driver
from tests.gui.test_wizard_flow import to_servers
from tests.gui.test_wizard_flow import to_testing
from tests.support.certs import CertSet
from tests.support.dnsd import DnsServer
from tests.support.engine import loopback_engine
from tests.support.keyrings import MemoryKeyring
from tests.support.smtpd import SmtpServer

StartSmtp = Callable[..., SmtpServer]
HOST = "mail.example.test"


@pytest.fixture
def empty_dns() -> Iterator[DnsServer]:
    """A DNS server that knows no name (as a resolver that gives wrong answers would)."""
    with DnsServer({}) as server:
        yield server


@pytest.fixture
def untrusting(
    services: Engine, dns: DnsServer, tmp_path: Path, keyring_backend: MemoryKeyring
) -> Engine:
    """The engine without the test CA: only the system's authorities are trusted."""
    return loopback_engine(dns.port, None, tmp_path / "config", keyring_backend)


def open_advanced(driver: Driver) -> NetworkDialog:
    dialog = driver.wizard.show_advanced()
    assert dialog is driver.wizard.advanced_dialog
    assert dialog.isVisible()
    return dialog


def close_with_ok(driver: Driver, dialog: NetworkDialog) -> None:
    with driver.qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.buttons.accepted.emit()


def test_advanced_is_a_button_on_every_page(driver: Driver) -> None:
    button = driver.wizard.button(QWizard.WizardButton.CustomButton1)
    assert button.isVisible()
    assert button.text().replace("&", "") == "Advanced…"
    button.click()
    dialog = driver.wizard.advanced_dialog
    assert isinstance(dialog, NetworkDialog)
    dialog.reject()


def test_a_private_certificate_authority_chosen_in_the_window(
    qtbot: QtBot,
    untrusting: Engine,
    smtp_server: StartSmtp,
    announce: Announce,
    certs: CertSet,
    tmp_path: Path,
) -> None:
    server = smtp_server(mode="tls")  # its certificate comes from the test CA
    announce(server.port)
    wizard = SetupWizard(untrusting)
    qtbot.addWidget(wizard)
    wizard.show()
    driver = Driver(qtbot, wizard)
    wizard.confirm = driver.answer
    to_servers(driver, Purpose.APPLICATION)
    to_testing(driver, "")
    wizard.next()
    result = wizard.currentPage()
    assert isinstance(result, ResultPage)
    assert result.headline.text() == "Nothing works yet."
    assert "certificate" in result.problems.topLevelItem(0).text(0)

    dialog = open_advanced(driver)
    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("not a certificate\n")
    dialog.ask_open_path = lambda: str(not_pem)
    dialog.browse.click()
    assert "cannot be read as certificates" in dialog.cafile_status.message()
    dialog.buttons.accepted.emit()  # refused: the file cannot be used
    assert dialog.isVisible()
    if hasattr(os, "mkfifo"):  # POSIX
        pipe = tmp_path / "pipe"
        os.mkfifo(pipe)  # nothing writes to it: reading it would hang the window
        dialog.cafile.setText(str(pipe))
        assert "is not a file of certificates" in dialog.cafile_status.message()
    dialog.ask_open_path = lambda: str(certs.ca_file)
    dialog.browse.click()
    assert "trusts this authority too" in dialog.cafile_status.message()
    close_with_ok(driver, dialog)
    assert untrusting.probe.cafile == str(certs.ca_file)
    assert "Test again" in result.status.message()

    testing = wizard.page(PageId.TESTING)
    assert isinstance(testing, TestingPage)
    with qtbot.waitSignal(testing.task.finished, timeout=15000):
        result.again.click()
    assert wizard.currentId() == PageId.TESTING
    wizard.next()
    assert result.headline.text() == "It works."

    saved = json.loads(untrusting.settings.path.read_text())
    assert saved["cafile"] == str(certs.ca_file)
    wizard.shutdown()
    again = SetupWizard(loopback_engine(0, None, tmp_path / "config"))
    qtbot.addWidget(again)
    assert again.services.probe.cafile == str(certs.ca_file)  # remembered and used at start
    again.shutdown()


def test_another_dns_server_chosen_in_the_window(
    qtbot: QtBot,
    dns: DnsServer,
    empty_dns: DnsServer,
    smtp_server: StartSmtp,
    announce: Announce,
    certs: CertSet,
    tmp_path: Path,
) -> None:
    server = smtp_server(mode="tls")
    announce(server.port)
    engine = loopback_engine(empty_dns.port, certs.ca_file, tmp_path / "config")
    wizard = SetupWizard(engine)
    qtbot.addWidget(wizard)
    wizard.show()
    driver = Driver(qtbot, wizard)
    wizard.confirm = driver.answer
    servers = to_servers(driver, Purpose.APPLICATION)
    assert servers.table.rowCount() == 0
    assert "No outgoing server was found" in servers.headline.text()

    dialog = open_advanced(driver)
    dialog.dns.setText("dns.example.test")
    assert "not a DNS server's address" in dialog.dns_status.message()
    dialog.buttons.accepted.emit()
    assert dialog.isVisible()
    dialog.dns.setText(dns.address)
    assert dns.address in dialog.dns_status.message()
    with qtbot.waitSignal(servers.task.finished, timeout=15000):  # asked again at once
        close_with_ok(driver, dialog)
    assert servers.table.rowCount() == 1
    assert servers.table.item(0, 0).text() == HOST
    assert json.loads(engine.settings.path.read_text())["nameservers"] == [dns.address]

    testing = to_testing(driver, "")
    assert testing.table.item(0, 1).text().startswith("✓")
    wizard.next()
    result = wizard.currentPage()
    assert isinstance(result, ResultPage)
    assert result.headline.text() == "It works."

    dialog = open_advanced(driver)
    assert dialog.dns.text() == dns.address
    dialog.dns.setText("")  # back to the built-in choice
    close_with_ok(driver, dialog)
    assert engine.discovery.nameservers[0].port == empty_dns.port
    wizard.shutdown()


def test_trusting_one_certificate_from_the_testing_page(
    driver: Driver, smtp_server: StartSmtp, announce: Announce, certs: CertSet, services: Engine
) -> None:
    server = smtp_server(mode="tls", cert=certs.unknown_ca)
    announce(server.port)
    to_servers(driver, Purpose.APPLICATION)
    testing = to_testing(driver, "")
    button = testing.table.cellWidget(0, 4)
    assert button is not None
    assert button.accessibleName() == f"View or trust the certificate of {HOST}"
    assert testing.again.isVisible()
    button.click()
    dialog = driver.wizard.certificate_dialog
    assert dialog is not None
    assert dialog.explanation.isVisible()  # the warning of the fix-a-setup path
    dialog.trust_button.click()
    fingerprint = dialog.tls.cert.fingerprint_sha256 if dialog.tls.cert else ""
    assert fingerprint in driver.questions[-1]  # exactly this certificate, asked first
    with driver.qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.reject()
    assert "Test again" in testing.status.message()
    saved = json.loads(services.settings.path.read_text())
    assert [(e["host"], e["fingerprint"]) for e in saved["trusted_certificates"]] == [
        (HOST, fingerprint)
    ]

    with driver.qtbot.waitSignal(testing.task.finished, timeout=15000):
        testing.again.click()
    assert testing.table.cellWidget(0, 4) is None
    assert testing.table.item(0, 4).text() == "✓"
    driver.wizard.next()
    result = driver.wizard.currentPage()
    assert isinstance(result, ResultPage)
    assert result.headline.text() == "It works."
    assert result.level.text() == "encrypted, certificate accepted by you"


def test_trusting_one_certificate_from_the_result_page(
    driver: Driver, smtp_server: StartSmtp, announce: Announce, certs: CertSet
) -> None:
    server = smtp_server(mode="tls", cert=certs.unknown_ca)
    announce(server.port)
    to_servers(driver, Purpose.APPLICATION)
    to_testing(driver, "")
    driver.wizard.next()
    result = driver.wizard.currentPage()
    assert isinstance(result, ResultPage)
    assert result.headline.text() == "Nothing works yet."
    top = result.problems.topLevelItem(0)
    assert top.isExpanded()
    holder = result.problems.itemWidget(top.child(0), 0)
    assert holder is not None
    button = holder.findChild(QPushButton)
    assert button is not None
    assert button.text() == "View / trust this certificate…"
    button.click()
    dialog = driver.wizard.certificate_dialog
    assert dialog is not None
    dialog.trust_button.click()
    with driver.qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.reject()
    assert "Test again" in result.status.message()
    testing = driver.wizard.page(PageId.TESTING)
    assert isinstance(testing, TestingPage)
    with driver.qtbot.waitSignal(testing.task.finished, timeout=15000):
        result.again.click()
    driver.wizard.next()
    assert result.headline.text() == "It works."


def test_a_remembered_ca_file_that_is_gone_is_said_and_not_used(
    qtbot: QtBot, services: Engine, certs: CertSet, tmp_path: Path
) -> None:
    settings = services.settings.load()
    settings.cafile = str(tmp_path / "gone.pem")
    services.settings.save(settings)
    wizard = SetupWizard(services)
    qtbot.addWidget(wizard)
    assert "does not exist" in wizard.network_problem
    assert services.probe.cafile == str(certs.ca_file)  # the one it was built with
    dialog = wizard.show_advanced()
    assert "gone.pem does not exist" in dialog.cafile_status.message()
    dialog.reject()
    wizard.shutdown()
