"""Looking at every page of the wizard: a world of loopback servers to run it against, a walk
through both paths page by page, and what a person could not see of a page (a control cut
off, squeezed below its size, or outside the page)."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QLayout
from PySide6.QtWidgets import QWidget

from smtpwizard.core.draft import Purpose
from smtpwizard.core.engine import Engine
from smtpwizard.gui.ids import PageId
from smtpwizard.gui.pages.base import Page
from smtpwizard.gui.wizard import SetupWizard
from tests.support.certs import make_certs
from tests.support.dnsd import DnsServer
from tests.support.engine import loopback_engine
from tests.support.listeners import RefusedPort
from tests.support.listeners import ScriptedServer
from tests.support.mailboxd import Behaviour
from tests.support.mailboxd import imap_script
from tests.support.smtpd import SmtpServer

USER = "alice@example.test"
PASSWORD = "correct horse ß battery 9!"

#: Performs an action and waits until ``signal`` is emitted.
Wait = Callable[[object, Callable[[], None]], None]
#: Looks at a page: its name and the page.
Look = Callable[[str, Page], None]

#: How many servers the world's DNS announces for sending (one works, the others refuse).
OUTGOING = 5


@dataclass
class World:
    """Loopback servers announced in a DNS server for example.test, and an engine on them."""

    engine: Engine
    smtp: SmtpServer
    dns: DnsServer
    imap_port: int


@contextmanager
def loopback_world(directory: Path) -> Iterator[World]:
    """An SMTP server with SSL/TLS, four ports that refuse, and an IMAP server, announced in
    the DNS as example.test's services; settings and certificates in ``directory``."""
    with ExitStack() as stack:
        certs = make_certs(directory)
        smtp = stack.enter_context(SmtpServer(mode="tls", cert=certs.good, users={USER: PASSWORD}))
        refused = [stack.enter_context(RefusedPort()).port for _ in range(OUTGOING - 1)]
        imap = ScriptedServer(
            imap_script(Behaviour(users={USER: PASSWORD}, cert=certs.good, implicit_tls=True))
        ).start()
        stack.callback(imap.stop)
        dns = stack.enter_context(
            DnsServer(
                {
                    "example.test": [("A", "127.0.0.1")],
                    "mail.example.test": [("A", "127.0.0.1")],
                    "_submissions._tcp.example.test": [
                        ("SRV", f"0 1 {smtp.port} mail.example.test.")
                    ],
                    "_submission._tcp.example.test": [
                        ("SRV", f"0 1 {port} mail.example.test.") for port in refused
                    ],
                    "_imaps._tcp.example.test": [("SRV", f"0 1 {imap.port} mail.example.test.")],
                }
            )
        )
        engine = loopback_engine(dns.port, certs.ca_file, directory / "config")
        yield World(engine, smtp, dns, imap.port)


def every_page(wizard: SetupWizard, world: World, wait: Wait, look: Look) -> None:
    """Goes through the mail program path to the export page, then through the fix path to
    the step-by-step page, calling ``look`` on each page once its work is done."""
    page = wizard.currentPage()
    assert isinstance(page, Page)
    start = wizard.page(PageId.START)
    start.buttons[Purpose.MAIL_PROGRAM].setChecked(True)  # type: ignore[attr-defined]
    look("start", page)
    wizard.next()
    account = wizard.page(PageId.ACCOUNT)
    account.email.setText(USER)  # type: ignore[attr-defined]
    look("account", account)  # type: ignore[arg-type]
    servers = wizard.page(PageId.SERVERS)
    wait(servers.task.finished, wizard.next)  # type: ignore[attr-defined]
    look("servers", servers)  # type: ignore[arg-type]
    servers.details_button.setChecked(True)  # type: ignore[attr-defined]
    look("servers, where smtpwizard looked", servers)  # type: ignore[arg-type]
    servers.details_button.setChecked(False)  # type: ignore[attr-defined]
    signin = wizard.page(PageId.SIGN_IN)
    wait(signin.keyring_task.finished, wizard.next)  # type: ignore[attr-defined]
    signin.password.setText(PASSWORD)  # type: ignore[attr-defined]
    look("sign-in", signin)  # type: ignore[arg-type]
    testing = wizard.page(PageId.TESTING)
    wait(testing.task.finished, wizard.next)  # type: ignore[attr-defined]
    look("testing", testing)  # type: ignore[arg-type]
    wizard.next()
    look("result", wizard.page(PageId.RESULT))  # type: ignore[arg-type]
    wizard.next()
    look("export", wizard.page(PageId.EXPORT))  # type: ignore[arg-type]

    wizard.restart()
    start.buttons[Purpose.FIX].setChecked(True)  # type: ignore[attr-defined]
    wizard.next()
    fix = wizard.page(PageId.FIX_SETTINGS)
    fix.host.setText("mail.example.test")  # type: ignore[attr-defined]
    fix.port.setValue(world.smtp.port)  # type: ignore[attr-defined]
    fix.security.setCurrentIndex(fix.security.findData("tls"))  # type: ignore[attr-defined]
    fix.username.setText(USER)  # type: ignore[attr-defined]
    fix.password.setText("an old password")  # type: ignore[attr-defined]
    look("fix", fix)  # type: ignore[arg-type]
    steps = wizard.page(PageId.TROUBLESHOOT)
    wait(steps.task.progress, wizard.next)  # type: ignore[attr-defined]
    while not steps.run_all.isEnabled():  # type: ignore[attr-defined]
        wait(steps.task.progress, lambda: None)  # type: ignore[attr-defined]  # to the pause
    wait(steps.task.finished, steps.run_all.click)  # type: ignore[attr-defined]
    look("troubleshoot", steps)  # type: ignore[arg-type]


def cut_off(page: Page) -> list[str]:
    """The controls of ``page`` a person cannot see whole: smaller than they need, or outside
    the page's content (a page that does not fit scrolls; its content is never squeezed)."""
    body = page.body
    found: list[str] = []
    layouts = [body.layout(), *body.findChildren(QLayout)]
    for layout in layouts:
        if layout is None:
            continue
        for index in range(layout.count()):
            widget = layout.itemAt(index).widget()
            if widget is None or not widget.isVisibleTo(page) or not _on(body, widget):
                continue
            problem = _cut(body, widget)
            if problem:
                found.append(f"{_name(widget)}: {problem}")
    return found


def _on(body: QWidget, widget: QWidget) -> bool:
    """Whether ``widget`` is laid out on the page itself (not inside a list or table, where
    content scrolls by design)."""
    parent = widget.parentWidget()
    while parent is not None and parent is not body:
        if parent.objectName() == "qt_scrollarea_viewport":
            return False
        parent = parent.parentWidget()
    return parent is body


def _cut(body: QWidget, widget: QWidget) -> str:
    need_height = max(
        widget.minimumSize().height(),
        widget.heightForWidth(widget.width())
        if widget.hasHeightForWidth()
        else widget.minimumSizeHint().height(),
    )
    need_width = max(widget.minimumSize().width(), widget.minimumSizeHint().width())
    if widget.height() + 1 < need_height:
        return f"{widget.height()} px high, needs {need_height}"
    if widget.width() + 1 < need_width:
        return f"{widget.width()} px wide, needs {need_width}"
    where = QRect(widget.mapTo(body, QPoint(0, 0)), widget.size())
    if not body.rect().adjusted(-1, -1, 1, 1).contains(where):
        return f"at {where.getRect()}, outside the page's {body.rect().getRect()}"
    return ""


def _name(widget: QWidget) -> str:
    text = widget.accessibleName() or getattr(widget, "text", lambda: "")() or ""
    return f"{type(widget).__name__} {text[:40]!r}".strip()
