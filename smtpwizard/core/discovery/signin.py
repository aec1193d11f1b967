"""How the servers of an address want to be signed in to, and why we think so.

Sources, strongest first: the provider knowledge base (a provider that accepts only its own
sign-in, and where that sign-in is), the domain's configuration documents (their
``<authentication>`` words and the draft ``<oAuth2>`` element), and, once probed, what the
servers offer (``AUTH XOAUTH2 OAUTHBEARER`` without ``PLAIN`` or ``LOGIN``).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass

from smtpwizard.core.auth.oauth import OAuthSettings
from smtpwizard.core.auth.sasl import OAUTH_MECHANISMS
from smtpwizard.core.auth.sasl import SUPPORTED_MECHANISMS
from smtpwizard.core.discovery.providers import Provider
from smtpwizard.core.discovery.providers import Requirement
from smtpwizard.core.i18n import _
from smtpwizard.core.login import SignIn
from smtpwizard.core.model import Candidate

__all__ = ["SignInPlan", "plan_sign_in", "servers_offer_only_tokens"]

_PASSWORDS = frozenset({SignIn.PASSWORD, SignIn.CRAM_MD5})


@dataclass(frozen=True, slots=True)
class SignInPlan:
    """How to sign in, as the sources say.

    Attributes:
        methods: the ways the sources name, strongest source first (empty: none says).
        oauth: where to sign in with OAuth 2.0, merged from the sources that say.
        reasons: why, in words, one sentence a source.
    """

    methods: tuple[SignIn, ...] = ()
    oauth: OAuthSettings | None = None
    reasons: tuple[str, ...] = ()

    @property
    def oauth_only(self) -> bool:
        """Whether the sources say OAuth 2.0 and no password works."""
        return SignIn.OAUTH2 in self.methods and not (set(self.methods) & _PASSWORDS)

    @property
    def offers_oauth(self) -> bool:
        """Whether signing in with OAuth 2.0 is possible here, as far as the sources say."""
        return SignIn.OAUTH2 in self.methods or self.oauth is not None


def plan_sign_in(
    provider: Provider | None,
    servers: Sequence[Candidate] = (),
    documents: Iterable[OAuthSettings] = (),
) -> SignInPlan:
    """The plan from the provider, the servers' sign-in words and the documents' ``<oAuth2>``."""
    methods: list[SignIn] = []
    reasons: list[str] = []
    oauth: OAuthSettings | None = None
    if provider is not None:
        if Requirement.OAUTH2_ONLY in provider.requirements:
            methods.append(SignIn.OAUTH2)
            reasons.append(
                _("{name} accepts only its own sign-in (OAuth 2.0), not passwords").format(
                    name=provider.name
                )
            )
        elif provider.oauth is not None:
            methods.extend((SignIn.PASSWORD, SignIn.OAUTH2))
            reasons.append(
                _(
                    "{name} takes a password or an app password, or its own sign-in (OAuth 2.0)"
                ).format(name=provider.name)
            )
        oauth = provider.oauth
    for server in servers:
        if not server.sign_in:
            continue
        words = ", ".join(str(s) for s in server.sign_in)
        reason = _("{where} says to sign in with: {words}").format(
            where=server.source_detail or server.source, words=words
        )
        if reason not in reasons:
            reasons.append(reason)
        methods.extend(server.sign_in)
    for document in documents:
        oauth = document if oauth is None else oauth.merged(document)
        reasons.append(
            _("{source} names where to sign in with OAuth 2.0").format(
                source=document.sources[0] if document.sources else _("a document")
            )
        )
    return SignInPlan(tuple(dict.fromkeys(methods)), oauth, tuple(reasons))


def servers_offer_only_tokens(offered: Iterable[str]) -> bool:
    """Whether a server's login mechanisms take only tokens (no password mechanism)."""
    mechanisms = set(offered)
    return bool(mechanisms & OAUTH_MECHANISMS) and not (mechanisms & set(SUPPORTED_MECHANISMS))
