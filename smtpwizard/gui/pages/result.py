"""Page 6: what works, what does not and why; the recommended settings; a test message."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtCore import Slot
from PySide6.QtGui import QFont
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFormLayout
from PySide6.QtWidgets import QGroupBox
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QTreeWidget
from PySide6.QtWidgets import QTreeWidgetItem
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from smtpwizard.core.diagnosis.common import Context
from smtpwizard.core.diagnosis.findings import explain
from smtpwizard.core.diagnosis.recommend import level_label
from smtpwizard.core.diagnosis.summary import summarize
from smtpwizard.core.discovery.typed import outgoing_candidates
from smtpwizard.core.i18n import _
from smtpwizard.core.login import Credentials
from smtpwizard.core.login import SignIn
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Finding
from smtpwizard.core.model import MatrixResult
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Reason
from smtpwizard.core.model import ReplyCode
from smtpwizard.core.model import Severity
from smtpwizard.core.model import Source
from smtpwizard.core.model import server_address
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.probe.runner import probe_candidate
from smtpwizard.gui.bridge import Task
from smtpwizard.gui.certificate import CERTIFICATE_FAILURES
from smtpwizard.gui.ids import PageId
from smtpwizard.gui.pages.base import Page
from smtpwizard.gui.widgets import StatusLine
from smtpwizard.gui.widgets import level_icon
from smtpwizard.gui.widgets import severity_icon
from smtpwizard.gui.widgets import wrap_items
from smtpwizard.gui.widgets import wrapped

if TYPE_CHECKING:
    from smtpwizard.gui.wizard import SetupWizard

__all__ = ["ResultPage"]


class ResultPage(Page):
    """The verdict, the settings to use, and every problem explained."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, _("The result"), _("What works, what does not, and why."))
        body = self.body
        layout = QVBoxLayout(body)
        self.headline = QLabel(body)
        font = QFont(self.headline.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.headline.setFont(font)
        self.headline.setWordWrap(True)
        self.headline.setAccessibleName(_("Verdict"))
        self.summary = wrapped("", body)
        self.summary.setAccessibleName(_("Summary"))
        layout.addWidget(self.headline)
        layout.addWidget(self.summary)

        self.card = QGroupBox(_("Use these settings"), body)
        self.card_form = QFormLayout(self.card)
        self.level = QLabel(self.card)
        self.level_icon = QLabel(self.card)
        level_row = QHBoxLayout()
        level_row.addWidget(self.level_icon)
        level_row.addWidget(self.level, 1)
        self.fields: dict[str, QLabel] = {}
        for key, title in (
            ("host", _("Server")),
            ("port", _("Port")),
            ("security", _("Encryption")),
            ("username", _("Username")),
            ("auth", _("Login method")),
        ):
            value = QLabel(self.card)
            value.setTextInteractionFlags(value.textInteractionFlags().TextSelectableByMouse)
            value.setAccessibleName(title)
            self.fields[key] = value
            self.card_form.addRow(title + ":", value)
        self.card_form.addRow(_("Security:"), level_row)
        self.alternatives = wrapped("", self.card)
        self.card_form.addRow(self.alternatives)
        cards = QHBoxLayout()
        cards.addWidget(self.card, 1)

        self.incoming_card = QGroupBox(_("Incoming mail"), body)
        incoming_form = QFormLayout(self.incoming_card)
        self.incoming_fields: dict[str, QLabel] = {}
        for key, title in (
            ("protocol", _("Kind")),
            ("host", _("Server")),
            ("port", _("Port")),
            ("security", _("Encryption")),
            ("username", _("Username")),
        ):
            value = QLabel(self.incoming_card)
            value.setTextInteractionFlags(value.textInteractionFlags().TextSelectableByMouse)
            value.setAccessibleName(_("Incoming {field}").format(field=title))
            self.incoming_fields[key] = value
            incoming_form.addRow(title + ":", value)
        self.incoming_note = wrapped("", self.incoming_card)
        incoming_form.addRow(self.incoming_note)
        cards.addWidget(self.incoming_card, 1)
        layout.addLayout(cards)

        self.problems = QTreeWidget(body)
        self._problems_shown: object = None
        """What the list shows (to rebuild it only when that changes)."""
        self.problems.setHeaderHidden(True)
        self.problems.setAccessibleName(_("What did not work, and why"))
        wrap_items(self.problems)
        self.problems.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.problems.setMinimumHeight(self.fontMetrics().lineSpacing() * 6)
        problems_label = QLabel(
            _("What did not work, and &why (open a line for the details):"), body
        )
        problems_label.setBuddy(self.problems)
        layout.addWidget(problems_label)
        layout.addWidget(self.problems, 1)

        actions = QHBoxLayout()
        self.again = QPushButton(_("Test &again"), body)
        self.again.setToolTip(_("Test the same servers once more"))
        self.other_ports = QPushButton(body)
        self.send_test = QPushButton(_("Send a &test message to myself"), body)
        self.copy = QPushButton(_("&Copy the summary"), body)
        actions.addWidget(self.again)
        actions.addWidget(self.other_ports)
        actions.addWidget(self.send_test)
        actions.addWidget(self.copy)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.status = StatusLine(body)
        self.keyring_status = StatusLine(body)
        layout.addWidget(self.status)
        layout.addWidget(self.keyring_status)

        self.test_task = Task(self)
        self.test_task.finished.connect(self._on_test_sent)
        self.test_task.failed.connect(lambda m: self.status.show_message(m, Severity.ERROR))
        self.keyring_task = Task(self)
        self.keyring_task.finished.connect(self._on_saved)
        self.keyring_task.failed.connect(
            lambda m: self.keyring_status.show_message(m, Severity.WARNING)
        )
        self.send_test.clicked.connect(self._send_test)
        self.copy.clicked.connect(self._copy)
        self.again.clicked.connect(lambda: self.setup.test_again())
        self.other_ports.clicked.connect(self._try_other_ports)
        self._other_ports: list[Candidate] = []

    def initializePage(self) -> None:
        """Shows the verdict of the last test run."""
        matrix = self.draft.matrix
        assert matrix is not None
        incoming = self.draft.incoming_matrix
        provider = self.draft.provider
        context = Context(matrix.results, provider)
        rec = matrix.recommended
        receives = incoming is None or incoming.recommended is not None
        if rec is not None and receives:
            self.headline.setText(_("It works."))
        elif rec is not None:
            self.headline.setText(_("Sending works; receiving does not yet."))
        elif matrix.cancelled:
            self.headline.setText(_("Stopped before the end."))
        elif matrix.credentials_rejected:
            self.headline.setText(_("The servers answer, but the login was refused."))
        else:
            self.headline.setText(_("Nothing works yet."))
        summary = summarize(matrix, provider)
        if incoming is not None:
            summary = "\n".join(
                (
                    _("Sending: {summary}").format(summary=summary),
                    _("Receiving: {summary}").format(summary=summarize(incoming, provider)),
                )
            )
        self.summary.setText(summary)
        self.card.setTitle(
            _("Use these settings") if incoming is None else _("Outgoing mail (SMTP)")
        )
        self.card.setVisible(rec is not None)
        self._show_incoming(incoming)
        self.send_test.setVisible(rec is not None)
        self.status.show_message("")
        self.keyring_status.show_message("")
        if rec is not None:
            c = rec.candidate
            self.fields["host"].setText(c.host)
            self.fields["port"].setText(str(c.port))
            self.fields["security"].setText(c.security.label)
            self.fields["username"].setText(rec.username or _("(no login)"))
            auth = rec.auth_mechanism or "–"
            if self.draft.uses_oauth and rec.auth_mechanism:
                auth = _("your provider's sign-in (OAuth 2.0, {mechanism})").format(
                    mechanism=rec.auth_mechanism
                )
            self.fields["auth"].setText(auth)
            self.level.setText(level_label(rec.level))
            self.level_icon.setPixmap(level_icon(rec.level).pixmap(18, 18))
            lines = list(rec.warnings)
            if rec.alternatives:
                lines.insert(
                    0,
                    _("Also working: {list}.").format(
                        list=", ".join(
                            f"{server_address(a.host, a.port)} {a.security.label}"
                            for a in rec.alternatives
                        )
                    ),
                )
            self.alternatives.setText("\n".join(lines))
            self.alternatives.setVisible(bool(lines))
        self._fill_problems(matrix, context, incoming)
        self._offer_other_ports(matrix)
        email = self.draft.email
        if email is not None:
            self.setup.settings.remember_address(str(email), self.draft.display_name)
        self._save_password(matrix, incoming)

    @Slot()
    def refresh_problems(self) -> None:
        """A server tested after the verdict found a problem: the list shows it too."""
        matrix = self.draft.matrix
        if matrix is None or self.setup.currentPage() is not self:
            return
        incoming = self.draft.incoming_matrix
        self._fill_problems(matrix, Context(matrix.results, self.draft.provider), incoming)

    def work_under_way(self) -> bool:
        """Whether the test message is on its way."""
        return self.test_task.running

    def network_changed(self) -> None:
        """Another CA file or DNS server: the results shown came from the earlier ones."""
        self.status.show_message(
            _("Saved. “Test again” tests with the new settings."), Severity.INFO
        )

    def _offer_other_ports(self, matrix: MatrixResult) -> None:
        """When the server the person typed failed on the ports they chose (before any login
        was refused), offers the other standard ports of that server."""
        self._other_ports = []
        typed = [c for c in self.draft.candidates if c.source is Source.USER]
        outcomes = {r.candidate: r.outcome for r in matrix.results}
        stuck = (
            typed
            and matrix.recommended is None
            and not matrix.credentials_rejected
            and all(outcomes.get(c) not in (Outcome.OK, Outcome.AUTH_FAILED) for c in typed)
        )
        if stuck:
            host = typed[0].host
            tried = {(c.port, c.security) for c in self.draft.candidates if c.host == host}
            others = [c for c in outgoing_candidates(host) if (c.port, c.security) not in tried]
            if others:
                self._other_ports = list(self.draft.candidates) + others
                self.other_ports.setText(_("Try the &other ports of {host}").format(host=host))
                self.other_ports.setToolTip(
                    _("Also test {ports} on {host}").format(
                        ports=", ".join(f"{c.port} {c.security.label}" for c in others),
                        host=host,
                    )
                )
        self.other_ports.setVisible(bool(self._other_ports))

    @Slot()
    def _try_other_ports(self) -> None:
        if self._other_ports:
            self.setup.test_again(self._other_ports)

    def _show_incoming(self, incoming: MatrixResult | None) -> None:
        rec = incoming.recommended if incoming is not None else None
        self.incoming_card.setVisible(rec is not None)
        if rec is None:
            return
        c = rec.candidate
        self.incoming_fields["protocol"].setText(c.protocol.name)
        self.incoming_fields["host"].setText(c.host)
        self.incoming_fields["port"].setText(str(c.port))
        self.incoming_fields["security"].setText(c.security.label)
        self.incoming_fields["username"].setText(rec.username or _("(no login)"))
        level = level_label(rec.level)
        lines = [level[:1].upper() + level[1:] + "."]
        lines.extend(rec.warnings)
        if rec.alternatives:
            lines.append(
                _("Also working: {list}.").format(
                    list=", ".join(a.label() for a in rec.alternatives)
                )
            )
        self.incoming_note.setText("\n".join(lines))

    def _fill_problems(
        self, matrix: MatrixResult, context: Context, incoming: MatrixResult | None = None
    ) -> None:
        """Lists what did not work. Called again as servers tested after the verdict
        report: the list is rebuilt only when it changes, and what the person opened,
        selected and scrolled to stays so."""
        runs = [(matrix, context)]
        if incoming is not None:
            runs.append((incoming, Context(incoming.results, context.provider)))
        problems = [
            (result, finding)
            for run, run_context in runs
            for result in run.results
            if (finding := explain(result, run_context)).severity is not Severity.OK
            and result.reason not in (Reason.SUPERSEDED, Reason.LOGIN_STOPPED)
        ]
        nothing = "" if problems else self._nothing_text(matrix, incoming)
        shown = (
            tuple((r.candidate, r.tls, f.headline, f.explanation, f.advice) for r, f in problems),
            nothing,
        )
        if shown == self._problems_shown:
            return
        self._problems_shown = shown
        tops = [self.problems.topLevelItem(i) for i in range(self.problems.topLevelItemCount())]
        opened = {top.text(0) for top in tops if top is not None and top.isExpanded()}
        current = self.problems.currentItem()
        current_text = current.text(0) if current is not None and current.parent() is None else ""
        scrolled = self.problems.verticalScrollBar().value()
        self.problems.clear()
        for result, finding in problems:
            top = self._add_problem(result, finding)
            if top.text(0) in opened:
                top.setExpanded(True)
            if top.text(0) == current_text:
                self.problems.setCurrentItem(top)
        if nothing:
            self.problems.addTopLevelItem(QTreeWidgetItem([nothing]))
        self.problems.verticalScrollBar().setValue(scrolled)

    def _nothing_text(self, matrix: MatrixResult, incoming: MatrixResult | None) -> str:
        results = list(matrix.results) + (list(incoming.results) if incoming else [])
        skipped = any(r.reason in (Reason.SUPERSEDED, Reason.LOGIN_STOPPED) for r in results)
        if skipped and self.setup.background_checking():
            return _("Nothing so far. The servers not needed are still being checked.")
        if skipped:
            return _("Nothing. The other servers were not needed: a better one already works.")
        return _("Nothing: everything tested works.")

    def _add_problem(self, result: ProbeResult, finding: Finding) -> QTreeWidgetItem:
        c = result.candidate
        top = QTreeWidgetItem([f"{c.label()}: {finding.headline}"])
        top.setIcon(0, severity_icon(finding.severity))
        top.setToolTip(0, finding.explanation)
        self.problems.addTopLevelItem(top)
        tls = result.tls
        if result.outcome in CERTIFICATE_FAILURES and tls is not None and tls.cert is not None:
            button = QPushButton(_("View / trust this certificate…"), self.problems)
            button.setAccessibleName(
                _("View or trust the certificate of {host}").format(host=c.host)
            )
            button.clicked.connect(lambda: self.setup.show_certificate(c.host, tls, self._trusted))
            holder = QWidget(self.problems)
            row = QHBoxLayout(holder)
            row.setContentsMargins(0, 2, 0, 2)
            row.addWidget(button)
            row.addStretch(1)
            self.problems.setItemWidget(QTreeWidgetItem(top), 0, holder)
            top.setExpanded(True)
        QTreeWidgetItem(top, [finding.explanation])
        QTreeWidgetItem(top, [_("What to do: {advice}").format(advice=finding.advice)])
        if finding.link:
            QTreeWidgetItem(top, [_("Help: {url}").format(url=finding.link)])
        details = QTreeWidgetItem(top, [_("Details")])
        for label, value in finding.evidence:
            QTreeWidgetItem(details, [f"{label}: {value}"])
        if result.transcript:
            talk = QTreeWidgetItem(top, [_("The conversation (passwords hidden)")])
            for line in result.transcript:
                lock = "[TLS] " if line.encrypted else ""
                QTreeWidgetItem(talk, [f"{line.direction} {lock}{line.text}"])
        return top

    def _trusted(self) -> None:
        self.status.show_message(
            _("Saved. “Test again” tests with the certificates you trust now."), Severity.INFO
        )

    def _best(self) -> ProbeResult | None:
        matrix = self.draft.matrix
        return matrix.best if matrix is not None else None

    def _save_password(self, matrix: MatrixResult, incoming: MatrixResult | None) -> None:
        """Saves the password once a login with it worked, if the person asked for that: for
        the outgoing server, and for the incoming one when it is another host."""
        draft = self.draft
        draft.password_saved = False
        if not (draft.remember and draft.password):
            return
        logins: dict[str, str] = {}
        for run in (matrix, incoming):
            best = run.best if run is not None else None
            if best is not None and best.auth.status is AuthStatus.OK and best.auth.username:
                logins.setdefault(best.candidate.host, best.auth.username)
        if not logins:
            return
        store = self.services.credentials
        password = draft.password

        def work(_report: Callable[[object], None], _cancel: CancelToken) -> object:
            for host, username in logins.items():
                store.save(host, username, password)
            return list(logins)

        self.keyring_task.start(work, "keyring save")

    @Slot(object)
    def _on_saved(self, _host: object) -> None:
        self.draft.password_saved = True
        self.keyring_status.show_message(
            _("Your password is saved in the system's password store."), Severity.OK
        )

    @Slot()
    def _send_test(self) -> None:
        best = self._best()
        email = self.draft.email
        if best is None or email is None:
            return
        services = self.services
        draft = self.draft
        username = best.auth.username or (draft.usernames() or [str(email)])[0]
        credentials = Credentials(username, draft.password) if draft.password else None
        candidate = best.candidate
        signed = draft.signed_in if draft.uses_oauth else None
        request = draft.sign_in_request

        def work(_report: Callable[[object], None], cancel: CancelToken) -> ProbeResult:
            from dataclasses import replace

            options = replace(services.probe, send_test=True, allow_plaintext=draft.allow_plaintext)
            login = credentials
            if signed is not None and request is not None:
                fresh = services.token_keeper().fresh(request, signed, cancel)
                login = Credentials(username, token=fresh.token.access_token)
                options = replace(options, sign_in=SignIn.OAUTH2)
            return probe_candidate(
                candidate,
                options,
                email=email,
                credentials=login,
                context=services.context(),
                resolver=services.probe_resolver(),
                cancel=cancel,
            )

        self.send_test.setEnabled(False)
        self.status.show_message(_("Sending a test message to {email}…").format(email=email))
        self.test_task.start(work, "test message")

    @Slot(object)
    def _on_test_sent(self, result: object) -> None:
        assert isinstance(result, ProbeResult)
        self.send_test.setEnabled(True)
        send = result.send
        if send is not None and send.message is not None and send.message.code == ReplyCode.OK:
            self.status.show_message(
                _("Sent. Check your inbox (and the spam folder) for “smtpwizard test message”."),
                Severity.OK,
            )
            return
        finding = explain(result, Context((), self.draft.provider))
        if result.outcome is Outcome.OK and send is not None:
            reply = send.message or send.recipient or send.sender
            text = _("The server did not take the test message: {reply}").format(
                reply=str(reply).replace("\n", " ") if reply else "-"
            )
        else:
            text = f"{finding.headline}. {finding.advice}"
        self.status.show_message(text, Severity.ERROR)

    @Slot()
    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(f"{self.headline.text()}\n{self.summary.text()}")
        self.status.show_message(_("The summary is on the clipboard."), Severity.OK)

    def nextId(self) -> int:
        """Export only when something works."""

        matrix = self.draft.matrix
        return int(PageId.EXPORT) if matrix is not None and matrix.recommended else -1
