"""What every page shares: typed access to the wizard, its draft and its services; a body that
scrolls when the window is smaller than the page (a small screen, 200 % scaling, large fonts);
the field the keyboard starts in."""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame
from PySide6.QtWidgets import QScrollArea
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget
from PySide6.QtWidgets import QWizardPage

from smtpwizard.gui.widgets import Shrinkable

if TYPE_CHECKING:
    from smtpwizard.core.draft import SetupDraft
    from smtpwizard.core.engine import Engine
    from smtpwizard.gui.wizard import SetupWizard

__all__ = ["Page", "tab_order"]


def tab_order(*widgets: QWidget) -> None:
    """Makes Tab visit ``widgets`` in this order."""
    for first, second in pairwise(widgets):
        QWidget.setTabOrder(first, second)


class Page(QWizardPage):
    """A page of the :class:`~smtpwizard.gui.wizard.SetupWizard`.

    Subclasses lay their content out in :attr:`body`, which scrolls when it does not fit.
    """

    def __init__(self, wizard: SetupWizard, title: str = "", subtitle: str = "") -> None:
        super().__init__(wizard)
        self._setup = wizard
        if title:
            self.setTitle(title)
        if subtitle:
            self.setSubTitle(subtitle)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the fields take the keyboard
        self.body: QWidget = Shrinkable(self.scroll_area)
        self.scroll_area.setWidget(self.body)
        outer.addWidget(self.scroll_area)

    @property
    def setup(self) -> SetupWizard:
        """The wizard this page belongs to."""
        return self._setup

    @property
    def draft(self) -> SetupDraft:
        """The wizard's working state."""
        return self.setup.draft

    @property
    def services(self) -> Engine:
        """The engine's collaborators."""
        return self.setup.services

    def first_field(self) -> QWidget | None:
        """Where the keyboard starts when the page is shown (``None``: Qt's choice)."""
        return None

    def network_changed(self) -> None:
        """The person chose another CA file or DNS server while this page is shown."""

    def work_under_way(self) -> bool:
        """Whether closing now would stop work the person waits for (a search, a test)."""
        return False

    def work_is_kept(self) -> bool:
        """Whether the person already took what they came for (nothing to lose by closing)."""
        return False
