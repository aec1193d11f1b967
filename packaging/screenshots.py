"""Screenshots of the wizard's main pages, from the real app on a virtual X11 screen.

The wizard runs against loopback test servers (a DNS responder, an SMTP server with a test
certificate, a port that refuses, an IMAP server), so every page shows real results. Run from the
repository root:

    xvfb-run -a -s "-screen 0 1280x900x24" .venv/bin/python packaging/screenshots.py

The pictures go to resources/screenshots/ (the README and the AppStream file show them).
"""

from __future__ import annotations

import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trustme  # noqa: E402
from PySide6.QtCore import QEventLoop  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from smtpwizard.core.auth.keyring import CredentialStore  # noqa: E402
from smtpwizard.core.discovery.options import DiscoverySettings  # noqa: E402
from smtpwizard.core.draft import Purpose  # noqa: E402
from smtpwizard.core.engine import Engine  # noqa: E402
from smtpwizard.core.net.dns import Nameserver  # noqa: E402
from smtpwizard.core.probe.base import ProbeOptions  # noqa: E402
from smtpwizard.core.store.settings import SettingsStore  # noqa: E402
from smtpwizard.gui.app import create_application  # noqa: E402
from smtpwizard.gui.wizard import PageId  # noqa: E402
from smtpwizard.gui.wizard import SetupWizard  # noqa: E402
from tests.support.dnsd import DnsServer  # noqa: E402
from tests.support.keyrings import MemoryKeyring  # noqa: E402
from tests.support.listeners import RefusedPort  # noqa: E402
from tests.support.listeners import ScriptedServer  # noqa: E402
from tests.support.mailboxd import Behaviour  # noqa: E402
from tests.support.mailboxd import imap_script  # noqa: E402
from tests.support.smtpd import SmtpServer  # noqa: E402

OUT = ROOT / "resources" / "screenshots"
USER = "alice@example.com"
PASSWORD = "correct horse battery staple"


def settle(app: QApplication, ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for(signal: object, timeout_ms: int = 30000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)  # type: ignore[attr-defined]
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def shoot(app: QApplication, window: QWidget, name: str) -> None:
    settle(app)
    screen = window.screen()
    picture = screen.grabWindow(window.winId())
    OUT.mkdir(parents=True, exist_ok=True)
    picture.save(str(OUT / f"{name}.png"))
    print("saved", OUT / f"{name}.png")


def main() -> None:
    app = create_application(sys.argv)
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        ca = trustme.CA(organization_name="Example Mail")
        ca_file = tmp / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        cert = ca.issue_cert("mail.example.com")
        server = stack.enter_context(SmtpServer(mode="tls", cert=cert, users={USER: PASSWORD}))
        closed = stack.enter_context(RefusedPort())
        imap = ScriptedServer(
            imap_script(Behaviour(users={USER: PASSWORD}, cert=cert, implicit_tls=True))
        ).start()
        stack.callback(imap.stop)
        dns = stack.enter_context(
            DnsServer(
                {
                    "example.com": [("A", "127.0.0.1"), ("MX", "10 mail.example.com.")],
                    "mail.example.com": [("A", "127.0.0.1")],
                    "_submissions._tcp.example.com": [
                        ("SRV", f"0 1 {server.port} mail.example.com.")
                    ],
                    "_submission._tcp.example.com": [
                        ("SRV", f"0 1 {closed.port} mail.example.com.")
                    ],
                    "_imaps._tcp.example.com": [("SRV", f"0 1 {imap.port} mail.example.com.")],
                }
            )
        )
        services = Engine(
            discovery=DiscoverySettings(
                timeout=1.0,
                nameservers=(Nameserver("127.0.0.1", dns.port),),
                cafile=str(ca_file),
                ispdb_url=None,
                allow_http=False,
                autodiscover=False,
            ),
            probe=ProbeOptions(timeout=2.0, cafile=str(ca_file)),
            credentials=CredentialStore(MemoryKeyring()),
            settings=SettingsStore(tmp / "config"),
        )
        wizard = SetupWizard(services)
        wizard.show()
        shoot(app, wizard, "1-start")
        wizard.next()
        account = wizard.currentPage()
        account.email.setText(USER)  # type: ignore[attr-defined]
        account.name.setText("Alice Liddell")  # type: ignore[attr-defined]
        shoot(app, wizard, "2-account")
        servers = wizard.page(PageId.SERVERS)
        QTimer.singleShot(0, wizard.next)
        wait_for(servers.task.finished)  # type: ignore[attr-defined]
        shoot(app, wizard, "3-servers")
        advanced = wizard.show_advanced()
        advanced.dns.setText("192.0.2.53")
        shoot(app, advanced, "10-advanced")
        advanced.reject()
        signin = wizard.page(PageId.SIGN_IN)
        QTimer.singleShot(0, wizard.next)
        wait_for(signin.keyring_task.finished)  # type: ignore[attr-defined]
        signin.password.setText(PASSWORD)  # type: ignore[attr-defined]
        shoot(app, wizard, "4-sign-in")
        testing = wizard.page(PageId.TESTING)
        QTimer.singleShot(0, wizard.next)
        wait_for(testing.task.finished)  # type: ignore[attr-defined]
        shoot(app, wizard, "5-testing")
        wizard.next()
        shoot(app, wizard, "6-result")
        wizard.next()
        export = wizard.currentPage()
        export.select("thunderbird-xml")  # type: ignore[attr-defined]
        shoot(app, wizard, "7-export")
        wizard.shutdown()
        wizard.close()

        # fixing a setup: a wrong password, taken apart step by step
        fixing = SetupWizard(services)
        fixing.show()
        start = fixing.currentPage()
        start.buttons[Purpose.FIX].setChecked(True)  # type: ignore[attr-defined]
        fixing.next()
        fix = fixing.currentPage()
        fix.host.setText("mail.example.com")  # type: ignore[attr-defined]
        fix.port.setValue(server.port)  # type: ignore[attr-defined]
        fix.security.setCurrentIndex(fix.security.findData("tls"))  # type: ignore[attr-defined]
        fix.username.setText(USER)  # type: ignore[attr-defined]
        fix.password.setText("an old password")  # type: ignore[attr-defined]
        fix.email.setText(USER)  # type: ignore[attr-defined]
        shoot(app, fixing, "8-fix-settings")
        steps = fixing.page(PageId.TROUBLESHOOT)
        QTimer.singleShot(0, fixing.next)
        wait_for(steps.task.progress)  # type: ignore[attr-defined]
        QTimer.singleShot(0, steps.run_all.click)  # type: ignore[attr-defined]
        wait_for(steps.task.finished)  # type: ignore[attr-defined]
        shoot(app, fixing, "9-troubleshoot")
        fixing.shutdown()
        fixing.close()


if __name__ == "__main__":
    main()
