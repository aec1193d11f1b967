"""Where and how to sign in with OAuth 2.0: endpoints, scopes and the client ID, from every
source that can say it.

The sources, as discovery meets them: the provider knowledge base (issuer, endpoints and
scopes of the big providers; no client ID unless the provider publishes an open one), the
domain's autoconfig document (``<authentication>OAuth2``, and the draft clientConfig 1.2
``<oAuth2>`` element), the issuer's own metadata (RFC 8414, OpenID Connect discovery), and the
person (``--oauth2-client-id``, ``--oauth2-issuer``, settings). :meth:`OAuthSettings.merged`
puts them together, the first source that says something winning, and remembers every
source for the explanation.

A client ID is configuration, never a constant borrowed from another application.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any

from smtpwizard.core.errors import FetchError
from smtpwizard.core.errors import SignInError
from smtpwizard.core.i18n import _
from smtpwizard.core.login import SignInProblem
from smtpwizard.core.model import Protocol

__all__ = [
    "ALL_PROTOCOLS",
    "OAuthSettings",
    "https_url",
    "metadata_urls",
    "parse_json",
    "read_metadata",
    "settings_from_mapping",
]

#: The key of scopes every protocol needs (``offline_access``, a refresh token).
ALL_PROTOCOLS = "all"

FetchJson = Callable[[str], Mapping[str, Any]]
"""Fetches a JSON document (raises FetchError); the engine gives one on its HTTPS fetch."""


@dataclass(frozen=True, slots=True)
class OAuthSettings:
    """How to sign in with OAuth 2.0 at one provider.

    Attributes:
        issuer: the authorization server's identifier (RFC 8414), e.g.
            ``https://login.microsoftonline.com/common/v2.0``.
        authorization_endpoint: where the browser signs in.
        token_endpoint: where codes and refresh tokens become access tokens.
        device_authorization_endpoint: where a device code is asked for (RFC 8628), if any.
        scopes: the scopes for each protocol (``"smtp"``, ``"imap"``, ``"pop3"``) and those
            every sign-in asks for (``"all"``).
        client_id: the registered application's ID.
        client_secret: a "secret" that desktop clients of some providers carry (Google's
            "Desktop app" clients); not a secret for a native app, but kept out of sight.
        iss_in_response: the server adds ``iss`` to its answer in the browser (RFC 9207),
            so an answer without it is refused.
        device_flow: whether the provider lets mail scopes use the device flow (Google
            refuses it for Gmail).
        sources: where the pieces came from, in words, first source first.
    """

    issuer: str | None = None
    authorization_endpoint: str | None = None
    token_endpoint: str | None = None
    device_authorization_endpoint: str | None = None
    scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    iss_in_response: bool = False
    device_flow: bool = True
    sources: tuple[str, ...] = ()

    @property
    def can_sign_in(self) -> bool:
        """Whether the endpoints for a sign-in in the browser are known."""
        return bool(self.authorization_endpoint and self.token_endpoint)

    def scopes_for(self, protocols: Iterable[Protocol]) -> tuple[str, ...]:
        """The scopes to ask for to use these protocols, in a stable order."""
        wanted: list[str] = []
        for key in (*(str(p) for p in protocols), ALL_PROTOCOLS):
            wanted.extend(self.scopes.get(key, ()))
        return tuple(dict.fromkeys(wanted))

    def merged(self, other: OAuthSettings) -> OAuthSettings:
        """These settings, with what they leave open taken from ``other``."""
        scopes = dict(other.scopes)
        scopes.update({key: value for key, value in self.scopes.items() if value})
        return OAuthSettings(
            issuer=self.issuer or other.issuer,
            authorization_endpoint=self.authorization_endpoint or other.authorization_endpoint,
            token_endpoint=self.token_endpoint or other.token_endpoint,
            device_authorization_endpoint=(
                self.device_authorization_endpoint or other.device_authorization_endpoint
            ),
            scopes=scopes,
            client_id=self.client_id or other.client_id,
            client_secret=self.client_secret or other.client_secret,
            iss_in_response=self.iss_in_response or other.iss_in_response,
            device_flow=self.device_flow and other.device_flow,
            sources=tuple(dict.fromkeys((*self.sources, *other.sources))),
        )

    def with_client(self, client_id: str | None, source: str) -> OAuthSettings:
        """These settings with a client ID given by ``source`` (when there is one)."""
        if not client_id:
            return self
        return replace(self, client_id=client_id, sources=(*self.sources, source))


def https_url(value: Any) -> str | None:
    """An https URL, or ``None``."""
    if not isinstance(value, str):
        return None
    parts = urllib.parse.urlsplit(value.strip())
    # Endpoints only over HTTPS: the token endpoint receives the code and the tokens.
    if parts.scheme != "https" or not parts.hostname:
        return None
    return value.strip()


def settings_from_mapping(data: Mapping[str, Any], source: str) -> OAuthSettings:
    """Settings from a mapping with the knowledge base's keys (``issuer``, ``authorization``,
    ``token``, ``device``, ``scopes``, ``client_id``, ``device_flow``); unusable values
    (not https, not strings) are left out."""
    scopes: dict[str, tuple[str, ...]] = {}
    raw = data.get("scopes")
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                scopes[str(key)] = tuple(value)
    elif isinstance(raw, str):
        scopes[ALL_PROTOCOLS] = tuple(raw.split())
    client_id = data.get("client_id")
    return OAuthSettings(
        issuer=https_url(data.get("issuer")),
        authorization_endpoint=https_url(data.get("authorization")),
        token_endpoint=https_url(data.get("token")),
        device_authorization_endpoint=https_url(data.get("device")),
        scopes=scopes,
        client_id=client_id if isinstance(client_id, str) and client_id.strip() else None,
        device_flow=data.get("device_flow") is not False,
        sources=(source,),
    )


def metadata_urls(issuer: str) -> tuple[str, ...]:
    """Where an issuer's metadata may be: RFC 8414's well-known place (inserted before the
    issuer's path), then OpenID Connect discovery's (appended to it)."""
    parts = urllib.parse.urlsplit(issuer.rstrip("/"))
    base = f"{parts.scheme}://{parts.netloc}"
    path = parts.path
    return (
        f"{base}/.well-known/oauth-authorization-server{path}",
        f"{base}{path}/.well-known/openid-configuration",
    )


def read_metadata(issuer: str, fetch_json: FetchJson) -> OAuthSettings:
    """The issuer's metadata (RFC 8414 or OpenID Connect discovery) as settings.

    Raises:
        SignInError: no metadata could be read, or it names another issuer (RFC 8414 §3.3).
    """
    problems: list[str] = []
    for url in metadata_urls(issuer):
        try:
            document = fetch_json(url)
        except FetchError as exc:
            problems.append(str(exc))
            continue
        named = document.get("issuer")
        if isinstance(named, str) and named.rstrip("/") != issuer.rstrip("/"):
            raise SignInError(
                SignInProblem.ISSUER_MISMATCH,
                _("The sign-in server's description names another issuer ({named}).").format(
                    named=named
                ),
            )
        return OAuthSettings(
            issuer=issuer,
            authorization_endpoint=https_url(document.get("authorization_endpoint")),
            token_endpoint=https_url(document.get("token_endpoint")),
            device_authorization_endpoint=https_url(document.get("device_authorization_endpoint")),
            iss_in_response=document.get("authorization_response_iss_parameter_supported") is True,
            sources=(_("the sign-in server's own description ({url})").format(url=url),),
        )
    raise SignInError(
        SignInProblem.NO_METADATA,
        _("The sign-in server {issuer} did not describe itself: {problems}").format(
            issuer=issuer, problems="; ".join(dict.fromkeys(problems))
        ),
    )


def parse_json(body: bytes) -> Mapping[str, Any]:
    """A JSON object from a response body (an empty mapping when it is not one)."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}
