"""Page 4: the login, the provider's own hints, and the keyring."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox
from PySide6.QtWidgets import QFormLayout
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QStyle
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from smtpwizard.core.auth.keyring import CredentialStore
from smtpwizard.core.auth.keyring import KeyringStatus
from smtpwizard.core.diagnosis.replies import login_hints
from smtpwizard.core.errors import CredentialError
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Security
from smtpwizard.core.model import Severity
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.gui.bridge import Task
from smtpwizard.gui.pages.base import Page
from smtpwizard.gui.pages.base import tab_order
from smtpwizard.gui.widgets import StatusLine
from smtpwizard.gui.widgets import escape
from smtpwizard.gui.widgets import link
from smtpwizard.gui.widgets import standard_icon
from smtpwizard.gui.widgets import wrapped

if TYPE_CHECKING:
    from smtpwizard.gui.wizard import SetupWizard

__all__ = ["STORE_NAMES", "SignInPage", "store_name"]

STORE_NAMES = {
    "SecretService": _("the Secret Service: GNOME Keyring, KWallet or KeePassXC"),
    "libsecret": _("the Secret Service: GNOME Keyring, KWallet or KeePassXC"),
    "kwallet": _("KWallet"),
    "macOS": _("the macOS Keychain"),
    "Windows": _("the Windows Credential Manager"),
}


def store_name(backends: str) -> str:
    """Keyring's backend names in words a person knows."""
    return ", ".join(STORE_NAMES.get(name.strip(), name.strip()) for name in backends.split(","))


class SignInPage(Page):
    """Username and password; what the provider requires; remembering the password."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            wizard,
            _("Signing in"),
            _(
                "Sending needs a login. smtpwizard logs in as few times as possible, so your "
                "provider does not lock the account."
            ),
        )
        body = self.body
        layout = QVBoxLayout(body)
        self.hints = wrapped("", body, rich=True)
        self.hints.setAccessibleName(_("Provider hints"))
        layout.addWidget(self.hints)

        form = QFormLayout()
        self.username = QLineEdit(body)
        self.username.setAccessibleName(_("Username"))
        self.password = QLineEdit(body)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(_("Password"))
        self.show_password = QAction(
            standard_icon(QStyle.StandardPixmap.SP_FileDialogContentsView),
            _("Show the password"),
            self,
        )
        self.show_password.setCheckable(True)
        self.password.addAction(self.show_password, QLineEdit.ActionPosition.TrailingPosition)
        user_label = QLabel(_("&Username:"), body)
        user_label.setBuddy(self.username)
        password_label = QLabel(_("&Password:"), body)
        password_label.setBuddy(self.password)
        form.addRow(user_label, self.username)
        form.addRow(password_label, self.password)
        layout.addLayout(form)
        layout.addWidget(
            wrapped(_("Leave the password empty to test the servers without signing in."), body)
        )

        keyring_row = QHBoxLayout()
        self.remember = QCheckBox(_("&Remember the password in the system's password store"), body)
        self.forget = QPushButton(_("&Forget the saved password"), body)
        self.forget.setVisible(False)
        keyring_row.addWidget(self.remember, 1)
        keyring_row.addWidget(self.forget)
        layout.addLayout(keyring_row)
        self.keyring_status = StatusLine(body)
        layout.addWidget(self.keyring_status)

        self.plaintext = QCheckBox(
            _("Allow signing in &without encryption (unsafe: the password travels readable)"), body
        )
        layout.addWidget(self.plaintext)
        layout.addStretch(1)
        tab_order(
            self.username, self.password, self.remember, self.forget, self.plaintext, self.hints
        )

        self.keyring_task = Task(self)
        self.keyring_task.finished.connect(self._on_keyring)
        self.keyring_task.failed.connect(
            lambda message: self.keyring_status.show_message(message, Severity.WARNING)
        )
        self.forget_task = Task(self)
        self.forget_task.finished.connect(
            lambda _r: self.keyring_status.show_message(
                _("The saved password was forgotten."), Severity.OK
            )
        )
        self.forget_task.failed.connect(
            lambda message: self.keyring_status.show_message(message, Severity.WARNING)
        )
        self.show_password.toggled.connect(self._toggle_echo)
        self.forget.clicked.connect(self._forget)
        self._keyring: KeyringStatus | None = None
        self._loaded_for: tuple[str, str] | None = None

    def initializePage(self) -> None:
        """Pre-fills the username, shows the provider's hints, checks the keyring."""
        if not self.username.text() or self.draft.username == "":
            self.username.setText(self.draft.suggested_username())
        self.password.setText(self.draft.password)
        self.remember.setChecked(self.setup.settings.remember_password)
        self._show_hints()
        self.plaintext.setVisible(any(c.security is Security.NONE for c in self.draft.candidates))
        self.plaintext.setChecked(self.draft.allow_plaintext)
        self._check_keyring()

    def first_field(self) -> QWidget | None:
        """The username, or the password once the username is known."""
        return self.password if self.username.text().strip() else self.username

    def _show_hints(self) -> None:
        provider = self.draft.provider
        if provider is None:
            self.hints.setText(
                _(
                    "Your username is usually your full email address. Accounts with two-step "
                    "verification often need an app password for mail programs."
                )
            )
            return
        parts = [f"<b>{escape(provider.name)}</b>"]
        parts.extend(escape(h) for h in login_hints(provider))
        links = [link(provider.help_url, _("{name}'s help page").format(name=provider.name))]
        if provider.app_password_url:
            links.append(link(provider.app_password_url, _("create an app password")))
        parts.append(" · ".join(links))
        self.hints.setText("<br>".join(parts))

    def _host(self) -> str | None:
        candidates = self.draft.candidates
        return candidates[0].host if candidates else None

    def _check_keyring(self) -> None:
        """Finds out (off the GUI thread: it may talk to D-Bus) whether passwords can be saved,
        and loads one saved before."""
        store: CredentialStore = self.services.credentials
        host, username = self._host(), self.username.text().strip()

        def work(_report: Callable[[object], None], _cancel: CancelToken) -> object:
            status = store.status()
            saved = None
            if status.usable and host and username:
                try:
                    saved = store.load(host, username)
                except CredentialError as exc:
                    return status, None, str(exc)
            return status, saved, ""

        self.keyring_status.show_message(_("Checking the system's password store…"))
        self.keyring_task.start(work, "keyring")

    @Slot(object)
    def _on_keyring(self, result: object) -> None:
        if not isinstance(result, tuple):
            return  # a deletion, reported by _forget
        status, saved, problem = result
        self._keyring = status
        if not status.usable:
            self.remember.setChecked(False)
            self.remember.setEnabled(False)
            self.keyring_status.show_message(status.reason, Severity.INFO)
            return
        self.remember.setEnabled(True)
        if problem:
            self.keyring_status.show_message(problem, Severity.WARNING)
        elif saved:
            if not self.password.text():
                self.password.setText(saved)
            self.forget.setVisible(True)
            self.keyring_status.show_message(
                _("The saved password was loaded from your password store."), Severity.OK
            )
        else:
            self.keyring_status.show_message(
                _("Passwords can be saved in your system's password store ({name}).").format(
                    name=store_name(status.name)
                )
            )

    @Slot(bool)
    def _toggle_echo(self, shown: bool) -> None:
        self.password.setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        )

    @Slot()
    def _forget(self) -> None:
        store = self.services.credentials
        host, username = self._host(), self.username.text().strip()
        if not host:
            return

        def work(_report: Callable[[object], None], _cancel: CancelToken) -> object:
            return store.delete(host, username)

        self.forget.setVisible(False)
        self.password.clear()
        self.forget_task.start(work, "keyring delete")

    def validatePage(self) -> bool:
        """Keeps the login (the password only in memory; it is saved after it worked)."""
        username = self.username.text().strip()
        password = self.password.text()
        if (username, password, self.plaintext.isChecked()) != (
            self.draft.username,
            self.draft.password,
            self.draft.allow_plaintext,
        ):
            self.draft.forget_results()
        self.draft.username = username
        self.draft.password = password
        self.draft.remember = self.remember.isChecked() and self.remember.isEnabled()
        self.draft.allow_plaintext = self.plaintext.isChecked()
        if self.remember.isEnabled():
            self.setup.settings.remember_password = self.remember.isChecked()
        return True
