"""Page 1: what the person is setting up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QButtonGroup
from PySide6.QtWidgets import QRadioButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from smtpwizard.core.draft import Purpose
from smtpwizard.core.i18n import _
from smtpwizard.gui.ids import PageId
from smtpwizard.gui.pages.base import Page
from smtpwizard.gui.widgets import wrapped

if TYPE_CHECKING:
    from smtpwizard.gui.wizard import SetupWizard

__all__ = ["CHOICES", "StartPage"]

CHOICES = (
    (
        Purpose.MAIL_PROGRAM,
        _("A mail program"),
        _("Thunderbird, Outlook, Apple Mail or another program you read and write mail with."),
    ),
    (
        Purpose.APPLICATION,
        _("An application or script"),
        _(
            "A website, a web application (Django, Laravel, WordPress…), a backup script or a "
            "printer that sends mail."
        ),
    ),
    (
        Purpose.FIX,
        _("Fixing a setup that stopped working"),
        _(
            "Sending used to work, or a program shows an error. smtpwizard tests your settings "
            "and explains what goes wrong."
        ),
    ),
)


class StartPage(Page):
    """Chooses the path through the wizard."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            wizard,
            _("What are you setting up?"),
            _(
                "smtpwizard finds the outgoing mail server for your address, tests it for real and "
                "explains what works and what does not."
            ),
        )
        layout = QVBoxLayout(self.body)
        self.group = QButtonGroup(self)
        self.buttons: dict[Purpose, QRadioButton] = {}
        for index, (purpose, title, description) in enumerate(CHOICES):
            button = QRadioButton(title, self.body)
            button.setAccessibleName(title)
            button.setAccessibleDescription(description)
            self.group.addButton(button, index)
            self.buttons[purpose] = button
            text = wrapped(description, self.body)
            text.setIndent(24)
            layout.addWidget(button)
            layout.addWidget(text)
            layout.addSpacing(8)
        layout.addStretch(1)

    def initializePage(self) -> None:
        """Selects the last choice."""
        self.buttons[self.draft.purpose].setChecked(True)

    def first_field(self) -> QWidget | None:
        """The chosen path: the focus is where the check mark is, so Enter takes that path."""
        return self.buttons[self.purpose()]

    def purpose(self) -> Purpose:
        """The chosen path."""
        for purpose, button in self.buttons.items():
            if button.isChecked():
                return purpose
        return Purpose.MAIL_PROGRAM

    def nextId(self) -> int:
        """Fixing a setup goes to its own pages."""

        return int(PageId.FIX_SETTINGS if self.purpose() is Purpose.FIX else PageId.ACCOUNT)

    def validatePage(self) -> bool:
        """Keeps the choice."""
        self.draft.purpose = self.purpose()
        self.setup.settings.purpose = self.draft.purpose.value
        return True
