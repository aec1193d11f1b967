"""Page 5: testing every candidate for real, with live progress per stage."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QAbstractItemView
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QHeaderView
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QProgressBar
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QTableWidget
from PySide6.QtWidgets import QTableWidgetItem
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget
from PySide6.QtWidgets import QWizard

from smtpwizard.core.diagnosis.common import Context
from smtpwizard.core.diagnosis.findings import explain
from smtpwizard.core.i18n import _
from smtpwizard.core.login import SignIn
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import MatrixResult
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Severity
from smtpwizard.core.model import StageName
from smtpwizard.core.model import StageResult
from smtpwizard.core.model import TlsInfo
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.probe.matrix import CandidateFinished
from smtpwizard.core.probe.matrix import CandidateStarted
from smtpwizard.core.probe.matrix import StageFinished
from smtpwizard.core.probe.matrix import VerdictReached
from smtpwizard.core.probe.matrix import rank
from smtpwizard.core.probe.matrix import run_account
from smtpwizard.gui.bridge import Task
from smtpwizard.gui.certificate import CERTIFICATE_FAILURES
from smtpwizard.gui.ids import PageId
from smtpwizard.gui.pages.base import Page
from smtpwizard.gui.widgets import StatusLine
from smtpwizard.gui.widgets import severity_icon

if TYPE_CHECKING:
    from smtpwizard.gui.wizard import SetupWizard

__all__ = ["COLUMNS", "TestingPage"]

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

#: What a server made unnecessary by the verdict can still show without a login: the
#: problems a person (or their administrator) should hear about.
_WORTH_TELLING = frozenset(
    {
        Outcome.REFUSED,
        Outcome.TIMEOUT,
        Outcome.DNS_ERROR,
        Outcome.NOT_SMTP,
        Outcome.TLS_ERROR,
        Outcome.CERT_UNTRUSTED,
        Outcome.CERT_EXPIRED,
        Outcome.CERT_NAME_MISMATCH,
        Outcome.NO_STARTTLS,
        Outcome.INSECURE,
    }
)


class TestingPage(Page):
    """Runs the prober and shows each stage as it finishes."""

    __test__ = False  # a page, not a test class (its name starts with "Test")

    filled = Signal()
    """A server tested after the verdict showed a problem (the draft's results now hold it),
    or those tests are over."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.setTitle(_("Testing the servers"))
        self.setSubTitle(
            _("Every server, port and kind of encryption is tried for real, at the same time.")
        )
        body = self.body
        layout = QVBoxLayout(body)
        self.table = QTableWidget(0, len(COLUMNS), body)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName(_("Test progress"))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(RESULT, QHeaderView.ResizeMode.Stretch)
        # explanations wrap instead of ending in "…"
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)

        row = QHBoxLayout()
        self.progress = QProgressBar(body)
        self.progress.setAccessibleName(_("Overall progress"))
        self.elapsed = QLabel("0.0 s", body)
        self.elapsed.setAccessibleName(_("Elapsed time"))
        self.stop = QPushButton(_("&Stop testing"), body)
        self.again = QPushButton(_("Test &again"), body)
        self.again.setVisible(False)
        row.addWidget(self.progress, 1)
        row.addWidget(self.elapsed)
        row.addWidget(self.stop)
        row.addWidget(self.again)
        layout.addLayout(row)
        self.status = StatusLine(body)
        layout.addWidget(self.status)

        self.task = Task(
            self, progress=self._on_event, finished=self._on_finished, failed=self._on_failed
        )
        # After the verdict, the servers it made unnecessary are tested on without a login,
        # so that "port 587 is blocked" still shows; leaving the results cancels them.
        self.rest = Task(
            self, progress=self._on_rest_event, finished=self._on_rest_finished, failed=self._ignore
        )
        self._waiting: dict[Candidate, ProbeResult] = {}
        wizard.currentIdChanged.connect(self._page_changed)
        self.stop.clicked.connect(self._stop)
        self.again.clicked.connect(self.start)
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._tick)
        self._started = 0.0
        self._rows: dict[Candidate, int] = {}

    def initializePage(self) -> None:
        """Starts the tests (again, unless nothing changed since a run that was not stopped)."""
        matrix = self.draft.matrix
        if matrix is not None and not matrix.cancelled and not self.task.running:
            self._show_done(matrix)
            return
        self.start()

    def first_field(self) -> QWidget | None:
        """The table (Enter there goes on once the tests are over)."""
        return self.table

    def work_under_way(self) -> bool:
        """Whether the tests are running."""
        return self.task.running

    def network_changed(self) -> None:
        """Another CA file or DNS server: the tests run again with it."""
        self.start()

    def cleanupPage(self) -> None:
        """Going back stops the tests."""
        self.task.abandon()
        self.rest.abandon()
        self.timer.stop()

    def isComplete(self) -> bool:
        """Next once the tests are over."""
        return not self.task.running and self.draft.matrix is not None

    @Slot()
    def start(self) -> None:
        """Tests the draft's candidates (and the incoming ones, for a mail program), both at once;
        the outgoing rows come first."""
        draft = self.draft
        email = draft.email
        assert email is not None
        self.rest.abandon()
        self._waiting = {}
        incoming = list(draft.incoming_candidates) if draft.tests_incoming else []
        order = rank(draft.candidates) + rank(incoming)
        self._rows = {candidate: row for row, candidate in enumerate(order)}
        draft.forget_results()
        self.table.setRowCount(0)  # also drops the certificate buttons of the last run
        self.table.setRowCount(len(order))
        for row, candidate in enumerate(order):
            self.table.setItem(row, 0, QTableWidgetItem(candidate.label()))
            for column in range(1, len(COLUMNS)):
                self.table.setItem(row, column, QTableWidgetItem(""))
            self._set(row, RESULT, _("waiting"))
        self.progress.setRange(0, len(order))
        self.progress.setValue(0)
        self.status.show_message(
            _("Testing {count} ways to send and {incoming} ways to receive…").format(
                count=len(draft.candidates), incoming=len(incoming)
            )
            if incoming
            else _("Testing {count} ways to send…").format(count=len(draft.candidates))
        )
        self.stop.setEnabled(True)
        self.stop.setVisible(True)
        self.again.setVisible(False)
        self._started = time.monotonic()
        self.timer.start()
        services = self.services
        candidates = list(draft.candidates)
        password = draft.password or None
        usernames = draft.usernames()
        allow_plaintext = draft.allow_plaintext
        provider = draft.provider
        pins = self.setup.settings.pins()
        signed = draft.signed_in if draft.uses_oauth else None
        request = draft.sign_in_request

        def work(
            report: Callable[[object], None], cancel: CancelToken
        ) -> tuple[MatrixResult, MatrixResult | None]:
            token: str | None = None
            if signed is not None and request is not None:
                # A sign-in some time ago: its token may have run out since.
                token = services.token_keeper().fresh(request, signed, cancel).token.access_token
            assessor = services.assessor(
                allow_plaintext=allow_plaintext,
                listener=report,
                pins=pins,
                sign_in=SignIn.OAUTH2 if token else SignIn.PASSWORD,
            )
            return assessor.run_account(
                email,
                candidates,
                incoming,
                password=None if token else password,
                access_token=token,
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

    def row_of(self, candidate: Candidate) -> int | None:
        """The table row showing ``candidate`` (the two runs number their events apart)."""
        return self._rows.get(candidate)

    @Slot(object)
    def _on_event(self, event: object) -> None:
        if isinstance(event, CandidateStarted):
            row = self.row_of(event.candidate)
            if row is not None:
                self._set(row, RESULT, _("testing…"))
        elif isinstance(event, StageFinished):
            row = self.row_of(event.candidate)
            if row is not None:
                self._show_stage(row, event.stage)
        elif isinstance(event, CandidateFinished):
            result = event.result
            row = self.row_of(result.candidate)
            if row is None:
                return
            finding = explain(result, Context((), self.draft.provider))
            self._set(row, RESULT, finding.headline, finding.explanation)
            item = self.table.item(row, RESULT)
            if item is not None:
                item.setIcon(severity_icon(finding.severity))
            if result.reason is not Reason.CANCELLED_BY_USER:  # stopped ones were not tested
                self.progress.setValue(self.progress.value() + 1)
            tls = result.tls
            if result.outcome in CERTIFICATE_FAILURES and tls is not None and tls.cert:
                self._offer_certificate(row, result.candidate.host, tls)
        elif isinstance(event, VerdictReached) and event.result is not None:
            c = event.result.candidate
            message = (
                _("Sending through {host} port {port} works; finishing up…")
                if c.protocol is Protocol.SMTP
                else _("Receiving from {host} port {port} works; finishing up…")
            )
            self.status.show_message(message.format(host=c.host, port=c.port), Severity.OK)

    def _show_stage(self, row: int, stage: StageResult) -> None:
        stopped = bool(stage.error and stage.error.startswith("Cancelled"))
        mark = YES if stage.ok else "–" if stopped else NO
        tip = stage.detail
        name = stage.name
        if name is StageName.CONNECT:
            self._set(row, CONNECT, f"{mark} {stage.ms:.0f} ms" if stage.ok else mark, tip)
        elif name in (StageName.GREETING, StageName.EHLO, StageName.CAPABILITIES):
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

    def _offer_certificate(self, row: int, host: str, tls: TlsInfo) -> None:
        button = QPushButton(_("View / trust…"), self.table)
        button.setAccessibleName(_("View or trust the certificate of {host}").format(host=host))
        button.setToolTip(_("See the certificate and, if you know the server, trust it"))
        button.clicked.connect(lambda: self.setup.show_certificate(host, tls, self._trusted))
        self.table.setCellWidget(row, CERTIFICATE, button)

    def _trusted(self) -> None:
        self.status.show_message(
            _("Saved. “Test again” tests with the certificates you trust now."), Severity.INFO
        )

    @Slot(object)
    def _on_finished(self, result: object) -> None:
        assert isinstance(result, tuple)
        outgoing, incoming = result
        assert isinstance(outgoing, MatrixResult)
        self.timer.stop()
        self._tick()
        self.draft.matrix = outgoing
        self.draft.incoming_matrix = incoming if isinstance(incoming, MatrixResult) else None
        self._show_done(outgoing)
        self.completeChanged.emit()
        next_button = self.setup.button(QWizard.WizardButton.NextButton)
        if isinstance(next_button, QPushButton):
            next_button.setDefault(True)
        next_button.setFocus()
        self._test_the_rest()

    # -- after the verdict -------------------------------------------------------------------------

    def _test_the_rest(self) -> None:
        """Tests the candidates the verdict made unnecessary, without any login (so no extra
        login attempts), and shows what is wrong with them as it comes."""
        draft = self.draft
        email = draft.email
        runs = [m for m in (draft.matrix, draft.incoming_matrix) if m is not None]
        self._waiting = {
            r.candidate: r
            for m in runs
            if not m.cancelled
            for r in m.results
            if r.reason is Reason.SUPERSEDED and r.candidate in self._rows
        }
        if not self._waiting or email is None:
            return
        for candidate in self._waiting:
            row = self._rows[candidate]
            self._set(row, RESULT, _("not needed; still checking it in the background…"))
        outgoing = [c for c in self._waiting if c.protocol is Protocol.SMTP]
        incoming = [c for c in self._waiting if c.protocol is not Protocol.SMTP]
        services = self.services
        pins = self.setup.settings.pins()

        def work(report: Callable[[object], None], cancel: CancelToken) -> object:
            prober = services.assessor(listener=report, pins=pins, dry_run=False).prober
            return run_account(prober, email, outgoing, incoming, wait_all=True, cancel=cancel)

        self.rest.start(work, "probe the rest")

    def background_running(self) -> bool:
        """Whether servers the verdict did not need are still being tested."""
        return self.rest.running

    @Slot(int)
    def _page_changed(self, page_id: int) -> None:
        if page_id not in (PageId.TESTING, PageId.RESULT):
            self.rest.abandon()  # moving on: nobody will read what they find

    @Slot(object)
    def _on_rest_event(self, event: object) -> None:
        if isinstance(event, StageFinished):
            row = self.row_of(event.candidate)
            if row is not None and event.candidate in self._waiting:
                self._show_stage(row, event.stage)
        elif isinstance(event, CandidateFinished):
            self._background_result(event.result)

    def _background_result(self, result: ProbeResult) -> None:
        earlier = self._waiting.pop(result.candidate, None)
        row = self.row_of(result.candidate)
        if earlier is None or row is None:
            return
        worth_telling = result.outcome in _WORTH_TELLING
        draft = self.draft
        run = draft.matrix if result.candidate.protocol is Protocol.SMTP else draft.incoming_matrix
        if worth_telling and run is not None and earlier in run.results:
            # Kept in the results: the result page, the report and the exports see it.
            run = replace(run, results=tuple(result if r is earlier else r for r in run.results))
            if result.candidate.protocol is Protocol.SMTP:
                draft.matrix = run
            else:
                draft.incoming_matrix = run
        # Read with the others, as the result page reads it ("blocked on the way").
        context = Context(run.results if run is not None else (), draft.provider)
        finding = explain(result if worth_telling else earlier, context)
        self._set(row, RESULT, finding.headline, finding.explanation)
        item = self.table.item(row, RESULT)
        if item is not None:
            item.setIcon(severity_icon(finding.severity))
        if not worth_telling:
            return
        tls = result.tls
        if result.outcome in CERTIFICATE_FAILURES and tls is not None and tls.cert:
            self._offer_certificate(row, result.candidate.host, tls)
        self.filled.emit()

    @Slot(object)
    def _on_rest_finished(self, _result: object) -> None:
        # Whatever did not report (stopped early) keeps its "not needed".
        for earlier in list(self._waiting.values()):
            self._background_result(earlier)
        self.filled.emit()

    @Slot(str)
    def _ignore(self, _message: str) -> None:
        """A failure of the extra tests changes nothing the person relies on."""
        self._on_rest_finished(None)

    def _show_done(self, matrix: MatrixResult) -> None:
        self.stop.setVisible(False)
        self.again.setVisible(True)
        if not matrix.cancelled:
            self.progress.setValue(self.progress.maximum())
        incoming = self.draft.incoming_matrix
        results = list(matrix.results) + (list(incoming.results) if incoming else [])
        working = sum(1 for r in results if r.outcome is Outcome.OK)
        sends = matrix.recommended is not None
        receives = incoming is None or incoming.recommended is not None
        if matrix.cancelled or (incoming is not None and incoming.cancelled):
            self.status.show_message(_("Stopped. Next shows what was found so far."), Severity.INFO)
        elif sends and receives:
            self.status.show_message(
                _("Done: {count} of {total} work. Next shows the result.").format(
                    count=working, total=len(results)
                ),
                Severity.OK,
            )
        elif sends:
            self.status.show_message(
                _("Done: sending works, receiving does not yet. Next explains why."),
                Severity.WARNING,
            )
        else:
            self.status.show_message(
                _("Done: nothing works yet. Next explains why.")
                if incoming is None or incoming.recommended is None
                else _("Done: receiving works, sending does not yet. Next explains why."),
                Severity.ERROR,
            )

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.timer.stop()
        self.stop.setVisible(False)
        self.again.setVisible(True)
        self.status.show_message(message, Severity.ERROR)
        self.completeChanged.emit()
