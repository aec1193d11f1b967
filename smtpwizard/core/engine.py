"""The one place that builds the engine's collaborators from settings.

The command line and the wizard both describe what they want (discovery settings, probe
options, a resolver for tests) and get their discoverer, prober, troubleshooting session,
keyring and settings store from an :class:`Engine`, so the two faces are wired the same way.
Tests pass their own collaborators instead of the real ones.

The flow it wires, one way only::

    address -> discovery -> candidates -> probe (facts) -> diagnosis (words, recommendation)
            -> document -> exporters
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import TYPE_CHECKING
from typing import Any

from smtpwizard.core.discovery.discoverer import Discoverer
from smtpwizard.core.discovery.providers import KnowledgeBase
from smtpwizard.core.discovery.providers import Provider
from smtpwizard.core.discovery.providers import load as load_knowledge_base
from smtpwizard.core.discovery.results import DiscoveryEvent
from smtpwizard.core.discovery.results import DiscoverySettings
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import MatrixResult
from smtpwizard.core.net.address import EmailAddress
from smtpwizard.core.net.dns import DnsClient
from smtpwizard.core.net.dns import DnsResolver
from smtpwizard.core.net.dns import Nameserver
from smtpwizard.core.net.resolve import Resolver
from smtpwizard.core.net.resolve import SystemResolver
from smtpwizard.core.net.tls import trust_context
from smtpwizard.core.probe.matrix import EventListener
from smtpwizard.core.probe.matrix import Prober
from smtpwizard.core.probe.matrix import run_account
from smtpwizard.core.probe.options import ProbeOptions

if TYPE_CHECKING:
    from smtpwizard.core.auth.keyring import CredentialStore
    from smtpwizard.core.store.settings import SettingsStore
    from smtpwizard.core.troubleshoot.session import Troubleshooter

__all__ = ["Assessor", "Engine"]


@dataclass
class Engine:
    """The engine's collaborators, built from settings on first use.

    Attributes:
        discovery: discovery settings (nameservers, CA file, ports); a face applies the
            person's privacy choices on top.
        probe: probe options (timeout, CA file); a face applies the person's choices on top.
        knowledge: the provider knowledge base (default: the bundled one).
        resolver: host lookups for probing and discovery (default: the DNS servers of
            ``discovery`` when set, else the system's resolver).
        credentials: the keyring store (default: the system keyring).
        settings: where remembered choices are kept (default: the user's config folder).
    """

    discovery: DiscoverySettings = field(default_factory=DiscoverySettings)
    probe: ProbeOptions = field(default_factory=ProbeOptions)
    knowledge: KnowledgeBase = field(default_factory=load_knowledge_base)
    resolver: Resolver | None = None
    credentials: CredentialStore = field(default_factory=lambda: _credential_store())
    settings: SettingsStore = field(default_factory=lambda: _settings_store())
    _context: ssl.SSLContext | None = field(default=None, repr=False)
    _context_cafile: str | None = field(default=None, repr=False)
    _built_with: tuple[str | None, str | None, tuple[Nameserver, ...]] = field(
        init=False, repr=False
    )

    def __post_init__(self) -> None:
        self._built_with = (self.probe.cafile, self.discovery.cafile, self.discovery.nameservers)

    def context(self) -> ssl.SSLContext:
        """The verifying TLS context: system trust plus the configured CA file (built again
        when the CA file changed).

        Raises:
            TrustFileError: the CA file cannot be used (the message says why).
        """
        cafile = self.probe.cafile or self.discovery.cafile
        if self._context is None or cafile != self._context_cafile:
            self._context = trust_context(cafile)
            self._context_cafile = cafile
        return self._context

    def choose_network(self, cafile: str | None, nameservers: Sequence[Nameserver]) -> None:
        """Uses the CA file and the DNS servers a person chose, for discovery and probing;
        ``None`` and none go back to the ones the engine was built with.

        Raises:
            TrustFileError: the CA file cannot be used; nothing was changed.
        """
        probe_cafile, discovery_cafile, built_nameservers = self._built_with
        effective = cafile or probe_cafile or discovery_cafile
        context = trust_context(effective)
        self.probe = replace(self.probe, cafile=cafile or probe_cafile)
        self.discovery = replace(
            self.discovery,
            cafile=cafile or discovery_cafile,
            nameservers=tuple(nameservers) or built_nameservers,
        )
        self._context, self._context_cafile = context, effective

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
        send_address: bool | None = None,
        use_ispdb: bool | None = None,
        listener: Callable[[DiscoveryEvent], None] | None = None,
    ) -> Discoverer:
        """A discoverer with the person's privacy choices applied (``None``: the settings')."""
        settings = self.discovery
        if send_address is not None:
            settings = replace(settings, send_address=send_address)
        if use_ispdb is not None and not use_ispdb:
            settings = replace(settings, ispdb_url=None)
        return Discoverer(
            settings,
            knowledge=self.knowledge,
            resolver=self.resolver,
            context=self.context(),
            listener=listener,
        )

    def assessor(
        self,
        *,
        allow_plaintext: bool | None = None,
        send_test: bool | None = None,
        listener: EventListener | None = None,
        pins: tuple[tuple[str, str], ...] | None = None,
    ) -> Assessor:
        """Tests servers with the person's choices applied (``None``: the options'); ``pins``
        are the certificates they trust by hand, each for its own server only."""
        changes: dict[str, Any] = {}
        if allow_plaintext is not None:
            changes["allow_plaintext"] = allow_plaintext
        if send_test is not None:
            changes["send_test"] = send_test
        if pins is not None:
            changes["pins"] = pins
        options = replace(self.probe, **changes)
        prober = Prober(
            options, resolver=self.probe_resolver(), context=self.context(), listener=listener
        )
        return Assessor(prober)

    def troubleshooter(self, pins: tuple[tuple[str, str], ...] = ()) -> Troubleshooter:
        """A step-by-step session on these collaborators."""
        from smtpwizard.core.troubleshoot.session import Troubleshooter

        return Troubleshooter(
            replace(self.probe, pins=pins),
            context=self.context(),
            resolver=self.probe_resolver(),
        )


class Assessor:
    """Tests candidates and reads the result: the probe stage's facts, then the diagnosis'
    recommendation.

    Args:
        prober: runs the matrix of candidates.
    """

    def __init__(self, prober: Prober) -> None:
        self.prober = prober

    def run(
        self,
        email: EmailAddress,
        candidates: Sequence[Candidate],
        *,
        provider: Provider | None = None,
        **kwargs: Any,
    ) -> MatrixResult:
        """Probes the candidates (see :meth:`Prober.run`) and concludes."""
        from smtpwizard.core.diagnosis.recommend import conclude

        return conclude(self.prober.run(email, candidates, **kwargs), provider)

    def run_account(
        self,
        email: EmailAddress,
        outgoing: Sequence[Candidate],
        incoming: Sequence[Candidate] = (),
        *,
        provider: Provider | None = None,
        **kwargs: Any,
    ) -> tuple[MatrixResult, MatrixResult | None]:
        """Probes the outgoing and incoming candidates at once, each with its own verdict
        and login (see :func:`run_account`), and concludes both."""
        from smtpwizard.core.diagnosis.recommend import conclude

        smtp, mailbox = run_account(self.prober, email, outgoing, incoming, **kwargs)
        return conclude(smtp, provider), conclude(
            mailbox, provider
        ) if mailbox is not None else None


def _credential_store() -> CredentialStore:
    from smtpwizard.core.auth.keyring import CredentialStore

    return CredentialStore()


def _settings_store() -> SettingsStore:
    from smtpwizard.core.store.settings import SettingsStore

    return SettingsStore()
