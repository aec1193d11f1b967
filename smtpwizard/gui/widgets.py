"""Small widgets and helpers the pages share. Colours come from the palette or the style's own
icons, so light and dark themes are followed without any colour written here."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QSizePolicy
from PySide6.QtWidgets import QStyle
from PySide6.QtWidgets import QWidget

from smtpwizard.core.model import SecurityLevel
from smtpwizard.core.model import Severity
from smtpwizard.resources_access import resource

__all__ = [
    "StatusLine",
    "app_icon",
    "escape",
    "level_icon",
    "link",
    "severity_icon",
    "standard_icon",
    "wrapped",
]


def app_icon() -> QIcon:
    """The application's icon (scalable, so sharp at any screen density)."""
    data = resource("icons/smtpwizard.svg").read_bytes()
    pixmap = QPixmap()
    pixmap.loadFromData(data, "SVG")
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        icon.addPixmap(
            pixmap.scaled(
                size,
                size,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
    return icon


def standard_icon(kind: QStyle.StandardPixmap) -> QIcon:
    """One of the style's own icons (themed for light and dark)."""
    style = QApplication.style()
    return style.standardIcon(kind)


def severity_icon(severity: Severity) -> QIcon:
    """An icon for a finding's severity."""
    return standard_icon(
        {
            Severity.OK: QStyle.StandardPixmap.SP_DialogApplyButton,
            Severity.INFO: QStyle.StandardPixmap.SP_MessageBoxInformation,
            Severity.WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
            Severity.ERROR: QStyle.StandardPixmap.SP_MessageBoxCritical,
        }[severity]
    )


def level_icon(level: SecurityLevel) -> QIcon:
    """An icon for a security level."""
    return severity_icon(
        {
            SecurityLevel.VERIFIED: Severity.OK,
            SecurityLevel.ACCEPTED: Severity.WARNING,
            SecurityLevel.NONE: Severity.ERROR,
        }[level]
    )


def wrapped(text: str = "", parent: QWidget | None = None, *, rich: bool = False) -> QLabel:
    """A label that wraps and can be selected (and whose links open in the browser)."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextBrowserInteraction
        if rich
        else Qt.TextInteractionFlag.TextSelectableByMouse
    )
    label.setOpenExternalLinks(rich)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


class StatusLine(QWidget):
    """An icon and a sentence, for live feedback ("Looking up…", "Valid address")."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.icon = QLabel(self)
        self.icon.setFixedSize(20, 20)
        self.text = wrapped("", self)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)

    def show_message(self, text: str, severity: Severity | None = None) -> None:
        """Shows ``text`` with the icon for ``severity`` (none for neutral messages)."""
        self.text.setText(text)
        self.setAccessibleDescription(text)
        if severity is None:
            self.icon.clear()
        else:
            self.icon.setPixmap(severity_icon(severity).pixmap(18, 18))

    def message(self) -> str:
        """The sentence shown."""
        return self.text.text()


def escape(text: str) -> str:
    """Text made safe for a rich-text label."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def link(url: str, text: str | None = None) -> str:
    """A rich-text link."""
    return f'<a href="{escape(url)}">{escape(text or url)}</a>'
