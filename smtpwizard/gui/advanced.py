"""The Advanced dialog: trusting an organisation's own certificate authority, and asking
another DNS server. Both are remembered, and both apply to finding and testing servers."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QFileDialog
from PySide6.QtWidgets import QFrame
from PySide6.QtWidgets import QGroupBox
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QScrollArea
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from smtpwizard.core.engine import Engine
from smtpwizard.core.errors import TrustFileError
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Severity
from smtpwizard.core.net.dns import Nameserver
from smtpwizard.core.net.dns import parse_nameserver
from smtpwizard.core.net.tls import trust_context
from smtpwizard.core.store.settings import Settings
from smtpwizard.gui.widgets import Shrinkable
from smtpwizard.gui.widgets import StatusLine
from smtpwizard.gui.widgets import wrapped

__all__ = ["NetworkDialog", "apply_network", "parse_nameservers"]


def parse_nameservers(text: str) -> list[Nameserver]:
    """The DNS servers in ``text``, separated by commas or spaces.

    Raises:
        ValueError: one of them is not ``IP[:PORT]`` (the message says which).
    """
    return [parse_nameserver(part) for part in text.replace(",", " ").split()]


def apply_network(settings: Settings, engine: Engine) -> str:
    """Has ``engine`` use the CA file and DNS servers in ``settings``; returns why they cannot
    be used ("" when they can). What can be used is used."""
    try:
        nameservers = parse_nameservers(" ".join(settings.nameservers))
    except ValueError as exc:
        nameservers, problem = (
            [],
            _("The DNS server you chose cannot be used: {reason}.").format(reason=exc),
        )
    else:
        problem = ""
    try:
        engine.choose_network(settings.cafile or None, nameservers)
    except TrustFileError as exc:
        engine.choose_network(None, nameservers)
        problem = str(exc)
    return problem


class NetworkDialog(QDialog):
    """Where smtpwizard looks, and which certificate authorities it trusts.

    Args:
        settings: the remembered choices (changed on OK; the caller saves them).
        engine: uses the choices from OK on.
        parent: the parent widget.

    Attributes:
        ask_open_path: asks which CA file to use (the file dialog; tests replace it).
        changed: OK changed something.
    """

    def __init__(self, settings: Settings, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.engine = engine
        self.changed = False
        self.setWindowTitle(_("Advanced"))
        outer = QVBoxLayout(self)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        body = Shrinkable(scroll)  # the explanations wrap; the dialog scrolls when too small
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)

        trust = QGroupBox(_("Your organisation's certificate authority"), body)
        trust_layout = QVBoxLayout(trust)
        trust_layout.addWidget(
            wrapped(
                _(
                    "A server proves who it is with a certificate, vouched for by an authority "
                    "your computer knows. Companies, schools and self-hosted servers sometimes "
                    "vouch for their own servers. If your administrator gave you such an "
                    "authority's certificate file (often ending in .pem or .crt), choose it "
                    "here: smtpwizard then also trusts the servers it vouches for."
                ),
                trust,
            )
        )
        row = QHBoxLayout()
        self.cafile = QLineEdit(trust)
        self.cafile.setAccessibleName(_("Certificate authority file"))
        self.cafile.setPlaceholderText(_("No file: only the authorities your computer trusts"))
        self.cafile.setClearButtonEnabled(True)
        self.browse = QPushButton(_("C&hoose…"), trust)
        row.addWidget(self.cafile, 1)
        row.addWidget(self.browse)
        trust_layout.addLayout(row)
        self.cafile_status = StatusLine(trust)
        trust_layout.addWidget(self.cafile_status)
        layout.addWidget(trust)

        dns = QGroupBox(_("DNS server"), body)
        dns_layout = QVBoxLayout(dns)
        dns_layout.addWidget(
            wrapped(
                _(
                    "smtpwizard looks up server names with the DNS servers your computer uses. "
                    "If they give wrong answers (inside some company networks, or behind a "
                    "filter), type the address of another one, such as 192.0.2.53, or "
                    "192.0.2.53:5353 for another port. Several can be separated by commas."
                ),
                dns,
            )
        )
        self.dns = QLineEdit(dns)
        self.dns.setAccessibleName(_("DNS server"))
        self.dns.setPlaceholderText(_("Empty: the DNS servers of your computer"))
        self.dns.setClearButtonEnabled(True)
        dns_layout.addWidget(self.dns)
        self.dns_status = StatusLine(dns)
        dns_layout.addWidget(self.dns_status)
        layout.addWidget(dns)
        layout.addStretch(1)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        outer.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.browse.clicked.connect(self._browse)
        self.cafile.textChanged.connect(self._check_cafile)
        self.dns.textChanged.connect(self._check_dns)
        self.ask_open_path: Callable[[], str | None] = self._ask_open_path

        self.cafile.setText(settings.cafile)
        self.dns.setText(", ".join(settings.nameservers))
        self._check_cafile()
        self._check_dns()
        width = 640
        margins = outer.contentsMargins()
        inner = width - margins.left() - margins.right()
        height = body.heightForWidth(inner) + self.buttons.sizeHint().height()
        self.resize(width, height + margins.top() + margins.bottom() + outer.spacing())

    def _ask_open_path(self) -> str | None:
        start = self.cafile.text().strip() or str(Path.home())
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Choose the certificate authority's file"),
            start,
            _("Certificates (*.pem *.crt *.cer);;All files (*)"),
        )
        return path or None

    @Slot()
    def _browse(self) -> None:
        chosen = self.ask_open_path()
        if chosen:
            self.cafile.setText(chosen)

    def _cafile_problem(self) -> str:
        path = self.cafile.text().strip()
        if not path:
            return ""
        if os.path.exists(path) and not os.path.isfile(path) and not os.path.isdir(path):
            # A pipe or a device would be read here, on the window's thread, as it is typed.
            return _("{path} is not a file of certificates.").format(path=path)
        try:
            trust_context(path)
        except TrustFileError as exc:
            return str(exc)
        return ""

    @Slot()
    def _check_cafile(self) -> bool:
        problem = self._cafile_problem()
        if problem:
            self.cafile_status.show_message(problem, Severity.ERROR)
        elif self.cafile.text().strip():
            self.cafile_status.show_message(
                _("smtpwizard trusts this authority too, besides the ones your computer knows."),
                Severity.OK,
            )
        else:
            self.cafile_status.show_message(_("Only the authorities your computer trusts."))
        return not problem

    @Slot()
    def _check_dns(self) -> bool:
        try:
            nameservers = parse_nameservers(self.dns.text())
        except ValueError as exc:
            self.dns_status.show_message(str(exc), Severity.ERROR)
            return False
        if nameservers:
            self.dns_status.show_message(
                _("Names are looked up at {servers}.").format(
                    servers=", ".join(str(n) for n in nameservers)
                ),
                Severity.OK,
            )
        else:
            self.dns_status.show_message(_("Names are looked up as your computer does."))
        return True

    def accept(self) -> None:
        """Keeps and applies the choices, unless one cannot be used (it says why)."""
        cafile_ok, dns_ok = self._check_cafile(), self._check_dns()
        if not (cafile_ok and dns_ok):
            (self.cafile if not cafile_ok else self.dns).setFocus()
            return
        cafile = self.cafile.text().strip()
        chosen = parse_nameservers(self.dns.text())
        try:
            self.engine.choose_network(cafile or None, chosen)
        except TrustFileError as exc:  # the file changed since it was checked
            self.cafile_status.show_message(str(exc), Severity.ERROR)
            return
        nameservers = [str(n) for n in chosen]
        self.changed = (cafile, nameservers) != (self.settings.cafile, self.settings.nameservers)
        self.settings.cafile = cafile
        self.settings.nameservers = nameservers
        super().accept()
