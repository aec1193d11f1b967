"""Fixing a setup: "change one thing and try again": the port, the encryption, the login name,
the password and the login method of the next attempt."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QComboBox
from PySide6.QtWidgets import QGridLayout
from PySide6.QtWidgets import QGroupBox
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QWidget

from smtpwizard.core.auth.sasl import SUPPORTED_MECHANISMS
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Security
from smtpwizard.core.model import ServerSettings
from smtpwizard.gui.pages.base import tab_order
from smtpwizard.gui.widgets import EnterClicks
from smtpwizard.gui.widgets import PortField
from smtpwizard.gui.widgets import security_combo

__all__ = ["ChangeBox"]


class ChangeBox(QGroupBox):
    """What the next attempt changes.

    Attributes:
        port, security, username, password, mechanism: the settings of the next attempt.
        retry: starts it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Change one thing and try again"), parent)
        grid = QGridLayout(self)
        self.port = PortField(587, self)
        self.security = security_combo(Security.STARTTLS, self)
        self.mechanism = QComboBox(self)
        self.mechanism.setAccessibleName(_("Login method"))
        self.mechanism.addItem(_("any login method"), "")
        for name in SUPPORTED_MECHANISMS:
            self.mechanism.addItem(name, name)
        self.username = QLineEdit(self)
        self.username.setAccessibleName(_("Username"))
        self.username.setPlaceholderText(_("username"))
        self.password = QLineEdit(self)
        self.password.setAccessibleName(_("Password"))
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("password"))
        self.retry = QPushButton(_("&Try again"), self)
        for column, (text, widget) in enumerate(
            (
                (_("&Port:"), self.port),
                (_("Encr&yption:"), self.security),
                (_("Login &method:"), self.mechanism),
            )
        ):
            label = QLabel(text, self)
            label.setBuddy(widget)
            grid.addWidget(label, 0, 2 * column)
            grid.addWidget(widget, 0, 2 * column + 1)
        for column, (text, widget) in enumerate(
            ((_("&Username:"), self.username), (_("Pass&word:"), self.password))
        ):
            label = QLabel(text, self)
            label.setBuddy(widget)
            grid.addWidget(label, 1, 2 * column)
            grid.addWidget(widget, 1, 2 * column + 1)
        grid.addWidget(self.retry, 1, 4, 1, 2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        grid.setColumnStretch(5, 1)
        tab_order(
            self.port, self.security, self.mechanism, self.username, self.password, self.retry
        )
        EnterClicks(
            self.retry, self.port, self.security, self.mechanism, self.username, self.password
        )

    def show_setup(self, setup: ServerSettings, password: str) -> None:
        """Shows ``setup`` and ``password`` as the starting point."""
        self.port.setValue(setup.port)
        self.security.setCurrentIndex(self.security.findData(setup.security.value))
        self.username.setText(setup.username or "")
        self.password.setText(password)
        self.mechanism.setCurrentIndex(max(0, self.mechanism.findData(setup.mechanism or "")))

    def applied_to(self, base: ServerSettings) -> ServerSettings:
        """``base`` with the changes made here.

        Raises:
            InvalidInput: the port is not a port.
        """
        return replace(
            base,
            port=self.port.value(),
            security=Security(self.security.currentData()),
            username=self.username.text().strip() or None,
            mechanism=self.mechanism.currentData() or None,
        )
