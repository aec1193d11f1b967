"""Signing in with the provider (OAuth 2.0) in the wizard: the button, the wait in the browser
with Cancel, the code (and its QR code) for another device, the client ID where no source
names one, and the outcome in words.

The sign-in runs off the GUI thread; Python's webbrowser opens the page (it honours
``$BROWSER``). The token stays in the draft, in memory; the refresh token goes to the keyring.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtCore import Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFormLayout
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QProgressBar
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from smtpwizard.core.diagnosis.signin import account_mismatch
from smtpwizard.core.diagnosis.signin import explain_sign_in
from smtpwizard.core.diagnosis.signin import registration_advice
from smtpwizard.core.errors import SignInError
from smtpwizard.core.i18n import _
from smtpwizard.core.login import SignInProblem
from smtpwizard.core.model import Severity
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.gui.bridge import Task
from smtpwizard.gui.widgets import StatusLine
from smtpwizard.gui.widgets import escape
from smtpwizard.gui.widgets import link
from smtpwizard.gui.widgets import wrapped

if TYPE_CHECKING:
    # The sign-in machinery (oauthlib, the loopback listener) loads when a sign-in starts.
    from smtpwizard.core.auth.flows import DeviceCode
    from smtpwizard.core.auth.signin import SignedIn
    from smtpwizard.core.auth.signin import SignInRequest
    from smtpwizard.core.draft import SetupDraft
    from smtpwizard.core.engine import Engine

__all__ = ["OAuthPanel", "qr_pixmap"]

#: What a sign-in run gives back: the request and the token, or why there is none.
Outcome = tuple["SignInRequest | None", "SignedIn | SignInError"]


def _sentence(text: str) -> str:
    """``text`` as a sentence: a capital first (unless it starts with a host or a path, which
    keep their spelling), a full stop last."""
    text = text.strip()
    if not text:
        return ""
    first_word = text.split(" ", 1)[0]
    if not any(mark in first_word for mark in "./"):
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def qr_pixmap(text: str, scale: int = 4) -> QPixmap:
    """A QR code of ``text`` (the device sign-in's address), for a phone's camera."""
    import segno

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=2)
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap


class OAuthPanel(QWidget):
    """The provider's sign-in on the sign-in page.

    Signals:
        changed(): signed in, or no longer (the page's Next follows it).
    """

    changed = Signal()

    def __init__(self, services: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self._draft: SetupDraft | None = None
        self.login_hint: Callable[[], str] = lambda: ""
        """The login name typed beside the panel, offered to the provider's sign-in page."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.intro = wrapped("", self, rich=True)
        layout.addWidget(self.intro)

        self.client_box = QWidget(self)
        client_layout = QFormLayout(self.client_box)
        client_layout.setContentsMargins(0, 0, 0, 0)
        self.client_id = QLineEdit(self.client_box)
        self.client_id.setAccessibleName(_("Client ID"))
        client_label = QLabel(_("&Client ID:"), self.client_box)
        client_label.setBuddy(self.client_id)
        client_layout.addRow(client_label, self.client_id)
        self.client_help = wrapped("", self.client_box)
        client_layout.addRow(self.client_help)
        layout.addWidget(self.client_box)

        buttons = QHBoxLayout()
        self.sign_in_button = QPushButton(_("Sign in"), self)
        self.device_button = QPushButton(_("Use a code on &another device"), self)
        self.cancel_button = QPushButton(_("&Cancel the sign-in"), self)
        buttons.addWidget(self.sign_in_button)
        buttons.addWidget(self.device_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.waiting = QProgressBar(self)
        self.waiting.setRange(0, 0)  # busy: the person signs in elsewhere
        self.waiting.setTextVisible(False)
        self.waiting.setAccessibleName(_("Waiting for the sign-in"))
        layout.addWidget(self.waiting)

        self.code_box = QWidget(self)
        code_layout = QHBoxLayout(self.code_box)
        code_layout.setContentsMargins(0, 0, 0, 0)
        self.qr = QLabel(self.code_box)
        self.qr.setAccessibleName(_("QR code of the sign-in address"))
        self.code_text = wrapped("", self.code_box, rich=True)
        code_layout.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)
        code_layout.addWidget(self.code_text, 1)
        layout.addWidget(self.code_box)

        self.status = StatusLine(self)
        layout.addWidget(self.status)

        self.task = Task(self, progress=self._on_progress, finished=self._on_finished)
        self.task.failed.connect(lambda message: self._show_failure_text(message))
        self.sign_in_button.clicked.connect(lambda: self.start("browser"))
        self.device_button.clicked.connect(lambda: self.start("device"))
        self.cancel_button.clicked.connect(self.cancel)
        self._set_waiting(False)

    # -- what the page tells it -----------------------------------------------------------

    def show_for(self, draft: SetupDraft) -> None:
        """Shows the sign-in for the draft's address and provider."""
        self._draft = draft
        provider = draft.provider
        name = provider.name if provider is not None else _("your provider")
        first = provider.name if provider is not None else _("Your provider")
        plan = draft.sign_in_plan
        why = " ".join(_sentence(reason) for reason in plan.reasons)
        self.intro.setText(
            "<br>".join(
                part
                for part in (
                    _(
                        "<b>{first} wants its own sign-in, not a password.</b> smtpwizard "
                        "opens {name}'s sign-in page in your browser; you sign in there, and "
                        "smtpwizard receives a token to test with. Your password never passes "
                        "through smtpwizard."
                    ).format(first=escape(first), name=escape(name)),
                    escape(_("How smtpwizard knows: {why}").format(why=why)) if why else "",
                )
                if part
            )
        )
        self.sign_in_button.setText(_("&Sign in with {name}").format(name=name))
        known = plan.oauth is not None and bool(plan.oauth.client_id)
        remembered = self._remembered_client_id(plan)
        if remembered and not self.client_id.text():
            self.client_id.setText(remembered)
        elif draft.oauth_client_id and not self.client_id.text():
            self.client_id.setText(draft.oauth_client_id)
        self.client_box.setVisible(not known)
        self.client_help.setText(
            _(
                "{name} publishes no client ID that every program may use, and smtpwizard "
                "never borrows another program's. {advice} Leave it empty if you signed in "
                "here before."
            ).format(name=first, advice=registration_advice(provider))
        )
        if draft.signed_in is not None:
            self._show_signed_in(draft.signed_in)
        elif not self.task.running:
            self.status.show_message("")
            self.code_box.setVisible(False)

    def _remembered_client_id(self, plan: object) -> str:
        oauth = getattr(plan, "oauth", None)
        endpoint = getattr(oauth, "token_endpoint", None)
        if not endpoint:
            return ""
        return self.services.settings.load().client_id_for(endpoint) or ""

    @property
    def signed_in(self) -> bool:
        """Whether the draft holds a token."""
        return self._draft is not None and self._draft.signed_in is not None

    @property
    def busy(self) -> bool:
        """Whether a sign-in is under way."""
        return self.task.running

    # -- signing in -------------------------------------------------------------------------

    @Slot()
    def start(self, flow: str = "browser") -> None:
        """Signs in: the stored sign-in first, else the browser (or a code) and the person."""
        draft = self._draft
        if draft is None or draft.email is None:
            return
        services = self.services
        email = draft.email
        plan = draft.sign_in_plan
        protocols = draft.oauth_protocols()
        client_id = self.client_id.text().strip() or None
        draft.oauth_client_id = client_id or ""
        username = self.login_hint() or draft.username or draft.suggested_username() or None
        device = flow == "device"

        def work(report: Callable[[object], None], cancel: CancelToken) -> Outcome:
            try:
                request = services.prepare_sign_in(
                    email,
                    plan,
                    protocols,
                    client_id=client_id,
                    flow="device" if device else "browser",
                    login_hint=username,
                )
            except SignInError as exc:
                return None, exc
            problem = request.problem()
            if problem is not None:
                return request, problem
            keeper = services.token_keeper()
            try:
                signed = keeper.token(
                    request,
                    cancel=cancel,
                    show_code=report,
                    opened=lambda url: report(("opened", url)),
                )
            except SignInError as exc:
                return request, exc
            if client_id:
                services.remember_client_id(request.settings)
            return request, signed

        if draft.signed_in is not None:
            draft.forget_sign_in()
            self.changed.emit()
        self.code_box.setVisible(False)
        self.status.show_message(
            _("Waiting for you to sign in in your browser (up to 5 minutes)…")
            if not device
            else _("Asking for a code…"),
        )
        self._set_waiting(True)
        self.task.start(work, "oauth sign-in")

    @Slot()
    def cancel(self) -> None:
        """Stops the sign-in under way."""
        self.task.cancel()

    def stop(self) -> None:
        """Stops and forgets a sign-in under way (leaving the page, closing the window)."""
        self.task.abandon()
        self._set_waiting(False)

    def _set_waiting(self, waiting: bool) -> None:
        self.waiting.setVisible(waiting)
        self.cancel_button.setVisible(waiting)
        self.sign_in_button.setEnabled(not waiting)
        self.device_button.setEnabled(not waiting)
        self.client_id.setEnabled(not waiting)

    @Slot(object)
    def _on_progress(self, event: object) -> None:
        from smtpwizard.core.auth.flows import DeviceCode

        if isinstance(event, DeviceCode):
            self._show_code(event)
        elif isinstance(event, tuple) and event and event[0] == "opened":
            self.status.show_message(
                _(
                    "Waiting for you to sign in in your browser (up to 5 minutes)… If no "
                    "browser window opened, cancel and use a code on another device instead."
                )
            )

    def _show_code(self, code: DeviceCode) -> None:
        target = code.verification_uri_complete or code.verification_uri
        self.qr.setPixmap(qr_pixmap(target))
        minutes = max(1, round(code.expires_in / 60))
        self.code_text.setText(
            _(
                "On your phone or another computer, open {link} and enter this code:"
                "<br><span style='font-size: x-large; font-weight: bold'>{code}</span><br>"
                "Or scan the QR code. The code is valid for {minutes} minutes."
            ).format(
                link=link(code.verification_uri),
                code=escape(code.user_code),
                minutes=minutes,
            )
        )
        self.code_box.setVisible(True)
        self.status.show_message(_("Waiting for you to enter the code…"))

    @Slot(object)
    def _on_finished(self, outcome: object) -> None:
        self._set_waiting(False)
        self.code_box.setVisible(False)
        draft = self._draft
        if draft is None or not isinstance(outcome, tuple):
            return
        from smtpwizard.core.auth.signin import SignedIn
        from smtpwizard.core.auth.signin import SignInRequest

        request, result = outcome
        if isinstance(result, SignedIn) and isinstance(request, SignInRequest):
            draft.signed_in = result
            draft.sign_in_request = request
            draft.forget_results()
            self._show_signed_in(result)
            self.changed.emit()
            return
        if isinstance(result, SignInError):
            self._show_failure(result)

    def _show_signed_in(self, signed: SignedIn) -> None:
        how = {
            "stored": _("with the sign-in stored in your password store"),
            "device": _("with the code"),
        }.get(signed.flow, _("through the browser"))
        text = _("Signed in {how}.").format(how=how)
        if signed.token.account:
            text = _("Signed in {how} as {account}.").format(how=how, account=signed.token.account)
        if signed.stored and signed.flow != "stored":
            text += " " + _("The sign-in is kept in your password store for next time.")
        for note in signed.notes:
            text += " " + note
        draft = self._draft
        login = self.login_hint()
        if not login and draft is not None:
            login = draft.username.strip() or (str(draft.email) if draft.email else "")
        mismatch = account_mismatch(signed.token.account, login)
        if mismatch:
            text += " " + mismatch + " " + _("Sign in again with the account of this login name.")
        self.status.show_message(text, Severity.WARNING if mismatch else Severity.OK)

    def _show_failure(self, error: SignInError) -> None:
        provider = self._draft.provider if self._draft is not None else None
        if error.problem is SignInProblem.CANCELLED:
            self.status.show_message(_("The sign-in was cancelled."), Severity.INFO)
            return
        finding = explain_sign_in(error, provider)
        self.status.show_message(
            f"{finding.headline}. {finding.explanation} {finding.advice}", Severity.ERROR
        )
        if error.problem is SignInProblem.NO_CLIENT_ID:
            self.client_box.setVisible(True)
            self.client_id.setFocus()

    def _show_failure_text(self, message: str) -> None:
        self._set_waiting(False)
        self.status.show_message(message, Severity.ERROR)
