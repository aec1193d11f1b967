"""Starting the desktop application."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QVBoxLayout, QWidget

from smtpwizard import __version__
from smtpwizard.core.i18n import _


class MainWindow(QMainWindow):
    """The application's window."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(_("SMTP Wizard"))
        body = QWidget(self)
        layout = QVBoxLayout(body)
        title = QLabel(_("<h2>SMTP Wizard</h2>"), body)
        text = QLabel(
            _(
                "Finds the outgoing mail server that works for your address, tests it for "
                "real and explains what it found. Meanwhile, the command line does the "
                "testing: smtpwizard probe you@example.com --server smtp.example.com"
            ),
            body,
        )
        text.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addStretch(1)
        self.setCentralWidget(body)
        self.resize(640, 420)


def create_application(argv: Sequence[str]) -> QApplication:
    """The QApplication with the app's identity set (settings and keyring use it)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv))
    app.setApplicationName("smtpwizard")
    app.setApplicationDisplayName(_("SMTP Wizard"))
    app.setApplicationVersion(__version__)
    app.setOrganizationDomain("smtpwizard.invalid")
    return app


def run_app(argv: Sequence[str] | None = None) -> int:
    """Runs the application until its window closes; returns the exit status."""
    app = create_application(sys.argv if argv is None else argv)
    window = MainWindow()
    window.show()
    return app.exec()
