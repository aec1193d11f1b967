"""What every page shares: typed access to the wizard, its draft and its services; a body that
scrolls when the window is smaller than the page (a small screen, 200 % scaling, large fonts);
the field the keyboard starts in."""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame
from PySide6.QtWidgets import QScrollArea
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget
from PySide6.QtWidgets import QWizardPage

if TYPE_CHECKING:
    from smtpwizard.core.draft import SetupDraft
    from smtpwizard.core.engine import Engine
    from smtpwizard.gui.wizard import SetupWizard

__all__ = ["Page", "Shrinkable", "tab_order"]


def tab_order(*widgets: QWidget) -> None:
    """Makes Tab visit ``widgets`` in this order."""
    for first, second in pairwise(widgets):
        QWidget.setTabOrder(first, second)


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
