"""The wizard pointed at loopback servers: a DNS responder announcing the test SMTP servers
and an IMAP server, an in-memory keyring, and settings in a temporary folder."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from smtpwizard.core.engine import Engine
from smtpwizard.gui.wizard import SetupWizard
from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.support.certs import CertSet
from tests.support.dnsd import DnsServer
from tests.support.engine import loopback_engine
from tests.support.keyrings import MemoryKeyring
from tests.support.listeners import ScriptedServer
from tests.support.mailboxd import Behaviour
from tests.support.mailboxd import imap_script


@pytest.fixture
def dns() -> Iterator[DnsServer]:
    with DnsServer(
        {"example.test": [("A", "127.0.0.1")], "mail.example.test": [("A", "127.0.0.1")]}
    ) as server:
        yield server


@pytest.fixture
def keyring_backend() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def services(
    dns: DnsServer, certs: CertSet, tmp_path: Path, keyring_backend: MemoryKeyring
) -> Engine:
    return loopback_engine(dns.port, certs.ca_file, tmp_path / "config", keyring_backend)


@dataclass
class Driver:
    """Drives a wizard page by page, waiting on the pages' own signals. The wizard's questions
    (closing with work under way or data typed) are answered yes and kept in ``questions``."""

    qtbot: QtBot
    wizard: SetupWizard
    questions: list[str] = field(default_factory=list)

    def answer(self, _parent: object, _title: str, text: str) -> bool:
        self.questions.append(text)
        return True

    def page(self) -> object:
        return self.wizard.currentPage()

    def next_and_wait(self, signal: object, timeout: int = 15000) -> None:
        with self.qtbot.waitSignal(signal, timeout=timeout):
            self.wizard.next()


@pytest.fixture
def driver(qtbot: QtBot, services: Engine) -> Iterator[Driver]:
    wizard = SetupWizard(services)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    driver = Driver(qtbot, wizard)
    wizard.confirm = driver.answer
    yield driver
    wizard.shutdown()


Announce = Callable[..., None]


@pytest.fixture
def announce(dns: DnsServer) -> Announce:
    """Publishes an SMTP server in the test DNS as example.test's submission service."""

    def publish(port: int, implicit_tls: bool = True) -> None:
        name = "_submissions._tcp.example.test" if implicit_tls else "_submission._tcp.example.test"
        dns.add(name, "SRV", f"0 1 {port} mail.example.test.")

    return publish


@dataclass
class Mailbox:
    """The IMAP server announced for example.test (mail programs test it with the SMTP one)."""

    port: int
    behaviour: Behaviour


@pytest.fixture(autouse=True)
def mailbox(dns: DnsServer, certs: CertSet, scripted: Callable[..., ScriptedServer]) -> Mailbox:
    """An IMAP server with SSL/TLS, published as ``_imaps._tcp.example.test``, so that mail
    program runs never fall back to guessed names on the machine's standard ports."""
    behaviour = Behaviour(users={USER: PASSWORD}, cert=certs.good, implicit_tls=True)
    port = scripted(imap_script(behaviour)).port
    dns.add("_imaps._tcp.example.test", "SRV", f"0 1 {port} mail.example.test.")
    return Mailbox(port, behaviour)
