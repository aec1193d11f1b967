"""Page 3: finding the servers, with live feedback; the list can be edited by hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtCore import Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView
from PySide6.QtWidgets import QCheckBox
from PySide6.QtWidgets import QComboBox
from PySide6.QtWidgets import QGroupBox
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QHeaderView
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QListWidget
from PySide6.QtWidgets import QListWidgetItem
from PySide6.QtWidgets import QProgressBar
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QStyle
from PySide6.QtWidgets import QTableWidget
from PySide6.QtWidgets import QTableWidgetItem
from PySide6.QtWidgets import QToolButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from smtpwizard.core.discovery.results import DiscoveryResult
from smtpwizard.core.discovery.results import SourceFinished
from smtpwizard.core.discovery.results import SourceStarted
from smtpwizard.core.discovery.results import SourceStatus
from smtpwizard.core.discovery.typed import outgoing_candidates
from smtpwizard.core.errors import InvalidInput
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Security
from smtpwizard.core.model import Severity
from smtpwizard.core.model import Source
from smtpwizard.core.model import server_address
from smtpwizard.core.model import usual_security
from smtpwizard.core.net.address import check_host
from smtpwizard.core.net.address import check_port
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.probe.matrix import rank
from smtpwizard.gui.bridge import Task
from smtpwizard.gui.pages.base import Page
from smtpwizard.gui.pages.base import tab_order
from smtpwizard.gui.widgets import EnterClicks
from smtpwizard.gui.widgets import PortField
from smtpwizard.gui.widgets import StatusLine
from smtpwizard.gui.widgets import escape
from smtpwizard.gui.widgets import link
from smtpwizard.gui.widgets import security_combo
from smtpwizard.gui.widgets import severity_icon
from smtpwizard.gui.widgets import standard_icon
from smtpwizard.gui.widgets import wrapped

if TYPE_CHECKING:
    from smtpwizard.gui.wizard import SetupWizard

__all__ = ["COLUMNS", "SOURCE_TITLES", "SOURCE_WORDS", "ServersPage"]

SOURCE_TITLES = {
    "provider": _("smtpwizard's provider list"),
    "mx": _("your domain's mail servers (MX records)"),
    "autoconfig": _("your domain's configuration file (autoconfig)"),
    "ispdb": _("Thunderbird's list of providers (ISPDB)"),
    "autodiscover": _("Microsoft's automatic set-up (Autodiscover)"),
    "srv": _("DNS service records (SRV)"),
    "guess": _("usual names (smtp., mail.)"),
}

_STATUS_SEVERITY = {
    SourceStatus.FOUND: Severity.OK,
    SourceStatus.NOTHING: Severity.INFO,
    SourceStatus.SKIPPED: Severity.INFO,
    SourceStatus.ERROR: Severity.WARNING,
    SourceStatus.TIMEOUT: Severity.WARNING,
}

SOURCE_WORDS = {
    Source.USER: _("entered by you"),
    Source.GUESS: _("a guess"),
}

COLUMNS = (_("Server"), _("Port"), _("Encryption"), _("Found in"))


class ServersPage(Page):
    """Runs discovery and says what it found first; where it looked is one click away; the
    candidates can be edited."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            wizard,
            _("Finding your outgoing mail servers"),
            _("Several sources are asked at once; every server found is tested on the next pages."),
        )
        body = self.body
        layout = QVBoxLayout(body)

        self.headline = wrapped("", body)
        font = QFont(self.headline.font())
        font.setBold(True)
        self.headline.setFont(font)
        self.headline.setAccessibleName(_("What was found"))
        layout.addWidget(self.headline)
        self.provider = wrapped("", body, rich=True)
        self.provider.setAccessibleName(_("Provider"))
        layout.addWidget(self.provider)

        busy = self._busy_row = QHBoxLayout()
        self.progress = QProgressBar(body)
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName(_("Looking for servers"))
        self.details_button = QToolButton(body)
        self.details_button.setText(_("&Where smtpwizard looked"))
        self.details_button.setCheckable(True)
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_button.setArrowType(Qt.ArrowType.RightArrow)
        self.details_button.setAutoRaise(True)
        self.stop = QPushButton(_("&Stop looking"), body)
        self.again = QPushButton(_("&Look again"), body)
        busy.addWidget(self.progress, 1)
        busy.addWidget(self.details_button)
        busy.addStretch(0)  # takes the progress bar's room while it is hidden
        busy.addWidget(self.stop)
        busy.addWidget(self.again)
        layout.addLayout(busy)

        self.details = QWidget(body)
        details = QVBoxLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        self.sources = QListWidget(self.details)
        self.sources.setAccessibleName(_("Sources asked"))
        self.sources.setMaximumHeight(170)
        self.sources.setWordWrap(True)
        self.sources.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        details.addWidget(self.sources)
        self.send_address = QCheckBox(
            _("Send my full address to configuration servers (normally only the domain)"),
            self.details,
        )
        self.use_ispdb = QCheckBox(_("Ask Thunderbird's list of providers"), self.details)
        details.addWidget(self.send_address)
        details.addWidget(self.use_ispdb)
        self.details.setVisible(False)
        layout.addWidget(self.details)

        table_label = QLabel(_("Ser&vers to test (you can edit the list):"), body)
        layout.addWidget(table_label)
        self.table = QTableWidget(0, len(COLUMNS), body)
        table_label.setBuddy(self.table)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName(_("Servers to test"))
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(self.table.horizontalHeader().sizeHint().height() * 5)
        layout.addWidget(self.table, 1)

        self.manual = QGroupBox(_("I know my server"), body)
        manual = QHBoxLayout(self.manual)
        self.manual_host = QLineEdit(self.manual)
        self.manual_host.setPlaceholderText(_("smtp.example.com"))
        self.manual_host.setAccessibleName(_("Server name"))
        self.manual_port = PortField(587, self.manual)
        self.manual_security = security_combo(Security.STARTTLS, self.manual)
        self.manual_add = QPushButton(_("&Add"), self.manual)
        self.remove = QPushButton(_("&Remove selected"), self.manual)
        manual.addWidget(self.manual_host, 1)
        manual.addWidget(self.manual_port)
        manual.addWidget(self.manual_security)
        manual.addWidget(self.manual_add)
        manual.addWidget(self.remove)
        self.manual_only = QCheckBox(_("&Only this port"), self.manual)
        self.manual_only.setToolTip(
            _(
                "Test only the port and encryption typed here. Otherwise the server's other "
                "standard ports (465, 587, 2525, 25) are tested too, as mail programs do."
            )
        )
        manual.insertWidget(3, self.manual_only)
        layout.addWidget(self.manual)

        self.incoming = QGroupBox(_("Incoming mail (IMAP or POP3), tested too"), body)
        incoming = QVBoxLayout(self.incoming)
        self.incoming_found = wrapped("", self.incoming)
        self.incoming_found.setAccessibleName(_("Incoming servers found"))
        self.incoming_edit = QLineEdit(self.incoming)
        self.incoming_edit.setPlaceholderText(
            _("To test another: imap.example.com, or imaps://imap.example.com:993")
        )
        self.incoming_edit.setAccessibleName(_("Incoming server"))
        self.incoming_edit.setClearButtonEnabled(True)
        incoming.addWidget(self.incoming_found)
        incoming.addWidget(self.incoming_edit)
        layout.addWidget(self.incoming)

        self.status = StatusLine(body)
        layout.addWidget(self.status)
        tab_order(
            self.provider,
            self.details_button,
            self.stop,
            self.again,
            self.sources,
            self.send_address,
            self.use_ispdb,
            self.table,
            self.manual_host,
            self.manual_port,
            self.manual_security,
            self.manual_only,
            self.manual_add,
            self.remove,
            self.incoming_edit,
        )

        EnterClicks(self.manual_add, self.manual_host, self.manual_port, self.manual_security)
        self.task = Task(
            self, progress=self._on_event, finished=self._on_finished, failed=self._on_failed
        )
        self.stop.clicked.connect(self.task.cancel)
        self.again.clicked.connect(self.start_discovery)
        self.details_button.toggled.connect(self._show_details)
        self.manual_add.clicked.connect(self._add_manual)
        self.manual_port.portChanged.connect(self._manual_port_changed)
        self.manual_port.problemChanged.connect(self._manual_port_problem)
        self.remove.clicked.connect(self._remove_selected)
        self._items: dict[str, QListWidgetItem] = {}
        self._searched_for: str | None = None

    # -- page ------------------------------------------------------------------------------------

    def initializePage(self) -> None:
        """Starts discovery for a new address; going back and forth keeps the list."""
        settings = self.setup.settings
        self.send_address.setChecked(settings.send_address)
        self.use_ispdb.setChecked(settings.use_ispdb)
        self.use_ispdb.setVisible(self.services.discovery.ispdb_url is not None)
        self.incoming.setVisible(self.draft.tests_incoming)
        self.setTitle(
            _("Finding your mail servers")
            if self.draft.tests_incoming
            else _("Finding your outgoing mail servers")
        )
        if self.draft.discovery is None or self._key() != self._searched_for:
            self.start_discovery()
        else:
            self.show_candidates(self.draft.candidates)
            self._show_incoming(self.draft.discovery)
        if self.setup.network_problem:
            self.status.show_message(
                _("{problem} Choose another under Advanced.").format(
                    problem=self.setup.network_problem
                ),
                Severity.WARNING,
            )

    def _key(self) -> str:
        """What a search depends on: the address, the service, and the DNS and trust used."""
        draft = self.draft
        return f"{draft.email}|{draft.service_id}|{draft.choices}|{self.setup.network_generation}"

    def first_field(self) -> QWidget | None:
        """The list of servers, or the server name when there is none to edit."""
        return self.table if self.table.rowCount() or self.task.running else self.manual_host

    def work_under_way(self) -> bool:
        """Whether the search is running."""
        return self.task.running

    def network_changed(self) -> None:
        """Other DNS servers or another CA file: the sources are asked again."""
        self.start_discovery()

    def cleanupPage(self) -> None:
        """Going back stops the search."""
        self.task.abandon()
        self._busy(False)

    def isComplete(self) -> bool:
        """Next once the search ended and there is something to test."""
        return not self.task.running and self.table.rowCount() > 0

    def validatePage(self) -> bool:
        """Takes the (possibly edited) list as the candidates."""
        draft = self.draft
        try:
            candidates = self.candidates()
            draft.incoming_server = self.incoming_edit.text().strip()
            draft.candidates, previous = candidates, draft.candidates
            incoming = draft.choose_incoming()
        except InvalidInput as exc:
            self.status.show_message(str(exc), Severity.ERROR)
            return False
        if candidates != previous or incoming != draft.incoming_candidates:
            draft.forget_results()
        draft.incoming_candidates = incoming
        settings = self.setup.settings
        settings.send_address = self.send_address.isChecked()
        settings.use_ispdb = self.use_ispdb.isChecked()
        return True

    # -- discovery ---------------------------------------------------------------------------------

    @Slot()
    def start_discovery(self) -> None:
        """Asks every source again."""
        email = self.draft.email
        if email is None:
            return
        self._searched_for = self._key()
        self.sources.clear()
        self._items.clear()
        self.table.setRowCount(0)
        self.headline.setText(_("Looking for the servers of {domain}…").format(domain=email.domain))
        self.provider.setText("")
        self.provider.setVisible(False)
        self.status.show_message("")
        self._busy(True)
        services = self.services
        send_address, use_ispdb = self.send_address.isChecked(), self.use_ispdb.isChecked()
        service, choices = self.draft.service_id, dict(self.draft.choices)

        def work(report: Callable[[object], None], cancel: CancelToken) -> DiscoveryResult:
            discoverer = services.discoverer(
                send_address=send_address, use_ispdb=use_ispdb, listener=report
            )
            return discoverer.run(email, cancel=cancel, provider_id=service, choices=choices)

        self.task.start(work, "discovery")

    @Slot(bool)
    def _show_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.stop.setVisible(busy)
        self.again.setVisible(not busy)
        self._busy_row.setStretch(1, 0 if busy else 1)
        self.completeChanged.emit()

    @Slot(object)
    def _on_event(self, event: object) -> None:
        if isinstance(event, SourceStarted):
            item = self._item(event.name)
            item.setText(
                f"{SOURCE_TITLES.get(event.name, event.name)}: {_('asking')} {event.detail}…"
            )
            item.setIcon(standard_icon(QStyle.StandardPixmap.SP_BrowserReload))
        elif isinstance(event, SourceFinished):
            report = event.report
            item = self._item(report.name)
            text = f"{SOURCE_TITLES.get(report.name, report.name)}: {report.message}"
            if report.warnings:
                text += " — " + "; ".join(report.warnings)
            item.setText(text)
            item.setToolTip(text)
            item.setIcon(severity_icon(_STATUS_SEVERITY.get(report.status, Severity.INFO)))
            item.setData(Qt.ItemDataRole.UserRole, report.status.value)

    def _skipped_last(self) -> None:
        """The sources that were not asked (switched off) go below the ones that were."""
        skipped = [
            item
            for item in self._items.values()
            if item.data(Qt.ItemDataRole.UserRole) == SourceStatus.SKIPPED.value
        ]
        for item in skipped:
            self.sources.addItem(self.sources.takeItem(self.sources.row(item)))

    def _item(self, name: str) -> QListWidgetItem:
        item = self._items.get(name)
        if item is None:
            item = QListWidgetItem(self.sources)
            self._items[name] = item
        return item

    @Slot(object)
    def _on_finished(self, result: object) -> None:
        assert isinstance(result, DiscoveryResult)
        self.draft.discovery = result
        self._busy(False)
        self._skipped_last()
        self._show_provider(result)
        self.show_candidates(rank(result.candidates))
        self._show_incoming(result)
        if not result.candidates:
            self.headline.setText(
                _("No outgoing server was found for {domain}.").format(domain=result.domain)
            )
            self.status.show_message(
                _("If you know your server, enter it below."), Severity.WARNING
            )
            self.manual_host.setFocus()
        elif self.table.hasFocus():
            self.table.setCurrentCell(0, 0)
        self.completeChanged.emit()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._busy(False)
        self.headline.setText(_("The search for servers failed."))
        self.status.show_message(message, Severity.ERROR)

    def _show_incoming(self, result: DiscoveryResult) -> None:
        servers = result.incoming
        if not servers:
            self.incoming_found.setText(
                _(
                    "No incoming server was found; the usual IMAP and POP3 ports of the first "
                    "outgoing server will be tried. Enter yours below if you know it."
                )
            )
            return
        names = [s.label() for s in servers[:4]]
        more = len(servers) - len(names)
        text = ", ".join(names) + (_(" and {count} more").format(count=more) if more else "")
        self.incoming_found.setText(_("Found: {servers}.").format(servers=text))

    def _show_provider(self, result: DiscoveryResult) -> None:
        provider = result.provider
        self.provider.setVisible(True)
        if provider is None:
            if result.candidates:
                self.headline.setText(
                    _("We found servers to test for {domain}.").format(domain=result.domain)
                )
            self.provider.setText(
                _(
                    "Your provider is not one smtpwizard knows; the servers "
                    "below come from your domain's own records."
                )
            )
            return
        self.headline.setText(
            _("We found the servers of your provider, {name}.").format(name=provider.name)
        )
        how = {
            "domain": _("recognised from your address"),
            "mx": _("recognised from your domain's mail servers"),
            "chosen": _("as you chose"),
        }.get(result.provider_match or "", "")
        text = _("<b>{name}</b> ({how}).").format(name=escape(provider.name), how=escape(how))
        if provider.notes:
            text += " " + escape(provider.notes[0])
        text += " " + link(provider.help_url, _("Provider's help"))
        self.provider.setText(text)

    # -- the list ----------------------------------------------------------------------------------

    def show_candidates(self, candidates: list[Candidate]) -> None:
        """Shows ``candidates`` as the list to test."""
        self.table.setRowCount(0)
        for candidate in candidates:
            self._append(candidate)
        self.completeChanged.emit()

    def _append(self, candidate: Candidate, row: int | None = None) -> None:
        row = self.table.rowCount() if row is None else row
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(candidate.host))
        self.table.setItem(row, 1, QTableWidgetItem(str(candidate.port)))
        self.table.setCellWidget(row, 2, security_combo(candidate.security, self.table))
        where = candidate.source_detail or SOURCE_WORDS.get(candidate.source, str(candidate.source))
        found = QTableWidgetItem(where)
        found.setFlags(found.flags() & ~Qt.ItemFlag.ItemIsEditable)
        found.setData(Qt.ItemDataRole.UserRole, (candidate.source, candidate.source_detail))
        found.setToolTip(where)
        self.table.setItem(row, 3, found)

    def candidates(self) -> list[Candidate]:
        """The list as it stands.

        Raises:
            InvalidInput: a row has a bad server name or port.
        """
        result: list[Candidate] = []
        for row in range(self.table.rowCount()):
            host_item, port_item = self.table.item(row, 0), self.table.item(row, 1)
            combo = self.table.cellWidget(row, 2)
            found = self.table.item(row, 3)
            host = check_host(host_item.text() if host_item else "")
            port = check_port(port_item.text() if port_item else "")
            security = (
                Security(combo.currentData()) if isinstance(combo, QComboBox) else Security.STARTTLS
            )
            source, detail = (found.data(Qt.ItemDataRole.UserRole) if found else None) or (
                Source.USER,
                "",
            )
            result.append(Candidate(host, port, security, source, detail))
        return result

    @Slot()
    def _add_manual(self) -> None:
        try:
            host = check_host(self.manual_host.text())
        except InvalidInput as exc:
            self.status.show_message(str(exc), Severity.ERROR)
            return
        try:
            port = self.manual_port.value()
        except InvalidInput as exc:
            self.status.show_message(str(exc), Severity.ERROR)
            self.manual_port.setFocus()
            return
        security = Security(self.manual_security.currentData())
        listed = {(c.host, c.port, c.security) for c in self.candidates_or_none()}
        if (host, port, security) in listed:
            self.status.show_message(
                _("{server} with {security} is already in the list.").format(
                    server=server_address(host, port), security=security.label
                ),
                Severity.INFO,
            )
            return
        typed = Candidate(host, port, security, Source.USER)
        rows = [typed]
        if not self.manual_only.isChecked():
            # As mail programs do on "Auto": a port typed from memory may be the wrong one.
            rows += [
                c
                for c in outgoing_candidates(host)
                if (c.port, c.security) != (port, security)
                and (c.host, c.port, c.security) not in listed
            ]
        for row, candidate in enumerate(rows):
            self._append(candidate, row=row)
        if len(rows) > 1:
            others = ", ".join(str(c.port) for c in rows[1:])
            message = _("Added {host}: port {port}, and its other standard ports ({others}).")
            self.status.show_message(
                message.format(host=host, port=port, others=others), Severity.OK
            )
        else:
            self.status.show_message(_("Added {host}.").format(host=host), Severity.OK)
        self.completeChanged.emit()

    def candidates_or_none(self) -> list[Candidate]:
        """The list as it stands, or nothing where a row cannot be read yet."""
        try:
            return self.candidates()
        except InvalidInput:
            return []

    @Slot(int)
    def _manual_port_changed(self, port: int) -> None:
        self.manual_security.setCurrentIndex(
            self.manual_security.findData(usual_security(port)[0].value)
        )

    @Slot(str)
    def _manual_port_problem(self, problem: str) -> None:
        self.manual_add.setEnabled(not problem)
        if problem:
            self.status.show_message(problem, Severity.ERROR)
        else:
            self.status.show_message("")

    @Slot()
    def _remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)
        self.completeChanged.emit()
