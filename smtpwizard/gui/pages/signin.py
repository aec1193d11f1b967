"""Page 4: the login, the provider's own hints, and the keyring."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QButtonGroup
from PySide6.QtWidgets import QCheckBox
from PySide6.QtWidgets import QFormLayout
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QRadioButton
from PySide6.QtWidgets import QStyle
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from smtpwizard.core.auth.keyring import CredentialStore
from smtpwizard.core.auth.keyring import KeyringStatus
from smtpwizard.core.diagnosis.replies import login_hints
from smtpwizard.core.errors import CredentialError
from smtpwizard.core.i18n import _
from smtpwizard.core.login import SignIn
from smtpwizard.core.model import Security
from smtpwizard.core.model import Severity
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.gui.bridge import Task
from smtpwizard.gui.oauth import OAuthPanel
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

        self.way_box = QWidget(body)
        way_layout = QVBoxLayout(self.way_box)
        way_layout.setContentsMargins(0, 0, 0, 0)
        self.use_oauth = QRadioButton(_("Sign in with your provider"), self.way_box)
        self.use_password = QRadioButton(_("Use a password (or an app password)"), self.way_box)
        way_layout.addWidget(self.use_oauth)
        way_layout.addWidget(self.use_password)
        self.way = QButtonGroup(self)
        self.way.addButton(self.use_oauth)
        self.way.addButton(self.use_password)
        self.use_password.setChecked(True)
        layout.addWidget(self.way_box)

        form = QFormLayout()
        self.username = QLineEdit(body)
        self.username.setAccessibleName(_("Username"))
        user_label = QLabel(_("&Username:"), body)
        user_label.setBuddy(self.username)
        form.addRow(user_label, self.username)
        layout.addLayout(form)

        self.oauth = OAuthPanel(self.services, body)
        layout.addWidget(self.oauth)

        self.password_box = QWidget(body)
        password_layout = QVBoxLayout(self.password_box)
        password_layout.setContentsMargins(0, 0, 0, 0)
        password_form = QFormLayout()
        self.password = QLineEdit(self.password_box)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(_("Password"))
        self.show_password = QAction(
            standard_icon(QStyle.StandardPixmap.SP_FileDialogContentsView),
            _("Show the password"),
            self,
        )
        self.show_password.setCheckable(True)
        self.password.addAction(self.show_password, QLineEdit.ActionPosition.TrailingPosition)
        password_label = QLabel(_("&Password:"), self.password_box)
        password_label.setBuddy(self.password)
        password_form.addRow(password_label, self.password)
        password_layout.addLayout(password_form)
        password_layout.addWidget(
            wrapped(
                _(
                    "The password proves that sending works. Without it, smtpwizard only "
                    "checks that the servers answer."
                ),
                self.password_box,
            )
        )

        keyring_row = QHBoxLayout()
        self.remember = QCheckBox(
            _("&Remember the password in the system's password store"), self.password_box
        )
        self.forget = QPushButton(_("&Forget the saved password"), self.password_box)
        self.forget.setVisible(False)
        keyring_row.addWidget(self.remember, 1)
        keyring_row.addWidget(self.forget)
        password_layout.addLayout(keyring_row)
        self.keyring_status = StatusLine(self.password_box)
        password_layout.addWidget(self.keyring_status)

        self.plaintext = QCheckBox(
            _("Allow signing in &without encryption (unsafe: the password travels readable)"),
            self.password_box,
        )
        password_layout.addWidget(self.plaintext)
        layout.addWidget(self.password_box)
        layout.addStretch(1)
        tab_order(
            self.use_oauth,
            self.use_password,
            self.username,
            self.oauth.client_id,
            self.oauth.sign_in_button,
            self.oauth.device_button,
            self.password,
            self.remember,
            self.forget,
            self.plaintext,
            self.hints,
        )
        self.oauth.login_hint = lambda: self.username.text().strip()
        self.use_oauth.toggled.connect(self._show_way)
        self.oauth.changed.connect(self.completeChanged)

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
        plan = self.draft.sign_in_plan
        provider = self.draft.provider
        name = provider.name if provider is not None else _("your provider")
        self.way_box.setVisible(plan.offers_oauth)
        self.use_oauth.setText(_("Sign in with {name} (its own sign-in page)").format(name=name))
        oauth = self.draft.uses_oauth or (plan.oauth_only and self.draft.signed_in is None)
        if not plan.offers_oauth:
            oauth = False
        (self.use_oauth if oauth else self.use_password).setChecked(True)
        self.oauth.show_for(self.draft)
        self._show_way()
        self._check_keyring()

    def cleanupPage(self) -> None:
        """Going back: a sign-in under way stops."""
        self.oauth.stop()
        super().cleanupPage()

    def first_field(self) -> QWidget | None:
        """The username, or the password (or the sign-in button) once it is known."""
        if not self.username.text().strip():
            return self.username
        return self.oauth.sign_in_button if self.use_oauth.isChecked() else self.password

    @Slot()
    def _show_way(self) -> None:
        oauth = self.use_oauth.isChecked() and not self.way_box.isHidden()
        self.oauth.setVisible(oauth)
        self.password_box.setVisible(not oauth)
        if not oauth:
            self.oauth.stop()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        """With the provider's sign-in, Next waits for it to have worked."""
        if self.use_oauth.isChecked() and not self.way_box.isHidden():
            return self.oauth.signed_in and not self.oauth.busy
        return super().isComplete()

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

        self.forget.setVisible(False)  # until a password saved for this login is found
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

    def _without_password_agreed(self) -> bool:
        """Asks before testing without the password: nothing can then prove that sending
        works where the server wants a login."""
        return self.setup.confirm(
            self,
            _("Test without your password?"),
            _(
                "Without your password smtpwizard can only check that the servers answer and "
                "whether they take mail without a login; it cannot prove that you can send. "
                "Servers that want a login will say “login needed”.\n\nTest without the "
                "password anyway? (No: type it first.)"
            ),
        )

    def validatePage(self) -> bool:
        """Keeps the login (the password only in memory; it is saved after it worked), or
        the way of signing in with the provider (its token, in memory, is already kept)."""
        username = self.username.text().strip()
        if self.use_oauth.isChecked() and not self.way_box.isHidden():
            if username != self.draft.username or not self.draft.uses_oauth:
                self.draft.forget_results()
            self.draft.username = username
            self.draft.sign_in = SignIn.OAUTH2
            self.draft.password = ""
            self.draft.allow_plaintext = False
            return self.draft.signed_in is not None
        password = self.password.text()
        if username and not password and not self._without_password_agreed():
            self.password.setFocus()
            return False
        if self.draft.uses_oauth:
            self.draft.forget_sign_in()
        self.draft.sign_in = SignIn.PASSWORD
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
