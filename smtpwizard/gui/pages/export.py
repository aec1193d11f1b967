"""Page 7: the proven configuration in the format a program expects; saved or copied."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtCore import Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QCheckBox
from PySide6.QtWidgets import QFileDialog
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QListWidget
from PySide6.QtWidgets import QListWidgetItem
from PySide6.QtWidgets import QMessageBox
from PySide6.QtWidgets import QPlainTextEdit
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QSplitter
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from smtpwizard.core.draft import Purpose
from smtpwizard.core.errors import ExportError
from smtpwizard.core.errors import TargetExists
from smtpwizard.core.errors import WriteError
from smtpwizard.core.exporters.base import Exporter
from smtpwizard.core.exporters.base import ExportOptions
from smtpwizard.core.exporters.base import export_caveats
from smtpwizard.core.exporters.base import oauth_refusal
from smtpwizard.core.exporters.base import registry
from smtpwizard.core.exporters.base import trust_notice
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Severity
from smtpwizard.core.store.files import write_atomic
from smtpwizard.gui.pages.base import Page
from smtpwizard.gui.widgets import StatusLine
from smtpwizard.gui.widgets import wrapped

if TYPE_CHECKING:
    from smtpwizard.gui.wizard import SetupWizard

__all__ = ["FAMILY_ORDER", "FAMILY_TITLES", "HIDDEN", "ExportPage"]

#: What the preview shows where the saved file holds the password.
HIDDEN = "********"

FAMILY_TITLES = {
    "mail program": _("Mail programs"),
    "application": _("Applications"),
    "system": _("System tools"),
    "settings sheet": _("Settings sheets"),
}
FAMILY_ORDER = {
    Purpose.MAIL_PROGRAM: ("mail program", "settings sheet", "application", "system"),
    Purpose.APPLICATION: ("application", "system", "settings sheet", "mail program"),
    Purpose.FIX: ("settings sheet", "mail program", "application", "system"),
}


class ExportPage(Page):
    """Pick a format, see the file, save it (never silently replacing one) or copy it.

    Attributes:
        ask_path: asks where to save (the file dialog; tests replace it).
        confirm_overwrite: asks whether to replace an existing file (tests replace it).
    """

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            wizard,
            _("Take the settings with you"),
            _(
                "Pick the program or application; the file is written exactly as "
                "it expects. Nothing is written until you save."
            ),
        )
        layout = QVBoxLayout(self.body)
        splitter = QSplitter(Qt.Orientation.Horizontal, self.body)
        self.formats = QListWidget(splitter)
        self.formats.setAccessibleName(_("Export formats"))
        right = QWidget(splitter)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.description = wrapped("", right)
        self.preview = QPlainTextEdit(right)
        self.preview.setReadOnly(True)
        self.preview.setAccessibleName(_("Preview"))
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        right_layout.addWidget(self.description)
        right_layout.addWidget(self.preview, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([340, 560])
        layout.addWidget(splitter, 1)

        row = QHBoxLayout()
        self.include_password = QCheckBox(_("&Include the password in this file"), self.body)
        self.include_password.setToolTip(
            _(
                "Anyone who can read the file can then read your password. Without it, the file "
                "says where the password comes from instead."
            )
        )
        self.save = QPushButton(_("&Save…"), self.body)
        self.copy = QPushButton(_("Copy to the &clipboard"), self.body)
        row.addWidget(self.include_password, 1)
        row.addWidget(self.save)
        row.addWidget(self.copy)
        layout.addLayout(row)
        self.status = StatusLine(self.body)
        layout.addWidget(self.status)
        self._kept = False

        self.formats.currentItemChanged.connect(self._render)
        self.include_password.toggled.connect(self._render)
        self.save.clicked.connect(self._save)
        self.copy.clicked.connect(self._copy)
        self.ask_path: Callable[[str], str | None] = self._ask_path
        self.confirm_overwrite: Callable[[Path], bool] = self._confirm_overwrite
        self._data: str | bytes = ""

    def initializePage(self) -> None:
        """Lists the formats, the ones for the chosen path first."""
        self.formats.clear()
        exporters = registry()
        chosen = self.setup.settings.export_formats.get(self.draft.purpose.value)
        order = FAMILY_ORDER[self.draft.purpose]
        first: QListWidgetItem | None = None
        for family in order:
            header = QListWidgetItem(FAMILY_TITLES.get(family, family))
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            self.formats.addItem(header)
            for exporter in sorted(
                (e for e in exporters.values() if e.family == family), key=lambda e: e.title
            ):
                item = QListWidgetItem("   " + exporter.title)
                item.setToolTip(exporter.title)
                item.setData(Qt.ItemDataRole.UserRole, exporter.name)
                self.formats.addItem(item)
                if self.draft.uses_oauth and not exporter.carries_oauth:
                    item.setToolTip(
                        _("{title}: cannot sign in with OAuth 2.0").format(title=exporter.title)
                    )
                    item.setForeground(self.palette().placeholderText())
                    continue
                if first is None or exporter.name == chosen:
                    first = item
        self.include_password.setEnabled(bool(self.draft.password) and not self.draft.uses_oauth)
        if first is not None:
            self.formats.setCurrentItem(first)
        self.status.show_message("")

    def nextId(self) -> int:
        """The last page."""
        return -1

    def first_field(self) -> QWidget | None:
        """The list of formats."""
        return self.formats

    def work_is_kept(self) -> bool:
        """Whether the settings were saved or copied."""
        return self._kept

    def exporter(self) -> Exporter | None:
        """The selected format."""
        item = self.formats.currentItem()
        name = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return registry().get(name) if name else None

    def select(self, name: str) -> None:
        """Selects the format called ``name``."""
        for row in range(self.formats.count()):
            item = self.formats.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                self.formats.setCurrentItem(item)
                return
        raise KeyError(name)

    @Slot()
    def _render(self) -> None:
        exporter = self.exporter()
        self._data = ""
        self.status.show_message("")  # "Saved to…" was about the format shown before
        if exporter is None:
            self.preview.clear()
            self.save.setEnabled(False)
            self.copy.setEnabled(False)
            return
        self.description.setText(exporter.description or exporter.title)
        include = self.include_password.isChecked() and self.include_password.isEnabled()
        try:
            config = self.draft.export_config(include_password=include)
            refusal = oauth_refusal(exporter, config)
            if refusal is not None:
                raise ExportError(refusal)
            options = ExportOptions(include_password=include)
            self._data = exporter.render(config, options)
        except ExportError as exc:
            self.preview.setPlainText(str(exc))
            self.save.setEnabled(False)
            self.copy.setEnabled(False)
            return
        notice = trust_notice(exporter, config)
        notes = ([] if notice is None else [notice]) + export_caveats(exporter, config, options)
        if notes:
            self.status.show_message(" ".join(notes), Severity.WARNING)
        shown = self._data
        if include and config.password:
            # The file holds the password; the screen (and whoever looks at it) does not.
            masked = replace(config, password=HIDDEN)
            shown = exporter.render(masked, ExportOptions(include_password=True))
        text = shown if isinstance(shown, str) else shown.decode("utf-8", "replace")
        self.preview.setPlainText(text)
        self.save.setEnabled(True)
        self.copy.setEnabled(True)
        self.setup.settings.export_formats[self.draft.purpose.value] = exporter.name

    def _ask_path(self, suggestion: str) -> str | None:
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Save the settings"),
            str(Path.home() / suggestion),
            "",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        return path or None

    def _confirm_overwrite(self, path: Path) -> bool:
        answer = QMessageBox.question(
            self,
            _("Replace the file?"),
            _("{name} already exists. Replace it?").format(name=path.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    @Slot()
    def _save(self) -> None:
        exporter = self.exporter()
        if exporter is None or not self._data:
            return
        chosen = self.ask_path(exporter.filename)
        if not chosen:
            return
        path = Path(chosen)
        private = self.include_password.isChecked() and exporter.carries_password
        try:
            written = write_atomic(path, self._data, private=private)
        except TargetExists:
            if not self.confirm_overwrite(path):
                self.status.show_message(
                    _("Not saved: {name} was left as it was.").format(name=path.name), Severity.INFO
                )
                return
            try:
                written = write_atomic(path, self._data, overwrite=True, private=private)
            except WriteError as exc:
                self.status.show_message(str(exc), Severity.ERROR)
                return
        except WriteError as exc:
            self.status.show_message(str(exc), Severity.ERROR)
            return
        self._kept = True
        self.status.show_message(_("Saved to {path}.").format(path=written), Severity.OK)

    @Slot()
    def _copy(self) -> None:
        """Copies what Save writes (the preview hides an included password)."""
        data = self._data
        if not data:
            return
        QGuiApplication.clipboard().setText(
            data if isinstance(data, str) else data.decode("utf-8", "replace")
        )
        self._kept = True
        if self.include_password.isChecked() and HIDDEN in self.preview.toPlainText():
            self.status.show_message(
                _(
                    "Copied to the clipboard, with your password: other programs can read the "
                    "clipboard, so copy something else once you have pasted it."
                ),
                Severity.WARNING,
            )
        else:
            self.status.show_message(_("Copied to the clipboard."), Severity.OK)
