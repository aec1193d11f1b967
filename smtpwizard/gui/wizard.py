"""The setup wizard: from an address to a proven, exported configuration.

Pages read and write the engine's :class:`~smtpwizard.core.session.SetupDraft`; the work
(discovery, probing, keyring, exports) happens in the engine, on worker threads through
:class:`~smtpwizard.gui.bridge.Task`. Closing the window cancels all of it.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from enum import IntEnum

from PySide6.QtCore import QByteArray, QSize
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QWidget, QWizard

from smtpwizard.core.credentials import CredentialStore
from smtpwizard.core.discovery import Discoverer, DiscoverySettings
from smtpwizard.core.dnsclient import DnsClient, DnsResolver
from smtpwizard.core.i18n import _
from smtpwizard.core.probe import ProbeOptions, make_tls_context
from smtpwizard.core.prober import EventListener, Prober
from smtpwizard.core.providers import KnowledgeBase
from smtpwizard.core.providers import load as load_knowledge_base
from smtpwizard.core.resolve import Resolver, SystemResolver
from smtpwizard.core.session import Purpose, SetupDraft
from smtpwizard.core.settings import SettingsStore
from smtpwizard.core.troubleshoot import Troubleshooter
from smtpwizard.gui.bridge import Task
from smtpwizard.gui.widgets import app_icon


class PageId(IntEnum):
    """The wizard's pages, in order."""

    START = 0
    ACCOUNT = 1
    SERVERS = 2
    SIGN_IN = 3
    TESTING = 4
    RESULT = 5
    EXPORT = 6
    FIX_SETTINGS = 7
    TROUBLESHOOT = 8


@dataclass
class Services:
    """The engine's collaborators, so tests can point the wizard at loopback servers.

    Attributes:
        discovery: discovery settings (nameservers, CA file, ports); the person's privacy
            choices are applied on top.
        probe: probe options (timeout, CA file); the person's choices are applied on top.
        knowledge: the provider knowledge base.
        resolver: host lookups for probing (default: the DNS servers of ``discovery`` when
            set, else the system's resolver).
        credentials: the keyring store.
        settings: where remembered choices are kept.
    """

    discovery: DiscoverySettings = field(default_factory=DiscoverySettings)
    probe: ProbeOptions = field(default_factory=ProbeOptions)
    knowledge: KnowledgeBase = field(default_factory=load_knowledge_base)
    resolver: Resolver | None = None
    credentials: CredentialStore = field(default_factory=CredentialStore)
    settings: SettingsStore = field(default_factory=SettingsStore)
    _context: ssl.SSLContext | None = None

    def context(self) -> ssl.SSLContext:
        """The verifying TLS context (system trust plus the configured CA file)."""
        if self._context is None:
            self._context = make_tls_context(self.probe.cafile or self.discovery.cafile)
        return self._context

    def probe_resolver(self) -> Resolver:
        """How probes look up host names."""
        if self.resolver is not None:
            return self.resolver
        if self.discovery.nameservers:
            return DnsResolver(DnsClient(self.discovery.nameservers, self.discovery.timeout))
        return SystemResolver()

    def discoverer(
        self,
        *,
        send_address: bool,
        use_ispdb: bool,
        listener: object = None,
    ) -> Discoverer:
        """A discoverer with the person's privacy choices applied."""
        from dataclasses import replace

        settings = replace(
            self.discovery,
            send_address=send_address,
            ispdb_url=self.discovery.ispdb_url if use_ispdb else None,
        )
        return Discoverer(
            settings,
            knowledge=self.knowledge,
            resolver=self.resolver,
            context=self.context(),
            listener=listener,  # type: ignore[arg-type]
        )

    def prober(
        self,
        *,
        allow_plaintext: bool,
        send_test: bool = False,
        listener: EventListener | None = None,
        pins: tuple[tuple[str, str], ...] = (),
    ) -> Prober:
        """A prober with the person's choices applied (``pins``: the certificates they trust
        by hand, each for its own server only)."""
        from dataclasses import replace

        options = replace(
            self.probe, allow_plaintext=allow_plaintext, send_test=send_test, pins=pins
        )
        return Prober(
            options, resolver=self.probe_resolver(), context=self.context(), listener=listener
        )

    def troubleshooter(self, pins: tuple[tuple[str, str], ...] = ()) -> Troubleshooter:
        """A troubleshooting session on these collaborators."""
        from dataclasses import replace

        return Troubleshooter(
            replace(self.probe, pins=pins),
            context=self.context(),
            resolver=self.probe_resolver(),
        )


class SetupWizard(QWizard):
    """The wizard window.

    Args:
        services: the engine's collaborators (default: the real ones).
        parent: the parent widget.
    """

    def __init__(self, services: Services | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services or Services()
        self.settings = self.services.settings.load()
        purpose = self.settings.purpose
        self.draft = SetupDraft(
            purpose=Purpose(purpose)
            if purpose in {p.value for p in Purpose}
            else Purpose.MAIL_PROGRAM
        )
        self.setWindowTitle(_("SMTP Wizard"))
        self.setWindowIcon(app_icon())
        self.setObjectName("setupWizard")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.FinishButton, _("Close"))
        self.setMinimumSize(QSize(720, 560))
        self.resize(QSize(900, 680))
        if self.settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(self.settings.window_geometry.encode()))

        from smtpwizard.gui.pages import (
            AccountPage,
            ExportPage,
            FixSettingsPage,
            ResultPage,
            ServersPage,
            SignInPage,
            StartPage,
            TestingPage,
            TroubleshootPage,
        )

        self.setPage(PageId.START, StartPage(self))
        self.setPage(PageId.ACCOUNT, AccountPage(self))
        self.setPage(PageId.SERVERS, ServersPage(self))
        self.setPage(PageId.SIGN_IN, SignInPage(self))
        self.setPage(PageId.TESTING, TestingPage(self))
        self.setPage(PageId.RESULT, ResultPage(self))
        self.setPage(PageId.EXPORT, ExportPage(self))
        self.setPage(PageId.FIX_SETTINGS, FixSettingsPage(self))
        self.setPage(PageId.TROUBLESHOOT, TroubleshootPage(self))
        self.setStartId(PageId.START)
        self._shut_down = False

    def shutdown(self) -> None:
        """Stops all work (each run is cancelled and waited for briefly) and saves settings."""
        if self._shut_down:
            return
        self._shut_down = True
        tasks = self.findChildren(Task)
        for task in tasks:
            task.abandon()
        for task in tasks:
            task.wait(1.0)
        self.settings.window_geometry = bytes(self.saveGeometry().toBase64().data()).decode()
        self.services.settings.save(self.settings)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the window cancels everything under way and returns promptly."""
        self.shutdown()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        """Finish or Cancel: stop the work first."""
        self.shutdown()
        super().done(result)
