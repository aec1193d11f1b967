"""Fixing a setup, page 2: the conversation step by step, each exchange explained; changes
tried side by side; the certificate; a test message; the support report."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtCore import Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView
from PySide6.QtWidgets import QComboBox
from PySide6.QtWidgets import QFileDialog
from PySide6.QtWidgets import QGroupBox
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QHeaderView
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QTableWidget
from PySide6.QtWidgets import QTableWidgetItem
from PySide6.QtWidgets import QTabWidget
from PySide6.QtWidgets import QTreeWidget
from PySide6.QtWidgets import QTreeWidgetItem
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from smtpwizard.core.errors import InvalidInput
from smtpwizard.core.errors import TargetExists
from smtpwizard.core.errors import WriteError
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Security
from smtpwizard.core.model import ServerSettings
from smtpwizard.core.model import Severity
from smtpwizard.core.model import StageName
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.store.files import write_atomic
from smtpwizard.core.troubleshoot.compare import Change
from smtpwizard.core.troubleshoot.compare import compare
from smtpwizard.core.troubleshoot.compare import outcome_words
from smtpwizard.core.troubleshoot.compare import what_changed
from smtpwizard.core.troubleshoot.session import Attempt
from smtpwizard.core.troubleshoot.session import Exchange
from smtpwizard.core.troubleshoot.session import ExchangeDone
from smtpwizard.core.troubleshoot.session import StepControl
from smtpwizard.core.troubleshoot.session import stop_points
from smtpwizard.core.troubleshoot.steps import TITLES
from smtpwizard.core.troubleshoot.support import imported_document
from smtpwizard.core.troubleshoot.support import support_document
from smtpwizard.core.troubleshoot.support import support_markdown
from smtpwizard.gui.bridge import Task
from smtpwizard.gui.pages.base import Page
from smtpwizard.gui.pages.change import ChangeBox
from smtpwizard.gui.widgets import Shrinkable
from smtpwizard.gui.widgets import StatusLine
from smtpwizard.gui.widgets import severity_icon
from smtpwizard.gui.widgets import wrap_items
from smtpwizard.gui.widgets import wrapped

if TYPE_CHECKING:
    from smtpwizard.gui.wizard import SetupWizard

__all__ = ["TroubleshootPage"]


class TroubleshootPage(Page):
    """Runs attempts and shows them.

    Attributes:
        ask_save_path: asks where to save the report (tests replace it).
    """

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            wizard,
            _("Step by step"),
            _(
                "Each step of the conversation as it went over the wire (passwords hidden), "
                "and what it means."
            ),
        )
        body = self.body
        layout = QVBoxLayout(body)
        self.change = ChangeBox(body)
        layout.addWidget(self.change)

        controls = QHBoxLayout()
        self.step = QPushButton(_("&Next step"), body)
        self.run_all = QPushButton(_("&Run to the end"), body)
        self.stop_at = QComboBox(body)
        self.stop_at.setAccessibleName(_("Stop after"))
        self.run_to = QPushButton(_("Run and stop &after:"), body)
        self.stop = QPushButton(_("&Stop"), body)
        controls.addWidget(self.step)
        controls.addWidget(self.run_all)
        controls.addWidget(self.run_to)
        controls.addWidget(self.stop_at)
        controls.addStretch(1)
        controls.addWidget(self.stop)
        layout.addLayout(controls)

        self.tabs = QTabWidget(body)
        conversation = Shrinkable(self.tabs)
        conversation_layout = QVBoxLayout(conversation)
        conversation_layout.setContentsMargins(0, 0, 0, 0)
        self.attempts = QComboBox(conversation)
        self.attempts.setAccessibleName(_("Attempt shown"))
        conversation_layout.addWidget(self.attempts)
        self.steps = QTreeWidget(conversation)
        self.steps.setHeaderHidden(True)
        self.steps.setAccessibleName(_("The conversation, step by step"))
        wrap_items(self.steps)
        self.steps.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        conversation_layout.addWidget(self.steps, 1)
        self.meaning = QGroupBox(_("What this step means"), conversation)
        meaning_layout = QVBoxLayout(self.meaning)
        self.explanation = wrapped("", self.meaning)
        self.explanation.setAccessibleName(_("What this step means"))
        self.advice = wrapped("", self.meaning)
        self.advice.setAccessibleName(_("What to try"))
        meaning_layout.addWidget(self.explanation)
        meaning_layout.addWidget(self.advice)
        conversation_layout.addWidget(self.meaning)
        self.tabs.addTab(conversation, _("Conversation"))
        self.comparison = QTableWidget(0, 0, self.tabs)
        self.comparison.setAccessibleName(_("Attempts side by side"))
        self.comparison.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.comparison.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.tabs.addTab(self.comparison, _("Attempts side by side"))
        layout.addWidget(self.tabs, 1)

        self.changes = wrapped("", body)
        self.changes.setAccessibleName(_("What changed since the earlier test"))
        self.changes.setVisible(False)
        layout.addWidget(self.changes)

        actions = QHBoxLayout()
        self.certificate = QPushButton(_("&Certificate…"), body)
        self.send_test = QPushButton(_("Send a t&est message to myself"), body)
        self.copy_report = QPushButton(_("C&opy the report"), body)
        self.save_report = QPushButton(_("Sa&ve the report…"), body)
        for button in (self.certificate, self.send_test, self.copy_report, self.save_report):
            actions.addWidget(button)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.status = StatusLine(body)
        layout.addWidget(self.status)

        self.task = Task(
            self, progress=self._on_event, finished=self._on_finished, failed=self._on_failed
        )
        self.step.clicked.connect(self._next_step)
        self.run_all.clicked.connect(self._run_all)
        self.run_to.clicked.connect(self._run_to)
        self.stop.clicked.connect(self._stop)
        self.change.retry.clicked.connect(self._retry)
        self.change.port.problemChanged.connect(self._port_problem)
        self.attempts.currentIndexChanged.connect(self._show_chosen)
        self.steps.currentItemChanged.connect(self._explain_selected)
        self.certificate.clicked.connect(self._show_certificate)
        self.send_test.clicked.connect(self._send_test)
        self.copy_report.clicked.connect(self._copy_report)
        self.save_report.clicked.connect(self._save_report)
        self.ask_save_path: Callable[[str], str | None] = self._ask_save_path
        self._control: StepControl | None = None
        self._changes: list[Change] = []
        self._exchanges: list[Exchange] = []

    # -- page ------------------------------------------------------------------------------------

    def initializePage(self) -> None:
        """Shows the settings and starts the first conversation, one step at a time."""
        setup = self.draft.fix.setup
        assert setup is not None
        self._show_setup(setup)
        self._clear_steps()
        self.attempts.clear()
        self.changes.setVisible(False)
        session = self.draft.fix.session
        if session is not None and session.attempts:
            for attempt in session.attempts:
                self._add_attempt(attempt)
        self._start(setup, StepControl(stepping=True))

    def cleanupPage(self) -> None:
        """Going back stops the conversation."""
        self.task.abandon()
        self._control = None
        self._buttons()

    def nextId(self) -> int:
        """The last page of this path."""
        return -1

    def first_field(self) -> QWidget | None:
        """The conversation, until "Next step" can go on with it."""
        return self.step if self.step.isEnabled() else self.steps

    def work_under_way(self) -> bool:
        """Whether a conversation is running."""
        return self.task.running

    def current_setup(self) -> ServerSettings:
        """The settings with the changes made on this page.

        Raises:
            InvalidInput: the port typed is not a port.
        """
        base = self.draft.fix.setup
        assert base is not None
        return self.change.applied_to(base)

    def _show_setup(self, setup: ServerSettings) -> None:
        session = self.draft.fix.session
        self.change.show_setup(setup, session.password if session is not None else "")
        self._fill_stop_points(setup.security)

    @Slot(str)
    def _port_problem(self, problem: str) -> None:
        self.status.show_message(problem, Severity.ERROR if problem else None)
        self._buttons()

    def _fill_stop_points(self, security: Security) -> None:
        current = self.stop_at.currentData()
        self.stop_at.clear()
        for stage in stop_points(security):
            self.stop_at.addItem(TITLES[stage], stage.value)
        index = self.stop_at.findData(current) if current else -1
        self.stop_at.setCurrentIndex(index if index >= 0 else self.stop_at.findData("auth"))

    # -- running -----------------------------------------------------------------------------------

    def _start(
        self, setup: ServerSettings | None, control: StepControl, *, send_message: bool = False
    ) -> None:
        session = self.draft.fix.session
        assert session is not None
        if setup is None:
            return
        session.password = self.change.password.text()
        self.task.abandon()
        self._control = control
        self._clear_steps()
        self.status.show_message(_("Talking to {server}…").format(server=setup.describe()))

        def work(report: Callable[[object], None], cancel: CancelToken) -> Attempt:
            return session.run(
                setup,
                control=control,
                send_message=send_message,
                cancel=cancel,
                listener=report,
            )

        self.task.start(work, "troubleshoot")
        self._buttons(paused=False)

    def _buttons(self, *, paused: bool = False) -> None:
        running = self.task.running
        # A new conversation takes the settings below, which need a usable port; going on
        # with a paused one does not.
        startable = not running and not self.change.port.problem()
        self.step.setEnabled(paused or startable)
        self.run_all.setEnabled(paused or startable)
        self.run_to.setEnabled(startable)
        self.stop_at.setEnabled(not running)
        self.change.retry.setEnabled((not running or paused) and not self.change.port.problem())
        self.stop.setEnabled(running)
        has_attempt = self._shown() is not None
        self.copy_report.setEnabled(has_attempt)
        self.save_report.setEnabled(has_attempt)
        shown = self._shown()
        self.certificate.setEnabled(
            shown is not None and shown.result.tls is not None and shown.result.tls.cert is not None
        )
        self.send_test.setEnabled(startable)

    @Slot()
    def _next_step(self) -> None:
        if self.task.running and self._control is not None:
            self._control.next_step()
            self._buttons(paused=False)
            return
        self._start(self._setup_or_say(), StepControl(stepping=True))

    def _setup_or_say(self) -> ServerSettings | None:
        """The settings to try, or ``None`` after saying why there are none."""
        try:
            return self.current_setup()
        except InvalidInput as exc:
            self.status.show_message(str(exc), Severity.ERROR)
            self.change.port.setFocus()
            return None

    @Slot()
    def _run_all(self) -> None:
        if self.task.running and self._control is not None:
            self._control.run_to_end()
            self._buttons(paused=False)
            return
        self._start(self._setup_or_say(), StepControl())

    @Slot()
    def _run_to(self) -> None:
        stage = StageName(self.stop_at.currentData())
        self._start(self._setup_or_say(), StepControl(stop_after=stage))

    @Slot()
    def _stop(self) -> None:
        if self._control is not None:
            self._control.stop()
        self.task.cancel()
        self.status.show_message(_("Stopping…"))

    @Slot()
    def _retry(self) -> None:
        setup = self._setup_or_say()
        if setup is None:
            return
        self._fill_stop_points(setup.security)
        self._start(setup, StepControl(stepping=False))

    @Slot()
    def _send_test(self) -> None:
        setup = self._setup_or_say()
        if setup is None:
            return
        if not (setup.email or (setup.username and "@" in setup.username)):
            self.status.show_message(
                _("Give your address on the previous page: the test message goes to it."),
                Severity.WARNING,
            )
            return
        self._start(setup, StepControl(), send_message=True)

    # -- events ------------------------------------------------------------------------------------

    @Slot(object)
    def _on_event(self, event: object) -> None:
        if isinstance(event, ExchangeDone):
            self._add_step(event.exchange, expand=False)
            if event.paused:
                self.status.show_message(
                    _("Done: {step}. “Next step” goes on.").format(step=event.exchange.title),
                    Severity.INFO,
                )
                self._buttons(paused=True)
                typing = self.setup.focusWidget()
                if typing is None or not self.change.isAncestorOf(typing):
                    self.step.setFocus()  # Enter goes on

    @Slot(object)
    def _on_finished(self, attempt: object) -> None:
        assert isinstance(attempt, Attempt)
        self._control = None
        self._add_attempt(attempt)
        self.attempts.setCurrentIndex(self.attempts.count() - 1)
        self._show_attempt(attempt)
        self._compare_with_earlier_test(attempt)
        severity = (
            Severity.OK
            if attempt.result.outcome is Outcome.OK or attempt.stopped_as_asked
            else attempt.finding.severity
        )
        text = _("Attempt {n}: {result}.").format(n=attempt.number, result=outcome_words(attempt))
        if attempt.sent_message and attempt.result.send is not None:
            text += " " + (
                _("The test message was accepted; check your inbox.")
                if attempt.result.send.ok and attempt.result.send.message is not None
                else _("The test message was not accepted.")
            )
        self.status.show_message(text, severity)
        self._buttons()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._control = None
        self.status.show_message(message, Severity.ERROR)
        self._buttons()

    # -- showing -----------------------------------------------------------------------------------

    def _add_attempt(self, attempt: Attempt) -> None:
        label = _("Attempt {n}: {setup} — {result}").format(
            n=attempt.number, setup=attempt.setup.describe(), result=outcome_words(attempt)
        )
        self.attempts.blockSignals(True)
        self.attempts.addItem(label, attempt.number)
        self.attempts.blockSignals(False)
        self._fill_comparison()

    def _shown(self) -> Attempt | None:
        session = self.draft.fix.session
        number = self.attempts.currentData()
        if session is None or number is None:
            return None
        for attempt in session.attempts:
            if attempt.number == number:
                return attempt
        return None

    @Slot(int)
    def _show_chosen(self, _index: int) -> None:
        attempt = self._shown()
        if attempt is not None and not self.task.running:
            self._show_attempt(attempt)

    def _show_attempt(self, attempt: Attempt) -> None:
        self._clear_steps()
        failed = next((e for e in attempt.exchanges if not e.ok), None)
        for exchange in attempt.exchanges:
            self._add_step(exchange, expand=exchange is failed)
        self._buttons()

    def _add_step(self, exchange: Exchange, *, expand: bool) -> None:
        mark = "✓" if exchange.ok else "✗"
        top = QTreeWidgetItem([f"{mark} {exchange.title}  ({exchange.ms:.0f} ms)"])
        top.setIcon(0, severity_icon(exchange.severity if not exchange.ok else Severity.OK))
        top.setToolTip(0, exchange.meaning)
        top.setData(0, Qt.ItemDataRole.UserRole, len(self._exchanges))
        self._exchanges.append(exchange)
        self.steps.addTopLevelItem(top)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        for line in exchange.lines:
            shown = f"{line.direction} {'[TLS] ' if line.encrypted else ''}{line.text}"
            item = QTreeWidgetItem(top, [shown])
            item.setFont(0, mono)
            item.setToolTip(0, shown)
        meaning = QTreeWidgetItem(top, [f"→ {exchange.meaning}"])
        meaning.setToolTip(0, exchange.meaning)
        if exchange.advice:
            QTreeWidgetItem(top, [_("What to try: {advice}").format(advice=exchange.advice)])
        top.setExpanded(expand or not exchange.ok)
        if expand or not exchange.ok or self.task.running:
            self.steps.setCurrentItem(top)
        self.steps.scrollToItem(top)

    def _clear_steps(self) -> None:
        self.steps.clear()
        self._exchanges = []
        self.meaning.setTitle(_("What this step means"))
        self.explanation.setText("")
        self.advice.setText("")

    @Slot(QTreeWidgetItem, QTreeWidgetItem)
    def _explain_selected(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        while current is not None and current.parent() is not None:
            current = current.parent()
        index = current.data(0, Qt.ItemDataRole.UserRole) if current is not None else None
        if not isinstance(index, int) or not 0 <= index < len(self._exchanges):
            self.explanation.setText("")
            self.advice.setText("")
            return
        exchange = self._exchanges[index]
        self.meaning.setTitle(exchange.title)
        self.explanation.setText(exchange.meaning)
        self.advice.setText(
            _("What to try: {advice}").format(advice=exchange.advice) if exchange.advice else ""
        )
        self.advice.setVisible(bool(exchange.advice))

    def _fill_comparison(self) -> None:
        session = self.draft.fix.session
        attempts = list(session.attempts) if session is not None else []
        rows = compare(attempts)
        self.comparison.clear()
        self.comparison.setColumnCount(len(attempts))
        self.comparison.setRowCount(len(rows) + 1)
        self.comparison.setHorizontalHeaderLabels([_attempt_title(a) for a in attempts])
        self.comparison.setVerticalHeaderLabels(
            [TITLES.get(name, str(name)) for name, _marks in rows] + [_("Result")]
        )
        for row, (_name, marks) in enumerate(rows):
            for column, mark in enumerate(marks):
                item = QTableWidgetItem(mark)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.comparison.setItem(row, column, item)
        for column, attempt in enumerate(attempts):
            item = QTableWidgetItem(outcome_words(attempt))
            changes = attempt.setup.changes_from(attempts[column - 1].setup) if column else []
            if attempt.new_secret:
                changes.append(_("password typed anew (another one)"))
            item.setToolTip("\n".join([attempt.setup.describe(), *changes]))
            self.comparison.setItem(len(rows), column, item)

    def _compare_with_earlier_test(self, attempt: Attempt) -> None:
        imported = self.draft.fix.imported
        previous = imported.previous_probe if imported is not None else None
        tested_at = imported.tested_at if imported is not None else None
        if tested_at is None or attempt.number != 1:
            return
        if previous is not None:
            self._changes = what_changed(previous, [attempt.result])
            lines = [change.text for change in self._changes]
        else:
            lines = [
                _("It still works.")
                if attempt.result.outcome is Outcome.OK
                else _("It worked then; now: {headline}.").format(headline=attempt.finding.headline)
            ]
        self.changes.setText(
            _("Since the test on {when}:").format(when=f"{tested_at:%Y-%m-%d %H:%M}")
            + "\n"
            + "\n".join(f"• {line}" for line in lines)
        )
        self.changes.setVisible(True)

    # -- certificate, report -----------------------------------------------------------------------

    @Slot()
    def _show_certificate(self) -> None:
        attempt = self._shown()
        if attempt is None or attempt.result.tls is None:
            return
        self.setup.show_certificate(attempt.setup.host, attempt.result.tls, self._trust_changed)

    def _trust_changed(self) -> None:
        session = self.draft.fix.session
        if session is not None:
            session.options = replace(session.options, pins=self.setup.settings.pins())
        self.status.show_message(
            _("Saved. “Try again” uses the certificates you trust now."), Severity.INFO
        )

    def report_document(self) -> dict[str, object]:
        """The support report of every attempt so far."""
        session = self.draft.fix.session
        attempts = list(session.attempts) if session is not None else []
        imported = self.draft.fix.imported
        summary = imported_document(imported, self.draft.fix.account) if imported else None
        return support_document(attempts, changes=self._changes, imported=summary)

    @Slot()
    def _copy_report(self) -> None:
        QGuiApplication.clipboard().setText(support_markdown(self.report_document()))
        self.status.show_message(
            _("The report is on the clipboard (passwords hidden)."), Severity.OK
        )

    def _ask_save_path(self, suggestion: str) -> str | None:
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Save the support report"),
            str(Path.home() / suggestion),
            _("Markdown (*.md);;JSON (*.json)"),
        )
        return path or None

    @Slot()
    def _save_report(self) -> None:
        chosen = self.ask_save_path("smtpwizard-report.md")
        if not chosen:
            return
        path = Path(chosen)
        document = self.report_document()
        text = (
            json.dumps(document, indent=2, ensure_ascii=False) + "\n"
            if path.suffix.lower() == ".json"
            else support_markdown(document)
        )
        try:
            written = write_atomic(path, text, private=True)
        except TargetExists:
            question = _("{name} already exists. Replace it?").format(name=path.name)
            if not self.setup.confirm(self, _("Replace the file?"), question):
                self.status.show_message(
                    _("Not saved: {name} was left as it was.").format(name=path.name),
                    Severity.INFO,
                )
                return
            try:
                written = write_atomic(path, text, overwrite=True, private=True)
            except WriteError as exc:
                self.status.show_message(str(exc), Severity.ERROR)
                return
        except WriteError as exc:
            self.status.show_message(str(exc), Severity.ERROR)
            return
        self.status.show_message(_("Report saved to {path}.").format(path=written), Severity.OK)


def _attempt_title(attempt: Attempt) -> str:
    """A column's title: the attempt's number, port and encryption, and a password typed
    anew (which the settings do not show)."""
    title = f"{attempt.number}: {attempt.setup.port} {attempt.setup.security.label}"
    return f"{title} · {_('new password')}" if attempt.new_secret else title
