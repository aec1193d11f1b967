"""Fixtures shared by every test: certificates, real loopback servers, a fixed resolver."""

from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from typing import Protocol
from typing import TypeVar

import pytest

from smtpwizard.core.net.resolve import StaticResolver
from tests.support.certs import CertSet
from tests.support.certs import make_certs
from tests.support.listeners import AnsweringPort
from tests.support.listeners import BlackholePort
from tests.support.listeners import HttpServer
from tests.support.listeners import RefusedPort
from tests.support.listeners import Script
from tests.support.listeners import ScriptedServer
from tests.support.listeners import silent
from tests.support.smtpd import SmtpServer

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: The test account on every server.
USER = "alice@example.test"
PASSWORD = "correct horse ß battery 9!"  # non-ASCII on purpose: it travels as UTF-8

#: Names the tests use, all pointing at loopback.
HOSTS = {
    "mail.example.test": ["127.0.0.1"],
    "other.example.test": ["127.0.0.1"],
    "localhost": ["127.0.0.1"],
}


@pytest.fixture(autouse=True)
def no_blocking_message_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A message box would wait for a person forever: asking one fails the test instead of
    hanging the run."""
    from PySide6.QtWidgets import QMessageBox

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a message box would block the test: {args[1:3]}")

    monkeypatch.setattr(QMessageBox, "question", refuse)


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> CertSet:
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def resolver() -> StaticResolver:
    """Host names without DNS: tests never use the machine's resolver."""
    return StaticResolver(HOSTS)


class _Stoppable(Protocol):
    def stop(self) -> None: ...


S = TypeVar("S", bound=_Stoppable)


def _stopped_at_the_end(start: Callable[..., S]) -> Iterator[Callable[..., S]]:
    """Hands out ``start`` and stops everything it started when the test ends."""
    started: list[S] = []

    def tracked(*args: Any, **kwargs: Any) -> S:
        server = start(*args, **kwargs)
        started.append(server)
        return server

    yield tracked
    for server in started:
        server.stop()


@pytest.fixture
def smtp_server(certs: CertSet) -> Iterator[Callable[..., SmtpServer]]:
    """Starts SMTP servers for one test: ``smtp_server(mode="tls", cert=certs.expired)``."""

    def start(**kwargs: Any) -> SmtpServer:
        kwargs.setdefault("cert", certs.good)
        kwargs.setdefault("users", {USER: PASSWORD})
        return SmtpServer(**kwargs).start()

    yield from _stopped_at_the_end(start)


@pytest.fixture
def scripted() -> Iterator[Callable[..., ScriptedServer]]:
    """Starts raw TCP servers running a script per connection."""

    def start(script: Script = silent, host: str = "127.0.0.1") -> ScriptedServer:
        return ScriptedServer(script, host).start()

    yield from _stopped_at_the_end(start)


@pytest.fixture
def silent_port(scripted: Callable[..., ScriptedServer]) -> int:
    """A port that accepts connections and never says anything."""
    return scripted(silent).port


@pytest.fixture
def http_port() -> Iterator[int]:
    with HttpServer() as server:
        yield server.port


@pytest.fixture
def refused_port() -> Iterator[int]:
    with RefusedPort() as port:
        yield port.port


@pytest.fixture
def ca_file(certs: CertSet) -> Path:
    return certs.ca_file


@pytest.fixture
def blackhole_port() -> Iterator[int]:
    """A port whose connections time out (packets dropped, as by a filtering firewall)."""
    with BlackholePort() as port:
        yield port.port


#: The other-family ports of :func:`same_port`, by kind.
KINDS: dict[str, Callable[[str, int], Any]] = {
    "blocked": BlackholePort,
    "refused": RefusedPort,
    "answers": AnsweringPort,
}


@pytest.fixture
def same_port(certs: CertSet) -> Iterator[Callable[[str | None, str, str], int]]:
    """``same_port(server_on, other_on, kind)``: a server on one loopback address (or, with
    ``None``, a refusing port) and a blocked or refusing port of the same number on the other."""
    stack: list[Any] = []

    def start(server_on: str | None, other_on: str, kind: str) -> int:
        for _ in range(20):  # the same number must be free on both addresses
            first: Any
            if server_on is None:
                first = RefusedPort("::1")
            else:
                first = SmtpServer(
                    mode="tls", cert=certs.good, users={USER: PASSWORD}, host=server_on
                )
                first.start()
            try:
                beside = KINDS[kind](other_on, first.port)
            except OSError:
                if isinstance(first, SmtpServer):
                    first.stop()
                else:
                    first.__exit__(None, None, None)
                continue
            stack.extend([first, beside])
            return int(first.port)
        pytest.fail("no port free on both addresses")

    yield start
    for item in reversed(stack):
        if isinstance(item, SmtpServer):
            item.stop()
        else:
            item.__exit__(None, None, None)
