"""What every page shares: typed access to the wizard, its draft and its services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWizardPage

if TYPE_CHECKING:
    from smtpwizard.core.draft import SetupDraft
    from smtpwizard.core.engine import Engine
    from smtpwizard.gui.wizard import SetupWizard

__all__ = ["Page"]


class Page(QWizardPage):
    """A page of the :class:`~smtpwizard.gui.wizard.SetupWizard`."""

    def __init__(self, wizard: SetupWizard, title: str = "", subtitle: str = "") -> None:
        super().__init__(wizard)
        self._setup = wizard
        if title:
            self.setTitle(title)
        if subtitle:
            self.setSubTitle(subtitle)

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
