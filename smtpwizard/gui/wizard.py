"""The setup wizard: from an address to a proven, exported configuration.

Pages read and write the engine's :class:`~smtpwizard.core.draft.SetupDraft`; the work
(discovery, probing, keyring, exports) happens in the engine, on worker threads through
:class:`~smtpwizard.gui.bridge.Task`. Closing the window cancels all of it, after asking when
a test is running or what the person entered would be lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray
from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal
from PySide6.QtCore import Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QWidget
from PySide6.QtWidgets import QWizard
from PySide6.QtWidgets import QWizardPage

from smtpwizard.core.draft import Purpose
from smtpwizard.core.draft import SetupDraft
from smtpwizard.core.engine import Engine
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import TlsInfo
from smtpwizard.gui.bridge import Task
from smtpwizard.gui.certificate import CertificateDialog
from smtpwizard.gui.certificate import Confirm
from smtpwizard.gui.certificate import ask
from smtpwizard.gui.ids import PageId
from smtpwizard.gui.pages.base import Page
from smtpwizard.gui.widgets import app_icon

if TYPE_CHECKING:
    from smtpwizard.gui.advanced import NetworkDialog

__all__ = ["PageId", "SetupWizard"]

Button = QWizard.WizardButton

#: Milliseconds between building one page and the next after the window opened.
BUILD_PAUSE_MS = 10
#: The pages after the first, in the order they are built (the page class in
#: :mod:`smtpwizard.gui.pages` by name).
_LATER_PAGES = (
    (PageId.ACCOUNT, "AccountPage"),
    (PageId.SERVERS, "ServersPage"),
    (PageId.SIGN_IN, "SignInPage"),
    (PageId.TESTING, "TestingPage"),
    (PageId.RESULT, "ResultPage"),
    (PageId.EXPORT, "ExportPage"),
    (PageId.FIX_SETTINGS, "FixSettingsPage"),
    (PageId.TROUBLESHOOT, "TroubleshootPage"),
)


class SetupWizard(QWizard):
    """The wizard window.

    Args:
        services: the engine (default: the real collaborators).
        parent: the parent widget.
        defer_pages: build only the first page now, the others when :meth:`build_pages` or
            :meth:`build_pages_gradually` is called (the app does the latter once the window
            is on screen).

    Attributes:
        confirm: asks the person a yes/no question (a message box; tests replace it).
        network_problem: why the remembered CA file or DNS server cannot be used ("" if
            they can).
        network_generation: counts the changes of CA file and DNS servers, so that a page
            knows its results came from earlier ones.
    """

    pages_ready = Signal()
    """Every page is built."""

    def __init__(
        self,
        services: Engine | None = None,
        parent: QWidget | None = None,
        *,
        defer_pages: bool = False,
    ) -> None:
        super().__init__(parent)
        self.services = services or Engine()
        self.settings = self.services.settings.load()
        purpose = self.settings.purpose
        self.draft = SetupDraft(
            purpose=Purpose(purpose)
            if purpose in {p.value for p in Purpose}
            else Purpose.MAIL_PROGRAM
        )
        self.confirm: Confirm = ask
        self.network_problem = ""  # known once the pages are built
        self.network_generation = 0
        self.advanced_dialog: NetworkDialog | None = None
        self.certificate_dialog: CertificateDialog | None = None
        self.setWindowTitle(_("SMTP Wizard"))
        self.setWindowIcon(app_icon())
        self.setObjectName("setupWizard")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.HaveCustomButton1, True)
        self.setButtonText(Button.FinishButton, _("Close"))
        self.setButtonText(Button.CustomButton1, _("A&dvanced…"))
        advanced = self.button(Button.CustomButton1)
        advanced.setToolTip(
            _("Trust your organisation's own certificate authority, or ask another DNS server")
        )
        self.setButtonLayout(
            [
                Button.CustomButton1,
                Button.Stretch,
                Button.BackButton,
                Button.NextButton,
                Button.CommitButton,
                Button.FinishButton,
                Button.CancelButton,
            ]
        )
        self.customButtonClicked.connect(self._custom_button)
        self.currentIdChanged.connect(self._focus_first_field)
        # Pages scroll when they do not fit, so the window fits small screens and large fonts.
        self.setMinimumSize(QSize(600, 450))
        room = self.screen().availableGeometry().size() - QSize(16, 48)  # the window's frame
        self.resize(QSize(900, 720).boundedTo(room))
        if self.settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(self.settings.window_geometry.encode()))

        from smtpwizard.gui.pages.start import StartPage

        self.setPage(PageId.START, StartPage(self))
        self.setStartId(PageId.START)
        self._unbuilt = list(_LATER_PAGES)
        if not defer_pages:
            self.build_pages()
        self._shut_down = False

    def build_pages(self) -> None:
        """Builds every page not built yet (going on from the first page, or asking for a
        page, does this too)."""
        while self._build_next_page():
            pass

    @Slot()
    def build_pages_gradually(self) -> None:
        """Builds the pages one at a time with short pauses between them, so that the window,
        open with its first page, keeps drawing and answering meanwhile; ``pages_ready`` says
        when all are built."""
        if self._build_next_page():
            QTimer.singleShot(BUILD_PAUSE_MS, self.build_pages_gradually)

    def _build_next_page(self) -> bool:
        """Builds the next page; returns whether one was built."""
        if not self._unbuilt:
            return False
        from smtpwizard.gui import pages

        page_id, name = self._unbuilt.pop(0)
        if page_id == PageId.ACCOUNT:
            from smtpwizard.gui.advanced import apply_network

            # The remembered CA file and DNS servers, before anything looks or connects.
            self.network_problem = apply_network(self.settings, self.services)
        page = getattr(pages, name)(self)
        self.setPage(page_id, page)
        testing = super().page(PageId.TESTING)
        if isinstance(page, pages.ResultPage) and isinstance(testing, pages.TestingPage):
            testing.filled.connect(page.refresh_problems)
        if not self._unbuilt:
            self.pages_ready.emit()
        return True

    def page(self, page_id: int) -> QWizardPage:
        """The page with ``page_id`` (built first if the pages are not yet)."""
        if page_id != PageId.START:
            self.build_pages()
        return super().page(page_id)

    def validateCurrentPage(self) -> bool:
        """Going on needs the next page: the pages are built by then."""
        self.build_pages()
        return super().validateCurrentPage()

    # -- keyboard ----------------------------------------------------------------------------------

    @Slot(int)
    def _focus_first_field(self, page_id: int) -> None:
        page = self.page(page_id)
        field = page.first_field() if isinstance(page, Page) else None
        if field is not None and field.isVisibleTo(page) and field.isEnabled():
            field.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- testing again, trusting a certificate -----------------------------------------------------

    def test_again(self, candidates: list[Candidate] | None = None) -> None:
        """Goes back to the testing page and tests again (``candidates``: a new list to test,
        shown on the servers page too)."""
        from smtpwizard.gui.pages import ServersPage
        from smtpwizard.gui.pages import TestingPage

        if candidates is not None:
            self.draft.candidates = candidates
            servers = self.page(PageId.SERVERS)
            if isinstance(servers, ServersPage):
                servers.show_candidates(candidates)
        self.draft.forget_results()
        while self.currentId() != PageId.TESTING and PageId.TESTING in self.visitedIds():
            self.back()
        testing = self.currentPage()
        if isinstance(testing, TestingPage):
            testing.start()

    def background_checking(self) -> bool:
        """Whether servers the verdict did not need are still being tested."""
        from smtpwizard.gui.pages import TestingPage

        testing = self.page(PageId.TESTING)
        return isinstance(testing, TestingPage) and testing.background_running()

    def show_certificate(
        self, host: str, tls: TlsInfo, when_trust_changed: Callable[[], None]
    ) -> CertificateDialog:
        """Shows the certificate ``host`` sent; trusting or distrusting it is saved at once,
        then ``when_trust_changed`` is called."""
        dialog = CertificateDialog(host, tls, self.settings, self, self.confirm)
        self.certificate_dialog = dialog

        def closed(_result: int) -> None:
            self.certificate_dialog = None
            dialog.deleteLater()
            if dialog.changed:
                self.services.settings.save(self.settings)
                when_trust_changed()

        dialog.finished.connect(closed)
        dialog.open()
        return dialog

    # -- advanced: trust and DNS -------------------------------------------------------------------

    @Slot(int)
    def _custom_button(self, which: int) -> None:
        if which == Button.CustomButton1.value:
            self.show_advanced()

    @Slot()
    def show_advanced(self) -> NetworkDialog:
        """Opens the Advanced dialog (the CA file and DNS servers)."""
        from smtpwizard.gui.advanced import NetworkDialog

        self.build_pages()  # (which also says whether the remembered choices work)
        dialog = NetworkDialog(self.settings, self.services, self)
        if self.network_problem:
            dialog.cafile_status.show_message(self.network_problem)
        self.advanced_dialog = dialog
        dialog.finished.connect(self._advanced_closed)
        dialog.open()
        return dialog

    @Slot(int)
    def _advanced_closed(self, _result: int) -> None:
        dialog, self.advanced_dialog = self.advanced_dialog, None
        if dialog is None:
            return
        dialog.deleteLater()
        if not dialog.changed:
            return
        self.services.settings.save(self.settings)
        self.network_problem = ""
        self.network_generation += 1
        self.draft.forget_results()
        session = self.draft.fix.session
        if session is not None:
            session.options = replace(session.options, cafile=self.services.probe.cafile)
            session.context = self.services.context()
            session.resolver = self.services.probe_resolver()
        page = self.currentPage()
        if isinstance(page, Page):
            page.network_changed()

    # -- closing -----------------------------------------------------------------------------------

    def would_lose(self) -> str:
        """What closing now would throw away, as a question for the person ("" if nothing)."""
        if self._shut_down:
            return ""
        page = self.currentPage()
        if isinstance(page, Page) and page.work_under_way():
            return _(
                "smtpwizard is still testing. Stop and close the window? What you entered "
                "is not kept."
            )
        if self.currentId() in (PageId.START, -1) or (
            isinstance(page, Page) and page.work_is_kept()
        ):
            return ""
        typed = any(edit.isModified() for edit in self.findChildren(QLineEdit))
        if typed or self.draft.email is not None or self.draft.fix.setup is not None:
            return _("Close the window? What you entered and the results so far are not kept.")
        return ""

    def reject(self) -> None:
        """Cancel, Escape and the window's close button: asks first when a test is running or
        what the person entered would be lost."""
        question = self.would_lose()
        if question and not self.confirm(self, _("Close smtpwizard?"), question):
            return
        super().reject()

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
        """Closing the window asks like Cancel (QDialog's close rejects), then cancels
        everything under way and returns promptly."""
        super().closeEvent(event)
        if event.isAccepted():
            self.shutdown()

    def done(self, result: int) -> None:
        """Finish or Cancel: stop the work first."""
        self.shutdown()
        super().done(result)
