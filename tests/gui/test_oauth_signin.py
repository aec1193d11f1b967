"""The wizard with a provider that takes only its own sign-in (OAuth 2.0): the domain's
autoconfig names the sign-in server, the sign-in page offers "Sign in with …" instead of a
password, the browser (played by the test) or a code on another device signs in, a real
Dovecot takes the token on both submission ports, and the exports carry the sign-in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from smtpwizard.core.auth.flows import OpenBrowser
from smtpwizard.core.auth.flows import Token
from smtpwizard.core.auth.signin import SignedIn
from smtpwizard.core.auth.signin import TokenKeeper
from smtpwizard.core.draft import Purpose
from smtpwizard.core.engine import Engine
from smtpwizard.core.model import AuthStatus
from smtpwizard.gui.oauth import qr_pixmap
from smtpwizard.gui.pages import ExportPage
from smtpwizard.gui.pages import ResultPage
from smtpwizard.gui.pages import SignInPage
from smtpwizard.gui.pages import TestingPage
from smtpwizard.gui.wizard import PageId
from tests.gui.conftest import Driver
from tests.gui.test_wizard_flow import to_servers
from tests.support.browser import visit
from tests.support.certs import CertSet
from tests.support.certs import server_context
from tests.support.dnsd import DnsServer
from tests.support.engine import loopback_engine
from tests.support.keyrings import MemoryKeyring
from tests.support.oauthcli import autoconfig
from tests.support.oauthd import CLIENT_ID
from tests.support.oauthmail import Mail
from tests.support.oauthmail import oauth_mail
from tests.support.web import Page
from tests.support.web import WebServer


class BrowserEngine(Engine):
    """The engine, with the person's browser played by the test."""

    opened: list[str]
    browser: OpenBrowser

    def token_keeper(self, open_browser: OpenBrowser | None = None) -> TokenKeeper:
        return super().token_keeper(open_browser or self.browser)


@pytest.fixture
def mail(certs: CertSet) -> Iterator[Mail]:
    yield from oauth_mail(certs, tokens_only=True)


@pytest.fixture
def services(
    dns: DnsServer, certs: CertSet, tmp_path: Path, keyring_backend: MemoryKeyring, mail: Mail
) -> Iterator[Engine]:
    dns.add("autoconfig.example.test", "A", "127.0.0.1")
    cert = certs.ca.issue_cert("autoconfig.example.test", "example.test")
    routes = {"autoconfig.example.test/mail/config-v1.1.xml": Page(autoconfig(mail))}
    with WebServer(routes, server_context(cert)) as web:
        base = loopback_engine(dns.port, certs.ca_file, tmp_path / "config", keyring_backend)
        engine = BrowserEngine(
            discovery=replace(base.discovery, https_port=web.port),
            probe=base.probe,
            credentials=base.credentials,
            settings=base.settings,
        )
        engine.opened = []

        def browser(url: str) -> bool:
            engine.opened.append(url)
            visit(url, str(certs.ca_file))
            return True

        engine.browser = browser
        yield engine


def to_sign_in(driver: Driver) -> SignInPage:
    to_servers(driver, Purpose.APPLICATION)
    signin = driver.wizard.page(PageId.SIGN_IN)
    assert isinstance(signin, SignInPage)
    driver.next_and_wait(signin.keyring_task.finished)
    return signin


def test_sign_in_with_the_provider_then_test_both_ports_and_export(
    driver: Driver, services: BrowserEngine, mail: Mail
) -> None:
    signin = to_sign_in(driver)
    assert signin.use_oauth.isChecked()  # autoconfig says OAuth2 only
    assert signin.oauth.isVisibleTo(signin)
    assert not signin.password_box.isVisibleTo(signin)
    assert not signin.isComplete()  # Next waits for the sign-in
    assert signin.oauth.client_box.isVisibleTo(signin)  # no source names a client ID
    signin.oauth.client_id.setText(CLIENT_ID)
    with driver.qtbot.waitSignal(signin.oauth.changed, timeout=20000):
        signin.oauth.sign_in_button.click()
    assert signin.isComplete()
    assert len(services.opened) == 1
    assert "Signed in through the browser." in signin.oauth.status.message()

    testing = driver.wizard.page(PageId.TESTING)
    assert isinstance(testing, TestingPage)
    driver.next_and_wait(testing.task.finished, timeout=30000)
    matrix = driver.wizard.draft.matrix
    assert matrix is not None
    proven = {
        r.candidate.port
        for r in matrix.results
        if r.auth.mechanism == "OAUTHBEARER" and r.auth.status is AuthStatus.OK
    }
    assert proven == {mail.dovecot.submissions, mail.dovecot.submission}
    driver.wizard.next()
    result = driver.wizard.currentPage()
    assert isinstance(result, ResultPage)
    assert result.fields["port"].text() == str(mail.dovecot.submissions)
    assert "OAuth 2.0" in result.fields["auth"].text()

    driver.wizard.next()
    export = driver.wizard.currentPage()
    assert isinstance(export, ExportPage)
    assert not export.include_password.isEnabled()
    export.select("msmtp")
    preview = export.preview.toPlainText()
    assert "auth oauthbearer" in preview
    assert 'passwordeval "smtpwizard token alice@example.test </dev/null"' in preview
    export.select("django")
    assert "cannot sign in with OAuth 2.0" in export.preview.toPlainText()
    assert not export.save.isEnabled()
    # The client ID is remembered for that sign-in server, the token never written.
    settings = services.settings.load()
    assert CLIENT_ID in settings.oauth_client_ids.values()
    text = (services.settings.path).read_text(encoding="utf-8")
    assert not [token for token in mail.oauth.state.grants if token in text]


def test_a_code_on_another_device_with_its_qr_code(
    driver: Driver, services: BrowserEngine, mail: Mail
) -> None:
    signin = to_sign_in(driver)
    signin.oauth.client_id.setText(CLIENT_ID)
    with driver.qtbot.waitSignal(signin.oauth.task.progress, timeout=20000):
        signin.oauth.device_button.click()
    assert signin.oauth.code_box.isVisibleTo(signin)
    assert signin.oauth.cancel_button.isVisibleTo(signin)
    assert not signin.oauth.qr.pixmap().isNull()
    code = re.search(r"x-large; font-weight: bold'>([^<]+)<", signin.oauth.code_text.text())
    assert code is not None
    with driver.qtbot.waitSignal(signin.oauth.changed, timeout=20000):
        mail.oauth.approve_device(code.group(1))  # the person, on their phone
    assert signin.isComplete()
    assert "Signed in with the code." in signin.oauth.status.message()
    assert services.opened == []


def test_cancel_stops_the_wait_and_a_refusal_is_explained(
    driver: Driver, services: BrowserEngine, mail: Mail
) -> None:
    signin = to_sign_in(driver)
    signin.oauth.client_id.setText(CLIENT_ID)
    with driver.qtbot.waitSignal(signin.oauth.task.progress, timeout=20000):
        signin.oauth.device_button.click()
    with driver.qtbot.waitSignal(signin.oauth.task.finished, timeout=5000):
        signin.oauth.cancel_button.click()
    assert "cancelled" in signin.oauth.status.message()
    assert not signin.isComplete()

    mail.oauth.behaviour.consent = "deny"
    with driver.qtbot.waitSignal(signin.oauth.task.finished, timeout=20000):
        signin.oauth.sign_in_button.click()
    assert not signin.isComplete()
    assert "refused" in signin.oauth.status.message().lower()


def test_a_wrong_client_id_is_explained_before_any_browser_opens(
    driver: Driver, services: BrowserEngine
) -> None:
    signin = to_sign_in(driver)
    signin.oauth.client_id.setText("not-registered-here")
    with driver.qtbot.waitSignal(signin.oauth.task.finished, timeout=20000):
        signin.oauth.sign_in_button.click()
    assert services.opened == []
    assert "client ID" in signin.oauth.status.message()
    assert not signin.isComplete()


def test_the_password_stays_a_choice(driver: Driver, services: BrowserEngine) -> None:
    signin = to_sign_in(driver)
    signin.use_password.setChecked(True)
    assert signin.password_box.isVisibleTo(signin)
    assert not signin.oauth.isVisibleTo(signin)
    assert signin.isComplete()


def test_the_qr_code_holds_the_address() -> None:
    assert not qr_pixmap("https://login.example.test/device?code=WDJB-MJHT").isNull()


def test_signing_in_with_another_account_is_named_at_once(driver: Driver) -> None:
    signin = to_sign_in(driver)
    token = Token("not-a-real-token", account="bob@example.test")
    draft = driver.wizard.draft
    draft.signed_in = SignedIn(token, reused=False, stored=False)
    signin.oauth.show_for(draft)  # as when coming back to the page after signing in
    message = signin.oauth.status.message()
    assert "You signed in as bob@example.test" in message
    assert "alice@example.test" in message
