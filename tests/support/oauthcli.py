"""The command line meeting OAuth 2.0 mail, as a person's machine has it: the address's
autoconfig names the sign-in server (the draft ``<oAuth2>`` element) and Dovecot's submission
ports, which take tokens only; ``$BROWSER`` plays the person's browser, and a real Secret
Service keeps what smtpwizard stores between its runs."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import USER
from tests.support.certs import CertSet
from tests.support.certs import server_context
from tests.support.cli import smtpwizard
from tests.support.dnsd import DnsServer
from tests.support.oauthmail import Mail
from tests.support.oauthmail import oauth_mail
from tests.support.secretservice import secret_service
from tests.support.web import Page
from tests.support.web import WebServer

BROWSER = Path(__file__).resolve().parent / "browser.py"
ROOT = Path(__file__).resolve().parents[2]
HOST = "mail.example.test"


def autoconfig(mail: Mail, *, password_too: bool = False) -> bytes:
    """The domain's configuration: Dovecot's submission ports, signed in with OAuth 2.0."""
    oauth = mail.oauth
    ways = "<authentication>OAuth2</authentication>"
    if password_too:
        ways += "<authentication>password-cleartext</authentication>"
    servers = "".join(
        f'<outgoingServer type="smtp"><hostname>{HOST}</hostname><port>{port}</port>'
        f"<socketType>{socket}</socketType><username>%EMAILADDRESS%</username>{ways}"
        "</outgoingServer>"
        for port, socket in (
            (mail.dovecot.submissions, "SSL"),
            (mail.dovecot.submission, "STARTTLS"),
        )
    )
    return (
        '<clientConfig version="1.2"><emailProvider id="example.test">'
        f"<domain>example.test</domain>{servers}</emailProvider>"
        f"<oAuth2><issuer>127.0.0.1:{oauth.port}</issuer>"
        "<scope>mail.send offline_access</scope>"
        f"<authURL>{oauth.issuer}/authorize</authURL><tokenURL>{oauth.issuer}/token</tokenURL>"
        "</oAuth2></clientConfig>"
    ).encode()


@dataclass
class Setup:
    mail: Mail
    dns: DnsServer
    web: WebServer
    env: dict[str, str]
    browser_log: Path
    certs: CertSet

    def args(self, *more: str) -> list[str]:
        return [
            "--nameserver",
            self.dns.address,
            "--no-ispdb",
            "--no-http",
            "--no-autodiscover",
            "--timeout",
            "5",
            "--cafile",
            str(self.certs.ca_file),
            "--https-port",
            str(self.web.port),
            *more,
        ]

    def probe(self, *more: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return smtpwizard("probe", USER, *self.args(*more), stdin=stdin, env=self.env)

    def browser_visits(self) -> list[str]:
        if not self.browser_log.exists():
            return []
        return self.browser_log.read_text(encoding="utf-8").splitlines()


@contextlib.contextmanager
def oauth_cli(certs: CertSet, tmp_path: Path) -> Iterator[Setup]:
    """Everything running, for tests of the command line; the home is ``tmp_path/home``."""
    mails = oauth_mail(certs, tokens_only=True)
    mail = next(mails)
    try:
        yield from _with(mail, certs, tmp_path)
    finally:
        mails.close()


def _with(mail: Mail, certs: CertSet, tmp_path: Path) -> Iterator[Setup]:
    cert = certs.ca.issue_cert("autoconfig.example.test", "example.test")
    routes = {"autoconfig.example.test/mail/config-v1.1.xml": Page(autoconfig(mail))}
    with (
        DnsServer(
            {
                "example.test": [("A", "127.0.0.1")],
                "autoconfig.example.test": [("A", "127.0.0.1")],
                HOST: [("A", "127.0.0.1")],
            }
        ) as dns,
        WebServer(routes, server_context(cert)) as web,
        secret_service(tmp_path / "home") as keyring_env,
    ):
        log = tmp_path / "browser.log"
        # $BROWSER names one program (Python's webbrowser does not split it into arguments).
        browser = tmp_path / "browser"
        browser.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{BROWSER}" "$@"\n')
        browser.chmod(0o755)
        env = {
            **os.environ,
            **keyring_env,
            "XDG_CONFIG_HOME": str(tmp_path / "home" / ".config"),
            "SMTPWIZARD_CONFIG_DIR": str(tmp_path / "home" / "smtpwizard"),
            "BROWSER": str(browser),
            "SMTPWIZARD_TEST_CA": str(certs.ca_file),
            "SMTPWIZARD_TEST_BROWSER_LOG": str(log),
            "PYTHONPATH": str(ROOT),
        }
        env.pop("PYTHON_KEYRING_BACKEND", None)
        yield Setup(mail, dns, web, env, log, certs)
