"""The "fix a setup" path of the wizard, driven against the loopback servers: stepping through
a working and a failing conversation, changing one thing, stopping at a chosen step, the
certificate view with trusting by hand, and the support report."""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QApplication

from smtpwizard.core.draft import Purpose
from smtpwizard.core.engine import Engine
from smtpwizard.core.model import Security
from smtpwizard.core.model import StageName
from smtpwizard.core.net.certs import fingerprint
from smtpwizard.core.troubleshoot.session import ExchangeDone
from smtpwizard.gui.pages import FixSettingsPage
from smtpwizard.gui.pages import StartPage
from smtpwizard.gui.pages import TroubleshootPage
from smtpwizard.gui.wizard import PageId
from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.gui.conftest import Driver
from tests.support.certs import CertSet
from tests.support.secrets import leaks
from tests.support.smtpd import SmtpServer

StartSmtp = Callable[..., SmtpServer]
HOST = "mail.example.test"


def to_fix(driver: Driver) -> FixSettingsPage:
    start = driver.wizard.currentPage()
    assert isinstance(start, StartPage)
    start.buttons[Purpose.FIX].setChecked(True)
    driver.wizard.next()
    page = driver.wizard.currentPage()
    assert isinstance(page, FixSettingsPage)
    return page


def fill(
    page: FixSettingsPage,
    port: int,
    security: Security = Security.STARTTLS,
    password: str = PASSWORD,
) -> None:
    page.host.setText(HOST)
    page.port.setValue(port)
    page.security.setCurrentIndex(page.security.findData(security.value))
    page.username.setText(USER)
    page.password.setText(password)
    page.email.setText(USER)


def paused(event: object) -> bool:
    return isinstance(event, ExchangeDone) and event.paused


def start_stepping(driver: Driver) -> TroubleshootPage:
    page = driver.wizard.page(PageId.TROUBLESHOOT)
    assert isinstance(page, TroubleshootPage)
    with driver.qtbot.waitSignal(page.task.progress, check_params_cb=paused, timeout=10000):
        driver.wizard.next()
    return page


def from_file(driver: Driver, path: Path) -> FixSettingsPage:
    """The settings page, with the settings read from ``path``."""
    fix = to_fix(driver)
    fix.ask_open_path = lambda: str(path)
    fix.load.click()
    return fix


def run_to_the_end(driver: Driver) -> TroubleshootPage:
    """The step-by-step page, its conversation run to the end."""
    page = start_stepping(driver)
    with driver.qtbot.waitSignal(page.task.finished, timeout=15000):
        page.run_all.click()
    return page


def titles(page: TroubleshootPage) -> list[str]:
    return [page.steps.topLevelItem(i).text(0) for i in range(page.steps.topLevelItemCount())]


def children(page: TroubleshootPage, index: int) -> list[str]:
    item = page.steps.topLevelItem(index)
    return [item.child(i).text(0) for i in range(item.childCount())]


def test_stepping_through_a_working_conversation(driver: Driver, smtp_server: StartSmtp) -> None:
    server = smtp_server(mode="starttls")
    fix = to_fix(driver)
    assert not fix.isComplete()
    fill(fix, server.port)
    assert fix.isComplete()
    page = start_stepping(driver)

    # paused after connecting: one step shown, explained, nothing more said to the server
    assert titles(page)[-1].startswith("✓ Connecting")
    assert page.step.isEnabled()
    assert "Next step" in page.status.message()
    assert server.seen.attempts == []

    with driver.qtbot.waitSignal(page.task.progress, check_params_cb=paused, timeout=10000):
        page.step.click()
    assert titles(page)[-1].startswith("✓ Greeting")
    last = page.steps.topLevelItemCount() - 1
    assert any("ready for mail" in text for text in children(page, last))

    with driver.qtbot.waitSignal(page.task.finished, timeout=15000):
        page.run_all.click()
    shown = titles(page)
    for step in ("Introduction (EHLO)", "STARTTLS", "Encryption and certificate", "Login (AUTH)"):
        assert any(step in title for title in shown), (step, shown)
    assert all(title.startswith("✓") for title in shown)
    assert "works, login accepted" in page.status.message()
    assert len(server.seen.attempts) == 1
    auth = next(i for i, t in enumerate(shown) if "Login (AUTH)" in t)
    lines = children(page, auth)
    assert any("AUTH PLAIN" in line for line in lines)
    assert leaks("\n".join(lines), PASSWORD, USER) == []
    assert page.certificate.isEnabled()


def test_a_failing_login_then_one_change_side_by_side(
    driver: Driver, smtp_server: StartSmtp, refused_port: int
) -> None:
    server = smtp_server(mode="tls")
    fix = to_fix(driver)
    fill(fix, server.port, Security.TLS, password="not the password")
    page = run_to_the_end(driver)
    shown = titles(page)
    failed = next(i for i, t in enumerate(shown) if t.startswith("✗"))
    assert "Login (AUTH)" in shown[failed]
    explained = children(page, failed)
    assert any("username or password was not accepted" in text for text in explained)
    assert any(text.startswith("What to try:") for text in explained)
    assert page.steps.topLevelItem(failed).isExpanded()

    # one change: the port; the comparison shows both attempts
    page.change.port.setValue(refused_port)
    with driver.qtbot.waitSignal(page.task.finished, timeout=15000):
        page.change.retry.click()
    assert page.attempts.count() == 2
    assert page.comparison.columnCount() == 2
    rows = [page.comparison.verticalHeaderItem(r).text() for r in range(page.comparison.rowCount())]
    connect_row = rows.index("Connecting")
    assert page.comparison.item(connect_row, 0).text() == "✓"
    assert page.comparison.item(connect_row, 1).text() == "✗"

    # another change that the settings do not show: the password, typed anew
    page.change.port.setValue(server.port)
    page.change.password.setText(PASSWORD)
    with driver.qtbot.waitSignal(page.task.finished, timeout=15000):
        page.change.retry.click()
    header = [page.comparison.horizontalHeaderItem(c).text() for c in range(3)]
    assert header[1] == f"2: {refused_port} SSL/TLS"  # the password was the same
    assert header[2] == f"3: {server.port} SSL/TLS · new password"
    assert leaks(" ".join(header), PASSWORD, USER) == []

    QApplication.clipboard().clear()
    page.copy_report.click()
    report = QApplication.clipboard().text()
    assert "# smtpwizard support report" in report
    assert "## Attempt 3" in report
    assert leaks(report, "not the password", USER) == []
    assert leaks(report, PASSWORD, USER) == []


def test_a_port_that_cannot_be_is_refused_by_every_start_button(
    driver: Driver, smtp_server: StartSmtp
) -> None:
    server = smtp_server(mode="tls")
    fill(to_fix(driver), server.port, Security.TLS)
    page = start_stepping(driver)
    with driver.qtbot.waitSignal(page.task.finished, timeout=15000):
        page.run_all.click()  # to the end: nothing runs or waits now
    starts = (page.step, page.run_all, page.run_to, page.send_test, page.change.retry)
    assert all(button.isEnabled() for button in starts)
    page.change.port.setText("0")
    assert "Port 0 does not exist" in page.status.message()
    assert not any(button.isEnabled() for button in starts)
    page.change.port.setText(str(server.port))
    assert all(button.isEnabled() for button in starts)


def test_stopping_after_a_chosen_step(driver: Driver, smtp_server: StartSmtp) -> None:
    server = smtp_server(mode="starttls")
    fix = to_fix(driver)
    fill(fix, server.port)
    page = start_stepping(driver)
    page.stop_at.setCurrentIndex(page.stop_at.findData(StageName.EHLO.value))
    with driver.qtbot.waitSignal(page.task.finished, timeout=10000):
        page.stop.click()
    with driver.qtbot.waitSignal(page.task.finished, timeout=15000):
        page.run_to.click()
    shown = titles(page)
    assert shown[-2].startswith("✓ Introduction (EHLO)")
    assert "Goodbye" in shown[-1]
    assert not any("STARTTLS" in title for title in shown)
    assert "stopped after Introduction (EHLO)" in page.status.message()
    assert server.seen.attempts == []


def test_trusting_a_certificate_by_hand(
    driver: Driver, smtp_server: StartSmtp, certs: CertSet, services: Engine, tmp_path: Path
) -> None:
    server = smtp_server(mode="tls", cert=certs.unknown_ca)
    fix = to_fix(driver)
    fill(fix, server.port, Security.TLS)
    page = run_to_the_end(driver)
    failed = next(i for i, t in enumerate(titles(page)) if t.startswith("✗"))
    assert "Encryption and certificate" in titles(page)[failed]
    assert any("not trusted" in text for text in children(page, failed))
    assert server.seen.attempts == []

    driver.wizard.confirm = lambda _parent, _title, _text: True
    page.certificate.click()
    dialog = driver.wizard.certificate_dialog
    assert dialog is not None
    assert dialog.trust_button.isVisible()
    own = dialog.tree.topLevelItem(0)
    tree_text = [own.child(i).text(0) for i in range(own.childCount())]
    assert any(line.startswith("SHA-256: ") for line in tree_text)
    dialog.trust_button.click()
    assert dialog.untrust_button.isVisible()
    with driver.qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.reject()
    saved = json.loads(services.settings.path.read_text())
    assert [entry["host"] for entry in saved["trusted_certificates"]] == [HOST]

    with driver.qtbot.waitSignal(page.task.finished, timeout=15000):
        page.change.retry.click()
    assert "works, login accepted" in page.status.message()
    encryption = next(i for i, t in enumerate(titles(page)) if "Encryption" in t)
    assert any("chose to trust" in text for text in children(page, encryption))

    target = tmp_path / "report.json"
    page.ask_save_path = lambda _suggestion: str(target)
    page.save_report.click()
    document = json.loads(target.read_text())
    assert document["kind"] == "smtpwizard-support-report"
    assert [a["outcome"] for a in document["attempts"]] == ["cert_untrusted", "ok"]
    assert document["attempts"][1]["tls"]["pinned"] is True
    assert leaks(target.read_text(), PASSWORD, USER) == []


def test_settings_read_from_a_file(driver: Driver, smtp_server: StartSmtp, tmp_path: Path) -> None:
    server = smtp_server(mode="starttls")
    path = tmp_path / "msmtprc"
    path.write_text(
        f"account work\nhost {HOST}\nport {server.port}\ntls on\ntls_starttls on\n"
        f"user {USER}\nfrom {USER}\npassword {PASSWORD}\n\n"
        "account other\nhost smtp.other.test\nport 465\ntls on\ntls_starttls off\n\n"
        "account default : work\n"
    )
    fix = from_file(driver, path)
    assert fix.host.text() == HOST
    assert fix.port.value() == server.port
    assert fix.security.currentData() == "starttls"
    assert fix.username.text() == USER
    assert fix.password.text() == PASSWORD
    assert fix.accounts.isVisible()
    labels = [fix.accounts.itemText(i) for i in range(fix.accounts.count())]
    assert any(label.startswith("work:") for label in labels)
    assert "Read from" in fix.file_report.text()
    assert leaks(fix.file_report.text(), PASSWORD, USER) == []
    chosen = fix.accounts.currentIndex()
    fix.accounts.setCurrentIndex(next(i for i, t in enumerate(labels) if t.startswith("other:")))
    assert fix.host.text() == "smtp.other.test"
    fix.accounts.setCurrentIndex(chosen)
    assert fix.host.text() == HOST
    page = run_to_the_end(driver)
    assert "works, login accepted" in page.status.message()


def test_a_postfix_relay_is_read_with_its_password_map(
    driver: Driver, smtp_server: StartSmtp, tmp_path: Path
) -> None:
    server = smtp_server(mode="starttls")
    password_map = tmp_path / "sasl_passwd"
    password_map.write_text(f"[{HOST}]:{server.port} {USER}:{PASSWORD}\n")
    path = tmp_path / "main.cf"
    path.write_text(
        f"relayhost = [{HOST}]:{server.port}\nsmtp_tls_security_level = may\n"
        f"smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:{password_map}\n"
    )
    fix = from_file(driver, path)
    assert (fix.host.text(), fix.port.value()) == (HOST, server.port)
    assert fix.security.currentData() == "starttls"
    assert (fix.username.text(), fix.password.text()) == (USER, PASSWORD)
    assert "Postfix sends without encryption" in fix.file_report.text()
    assert leaks(fix.file_report.text(), PASSWORD, USER) == []
    page = run_to_the_end(driver)
    assert "works, login accepted" in page.status.message()


def test_a_file_that_names_a_ca_file_is_checked_with_it(
    driver: Driver, smtp_server: StartSmtp, services: Engine, certs: CertSet, tmp_path: Path
) -> None:
    services.probe = replace(services.probe, cafile=None)  # Advanced names no CA file
    services.discovery = replace(services.discovery, cafile=None)
    server = smtp_server(mode="tls")
    ca_file = tmp_path / "company-ca.pem"
    ca_file.write_bytes(certs.ca_file.read_bytes())
    path = tmp_path / "msmtprc"
    path.write_text(
        f"account default\nhost {HOST}\nport {server.port}\ntls on\ntls_starttls off\n"
        f"tls_trust_file {ca_file}\nuser {USER}\nfrom {USER}\npassword {PASSWORD}\n"
    )
    fix = from_file(driver, path)
    page = run_to_the_end(driver)
    assert "works, login accepted" in page.status.message()

    driver.wizard.back()
    ca_file.unlink()
    driver.wizard.next()
    assert driver.wizard.currentPage() is fix
    assert "which does not exist" in fix.status.message()


def test_a_file_that_trusts_one_certificate_by_hand_is_checked_with_it(
    driver: Driver, smtp_server: StartSmtp, services: Engine, certs: CertSet, tmp_path: Path
) -> None:
    """msmtp's tls_fingerprint: the certificate the file trusts is trusted for this check,
    as msmtp trusts it, and not remembered."""
    server = smtp_server(mode="tls", cert=certs.unknown_ca)
    pem = certs.unknown_ca.cert_chain_pems[0].bytes().decode()
    pin = fingerprint(ssl.PEM_cert_to_DER_cert(pem))
    path = tmp_path / "msmtprc"
    path.write_text(
        f"account default\nhost {HOST}\nport {server.port}\ntls on\ntls_starttls off\n"
        f"tls_fingerprint {pin}\nuser {USER}\nfrom {USER}\npassword {PASSWORD}\n"
    )
    fix = from_file(driver, path)
    assert pin in fix.file_report.text()
    page = run_to_the_end(driver)
    assert "works, login accepted" in page.status.message()
    assert services.settings.load().pins() == ()


def test_a_file_that_cannot_be_read_is_explained(driver: Driver, tmp_path: Path) -> None:
    fix = to_fix(driver)
    garbage = tmp_path / "random.bin"
    garbage.write_bytes(bytes(range(256)) * 4)
    fix.ask_open_path = lambda: str(garbage)
    fix.load.click()
    assert fix.host.text() == ""
    assert "random.bin" in fix.status.message()
    assert not fix.isComplete()


def test_a_test_message_and_what_changed_since_an_earlier_test(
    driver: Driver,
    smtp_server: StartSmtp,
    tmp_path: Path,
    resolver: object,
    ca_file: Path,
) -> None:
    from smtpwizard.core.document import matrix_document
    from smtpwizard.core.engine import Assessor
    from smtpwizard.core.model import Candidate
    from smtpwizard.core.net.address import parse_email
    from smtpwizard.core.probe.matrix import Prober
    from smtpwizard.core.probe.options import ProbeOptions

    server = smtp_server(mode="tls")
    earlier = Assessor(
        Prober(ProbeOptions(timeout=3.0, cafile=str(ca_file)), resolver=resolver)
    ).run(  # type: ignore[arg-type]
        parse_email(USER), [Candidate(HOST, server.port, Security.TLS)], password=PASSWORD
    )
    path = tmp_path / "result.json"
    path.write_text(json.dumps(matrix_document(earlier)))
    fix = from_file(driver, path)
    assert fix.port.value() == server.port
    fix.password.setText("changed since")
    page = run_to_the_end(driver)
    assert page.changes.isVisible()
    assert "Since the test on" in page.changes.text()
    assert "the login worked before and is refused now" in page.changes.text()

    assert page.change.password.text() == "changed since"
    page.change.password.setText(PASSWORD)  # the password is one of the things to change
    with driver.qtbot.waitSignal(page.task.finished, timeout=15000):
        page.send_test.click()
    assert "The test message was accepted" in page.status.message()
    assert len(server.seen.messages) == 1
