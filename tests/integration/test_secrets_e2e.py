"""A known password taken through everything smtpwizard does — discovery, probing, a failure,
troubleshooting, every export and the support report — by the command line and by the wizard;
then every file written and everything printed or logged is searched for the password, its
base64, its AUTH PLAIN form and its URL-encoded forms. None may be found."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from smtpwizard.core.exporters.base import registry
from tests.conftest import USER
from tests.support.certs import CertSet
from tests.support.cli import smtpwizard
from tests.support.dnsd import DnsServer
from tests.support.listeners import RefusedPort
from tests.support.listeners import ScriptedServer
from tests.support.mailboxd import Behaviour
from tests.support.mailboxd import imap_script
from tests.support.secrets import forms_of
from tests.support.secrets import leaks
from tests.support.secrets import token_forms
from tests.support.smtpd import SmtpServer

StartSmtp = Callable[..., SmtpServer]
SECRET = "e2e Sécret/pass+word=42!"
WRONG = "Wr0ng&Pässword?"
HOST = "mail.example.test"


def every_file(root: Path) -> Iterator[tuple[Path, str]]:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path, path.read_bytes().decode("utf-8", "replace")


def export_everything(
    run: Callable[..., subprocess.CompletedProcess[str]],
) -> Iterator[subprocess.CompletedProcess[str]]:
    """Every export format written from ``result.json`` by ``run`` (name, then arguments),
    the password not asked for."""
    for name in registry():
        output = f"export-{name}"
        yield run(
            f"export {name}", "export", "--format", name, "--input", "result.json", "-o", output
        )


def assert_nothing_leaks(texts: dict[str, str], *secrets: str) -> None:
    found = {
        name: [form for secret in secrets for form in leaks(text, secret, USER)]
        for name, text in texts.items()
    }
    assert {name: forms for name, forms in found.items() if forms} == {}


@pytest.fixture
def dns(smtp_server: StartSmtp) -> Iterator[DnsServer]:
    with DnsServer({"example.test": [("A", "127.0.0.1")], HOST: [("A", "127.0.0.1")]}) as server:
        yield server


def test_the_command_line_never_writes_or_prints_the_password(
    tmp_path: Path, dns: DnsServer, smtp_server: StartSmtp, certs: CertSet
) -> None:
    server = smtp_server(mode="tls", users={USER: SECRET})
    dns.add("_submissions._tcp.example.test", "SRV", f"0 1 {server.port} {HOST}.")
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "SMTPWIZARD_CONFIG_DIR": str(home / "smtpwizard"),
        "PYTHONIOENCODING": "utf-8",
    }
    printed: dict[str, str] = {}

    with RefusedPort() as closed:

        def run(name: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
            done = subprocess.run(
                [sys.executable, "-m", "smtpwizard", *args],
                input=stdin,
                capture_output=True,
                text=True,
                timeout=60,
                env=env,
                cwd=work,
                check=False,
            )
            printed[f"{name} (stdout)"] = done.stdout
            printed[f"{name} (stderr)"] = done.stderr
            assert "Traceback" not in done.stderr, done.stderr
            return done

        discovery = [
            "--nameserver",
            dns.address,
            "--no-ispdb",
            "--no-autodiscover",
            "--https-port",
            str(closed.port),
            "--http-port",
            str(closed.port),
            "--cafile",
            str(certs.ca_file),
        ]
        # discovery and probing, the login proven; the result kept
        probe = run(
            "probe", "probe", USER, *discovery, "--password-stdin", "--json", "-v", stdin=SECRET
        )
        assert probe.returncode == 0, probe.stderr
        (work / "result.json").write_text(probe.stdout)
        assert json.loads(probe.stdout)["recommended"]["port"] == server.port
        # the human report with every conversation
        verbose = run("verbose", "probe", USER, *discovery, "--password-stdin", "-v", stdin=SECRET)
        assert verbose.returncode == 0
        # a failure: the wrong password, conversations shown
        failed = run("failure", "probe", USER, *discovery, "--password-stdin", "-v", stdin=WRONG)
        assert failed.returncode == 1
        assert "AUTH PLAIN" in verbose.stdout  # the login itself is in what is searched
        assert "AUTH PLAIN" in failed.stdout
        # every export, the password not asked for
        for exported in export_everything(run):
            assert exported.returncode in (0, 2), exported.stderr  # 2: needs an incoming server
        # troubleshooting with both passwords, and the support reports
        target = [HOST, str(server.port), "--security", "tls", "--cafile", str(certs.ca_file)]
        target += ["--resolve", f"{HOST}=127.0.0.1", "--username", USER, "--password-stdin"]
        good = run("troubleshoot", "troubleshoot", *target, "--report", "good.md", stdin=SECRET)
        assert good.returncode == 0, good.stdout
        bad = run(
            "troubleshoot wrong", "troubleshoot", *target, "--report", "bad.json", stdin=WRONG
        )
        assert bad.returncode == 1
        as_json = run("troubleshoot json", "troubleshoot", *target, "--json", stdin=WRONG)
        assert as_json.returncode == 1
        # starting again from the exported msmtp file (the password is looked up, not read)
        again = run(
            "troubleshoot --from",
            "troubleshoot",
            "--from",
            "export-msmtp",
            "--resolve",
            f"{HOST}=127.0.0.1",
            "--cafile",
            str(certs.ca_file),
            "--password-stdin",
            "--report",
            "again.md",
            stdin=SECRET,
        )
        assert again.returncode == 0, again.stdout + again.stderr

    assert len(server.seen.attempts) >= 5  # the password really travelled, each time
    written = dict(every_file(tmp_path))
    assert any(path.name == "good.md" for path in written)
    assert any(path.name.startswith("export-") for path in written)
    texts = {str(path): text for path, text in written.items()}
    assert_nothing_leaks({**texts, **printed}, SECRET, WRONG)


def test_the_command_line_never_writes_or_prints_a_token(certs: CertSet, tmp_path: Path) -> None:
    """An OAuth 2.0 sign-in through everything the command line does with it: probing (the
    browser, then the stored sign-in), the human report with every conversation, every
    export, troubleshooting with its reports; then every file under the home and the work
    folder (the keyring's own file included) and everything printed is searched for every
    access and refresh token the server gave, and their SASL forms. Only ``smtpwizard
    token``'s standard output, which exists to print one, is left out."""
    from tests.support.oauthcli import oauth_cli
    from tests.support.oauthd import CLIENT_ID

    work = tmp_path / "work"
    work.mkdir()
    printed: dict[str, str] = {}
    with oauth_cli(certs, tmp_path) as setup:

        def run(name: str, *args: str) -> subprocess.CompletedProcess[str]:
            done = smtpwizard(*args, env=setup.env, cwd=work)
            printed[f"{name} (stdout)"] = done.stdout
            printed[f"{name} (stderr)"] = done.stderr
            assert "Traceback" not in done.stderr, done.stderr
            return done

        probe = run("probe", "probe", USER, *setup.args("--oauth2-client-id", CLIENT_ID, "--json"))
        assert probe.returncode == 0, probe.stderr
        (work / "result.json").write_text(probe.stdout)
        verbose = run("verbose", "probe", USER, *setup.args("-v"))
        assert verbose.returncode == 0, verbose.stderr
        assert "AUTH OAUTHBEARER" in verbose.stdout  # the login itself is in what is searched
        for exported in export_everything(run):
            assert exported.returncode in (0, 1, 2), exported.stderr
        port = str(setup.mail.dovecot.submission)
        target = [HOST, port, "--username", USER, "--auth", "oauth2"]
        target += ["--oauth2-issuer", setup.mail.oauth.issuer, "--cafile", str(certs.ca_file)]
        target += ["--resolve", f"{HOST}=127.0.0.1"]
        report = run("troubleshoot", "troubleshoot", *target, "--report", "support.md")
        assert report.returncode == 0, report.stdout + report.stderr
        as_json = run("troubleshoot json", "troubleshoot", *target, "--json")
        assert as_json.returncode == 0
        token = smtpwizard("token", USER, env=setup.env)
        assert token.returncode == 0
        printed["token (stderr)"] = token.stderr
        state = setup.mail.oauth.state
        secrets = [*state.grants, *state.refresh]
    assert len(state.refresh) >= 1
    assert len(state.grants) >= 3  # the browser, the stored sign-in, troubleshooting, token
    written = {str(path): text for path, text in every_file(tmp_path)}
    assert any(name.endswith("support.md") for name in written)
    assert any("keyrings" in name for name in written)  # the Secret Service's own file
    found = {
        name: [form for secret in secrets for form in _token_leaks(text, secret)]
        for name, text in {**written, **printed}.items()
    }
    assert {name: forms for name, forms in found.items() if forms} == {}


def _token_leaks(text: str, token: str) -> list[str]:
    return [name for name, form in token_forms(token, USER).items() if form in text]


def test_the_wizard_never_writes_or_logs_the_password(
    qtbot: object, tmp_path: Path, wired: Wired, caplog: pytest.LogCaptureFixture
) -> None:
    """The wizard's mail-program path with the password remembered, every export saved, then
    the fix-a-setup path with a wrong password and both support reports."""
    from PySide6.QtWidgets import QApplication

    from smtpwizard.core.draft import Purpose
    from smtpwizard.gui.pages import AccountPage
    from smtpwizard.gui.pages import ExportPage
    from smtpwizard.gui.pages import FixSettingsPage
    from smtpwizard.gui.pages import ResultPage
    from smtpwizard.gui.pages import ServersPage
    from smtpwizard.gui.pages import SignInPage
    from smtpwizard.gui.pages import StartPage
    from smtpwizard.gui.pages import TestingPage
    from smtpwizard.gui.pages import TroubleshootPage
    from smtpwizard.gui.wizard import PageId
    from smtpwizard.gui.wizard import SetupWizard
    from tests.gui.conftest import Driver
    from tests.gui.test_troubleshoot import paused

    caplog.set_level(logging.DEBUG)
    server = wired.server
    wizard = SetupWizard(wired.services)  # type: ignore[arg-type]
    qtbot.addWidget(wizard)  # type: ignore[attr-defined]
    wizard.show()
    driver = Driver(qtbot, wizard)  # type: ignore[arg-type]
    wizard.confirm = driver.answer
    fixing: SetupWizard | None = None
    try:
        start = wizard.currentPage()
        assert isinstance(start, StartPage)
        start.buttons[Purpose.MAIL_PROGRAM].setChecked(True)
        wizard.next()
        account = wizard.currentPage()
        assert isinstance(account, AccountPage)
        account.email.setText(USER)
        servers = wizard.page(PageId.SERVERS)
        assert isinstance(servers, ServersPage)
        driver.next_and_wait(servers.task.finished)
        signin = wizard.page(PageId.SIGN_IN)
        assert isinstance(signin, SignInPage)
        driver.next_and_wait(signin.keyring_task.finished)
        signin.password.setText(SECRET)
        signin.remember.setChecked(True)
        testing = wizard.page(PageId.TESTING)
        assert isinstance(testing, TestingPage)
        driver.next_and_wait(testing.task.finished)
        result = wizard.page(PageId.RESULT)
        assert isinstance(result, ResultPage)
        driver.next_and_wait(result.keyring_task.finished)
        assert result.headline.text() == "It works."
        result.copy.click()
        clipboard = [QApplication.clipboard().text()]
        wizard.next()
        export = wizard.currentPage()
        assert isinstance(export, ExportPage)
        exports = tmp_path / "exports"
        exports.mkdir()
        for name in registry():
            export.select(name)
            export.ask_path = lambda _suggestion, name=name: str(exports / name)
            export.save.click()
        assert len(list(exports.iterdir())) >= len(registry()) - 1

        wizard.shutdown()
        fixing = SetupWizard(wired.services)  # type: ignore[arg-type]
        qtbot.addWidget(fixing)  # type: ignore[attr-defined]
        fixing.show()
        driver = Driver(qtbot, fixing)  # type: ignore[arg-type]
        fixing.confirm = driver.answer
        start = fixing.currentPage()
        assert isinstance(start, StartPage)
        start.buttons[Purpose.FIX].setChecked(True)
        fixing.next()
        fix = fixing.currentPage()
        assert isinstance(fix, FixSettingsPage)
        fix.host.setText(HOST)
        fix.port.setValue(server.port)
        fix.security.setCurrentIndex(fix.security.findData("tls"))
        fix.username.setText(USER)
        fix.password.setText(WRONG)
        fix.email.setText(USER)
        page = fixing.page(PageId.TROUBLESHOOT)
        assert isinstance(page, TroubleshootPage)
        with qtbot.waitSignal(  # type: ignore[attr-defined]
            page.task.progress, check_params_cb=paused, timeout=10000
        ):
            fixing.next()
        with qtbot.waitSignal(page.task.finished, timeout=15000):  # type: ignore[attr-defined]
            page.run_all.click()
        page.change.password.setText(SECRET)  # the password is one thing to change
        with qtbot.waitSignal(page.task.finished, timeout=15000):  # type: ignore[attr-defined]
            page.change.retry.click()
        for name in ("report.md", "report.json"):
            page.ask_save_path = lambda _suggestion, name=name: str(tmp_path / name)
            page.save_report.click()
        page.copy_report.click()
        clipboard.append(QApplication.clipboard().text())
    finally:
        wizard.shutdown()
        if fixing is not None:
            fixing.shutdown()

    assert len(server.seen.attempts) >= 3
    assert wired.keyring.entries  # type: ignore[attr-defined]  # the keyring holds it, as asked
    written = {str(path): text for path, text in every_file(tmp_path)}
    assert any(name.endswith("settings.json") for name in written)
    assert any(name.endswith("report.md") for name in written)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    shown = {"log": logged, "clipboard": "\n".join(clipboard)}
    assert_nothing_leaks({**written, **shown}, SECRET, WRONG)
    assert forms_of(SECRET, USER)["password"] == SECRET  # the search looked for the real thing


@dataclass
class Wired:
    """The wizard's services pointed at a loopback DNS announcing the test servers."""

    server: SmtpServer
    services: object
    keyring: object


@pytest.fixture
def wired(
    tmp_path: Path,
    smtp_server: StartSmtp,
    certs: CertSet,
    scripted: Callable[..., ScriptedServer],
) -> Iterator[Wired]:
    from tests.support.engine import loopback_engine
    from tests.support.keyrings import MemoryKeyring

    server = smtp_server(mode="tls", users={USER: SECRET})
    mailbox = Behaviour(users={USER: SECRET}, cert=certs.good, implicit_tls=True)
    imap = scripted(imap_script(mailbox))
    keyring = MemoryKeyring()
    with DnsServer({"example.test": [("A", "127.0.0.1")], HOST: [("A", "127.0.0.1")]}) as dns:
        dns.add("_submissions._tcp.example.test", "SRV", f"0 1 {server.port} {HOST}.")
        dns.add("_imaps._tcp.example.test", "SRV", f"0 1 {imap.port} {HOST}.")
        services = loopback_engine(dns.port, certs.ca_file, tmp_path / "config", keyring)
        yield Wired(server, services, keyring)
