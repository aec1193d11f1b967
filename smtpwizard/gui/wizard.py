"""The setup wizard: from an address to a proven, exported configuration.

Pages read and write the engine's :class:`~smtpwizard.core.draft.SetupDraft`; the work
(discovery, probing, keyring, exports) happens in the engine, on worker threads through
:class:`~smtpwizard.gui.bridge.Task`. Closing the window cancels all of it.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray
from PySide6.QtCore import QSize
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QWidget
from PySide6.QtWidgets import QWizard

from smtpwizard.core.draft import Purpose
from smtpwizard.core.draft import SetupDraft
from smtpwizard.core.engine import Engine
from smtpwizard.core.i18n import _
from smtpwizard.gui.bridge import Task
from smtpwizard.gui.ids import PageId
from smtpwizard.gui.widgets import app_icon

__all__ = ["PageId", "SetupWizard"]


class SetupWizard(QWizard):
    """The wizard window.

    Args:
        services: the engine (default: the real collaborators).
        parent: the parent widget.
    """

    def __init__(self, services: Engine | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services or Engine()
        self.settings = self.services.settings.load()
        purpose = self.settings.purpose
        self.draft = SetupDraft(
            purpose=Purpose(purpose)
            if purpose in {p.value for p in Purpose}
            else Purpose.MAIL_PROGRAM
        )
        self.setWindowTitle(_("SMTP Wizard"))
        self.setWindowIcon(app_icon())
        self.setObjectName("setupWizard")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.FinishButton, _("Close"))
        self.setMinimumSize(QSize(720, 560))
        self.resize(QSize(900, 680))
        if self.settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(self.settings.window_geometry.encode()))

        from smtpwizard.gui.pages import AccountPage
        from smtpwizard.gui.pages import ExportPage
        from smtpwizard.gui.pages import FixSettingsPage
        from smtpwizard.gui.pages import ResultPage
        from smtpwizard.gui.pages import ServersPage
        from smtpwizard.gui.pages import SignInPage
        from smtpwizard.gui.pages import StartPage
        from smtpwizard.gui.pages import TestingPage
        from smtpwizard.gui.pages import TroubleshootPage

        self.setPage(PageId.START, StartPage(self))
        self.setPage(PageId.ACCOUNT, AccountPage(self))
        self.setPage(PageId.SERVERS, ServersPage(self))
        self.setPage(PageId.SIGN_IN, SignInPage(self))
        self.setPage(PageId.TESTING, TestingPage(self))
        self.setPage(PageId.RESULT, ResultPage(self))
        self.setPage(PageId.EXPORT, ExportPage(self))
        self.setPage(PageId.FIX_SETTINGS, FixSettingsPage(self))
        self.setPage(PageId.TROUBLESHOOT, TroubleshootPage(self))
        self.setStartId(PageId.START)
        self._shut_down = False

    def shutdown(self) -> None:
        """Stops all work (each run is cancelled and waited for briefly) and saves settings."""
        if self._shut_down:
            return
        self._shut_down = True
        tasks = self.findChildren(Task)
        for task in tasks:
            task.abandon()
        for task in tasks:
            task.wait(1.0)
        self.settings.window_geometry = bytes(self.saveGeometry().toBase64().data()).decode()
        self.services.settings.save(self.settings)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the window cancels everything under way and returns promptly."""
        self.shutdown()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        """Finish or Cancel: stop the work first."""
        self.shutdown()
        super().done(result)
