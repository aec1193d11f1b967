"""The whole wizard, driven page by page on the offscreen platform against real servers on
loopback: discovery through the test DNS, probing the test SMTP servers, the keyring, export."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from keyring.backends import fail
from PySide6.QtWidgets import QApplication
from PySide6.QtWidgets import QComboBox

from smtpwizard.core.auth.keyring import CredentialStore
from smtpwizard.core.auth.keyring import keyring_service
from smtpwizard.core.draft import Purpose
from smtpwizard.core.engine import Engine
from smtpwizard.gui.pages import AccountPage
from smtpwizard.gui.pages import ExportPage
from smtpwizard.gui.pages import ResultPage
from smtpwizard.gui.pages import ServersPage
from smtpwizard.gui.pages import SignInPage
from smtpwizard.gui.pages import StartPage
from smtpwizard.gui.pages import TestingPage
from smtpwizard.gui.wizard import PageId
from smtpwizard.gui.wizard import SetupWizard
from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.gui.conftest import Announce
from tests.gui.conftest import Driver
from tests.gui.conftest import Mailbox
from tests.support.keyrings import MemoryKeyring
from tests.support.listeners import ScriptedServer
from tests.support.listeners import silent
from tests.support.secrets import leaks
from tests.support.smtpd import SmtpServer

StartSmtp = Callable[..., SmtpServer]


def to_servers(
    driver: Driver, purpose: Purpose = Purpose.MAIL_PROGRAM, email: str = USER
) -> ServersPage:
    wizard = driver.wizard
    start = wizard.currentPage()
    assert isinstance(start, StartPage)
    start.buttons[purpose].setChecked(True)
    wizard.next()
    account = wizard.currentPage()
    assert isinstance(account, AccountPage)
    account.email.setText(email)
    assert account.isComplete()
    servers = wizard.page(PageId.SERVERS)
    assert isinstance(servers, ServersPage)
    driver.next_and_wait(servers.task.finished)
    return servers


def type_loopback_server(servers: ServersPage, port: int, security: str | None = None) -> None:
    """Adds 127.0.0.1 on ``port`` under "I know my server", that port alone (loopback holds
    no others), with the encryption ``security`` if given."""
    servers.manual_only.setChecked(True)
    servers.manual_host.setText("127.0.0.1")
    servers.manual_port.setValue(port)
    if security is not None:
        servers.manual_security.setCurrentIndex(servers.manual_security.findData(security))
    servers.manual_add.click()


def to_testing(driver: Driver, password: str) -> TestingPage:
    wizard = driver.wizard
    signin = wizard.page(PageId.SIGN_IN)
    assert isinstance(signin, SignInPage)
    driver.next_and_wait(signin.keyring_task.finished)
    signin.password.setText(password)
    testing = wizard.page(PageId.TESTING)
    assert isinstance(testing, TestingPage)
    driver.next_and_wait(testing.task.finished)
    return testing


def test_address_to_exported_file(
    driver: Driver,
    smtp_server: StartSmtp,
    announce: Announce,
    tmp_path: Path,
    keyring_backend: MemoryKeyring,
    mailbox: Mailbox,
) -> None:
    server = smtp_server(mode="tls")
    announce(server.port)
    wizard = driver.wizard

    servers = to_servers(driver)
    assert servers.incoming.isVisible()
    assert f"mail.example.test:{mailbox.port} (IMAP, SSL/TLS)" in servers.incoming_found.text()
    assert servers.table.rowCount() == 1
    assert servers.table.item(0, 0).text() == "mail.example.test"
    assert servers.table.item(0, 1).text() == str(server.port)
    assert "_submissions._tcp.example.test" in servers.table.item(0, 3).text()
    # what was found comes first; where smtpwizard looked is one click away
    assert servers.headline.text() == "We found servers to test for example.test."
    assert not servers.details.isVisible()
    servers.details_button.click()
    assert servers.details.isVisible()
    sources = [servers.sources.item(i).text() for i in range(servers.sources.count())]
    assert any(text.startswith("DNS service records (SRV): 1 outgoing") for text in sources)
    assert sources[-1].endswith("switched off")  # what was not asked comes last
    assert servers.isComplete()

    signin = wizard.page(PageId.SIGN_IN)
    assert isinstance(signin, SignInPage)
    driver.next_and_wait(signin.keyring_task.finished)
    assert signin.username.text() == USER
    assert signin.remember.isEnabled()
    signin.password.setText(PASSWORD)
    signin.remember.setChecked(True)

    testing = wizard.page(PageId.TESTING)
    assert isinstance(testing, TestingPage)
    driver.next_and_wait(testing.task.finished)
    assert testing.table.rowCount() == 2  # sending, then receiving
    assert testing.table.item(1, 0).text() == f"mail.example.test:{mailbox.port} (IMAP, SSL/TLS)"
    for row in (0, 1):
        assert testing.table.item(row, 1).text().startswith("✓")  # connected
        assert testing.table.item(row, 4).text() == "✓"  # certificate
        assert testing.table.item(row, 5).text() == "✓"  # login
        assert "works" in testing.table.item(row, 6).text()
    assert testing.progress.value() == 2
    assert "Done: 2 of 2 work" in testing.status.message()
    assert len(server.seen.attempts) == 1
    assert len(mailbox.behaviour.logins) == 1

    result = wizard.page(PageId.RESULT)
    assert isinstance(result, ResultPage)
    driver.next_and_wait(result.keyring_task.finished)
    assert result.headline.text() == "It works."
    assert result.fields["host"].text() == "mail.example.test"
    assert result.fields["port"].text() == str(server.port)
    assert result.fields["security"].text() == "SSL/TLS"
    assert result.fields["username"].text() == USER
    assert result.level.text() == "encrypted and verified"
    assert result.card.title() == "Outgoing mail (SMTP)"
    assert result.incoming_card.isVisible()
    assert result.incoming_fields["protocol"].text() == "IMAP"
    assert result.incoming_fields["port"].text() == str(mailbox.port)
    assert result.incoming_fields["username"].text() == USER
    assert "Receiving:" in result.summary.text()
    assert keyring_backend.entries == {(keyring_service("mail.example.test"), USER): PASSWORD}

    with driver.qtbot.waitSignal(result.test_task.finished, timeout=15000):
        result.send_test.click()
    assert "Sent" in result.status.message()
    assert len(server.seen.messages) == 1

    wizard.next()
    export = wizard.currentPage()
    assert isinstance(export, ExportPage)
    export.select("thunderbird-xml")
    account = export.preview.toPlainText()
    assert f"<port>{mailbox.port}</port>" in account
    assert "tested by smtpwizard, login accepted" in account
    export.select("msmtp")
    preview = export.preview.toPlainText()
    assert f"port {server.port}" in preview
    assert "tls_starttls off" in preview
    target = tmp_path / "msmtprc"
    export.ask_path = lambda _suggestion: str(target)
    export.save.click()
    assert target.read_text() == preview
    assert "Saved to" in export.status.message()
    assert leaks(target.read_text(), PASSWORD, USER) == []
    assert "smtpwizard stored the password in your keyring" in preview  # and it did

    export.include_password.setChecked(True)  # the file holds it; the screen does not
    shown = export.preview.toPlainText()
    assert "password ********" in shown
    assert leaks(shown, PASSWORD, USER) == []
    with_password = tmp_path / "msmtprc-with-password"
    export.ask_path = lambda _suggestion: str(with_password)
    export.save.click()
    assert f"password {PASSWORD}" in with_password.read_text()
    # Copying gives what Save wrote, not the stars the screen shows, and says what it holds.
    QApplication.clipboard().clear()
    export.copy.click()
    assert QApplication.clipboard().text() == with_password.read_text()
    assert "with your password" in export.status.message()


def test_an_existing_file_is_not_replaced_without_consent(
    driver: Driver, smtp_server: StartSmtp, announce: Announce, tmp_path: Path
) -> None:
    server = smtp_server(mode="starttls")
    announce(server.port, implicit_tls=False)
    to_servers(driver, Purpose.APPLICATION)
    to_testing(driver, PASSWORD)
    driver.wizard.next()  # result
    driver.wizard.next()  # export
    export = driver.wizard.currentPage()
    assert isinstance(export, ExportPage)
    export.select("django")
    # What Django cannot do with this password is said under the preview, as in the file.
    assert "UnicodeEncodeError" in export.status.message()
    target = tmp_path / "settings.py"
    target.write_text("# my own settings\n")
    export.ask_path = lambda _suggestion: str(target)
    export.confirm_overwrite = lambda _path: False
    export.save.click()
    assert target.read_text() == "# my own settings\n"
    assert "Not saved" in export.status.message()
    export.confirm_overwrite = lambda _path: True
    export.save.click()
    assert "EMAIL_USE_TLS = True" in target.read_text()


def test_a_failing_setup_is_explained(
    driver: Driver, smtp_server: StartSmtp, announce: Announce
) -> None:
    server = smtp_server(mode="tls")
    announce(server.port)
    to_servers(driver)
    to_testing(driver, "not the password")
    result = driver.wizard.page(PageId.RESULT)
    assert isinstance(result, ResultPage)
    driver.wizard.next()
    assert result.headline.text() == "The servers answer, but the login was refused."
    assert not result.card.isVisible()
    top = result.problems.topLevelItem(0)
    assert "Your username or password was not accepted" in top.text(0)
    children = [top.child(i).text(0) for i in range(top.childCount())]
    assert any(text.startswith("What to do:") for text in children)
    conversation = next(
        top.child(i)
        for i in range(top.childCount())
        if top.child(i).text(0).startswith("The conversation")
    )
    lines = [conversation.child(i).text(0) for i in range(conversation.childCount())]
    assert any("AUTH PLAIN" in line for line in lines)
    assert leaks("\n".join(lines), "not the password", USER) == []
    assert result.nextId() == -1  # nothing to export


def test_cancel_stops_within_a_second(
    driver: Driver, scripted: Callable[..., ScriptedServer], services: Engine
) -> None:
    from dataclasses import replace

    services.probe = replace(services.probe, timeout=60)
    servers = to_servers(driver, email="bob@nowhere.test")
    assert servers.table.rowCount() == 0
    for _ in range(2):
        type_loopback_server(servers, scripted(silent).port)
    assert servers.isComplete()
    signin = driver.wizard.page(PageId.SIGN_IN)
    assert isinstance(signin, SignInPage)
    driver.next_and_wait(signin.keyring_task.finished)
    testing = driver.wizard.page(PageId.TESTING)
    assert isinstance(testing, TestingPage)
    driver.wizard.next()
    assert testing.task.running
    with driver.qtbot.waitSignal(testing.task.finished, timeout=1000):
        testing.stop.click()
    assert driver.wizard.draft.matrix is not None
    assert driver.wizard.draft.matrix.cancelled
    assert "Stopped" in testing.status.message()


def test_without_a_keyring_the_person_is_told_and_goes_on(
    driver: Driver, services: Engine, smtp_server: StartSmtp, announce: Announce
) -> None:
    services.credentials = CredentialStore(fail.Keyring())
    server = smtp_server(mode="tls")
    announce(server.port)
    to_servers(driver)
    signin = driver.wizard.page(PageId.SIGN_IN)
    assert isinstance(signin, SignInPage)
    driver.next_and_wait(signin.keyring_task.finished)
    assert not signin.remember.isEnabled()
    assert not signin.remember.isChecked()
    assert "No password store was found" in signin.keyring_status.message()
    signin.password.setText(PASSWORD)
    testing = driver.wizard.page(PageId.TESTING)
    assert isinstance(testing, TestingPage)
    driver.next_and_wait(testing.task.finished)
    driver.wizard.next()
    result = driver.wizard.currentPage()
    assert isinstance(result, ResultPage)
    assert result.headline.text() == "It works."


def test_a_saved_password_is_loaded_and_can_be_forgotten(
    driver: Driver, keyring_backend: MemoryKeyring, smtp_server: StartSmtp, announce: Announce
) -> None:
    server = smtp_server(mode="tls")
    announce(server.port)
    keyring_backend.entries[(keyring_service("mail.example.test"), USER)] = PASSWORD
    to_servers(driver)
    signin = driver.wizard.page(PageId.SIGN_IN)
    assert isinstance(signin, SignInPage)
    driver.next_and_wait(signin.keyring_task.finished)
    assert signin.password.text() == PASSWORD
    assert "loaded" in signin.keyring_status.message()
    signin.forget.click()
    driver.qtbot.waitUntil(lambda: "forgotten" in signin.keyring_status.message(), timeout=5000)
    assert keyring_backend.entries == {}
    assert signin.password.text() == ""


def test_another_address_starts_its_login_afresh(
    driver: Driver, keyring_backend: MemoryKeyring, smtp_server: StartSmtp, announce: Announce
) -> None:
    announce(smtp_server(mode="tls").port)
    keyring_backend.entries[(keyring_service("mail.example.test"), USER)] = PASSWORD
    to_servers(driver)
    wizard = driver.wizard
    signin = wizard.page(PageId.SIGN_IN)
    assert isinstance(signin, SignInPage)
    driver.next_and_wait(signin.keyring_task.finished)
    assert signin.password.text() == PASSWORD
    assert signin.forget.isVisible()
    wizard.draft.signed_in = object()  # type: ignore[assignment]  # as after a sign-in
    wizard.back()
    wizard.back()
    account = wizard.currentPage()
    assert isinstance(account, AccountPage)
    account.email.setText("carol@example.test")  # nothing saved for her
    driver.next_and_wait(wizard.page(PageId.SERVERS).task.finished)  # type: ignore[attr-defined]
    driver.next_and_wait(signin.keyring_task.finished)
    assert signin.username.text() == "carol@example.test"
    assert signin.password.text() == ""  # not the password of the address before
    assert not signin.forget.isVisible()  # nothing of hers to forget
    assert wizard.draft.signed_in is None  # nor the sign-in of the address before


def test_the_address_is_checked_as_it_is_typed(driver: Driver) -> None:
    driver.wizard.next()
    account = driver.wizard.currentPage()
    assert isinstance(account, AccountPage)
    for text, ok, words in [
        ("alice", False, "missing the @"),
        ("alice@bücher.example", True, "xn--bcher-kva.example"),
        ("alice smith@example.com", False, "spaces"),
        ("alice@example.com", True, "Looks good"),
    ]:
        account.email.setText(text)
        assert account.isComplete() is ok
        assert words in account.status.message()


def test_applications_can_choose_a_sending_service(driver: Driver) -> None:
    start = driver.wizard.currentPage()
    assert isinstance(start, StartPage)
    start.buttons[Purpose.APPLICATION].setChecked(True)
    driver.wizard.next()
    account = driver.wizard.currentPage()
    assert isinstance(account, AccountPage)
    assert account.service_box.isVisible()
    account.email.setText(USER)
    account.service.setCurrentIndex(account.service.findData("amazon-ses"))
    assert isinstance(account.choice, QComboBox)
    assert account.choice.isVisible()
    account.choice.setCurrentText("eu-west-1")
    servers = driver.wizard.page(PageId.SERVERS)
    assert isinstance(servers, ServersPage)
    driver.next_and_wait(servers.task.finished)
    hosts = {servers.table.item(r, 0).text() for r in range(servers.table.rowCount())}
    assert hosts == {"email-smtp.eu-west-1.amazonaws.com"}
    assert "Amazon SES" in servers.provider.text()
    assert servers.headline.text() == "We found the servers of your provider, Amazon SES."
    signin = driver.wizard.page(PageId.SIGN_IN)
    assert isinstance(signin, SignInPage)
    driver.next_and_wait(signin.keyring_task.finished)
    assert signin.username.text() == ""  # SES issues its own SMTP username
    assert "SMTP" in signin.hints.text()


def test_settings_remember_the_address_but_no_secret(
    driver: Driver, services: Engine, smtp_server: StartSmtp, announce: Announce
) -> None:
    server = smtp_server(mode="tls")
    announce(server.port)
    to_servers(driver)
    to_testing(driver, PASSWORD)
    driver.wizard.next()
    driver.wizard.shutdown()
    saved = services.settings.path.read_text()
    assert USER in saved
    assert leaks(saved, PASSWORD, USER) == []
    again = SetupWizard(services)
    driver.qtbot.addWidget(again)
    again.show()
    again.next()
    account = again.currentPage()
    assert isinstance(account, AccountPage)
    assert account.email.text() == USER
    again.shutdown()


def test_closing_the_window_stops_the_work(
    driver: Driver, scripted: Callable[..., ScriptedServer], services: Engine
) -> None:
    from dataclasses import replace

    from smtpwizard.gui.bridge import Task

    services.probe = replace(services.probe, timeout=60)
    servers = to_servers(driver, email="bob@nowhere.test")
    type_loopback_server(servers, scripted(silent).port)
    signin = driver.wizard.page(PageId.SIGN_IN)
    assert isinstance(signin, SignInPage)
    driver.next_and_wait(signin.keyring_task.finished)
    driver.wizard.next()
    testing = driver.wizard.page(PageId.TESTING)
    assert isinstance(testing, TestingPage)
    assert testing.task.running
    driver.wizard.close()
    assert len([q for q in driver.questions if "still testing" in q]) == 1
    assert "still testing" in driver.questions[-1]
    assert not driver.wizard.isVisible()
    # shutdown() waits at most a second per task: a thread still alive means it ignored
    # the cancellation.
    assert all(task.wait(0) for task in driver.wizard.findChildren(Task))


def test_applications_test_sending_only(
    driver: Driver, smtp_server: StartSmtp, announce: Announce, mailbox: Mailbox
) -> None:
    server = smtp_server(mode="tls")
    announce(server.port)
    servers = to_servers(driver, Purpose.APPLICATION)
    assert not servers.incoming.isVisible()
    assert servers.title() == "Finding your outgoing mail servers"
    testing = to_testing(driver, PASSWORD)
    assert testing.table.rowCount() == 1
    assert driver.wizard.draft.incoming_matrix is None
    assert mailbox.behaviour.logins == []
    driver.wizard.next()
    result = driver.wizard.currentPage()
    assert isinstance(result, ResultPage)
    assert result.headline.text() == "It works."
    assert not result.incoming_card.isVisible()
    assert result.card.title() == "Use these settings"


def test_receiving_can_fail_while_sending_works(
    driver: Driver, smtp_server: StartSmtp, announce: Announce, refused_port: int
) -> None:
    server = smtp_server(mode="tls")
    announce(server.port)
    servers = to_servers(driver)
    servers.incoming_edit.setText("ftp://mail.example.test")
    driver.wizard.next()
    assert driver.wizard.currentPage() is servers  # a bad incoming server keeps the page
    assert "not an incoming mail server" in servers.status.message()
    servers.incoming_edit.setText(f"imap://mail.example.test:{refused_port}")
    testing = to_testing(driver, PASSWORD)
    assert testing.table.rowCount() == 2
    assert "receiving does not yet" in testing.status.message()
    driver.wizard.next()
    result = driver.wizard.currentPage()
    assert isinstance(result, ResultPage)
    assert result.headline.text() == "Sending works; receiving does not yet."
    assert result.card.isVisible()
    assert not result.incoming_card.isVisible()
    problems = [
        result.problems.topLevelItem(i).text(0) for i in range(result.problems.topLevelItemCount())
    ]
    assert any(
        text.startswith(f"mail.example.test:{refused_port} (IMAP, STARTTLS): Nothing is listening")
        for text in problems
    ), problems
    assert result.nextId() == PageId.EXPORT  # the outgoing settings can still be taken along
