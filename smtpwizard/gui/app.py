"""Starting the desktop application."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from smtpwizard import __version__
from smtpwizard.core.i18n import _

__all__ = ["APP_ID", "QUIT_WHEN_SHOWN", "create_application", "has_display", "run_app"]

#: The application id: the .desktop file, AppStream metainfo and Flatpak are named after it.
APP_ID = "io.github.smtpwizard.smtpwizard"

#: Set by the start-up benchmark: print "shown" once the wizard is on screen, "ready" once
#: every page is built, then quit.
QUIT_WHEN_SHOWN = "SMTPWIZARD_QUIT_WHEN_SHOWN"


def has_display() -> bool:
    """Whether a window can be opened (always on Windows and macOS; on other systems an X11
    or Wayland session, or a Qt platform chosen explicitly)."""
    if sys.platform in ("win32", "darwin") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def create_application(argv: Sequence[str]) -> QApplication:
    """The QApplication with the app's identity set (settings and keyring use it)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv))
    app.setApplicationName("smtpwizard")
    app.setApplicationDisplayName(_("SMTP Wizard"))
    app.setApplicationVersion(__version__)
    app.setOrganizationDomain("smtpwizard.invalid")
    app.setDesktopFileName(APP_ID)
    return app


def run_app(argv: Sequence[str] | None = None) -> int:
    """Runs the wizard until its window closes; returns the exit status."""
    if not has_display():
        print(
            _(
                "smtpwizard cannot open its window: there is no display here. Everything the "
                "wizard does is available on the command line too; see: smtpwizard --help"
            ),
            file=sys.stderr,
        )
        return 2
    app = create_application(sys.argv if argv is None else argv)
    from smtpwizard.gui.widgets import app_icon
    from smtpwizard.gui.wizard import BUILD_PAUSE_MS
    from smtpwizard.gui.wizard import SetupWizard

    app.setWindowIcon(app_icon())
    # The window opens with its first page; the others are built right after it is shown.
    wizard = SetupWizard(defer_pages=True)
    wizard.show()
    if os.environ.get(QUIT_WHEN_SHOWN):
        QTimer.singleShot(0, lambda: print("shown", flush=True))

        def ready() -> None:
            print("ready", flush=True)
            wizard.close()
            app.quit()

        wizard.pages_ready.connect(ready)
    QTimer.singleShot(BUILD_PAUSE_MS, wizard.build_pages_gradually)
    return app.exec()
