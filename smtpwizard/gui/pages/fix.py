"""Fixing a setup, page 1: the settings that fail, typed in or read from a file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QCheckBox
from PySide6.QtWidgets import QComboBox
from PySide6.QtWidgets import QFileDialog
from PySide6.QtWidgets import QFormLayout
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from smtpwizard.core.auth.sasl import SUPPORTED_MECHANISMS
from smtpwizard.core.errors import InvalidInput
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Security
from smtpwizard.core.model import ServerSettings
from smtpwizard.core.model import Severity
from smtpwizard.core.model import usual_security
from smtpwizard.core.net.address import check_host
from smtpwizard.core.net.address import parse_email
from smtpwizard.gui.ids import PageId
from smtpwizard.gui.pages.base import Page
from smtpwizard.gui.widgets import PortField
from smtpwizard.gui.widgets import StatusLine
from smtpwizard.gui.widgets import security_combo
from smtpwizard.gui.widgets import wrapped

if TYPE_CHECKING:
    from smtpwizard.core.importers.reader import ImportedAccount
    from smtpwizard.core.importers.reader import ImportResult
    from smtpwizard.gui.wizard import SetupWizard

__all__ = ["FixSettingsPage"]


class FixSettingsPage(Page):
    """The settings to take apart.

    Attributes:
        ask_open_path: asks which file to read (the file dialog; tests replace it).
    """

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            wizard,
            _("The settings that do not work"),
            _(
                "Type them in, or read them from a file: one smtpwizard wrote, Thunderbird's "
                "prefs.js, an msmtprc, Postfix's main.cf, a .env or Django settings."
            ),
        )
        body = self.body
        layout = QVBoxLayout(body)
        row = QHBoxLayout()
        self.load = QPushButton(_("&Read settings from a file…"), body)
        self.accounts = QComboBox(body)
        self.accounts.setAccessibleName(_("Account in the file"))
        self.accounts.setVisible(False)
        row.addWidget(self.load)
        row.addWidget(self.accounts, 1)
        layout.addLayout(row)
        self.file_report = wrapped("", body)
        self.file_report.setAccessibleName(_("What was read"))
        self.file_report.setVisible(False)
        layout.addWidget(self.file_report)

        form = QFormLayout()
        self.host = QLineEdit(body)
        self.host.setPlaceholderText("smtp.example.com")
        self.port = PortField(587, body)
        self.security = security_combo(Security.STARTTLS, body)
        self.username = QLineEdit(body)
        self.password = QLineEdit(body)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.email = QLineEdit(body)
        self.email.setPlaceholderText(_("your address, for the sender and recipient checks"))
        self.mechanism = QComboBox(body)
        self.mechanism.addItem(_("Any the server offers"), "")
        for name in SUPPORTED_MECHANISMS:
            self.mechanism.addItem(name, name)
        for label, widget in (
            (_("&Server:"), self.host),
            (_("&Port:"), self.port),
            (_("&Encryption:"), self.security),
            (_("&Username:"), self.username),
            (_("Pass&word:"), self.password),
            (_("&Address:"), self.email),
            (_("Login &method:"), self.mechanism),
        ):
            title = QLabel(label, body)
            title.setBuddy(widget)
            widget.setAccessibleName(label.replace("&", "").rstrip(":"))
            form.addRow(title, widget)
        layout.addLayout(form)
        self.plaintext = QCheckBox(
            _("Allow signing in &without encryption (unsafe: the password travels readable)"), body
        )
        layout.addWidget(self.plaintext)
        layout.addWidget(
            wrapped(
                _(
                    "Without a password, everything up to the login is tested. The password "
                    "stays in memory: it is never written anywhere, nor shown in reports."
                ),
                body,
            )
        )
        layout.addStretch(1)
        self.status = StatusLine(body)
        layout.addWidget(self.status)

        self.ask_open_path: Callable[[], str | None] = self._ask_open_path
        self.load.clicked.connect(self._load)
        self.accounts.currentIndexChanged.connect(self._account_chosen)
        self.port.portChanged.connect(self._port_changed)
        self.port.problemChanged.connect(self._port_problem)
        self.host.textChanged.connect(self.completeChanged)
        self._imported: ImportResult | None = None

    def initializePage(self) -> None:
        """Starts from what the person typed last (kept while going back and forth)."""
        setup = self.draft.fix.setup
        if setup is not None and not self.host.text():
            self._show_setup(setup)
        if self.draft.email is not None and not self.email.text():
            self.email.setText(str(self.draft.email))

    def isComplete(self) -> bool:
        """Next once there is a server and a port."""
        return bool(self.host.text().strip()) and not self.port.problem()

    def first_field(self) -> QWidget | None:
        """The server name."""
        return self.host

    def nextId(self) -> int:

        return int(PageId.TROUBLESHOOT)

    def setup_from_fields(self) -> ServerSettings:
        """The settings as typed.

        Raises:
            InvalidInput: the server name or the address is not usable.
        """
        host = check_host(self.host.text())
        port = self.port.value()
        email = self.email.text().strip()
        if email:
            email = str(parse_email(email))
        return ServerSettings(
            host=host,
            port=port,
            security=Security(self.security.currentData()),
            username=self.username.text().strip() or None,
            email=email or None,
            mechanism=self.mechanism.currentData() or None,
            allow_plaintext=self.plaintext.isChecked(),
        )

    def validatePage(self) -> bool:
        """Takes the settings, with the trust the file read names (a CA file, unless the
        person chose one in Advanced; a certificate trusted by hand); earlier attempts stay."""
        from smtpwizard.core.errors import TrustFileError
        from smtpwizard.core.troubleshoot.session import recorded_ca_file

        fix = self.draft.fix
        try:
            setup = self.setup_from_fields()
            account = fix.account if self._imported is not None else None
            source = self._imported.title if self._imported is not None else ""
            cafile = recorded_ca_file(account.ca_file if account else None, source)
            pins = (*self.setup.settings.pins(), *(account.pins if account else ()))
            session = self.services.troubleshooter(pins, cafile)
        except (InvalidInput, TrustFileError) as exc:
            self.status.show_message(str(exc), Severity.ERROR)
            return False
        if fix.session is None:
            fix.session = session
        else:  # the same session, so the attempts so far stay comparable
            fix.session.options, fix.session.context = session.options, session.context
        fix.session.password = self.password.text()
        fix.setup = setup
        fix.imported = self._imported
        return True

    # -- reading a file ------------------------------------------------------------------------

    def _ask_open_path(self) -> str | None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Read settings from a file"), str(Path.home())
        )
        return path or None

    @Slot()
    def _load(self) -> None:
        chosen = self.ask_open_path()
        if not chosen:
            return
        self.read_file(Path(chosen))

    def read_file(self, path: Path) -> bool:
        """Reads the settings in ``path`` into the form; says what was read and what not."""
        from smtpwizard.core.errors import ImportFailed
        from smtpwizard.core.importers.reader import read_settings

        try:
            result = read_settings(path)
        except ImportFailed as exc:
            self.status.show_message(str(exc), Severity.ERROR)
            return False
        self._imported = result
        self.accounts.blockSignals(True)
        self.accounts.clear()
        default = 0
        for index, account in enumerate(result.accounts):
            self.accounts.addItem(_account_label(account), index)
            if account is result.default_account:
                default = index
        self.accounts.setCurrentIndex(default)
        self.accounts.blockSignals(False)
        self.accounts.setVisible(len(result.accounts) > 1)
        self._account_chosen(default)
        lines = [_("Read from {name}:").format(name=result.title)]
        lines += [f"• {line}" for line in result.read]
        lines += [f"• {_('missing')}: {line}" for line in result.missing]
        lines += [f"• {_('warning')}: {line}" for line in result.warnings]
        self.file_report.setText("\n".join(lines))
        self.file_report.setVisible(True)
        severity = Severity.WARNING if result.warnings or result.missing else Severity.OK
        self.status.show_message(_("Settings read from {file}.").format(file=path.name), severity)
        return True

    @Slot(int)
    def _account_chosen(self, index: int) -> None:
        result = self._imported
        if result is None or not 0 <= index < len(result.accounts):
            return
        account = result.accounts[index]
        self.draft.fix.account = account
        if account.host:
            self.host.setText(account.host)
        if account.security is not None:
            self.security.setCurrentIndex(self.security.findData(account.security.value))
        if account.port:
            self.port.blockSignals(True)
            self.port.setValue(account.port)
            self.port.blockSignals(False)
        self.username.setText(account.username or "")
        if account.email:
            self.email.setText(account.email)
        if account.password:
            self.password.setText(account.password)

    def _show_setup(self, setup: ServerSettings) -> None:
        self.host.setText(setup.host)
        self.port.blockSignals(True)
        self.port.setValue(setup.port)
        self.port.blockSignals(False)
        self.security.setCurrentIndex(self.security.findData(setup.security.value))
        self.username.setText(setup.username or "")
        self.email.setText(setup.email or "")
        self.mechanism.setCurrentIndex(max(0, self.mechanism.findData(setup.mechanism or "")))
        self.plaintext.setChecked(setup.allow_plaintext)

    @Slot(str)
    def _port_problem(self, problem: str) -> None:
        self.status.show_message(problem, Severity.ERROR if problem else None)
        self.completeChanged.emit()

    @Slot(int)
    def _port_changed(self, port: int) -> None:
        self.security.setCurrentIndex(self.security.findData(usual_security(port)[0].value))


def _account_label(account: ImportedAccount) -> str:
    where = f"{account.host or '?'}:{account.port or '?'}"
    return f"{account.name}: {where}" if account.name else where
