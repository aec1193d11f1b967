"""The certificate view: the chain a server showed, and trusting one certificate by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QHeaderView
from PySide6.QtWidgets import QMessageBox
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QTreeWidget
from PySide6.QtWidgets import QTreeWidgetItem
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from smtpwizard.core.i18n import _
from smtpwizard.core.model import CertInfo
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Severity
from smtpwizard.core.model import TlsInfo
from smtpwizard.core.net.address import host_key
from smtpwizard.core.store.settings import Settings
from smtpwizard.gui.widgets import StatusLine
from smtpwizard.gui.widgets import wrapped

__all__ = ["CERTIFICATE_FAILURES", "CertificateDialog", "Confirm", "ask"]

#: The outcomes where the person may look at the certificate and choose to trust it.
CERTIFICATE_FAILURES = frozenset(
    (Outcome.CERT_UNTRUSTED, Outcome.CERT_EXPIRED, Outcome.CERT_NAME_MISMATCH)
)

#: Asks the person a yes/no question (title, text); tests replace it.
Confirm = Callable[[QWidget, str, str], bool]


def ask(parent: QWidget, title: str, text: str) -> bool:
    """Asks a yes/no question in a message box; No is the default answer."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


class CertificateDialog(QDialog):
    """Shows the certificates a server sent; trusts or stops trusting the server's own one.

    Args:
        host: the server the certificate was shown by (a trust only ever applies to it).
        tls: what the encryption step found.
        settings: where trusted certificates are kept (the caller saves them).
        confirm: asks before trusting (default: a message box).
    """

    def __init__(
        self,
        host: str,
        tls: TlsInfo,
        settings: Settings,
        parent: QWidget | None = None,
        confirm: Confirm = ask,
    ) -> None:
        super().__init__(parent)
        self.host = host
        self.tls = tls
        self.settings = settings
        self.confirm = confirm
        self.changed = False
        self.setWindowTitle(_("Certificate of {host}").format(host=host))
        self.resize(640, 480)
        layout = QVBoxLayout(self)
        self.status = StatusLine(self)
        layout.addWidget(self.status)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName(_("The certificates the server sent"))
        layout.addWidget(self.tree, 1)
        self.explanation = wrapped(
            _(
                "Trusting a certificate by hand means: smtpwizard accepts exactly this "
                "certificate (by its SHA-256 fingerprint) for {host}, and for no other server. "
                "If the server's certificate changes, it is refused again. Do this only for a "
                "server you know, such as your own or your company's: on a public provider's "
                "server, an untrusted certificate usually means that something on your network "
                "intercepts the connection."
            ).format(host=host),
            self,
        )
        layout.addWidget(self.explanation)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.trust_button = QPushButton(_("&Trust this certificate for {host}").format(host=host))
        self.untrust_button = QPushButton(_("&Stop trusting it"))
        buttons.addButton(self.trust_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.untrust_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.trust_button.clicked.connect(self.trust)
        self.untrust_button.clicked.connect(self.untrust)
        self._fill()
        self._update()
        self._fit_fingerprints()

    def _fit_fingerprints(self) -> None:
        """Makes the window wide enough for a whole fingerprint (the value a person compares,
        so never cut short); where the screen is narrower, the list scrolls sideways."""
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        wanted = self.tree.sizeHintForColumn(0) + 4 * self.tree.indentation()
        screen = self.screen().availableGeometry().width() if self.screen() else wanted
        self.resize(max(self.width(), min(wanted, screen - 40)), self.height())

    def _fill(self) -> None:
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        chain = self.tls.chain or ((self.tls.cert,) if self.tls.cert else ())
        now = dt.datetime.now(dt.UTC)
        for depth, cert in enumerate(chain):
            role = (
                _("The server's own certificate") if depth == 0 else _("Issuer {n}").format(n=depth)
            )
            top = QTreeWidgetItem([f"{role}: {cert.subject}"])
            self.tree.addTopLevelItem(top)
            QTreeWidgetItem(top, [_("Issued by: {issuer}").format(issuer=cert.issuer)])
            valid = _("Valid from {start} to {end}").format(
                start=f"{cert.not_before:%Y-%m-%d}", end=f"{cert.not_after:%Y-%m-%d}"
            )
            if cert.not_after < now:
                valid += " — " + _("expired")
            elif cert.not_before > now:
                valid += " — " + _("not valid yet")
            QTreeWidgetItem(top, [valid])
            if cert.names:
                QTreeWidgetItem(top, [_("Names: {names}").format(names=", ".join(cert.names))])
            fingerprint = QTreeWidgetItem(top, [_two_lines("SHA-256: ", cert.fingerprint_sha256)])
            fingerprint.setFont(0, mono)
            QTreeWidgetItem(top, [_("Serial number: {serial}").format(serial=cert.serial)])
            if cert.self_signed:
                QTreeWidgetItem(top, [_("Self-signed: it vouches for itself")])
            top.setExpanded(depth == 0)
        if not chain:
            self.tree.addTopLevelItem(QTreeWidgetItem([_("No certificate could be read.")]))

    @property
    def certificate(self) -> CertInfo | None:
        """The server's own certificate."""
        return self.tls.cert

    def _pinned(self) -> bool:
        cert = self.certificate
        return cert is not None and (host_key(self.host), cert.fingerprint_sha256) in (
            self.settings.pins()
        )

    def _update(self) -> None:
        cert = self.certificate
        pinned = self._pinned()
        if self.tls.verified:
            self.status.show_message(
                _("Your computer checked this certificate and trusts it."), Severity.OK
            )
        elif pinned:
            self.status.show_message(
                _("Not verifiable, but you trust exactly this certificate for {host}.").format(
                    host=self.host
                ),
                Severity.WARNING,
            )
        else:
            self.status.show_message(
                _("Your computer cannot trust this certificate: {error}.").format(
                    error=(self.tls.error or _("unknown reason")).rstrip(".")
                ),
                Severity.ERROR,
            )
        self.trust_button.setVisible(cert is not None and not self.tls.verified and not pinned)
        self.untrust_button.setVisible(pinned)
        self.explanation.setVisible(not self.tls.verified)

    @Slot()
    def trust(self) -> None:
        """Trusts the server's certificate for this host, after asking."""
        cert = self.certificate
        if cert is None:
            return
        question = _(
            "Trust this exact certificate for {host}?\n\nSHA-256 {fingerprint}\n\nsmtpwizard "
            "will accept it for this server only, until you stop trusting it."
        ).format(host=self.host, fingerprint=cert.fingerprint_sha256)
        if not self.confirm(self, _("Trust this certificate?"), question):
            return
        self.settings.trust(self.host, cert)
        self.changed = True
        self._update()

    @Slot()
    def untrust(self) -> None:
        """Stops trusting the server's certificate."""
        cert = self.certificate
        if cert is None:
            return
        self.settings.untrust(self.host, cert.fingerprint_sha256)
        self.changed = True
        self._update()


def _two_lines(label: str, fingerprint: str) -> str:
    """A fingerprint's 32 bytes as two lines of 16, aligned under each other, so that the
    whole value fits a dialog of ordinary width."""
    octets = fingerprint.split(":")
    half = (len(octets) + 1) // 2
    first, second = ":".join(octets[:half]), ":".join(octets[half:])
    if not second:
        return label + first
    return f"{label}{first}:\n{' ' * len(label)}{second}"
