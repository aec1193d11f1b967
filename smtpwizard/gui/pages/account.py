"""Page 2: the address (checked as it is typed), the name, and for applications the service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox
from PySide6.QtWidgets import QCompleter
from PySide6.QtWidgets import QFormLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from smtpwizard.core.draft import Purpose
from smtpwizard.core.errors import InvalidInput
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Severity
from smtpwizard.core.net.address import parse_email
from smtpwizard.gui.pages.base import Page
from smtpwizard.gui.widgets import StatusLine
from smtpwizard.gui.widgets import wrapped

if TYPE_CHECKING:
    from smtpwizard.gui.wizard import SetupWizard

__all__ = ["MAILBOX", "AccountPage"]

#: The "service" combo's first entry: find the provider from the address.
MAILBOX = ""


class AccountPage(Page):
    """The address and display name; for applications, how the mail goes out."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            wizard,
            _("Your email address"),
            _("The address you send from. smtpwizard looks up its servers next."),
        )
        layout = QVBoxLayout(self.body)
        form = QFormLayout()
        self.email = QLineEdit(self.body)
        self.email.setPlaceholderText(_("name@example.com"))
        self.email.setAccessibleName(_("Email address"))
        self.email.setInputMethodHints(Qt.InputMethodHint.ImhEmailCharactersOnly)
        self.status = StatusLine(self.body)
        self.name = QLineEdit(self.body)
        self.name.setPlaceholderText(_("Your name, as recipients see it (optional)"))
        self.name.setAccessibleName(_("Display name"))
        email_label = QLabel(_("&Email address:"), self.body)
        email_label.setBuddy(self.email)
        name_label = QLabel(_("&Your name:"), self.body)
        name_label.setBuddy(self.name)
        form.addRow(email_label, self.email)
        form.addRow("", self.status)
        form.addRow(name_label, self.name)

        self.service_box = QWidget(self.body)
        service_form = QFormLayout(self.service_box)
        service_form.setContentsMargins(0, 12, 0, 0)
        self.service = QComboBox(self.service_box)
        self.service.setAccessibleName(_("How the application sends"))
        self.service.addItem(_("Through my mailbox provider (find it for me)"), MAILBOX)
        for provider in self.services.knowledge.services():
            self.service.addItem(provider.name, provider.id)
        self.choice = QComboBox(self.service_box)
        self.choice.setEditable(True)
        self.choice.setAccessibleName(_("Region"))
        self.choice_label = QLabel(_("&Region:"), self.service_box)
        self.choice_label.setBuddy(self.choice)
        service_label = QLabel(_("&Sends through:"), self.service_box)
        service_label.setBuddy(self.service)
        service_form.addRow(service_label, self.service)
        service_form.addRow(self.choice_label, self.choice)
        service_form.addRow(
            "",
            wrapped(
                _(
                    "Applications often send through a sending service rather than a mailbox. Pick "
                    "yours, or let smtpwizard find your provider's servers."
                ),
                self.service_box,
            ),
        )
        layout.addLayout(form)
        layout.addWidget(self.service_box)
        layout.addStretch(1)

        self.email.textChanged.connect(self._check)
        self.service.currentIndexChanged.connect(self._service_changed)
        self._valid = False

    def initializePage(self) -> None:
        """Offers the recent addresses and shows the service choice for applications."""
        recent = self.setup.settings.recent_addresses
        completer = QCompleter(recent, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.email.setCompleter(completer)
        if not self.email.text() and recent:
            self.email.setText(recent[0])
            self.name.setText(self.setup.settings.display_names.get(recent[0].lower(), ""))
        self.service_box.setVisible(self.draft.purpose is Purpose.APPLICATION)
        self._service_changed()
        self._check()

    def first_field(self) -> QWidget | None:
        """The address."""
        return self.email

    def _check(self) -> None:
        text = self.email.text()
        if not text.strip():
            self._valid = False
            self.status.show_message(_("Type the address you send from."))
        else:
            try:
                address = parse_email(text)
            except InvalidInput as exc:
                self._valid = False
                self.status.show_message(str(exc), Severity.ERROR)
            else:
                self._valid = True
                note = (
                    _("Looks good (the domain is {ascii} in the DNS).").format(
                        ascii=address.ascii_domain
                    )
                    if address.ascii_domain != address.domain
                    else _("Looks good.")
                )
                self.status.show_message(note, Severity.OK)
        self.completeChanged.emit()

    def _service_changed(self) -> None:
        provider = self.services.knowledge.get(self.service.currentData() or "")
        self.choice.clear()
        variables = provider.variables if provider is not None else {}
        visible = bool(variables)
        if visible:
            name, variable = next(iter(variables.items()))
            self.choice_label.setText(f"&{name.capitalize()}:")
            self.choice.addItems(list(variable.values))
            self.choice.setCurrentText(variable.default)
        self.choice.setVisible(visible)
        self.choice_label.setVisible(visible)

    def isComplete(self) -> bool:
        """Next only with a valid address."""
        return self._valid

    def validatePage(self) -> bool:
        """Keeps the address; a changed address forgets the servers found for the old one."""
        address = parse_email(self.email.text())
        service = self.service.currentData() if self.draft.purpose is Purpose.APPLICATION else None
        choices: dict[str, str] = {}
        provider = self.services.knowledge.get(service or "")
        if provider is not None and provider.variables:
            name = next(iter(provider.variables))
            choices[name] = self.choice.currentText().strip()
        changed = (
            self.draft.email is None
            or address.ascii != self.draft.email.ascii
            or (service or None) != self.draft.service_id
            or choices != self.draft.choices
        )
        self.draft.email = address
        self.draft.display_name = self.name.text().strip()
        self.draft.service_id = service or None
        self.draft.choices = choices
        if changed:
            self.draft.discovery = None
            self.draft.candidates = []
            self.draft.forget_account()
        return True
