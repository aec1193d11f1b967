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

import contextlib
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING
from typing import Any

from smtpwizard.core.discovery.options import DiscoverySettings
from smtpwizard.core.discovery.providers import KnowledgeBase
from smtpwizard.core.discovery.providers import Provider
from smtpwizard.core.discovery.providers import load as load_knowledge_base
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import MatrixResult
from smtpwizard.core.model import Protocol
from smtpwizard.core.net.address import EmailAddress
from smtpwizard.core.probe.options import ProbeOptions

# Discovery's lookups (DNS, HTTPS) and signing in are imported where they are used: a probe
# of a given server needs neither, and the command line starts without their weight.
if TYPE_CHECKING:
    import ssl

    from smtpwizard.core.auth.flows import OpenBrowser
    from smtpwizard.core.auth.keyring import CredentialStore
    from smtpwizard.core.auth.oauth import OAuthSettings
    from smtpwizard.core.auth.signin import FetchHttp
    from smtpwizard.core.auth.signin import Flow
    from smtpwizard.core.auth.signin import SignInRequest
    from smtpwizard.core.auth.signin import TokenKeeper
    from smtpwizard.core.discovery.discoverer import Discoverer
    from smtpwizard.core.discovery.results import DiscoveryEvent
    from smtpwizard.core.discovery.signin import SignInPlan
    from smtpwizard.core.login import SignIn
    from smtpwizard.core.net.dns import Nameserver
    from smtpwizard.core.net.resolve import Resolver
    from smtpwizard.core.probe.matrix import EventListener
    from smtpwizard.core.probe.matrix import Prober
    from smtpwizard.core.store.settings import SettingsStore
    from smtpwizard.core.troubleshoot.session import Troubleshooter

__all__ = ["Assessor", "Engine"]


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

    The keyring and the settings store are made when first asked for: a probe with a
    password given uses neither, and loading them is a tenth of its start.
    """

    def __init__(
        self,
        discovery: DiscoverySettings | None = None,
        probe: ProbeOptions | None = None,
        knowledge: KnowledgeBase | None = None,
        resolver: Resolver | None = None,
        credentials: CredentialStore | None = None,
        settings: SettingsStore | None = None,
    ) -> None:
        self.discovery = discovery if discovery is not None else DiscoverySettings()
        self.probe = probe if probe is not None else ProbeOptions()
        self.knowledge = knowledge if knowledge is not None else load_knowledge_base()
        self.resolver = resolver
        self._credentials = credentials
        self._settings = settings
        self._context: ssl.SSLContext | None = None
        self._context_cafile: str | None = None
        self._built_with = (self.probe.cafile, self.discovery.cafile, self.discovery.nameservers)

    @property
    def credentials(self) -> CredentialStore:
        """The keyring store."""
        if self._credentials is None:
            from smtpwizard.core.auth.keyring import CredentialStore

            self._credentials = CredentialStore()
        return self._credentials

    @credentials.setter
    def credentials(self, store: CredentialStore) -> None:
        self._credentials = store

    @property
    def settings(self) -> SettingsStore:
        """The store of remembered choices."""
        if self._settings is None:
            from smtpwizard.core.store.settings import SettingsStore

            self._settings = SettingsStore()
        return self._settings

    @settings.setter
    def settings(self, store: SettingsStore) -> None:
        self._settings = store

    def context(self) -> ssl.SSLContext:
        """The verifying TLS context: system trust plus the configured CA file (built again
        when the CA file changed).

        Raises:
            TrustFileError: the CA file cannot be used (the message says why).
        """
        from smtpwizard.core.net.tls import trust_context  # ssl loads with the first test

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
        from smtpwizard.core.net.tls import trust_context

        probe_cafile, discovery_cafile, built_nameservers = self._built_with
        effective = cafile or probe_cafile or discovery_cafile
        # A CA file is read now, to say at once when it cannot be used; the system's
        # authorities alone need no check and load with the first test (off the GUI thread).
        context = trust_context(effective) if effective else None
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
            from smtpwizard.core.net.dns import DnsClient
            from smtpwizard.core.net.dns import DnsResolver

            return DnsResolver(DnsClient(self.discovery.nameservers, self.discovery.timeout))
        from smtpwizard.core.net.resolve import SystemResolver

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
        from smtpwizard.core.discovery.discoverer import Discoverer

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
        sign_in: SignIn | None = None,
        dry_run: bool | None = None,
    ) -> Assessor:
        """Tests servers with the person's choices applied (``None``: the options'); ``pins``
        are the certificates they trust by hand, each for its own server only; ``sign_in``
        says whether the login is a password or an OAuth 2.0 token; ``dry_run=False`` stops
        each probe before the sender and recipient check."""
        changes: dict[str, Any] = {}
        if dry_run is not None:
            changes["dry_run"] = dry_run
        if sign_in is not None:
            changes["sign_in"] = sign_in
        if allow_plaintext is not None:
            changes["allow_plaintext"] = allow_plaintext
        if send_test is not None:
            changes["send_test"] = send_test
        if pins is not None:
            changes["pins"] = pins
        options = replace(self.probe, **changes)
        from smtpwizard.core.probe.matrix import Prober  # the probing machinery, when used

        prober = Prober(
            options, resolver=self.probe_resolver(), context=self.context(), listener=listener
        )
        return Assessor(prober)

    def oauth_http(self) -> FetchHttp:
        """The HTTPS requests of signing in: the engine's TLS context and resolver."""
        from smtpwizard.core.auth.signin import FetchHttp
        from smtpwizard.core.net.fetch import FetchSettings

        timeout = max(self.probe.timeout, 10.0)
        return FetchHttp(
            FetchSettings(context=self.context(), timeout=timeout), self.probe_resolver()
        )

    def token_keeper(self, open_browser: OpenBrowser | None = None) -> TokenKeeper:
        """Gets OAuth 2.0 tokens, keeping refresh tokens in the keyring; the browser opens
        with Python's webbrowser (which honours ``$BROWSER``) unless ``open_browser`` says."""
        from smtpwizard.core.auth.signin import TokenKeeper

        http = self.oauth_http()
        if open_browser is None:
            return TokenKeeper(http, self.credentials)
        return TokenKeeper(http, self.credentials, open_browser=open_browser)

    def oauth_settings(
        self,
        plan: SignInPlan | None = None,
        *,
        issuer: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> OAuthSettings:
        """Where and how to sign in with OAuth 2.0: what the person gave first, then what the
        sources said (the plan), then the issuer's own metadata for what is still open, and
        a client ID remembered for that sign-in server.

        The metadata is read when the sign-in cannot start without it, or when only the
        device flow's endpoint is missing (the fallback where no browser opens); a failure
        to read it then is no failure of the sign-in.

        Raises:
            SignInError: the issuer's metadata could not be read or names another issuer.
        """
        from smtpwizard.core.auth.oauth import OAuthSettings
        from smtpwizard.core.auth.oauth import read_metadata
        from smtpwizard.core.errors import SignInError
        from smtpwizard.core.i18n import _

        settings = OAuthSettings(issuer=issuer, sources=(_("you"),) if issuer else ())
        settings = settings.with_client(client_id, _("you"))
        if client_secret:
            settings = replace(settings, client_secret=client_secret)
        if plan is not None and plan.oauth is not None:
            settings = settings.merged(plan.oauth)
        if settings.issuer and (issuer or not settings.can_sign_in):
            settings = settings.merged(read_metadata(settings.issuer, self.oauth_http().get_json))
        elif (
            settings.issuer and settings.device_flow and not settings.device_authorization_endpoint
        ):
            with contextlib.suppress(SignInError):  # the browser flow still works without
                found = read_metadata(settings.issuer, self.oauth_http().get_json)
                settings = settings.merged(found)
        if not settings.client_id and settings.token_endpoint:
            remembered = self.settings.load().client_id_for(settings.token_endpoint)
            settings = settings.with_client(remembered, _("your settings"))
        return settings

    def sign_in_request(
        self,
        email: EmailAddress,
        settings: OAuthSettings,
        protocols: Iterable[Protocol] = (Protocol.SMTP,),
        *,
        flow: Flow = "browser",
        login_hint: str | None = None,
    ) -> SignInRequest:
        """The sign-in for probing ``email`` with these protocols: their scopes together, so
        one token serves every server tested, and the engine's CA file kept with it."""
        from smtpwizard.core.auth.signin import SignInRequest

        return SignInRequest(
            account=str(email),
            settings=settings,
            scopes=settings.scopes_for(protocols),
            flow=flow,
            login_hint=login_hint or str(email),
            cafile=self.probe.cafile,
        )

    def prepare_sign_in(
        self,
        email: EmailAddress,
        plan: SignInPlan | None,
        protocols: Iterable[Protocol] = (Protocol.SMTP,),
        *,
        issuer: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        flow: Flow = "browser",
        login_hint: str | None = None,
    ) -> SignInRequest:
        """The sign-in for ``email`` from everything known: the person's choices, the plan,
        the issuer's metadata, a remembered client ID, and the account's stored sign-in
        (which works without a client ID given again). :meth:`SignInRequest.problem` says
        whether it can start.

        Raises:
            SignInError: the issuer's metadata could not be read or names another issuer.
        """
        settings = self.oauth_settings(
            plan, issuer=issuer, client_id=client_id, client_secret=client_secret
        )
        if not settings.client_id or not settings.can_sign_in:
            stored = self.token_keeper().stored(str(email))
            if stored is not None and (not client_id or client_id == stored.settings.client_id):
                settings = stored.settings.merged(settings)
        return self.sign_in_request(email, settings, protocols, flow=flow, login_hint=login_hint)

    def remember_client_id(self, settings: OAuthSettings) -> None:
        """Keeps the client ID of a sign-in that worked for its token endpoint, so that the
        next sign-in there needs it no more."""
        if not settings.client_id or not settings.token_endpoint:
            return
        saved = self.settings.load()
        if saved.client_id_for(settings.token_endpoint) == settings.client_id:
            return
        saved.remember_client_id(settings.token_endpoint, settings.client_id)
        self.settings.save(saved)

    def troubleshooter(
        self, pins: tuple[tuple[str, str], ...] = (), recorded_cafile: str | None = None
    ) -> Troubleshooter:
        """A step-by-step session on these collaborators.

        Args:
            pins: certificates the person trusted by hand, per host.
            recorded_cafile: the CA file the settings being checked name; it is trusted
                when the engine has none of its own (the person's choice wins).

        Raises:
            TrustFileError: that CA file cannot be used.
        """
        from smtpwizard.core.net.tls import trust_context
        from smtpwizard.core.troubleshoot.session import Troubleshooter

        probe = replace(self.probe, pins=pins)
        if recorded_cafile and not probe.cafile:
            probe = replace(probe, cafile=recorded_cafile)
            context = trust_context(recorded_cafile)
        else:
            context = self.context()
        return Troubleshooter(probe, context=context, resolver=self.probe_resolver())


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
        from smtpwizard.core.probe.matrix import run_account

        smtp, mailbox = run_account(self.prober, email, outgoing, incoming, **kwargs)
        return conclude(smtp, provider), conclude(
            mailbox, provider
        ) if mailbox is not None else None
