"""Page 5: testing every candidate for real, with live progress per stage."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizard,
)

from smtpwizard.core.channel import CancelToken
from smtpwizard.core.diagnosis import Context, explain
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Candidate, MatrixResult, Outcome, Severity, StageName, StageResult
from smtpwizard.core.prober import (
    CandidateFinished,
    CandidateStarted,
    StageFinished,
    VerdictReached,
    rank,
)
from smtpwizard.gui.bridge import Task
from smtpwizard.gui.pages.base import Page
from smtpwizard.gui.widgets import StatusLine, severity_icon

if TYPE_CHECKING:
    from smtpwizard.gui.wizard import SetupWizard

COLUMNS = (
    _("Server"),
    _("Connect"),
    _("Greeting"),
    _("Encryption"),
    _("Certificate"),
    _("Login"),
    _("Result"),
)
CONNECT, GREETING, ENCRYPTION, CERTIFICATE, LOGIN, RESULT = range(1, 7)
YES, NO, WAIT = "✓", "✗", "…"


class TestingPage(Page):
    """Runs the prober and shows each stage as it finishes."""

    __test__ = False  # a page, not a test class (its name starts with "Test")

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.setTitle(_("Testing the servers"))
        self.setSubTitle(
            _("Every server, port and kind of encryption is tried for real, at the same time.")
        )
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName(_("Test progress"))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(RESULT, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)

        row = QHBoxLayout()
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName(_("Overall progress"))
        self.elapsed = QLabel("0.0 s", self)
        self.elapsed.setAccessibleName(_("Elapsed time"))
        self.stop = QPushButton(_("&Stop testing"), self)
        row.addWidget(self.progress, 1)
        row.addWidget(self.elapsed)
        row.addWidget(self.stop)
        layout.addLayout(row)
        self.status = StatusLine(self)
        layout.addWidget(self.status)

        self.task = Task(self)
        self.task.progress.connect(self._on_event)
        self.task.finished.connect(self._on_finished)
        self.task.failed.connect(self._on_failed)
        self.stop.clicked.connect(self._stop)
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._tick)
        self._started = 0.0
        self._order: list[Candidate] = []

    def initializePage(self) -> None:
        """Starts the tests (again, unless nothing changed since the last run)."""
        if self.draft.matrix is not None and not self.task.running:
            self._show_done(self.draft.matrix)
            return
        self.start()

    def cleanupPage(self) -> None:
        """Going back stops the tests."""
        self.task.abandon()
        self.timer.stop()

    def isComplete(self) -> bool:
        """Next once the tests are over."""
        return not self.task.running and self.draft.matrix is not None

    @Slot()
    def start(self) -> None:
        """Tests the draft's candidates."""
        draft = self.draft
        email = draft.email
        assert email is not None
        self._order = rank(draft.candidates)
        self.table.setRowCount(len(self._order))
        for row, candidate in enumerate(self._order):
            self.table.setItem(
                row,
                0,
                QTableWidgetItem(f"{candidate.host}:{candidate.port} ({candidate.security.label})"),
            )
            for column in range(1, len(COLUMNS)):
                self.table.setItem(row, column, QTableWidgetItem(""))
            self._set(row, RESULT, _("waiting"))
        self.progress.setRange(0, len(self._order))
        self.progress.setValue(0)
        self.status.show_message(_("Testing {count} ways to send…").format(count=len(self._order)))
        self.stop.setEnabled(True)
        self._started = time.monotonic()
        self.timer.start()
        services = self.services
        candidates = list(draft.candidates)
        password = draft.password or None
        usernames = draft.usernames()
        allow_plaintext = draft.allow_plaintext
        provider = draft.provider

        def work(report: Callable[[object], None], cancel: CancelToken) -> MatrixResult:
            prober = services.prober(allow_plaintext=allow_plaintext, listener=report)
            return prober.run(
                email,
                candidates,
                password=password,
                usernames=usernames,
                cancel=cancel,
                provider=provider,
            )

        self.task.start(work, "probe")
        self.completeChanged.emit()

    @Slot()
    def _stop(self) -> None:
        self.stop.setEnabled(False)
        self.status.show_message(_("Stopping…"))
        self.task.cancel()

    @Slot()
    def _tick(self) -> None:
        seconds = time.monotonic() - self._started
        self.elapsed.setText(f"{seconds:.1f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms")

    def _set(self, row: int, column: int, text: str, tooltip: str = "") -> None:
        item = self.table.item(row, column)
        if item is None:
            item = QTableWidgetItem()
            self.table.setItem(row, column, item)
        item.setText(text)
        if tooltip:
            item.setToolTip(tooltip)

    @Slot(object)
    def _on_event(self, event: object) -> None:
        if isinstance(event, CandidateStarted):
            self._set(event.index, RESULT, _("testing…"))
        elif isinstance(event, StageFinished):
            self._show_stage(event.index, event.stage)
        elif isinstance(event, CandidateFinished):
            result = event.result
            finding = explain(result, Context((), self.draft.provider))
            self._set(event.index, RESULT, finding.headline, finding.explanation)
            item = self.table.item(event.index, RESULT)
            if item is not None:
                item.setIcon(severity_icon(finding.severity))
            self.progress.setValue(self.progress.value() + 1)
        elif isinstance(event, VerdictReached) and event.result is not None:
            c = event.result.candidate
            self.status.show_message(
                _("{host} port {port} works; finishing up…").format(host=c.host, port=c.port),
                Severity.OK,
            )

    def _show_stage(self, row: int, stage: StageResult) -> None:
        stopped = bool(stage.error and stage.error.startswith("Cancelled"))
        mark = YES if stage.ok else "–" if stopped else NO
        tip = stage.detail
        name = stage.name
        if name is StageName.CONNECT:
            self._set(row, CONNECT, f"{mark} {stage.ms:.0f} ms" if stage.ok else mark, tip)
        elif name in (StageName.GREETING, StageName.EHLO):
            self._set(row, GREETING, mark, tip)
        elif name is StageName.STARTTLS:
            self._set(row, ENCRYPTION, WAIT if stage.ok else NO, tip)
        elif name is StageName.TLS:
            if stage.ok:
                self._set(row, ENCRYPTION, YES, tip)
                self._set(row, CERTIFICATE, YES, tip)
            elif stage.detail.startswith("certificate rejected"):
                self._set(row, ENCRYPTION, "–", tip)
                self._set(row, CERTIFICATE, NO, tip)
            else:
                self._set(row, ENCRYPTION, NO, tip)
        elif name is StageName.AUTH_MECHANISMS:
            if not self.draft.password:
                self._set(
                    row,
                    LOGIN,
                    _("offered")
                    if stage.ok and "offered" in stage.detail and "no login" not in stage.detail
                    else "–",
                    tip,
                )
        elif name is StageName.AUTH:
            self._set(row, LOGIN, mark, tip)

    @Slot(object)
    def _on_finished(self, result: object) -> None:
        assert isinstance(result, MatrixResult)
        self.timer.stop()
        self._tick()
        self.draft.matrix = result
        self._show_done(result)
        self.completeChanged.emit()
        next_button = self.setup.button(QWizard.WizardButton.NextButton)
        if isinstance(next_button, QPushButton):
            next_button.setDefault(True)
        next_button.setFocus()

    def _show_done(self, matrix: MatrixResult) -> None:
        self.stop.setEnabled(False)
        working = sum(1 for r in matrix.results if r.outcome in (Outcome.OK,))
        if matrix.cancelled:
            self.status.show_message(_("Stopped. Next shows what was found so far."), Severity.INFO)
        elif matrix.recommended is not None:
            self.status.show_message(
                _("Done: {count} of {total} work. Next shows the result.").format(
                    count=working, total=len(matrix.results)
                ),
                Severity.OK,
            )
        else:
            self.status.show_message(
                _("Done: nothing works yet. Next explains why."), Severity.ERROR
            )

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.timer.stop()
        self.stop.setEnabled(False)
        self.status.show_message(message, Severity.ERROR)
        self.completeChanged.emit()
