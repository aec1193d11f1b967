"""Small widgets and helpers the pages share. Colours come from the palette or the style's own
icons, so light and dark themes are followed without any colour written here."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtCore import QModelIndex
from PySide6.QtCore import QObject
from PySide6.QtCore import QPersistentModelIndex
from PySide6.QtCore import QRegularExpression
from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtGui import QIcon
from PySide6.QtGui import QKeyEvent
from PySide6.QtGui import QPixmap
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QApplication
from PySide6.QtWidgets import QComboBox
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QSizePolicy
from PySide6.QtWidgets import QStyle
from PySide6.QtWidgets import QStyledItemDelegate
from PySide6.QtWidgets import QStyleOptionViewItem
from PySide6.QtWidgets import QTreeView
from PySide6.QtWidgets import QWidget
from PySide6.QtWidgets import QWizard

from smtpwizard.core.errors import InvalidInput
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Security
from smtpwizard.core.model import SecurityLevel
from smtpwizard.core.model import Severity
from smtpwizard.core.net.address import check_port
from smtpwizard.resources_access import resource

__all__ = [
    "EnterClicks",
    "PortField",
    "Shrinkable",
    "StatusLine",
    "app_icon",
    "escape",
    "level_icon",
    "link",
    "security_combo",
    "severity_icon",
    "standard_icon",
    "wrap_items",
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
    policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    # A new policy drops the height-for-width that word wrap set: without it, layouts give the
    # label the height of its text at some narrow width (gaps, or text cut off when narrower).
    policy.setHeightForWidth(True)
    label.setSizePolicy(policy)
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
        # Both at the top: a label given more height than its lines stays beside the icon.
        self.text.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
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


def security_combo(value: Security, parent: QWidget | None = None) -> QComboBox:
    """A choice of encryption, set to ``value``."""
    combo = QComboBox(parent)
    for security in Security:
        combo.addItem(security.label, security.value)
    combo.setCurrentIndex(combo.findData(value.value))
    combo.setAccessibleName(_("Encryption"))
    return combo


class PortField(QLineEdit):
    """A port number as the person types it: digits only, and a number outside 1 to 65535 is
    refused on the spot with the reason (never quietly changed into another port). The up and
    down arrow keys step through the ports.

    Signals:
        portChanged(int): a usable port was typed or set.
        problemChanged(str): why what is typed is not a port ("" once it is one).
    """

    portChanged = Signal(int)
    problemChanged = Signal(str)

    def __init__(self, value: int = 587, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,5}"), self))
        self.setAccessibleName(_("Port"))
        self.setPlaceholderText("587")
        self.setMaximumWidth(self.fontMetrics().horizontalAdvance("0" * 9) + 24)
        self.setText(str(value))
        self._problem = ""
        self.warning = self.addAction(
            standard_icon(QStyle.StandardPixmap.SP_MessageBoxWarning),
            QLineEdit.ActionPosition.TrailingPosition,
        )
        self.warning.setVisible(False)
        self.textChanged.connect(self._changed)

    def problem(self) -> str:
        """Why the text is not a port ("" when it is one)."""
        try:
            check_port(self.text())
        except InvalidInput as exc:
            return str(exc) if self.text() else _("Type a port number (from 1 to 65535).")
        return ""

    def value(self) -> int:
        """The port.

        Raises:
            InvalidInput: the text is not a port (the message says why).
        """
        return check_port(self.text())

    def setValue(self, port: int) -> None:  # Qt's spelling, as on QSpinBox
        """Shows ``port``."""
        self.setText(str(port))

    def _changed(self, _text: str) -> None:
        problem = self.problem()
        self.warning.setVisible(bool(problem))
        self.warning.setToolTip(problem)
        self.setToolTip(problem)
        if problem != self._problem:
            self._problem = problem
            self.problemChanged.emit(problem)
        if not problem:
            self.portChanged.emit(self.value())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Up and down step to the next and previous port."""
        step = {Qt.Key.Key_Up: 1, Qt.Key.Key_Down: -1}.get(Qt.Key(event.key()))
        if step is None:
            super().keyPressEvent(event)
            return
        try:
            port = self.value()
        except InvalidInput:
            port = 587
        self.setValue(min(65535, max(1, port + step)))


class _WrappingDelegate(QStyledItemDelegate):
    """Measures an item at its column's width, so that long text takes more lines."""

    def __init__(self, view: QTreeView) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        view = self._view
        depth = 1 if view.rootIsDecorated() else 0
        parent = index.parent()
        while parent.isValid():
            depth += 1
            parent = parent.parent()
        measured = QStyleOptionViewItem(option)
        width = view.columnWidth(index.column()) - depth * view.indentation()
        measured.rect.setWidth(max(width, 40))
        measured.rect.setHeight(max(measured.rect.height(), 1))
        return super().sizeHint(measured, index)


def wrap_items(view: QTreeView) -> None:
    """Makes the items of ``view`` wrap at the view's width instead of ending in "…"."""
    view.setWordWrap(True)
    view.setTextElideMode(Qt.TextElideMode.ElideNone)
    view.setUniformRowHeights(False)
    view.setItemDelegate(_WrappingDelegate(view))
    # A tree keeps its row heights when it gets wider or narrower; lay them out again.
    view.header().sectionResized.connect(lambda *_args: view.scheduleDelayedItemsLayout())


class EnterClicks(QObject):
    """Enter in one of ``fields`` clicks ``button``, and ``button`` shows as the default one
    while they have the keyboard (``Add`` for a server typed on the servers page, ``Try
    again`` for a change on the step-by-step page), instead of going to the wizard's Next or
    Close.

    Args:
        button: what Enter does in the fields.
        fields: the fields.
    """

    def __init__(self, button: QPushButton, *fields: QWidget) -> None:
        super().__init__(button)
        self.button = button
        self._fields = fields
        self._default: QPushButton | None = None
        for field in fields:
            field.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self.button.isEnabled():
                    self.button.click()
                return True
        elif kind == QEvent.Type.FocusIn:
            self._default = next((b for b in self._window_buttons() if b.isDefault()), None)
            self.button.setDefault(True)
        elif kind == QEvent.Type.FocusOut:
            self.button.setDefault(False)
            if self._default is not None and self._default is not self.button:
                self._default.setDefault(True)
            self._default = None
        return False

    def _window_buttons(self) -> list[QPushButton]:
        """The buttons of the window that may be its default one. A wizard's are its own
        (asking Qt for every button would give Python a hold on buttons of dialogs Qt
        deletes later)."""
        window = self.button.window()
        if isinstance(window, QWizard):
            which = QWizard.WizardButton
            buttons = (
                window.button(b) for b in (which.NextButton, which.CommitButton, which.FinishButton)
            )
            return [b for b in buttons if isinstance(b, QPushButton)]
        return window.findChildren(QPushButton)


class Shrinkable(QWidget):
    """A container that asks for its smallest height, not its preferred one.

    As soon as a label in it wraps, Qt sizes a container by its preferred height for the width
    it gets (a scroll area then scrolls, a tab widget grows), although the lists and tables in
    it could shrink. This one answers with its smallest height, so that a page scrolls only
    when it cannot shrink any further.
    """

    def heightForWidth(self, width: int) -> int:
        layout = self.layout()
        if layout is not None and layout.hasHeightForWidth():
            return layout.totalMinimumHeightForWidth(width)
        return super().heightForWidth(width)

    def minimumSizeHint(self) -> QSize:
        """The smallest width; the smallest height is left to :meth:`heightForWidth` (without
        a width, a wrapped label counts as tall as at an arbitrary narrow one)."""
        hint = super().minimumSizeHint()
        layout = self.layout()
        if layout is not None and layout.hasHeightForWidth():
            return QSize(hint.width(), 0)
        return hint
