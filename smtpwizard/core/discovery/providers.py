"""The offline provider knowledge base: who runs mail for a domain, and how to reach them.

The data lives in ``resources/providers.json`` (schema below, enforced by :func:`load`). A
provider is recognised by the address's domain, or by the host names of the domain's MX
records (a custom domain whose MX is Google's is Google Workspace).

Schema of one provider entry (JSON object)::

    id            lower-case slug, unique ("gmail", "amazon-ses")
    name          what people call it ("Gmail")
    kind          "mailbox" (people's mail accounts) or "service" (sending/relay services)
    domains       email domains, lower-case, exact ("gmail.com"); may be empty
    mx            MX host patterns, lower-case: "host.example" matches exactly,
                  "*.example" matches any name below example; may be empty
    smtp          outgoing servers: [{"host", "port", "security", "verified"?, "note"?}]
    incoming      incoming servers: [{"protocol": "imap"|"pop3", "host", "port", "security", ...}]
    username      "%EMAILADDRESS%", "%EMAILLOCALPART%", a fixed name ("apikey"), a name
                  using %EMAILDOMAIN%, or "" when the service issues one (then
                  username_hint says where to find it)
    username_hint plain words on the username (may be "")
    password_hint plain words on what goes in the password field (may be "")
    requirements  list of: app_password, app_password_with_2fa, oauth2_only,
                  admin_enable_smtp_auth, enable_access, api_key, verified_sender,
                  local_bridge, no_smtp
    help_url      the provider's own help page (https)
    app_password_url  where app passwords are made, or null
    notes         list of short plain-language notes
    variables     {"name": {"values": [...], "default": "..."}}; hosts may use "{name}"
    sources       list of source URLs the facts were taken from (at least one)
    checked       ISO date the facts were checked against those sources

A server's ``verified`` is false for values no primary source confirms (probe them, never
recommend them untested).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from functools import cache
from typing import Any

from smtpwizard.core.auth.oauth import OAuthSettings
from smtpwizard.core.auth.oauth import settings_from_mapping
from smtpwizard.core.errors import KnowledgeBaseError
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Security
from smtpwizard.core.model import Source
from smtpwizard.resources_access import resource

__all__ = [
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Protocol",
    "Provider",
    "ProviderKind",
    "Requirement",
    "ServerSpec",
    "Variable",
    "load",
    "parse",
    "parse_provider",
]


class ProviderKind(StrEnum):
    """Mailbox providers hold people's mail; services only send it."""

    MAILBOX = "mailbox"
    SERVICE = "service"


class Requirement(StrEnum):
    """What a person must do, besides knowing their password, for SMTP login to work."""

    APP_PASSWORD = "app_password"
    APP_PASSWORD_WITH_2FA = "app_password_with_2fa"
    OAUTH2_ONLY = "oauth2_only"
    ADMIN_ENABLE_SMTP_AUTH = "admin_enable_smtp_auth"
    ENABLE_ACCESS = "enable_access"
    API_KEY = "api_key"
    VERIFIED_SENDER = "verified_sender"
    LOCAL_BRIDGE = "local_bridge"
    NO_SMTP = "no_smtp"


@dataclass(frozen=True, slots=True)
class ServerSpec:
    """One server of a provider."""

    protocol: Protocol
    host: str
    port: int
    security: Security
    verified: bool = True
    note: str = ""


@dataclass(frozen=True, slots=True)
class Variable:
    """A choice inside host names, such as an Amazon SES region."""

    values: tuple[str, ...]
    default: str


@dataclass(frozen=True, slots=True)
class Provider:
    """One entry of the knowledge base."""

    id: str
    name: str
    kind: ProviderKind
    domains: tuple[str, ...]
    mx: tuple[str, ...]
    smtp: tuple[ServerSpec, ...]
    incoming: tuple[ServerSpec, ...]
    username: str
    username_hint: str
    password_hint: str
    requirements: frozenset[Requirement]
    help_url: str
    app_password_url: str | None
    notes: tuple[str, ...]
    variables: Mapping[str, Variable] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    checked: dt.date = dt.date(1970, 1, 1)
    oauth: OAuthSettings | None = None
    """How to sign in with OAuth 2.0 here, when the provider offers it."""

    def matches_mx(self, host: str) -> bool:
        """Whether an MX host name belongs to this provider."""
        host = host.rstrip(".").lower()
        for pattern in self.mx:
            if pattern.startswith("*."):
                if host.endswith(pattern[1:]):
                    return True
            elif host == pattern:
                return True
        return False

    def username_for(self, email: str) -> str | None:
        """The login name for ``email`` by this provider's convention (None: service-issued)."""
        local, _, domain = email.rpartition("@")
        if not self.username:
            return None
        return (
            self.username.replace("%EMAILADDRESS%", email)
            .replace("%EMAILLOCALPART%", local)
            .replace("%EMAILDOMAIN%", domain)
        )

    def _expand(self, host: str, choices: Mapping[str, str]) -> str:
        for name, variable in self.variables.items():
            host = host.replace("{" + name + "}", choices.get(name, variable.default))
        return host

    def candidates(
        self, choices: Mapping[str, str] | None = None, detail: str = ""
    ) -> list[Candidate]:
        """The provider's outgoing servers as candidates (variables filled from ``choices``)."""
        choices = choices or {}
        return [
            Candidate(
                self._expand(s.host, choices),
                s.port,
                s.security,
                Source.PROVIDER,
                detail or self.name,
            )
            for s in self.smtp
        ]

    def incoming_servers(self, choices: Mapping[str, str] | None = None) -> list[ServerSpec]:
        """The provider's incoming servers, variables filled in."""
        choices = choices or {}
        return [
            ServerSpec(
                s.protocol, self._expand(s.host, choices), s.port, s.security, s.verified, s.note
            )
            for s in self.incoming
        ]


_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_HOST = re.compile(
    r"^(\*\.)?([a-z0-9{}]([a-z0-9{}_-]*[a-z0-9{}])?\.)*[a-z0-9{}]([a-z0-9{}-]*[a-z0-9{}])?$"
)


def _is_ip(host: str) -> bool:
    return bool(re.fullmatch(r"[0-9.]+|[0-9a-f:]+", host)) and ("." in host or ":" in host)


def _fail(entry: str, message: str) -> KnowledgeBaseError:
    return KnowledgeBaseError(f"provider {entry!r}: {message}")


def _strings(entry: str, data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(entry, f"{key} must be a list of non-empty strings")
    return tuple(value)


def _server(entry: str, data: Any, protocol: Protocol | None) -> ServerSpec:
    if not isinstance(data, dict):
        raise _fail(entry, "a server must be an object")
    unknown = set(data) - {"protocol", "host", "port", "security", "verified", "note"}
    if unknown:
        raise _fail(entry, f"unknown server fields {sorted(unknown)}")
    try:
        proto = protocol or Protocol(str(data.get("protocol", "")))
    except ValueError:
        raise _fail(entry, f"unknown protocol {data.get('protocol')!r}") from None
    if protocol is None and proto is Protocol.SMTP:
        raise _fail(entry, "incoming servers must be imap or pop3")
    host = data.get("host")
    if not isinstance(host, str) or not _HOST.match(host) or host.startswith("*."):
        raise _fail(entry, f"bad host {host!r}")
    port = data.get("port")
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise _fail(entry, f"bad port {port!r} for {host}")
    try:
        security = Security(str(data.get("security")))
    except ValueError:
        raise _fail(entry, f"bad security {data.get('security')!r} for {host}") from None
    verified = data.get("verified", True)
    note = data.get("note", "")
    if not isinstance(verified, bool) or not isinstance(note, str):
        raise _fail(entry, f"bad verified/note for {host}")
    return ServerSpec(proto, host, port, security, verified, note)


def parse_provider(data: Any) -> Provider:
    """Validates one entry and builds the :class:`Provider`.

    Raises:
        KnowledgeBaseError: with the entry's id and what is wrong.
    """
    if not isinstance(data, dict):
        raise KnowledgeBaseError("every provider must be a JSON object")
    entry = str(data.get("id", "?"))
    allowed = {
        "id",
        "name",
        "kind",
        "domains",
        "mx",
        "smtp",
        "incoming",
        "username",
        "username_hint",
        "password_hint",
        "requirements",
        "oauth2",
        "help_url",
        "app_password_url",
        "notes",
        "variables",
        "sources",
        "checked",
    }
    unknown = set(data) - allowed
    if unknown:
        raise _fail(entry, f"unknown fields {sorted(unknown)}")
    if not _ID.match(entry):
        raise _fail(entry, "id must be a lower-case slug")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(entry, "name is required")
    try:
        kind = ProviderKind(str(data.get("kind")))
    except ValueError:
        raise _fail(entry, "kind must be mailbox or service") from None
    domains = _strings(entry, data, "domains")
    mx = _strings(entry, data, "mx")
    for value in (*domains, *mx):
        if value != value.lower() or not _HOST.match(value):
            raise _fail(entry, f"bad domain or MX pattern {value!r}")
    try:
        requirements = frozenset(Requirement(r) for r in _strings(entry, data, "requirements"))
    except ValueError:
        raise _fail(entry, f"unknown value in requirements {data.get('requirements')!r}") from None
    smtp_data = data.get("smtp", [])
    incoming_data = data.get("incoming", [])
    if not isinstance(smtp_data, list) or not isinstance(incoming_data, list):
        raise _fail(entry, "smtp and incoming must be lists")
    smtp = tuple(_server(entry, s, Protocol.SMTP) for s in smtp_data)
    incoming = tuple(_server(entry, s, None) for s in incoming_data)
    if not smtp and Requirement.NO_SMTP not in requirements:
        raise _fail(entry, "no smtp servers (use the no_smtp requirement if there are none)")
    username = data.get("username", "")
    if not isinstance(username, str):
        raise _fail(entry, "username must be a string")
    if "%" in re.sub(r"%EMAIL(ADDRESS|LOCALPART|DOMAIN)%", "", username):
        raise _fail(entry, f"unknown placeholder in username {username!r}")
    hints = {}
    for key in ("username_hint", "password_hint"):
        value = data.get(key, "")
        if not isinstance(value, str):
            raise _fail(entry, f"{key} must be a string")
        hints[key] = value
    if not username and not hints["username_hint"]:
        raise _fail(entry, "a service-issued username needs a username_hint")
    help_url = data.get("help_url")
    if not isinstance(help_url, str) or not help_url.startswith("https://"):
        raise _fail(entry, "help_url must be an https link to the provider's help")
    app_url = data.get("app_password_url")
    if app_url is not None and (not isinstance(app_url, str) or not app_url.startswith("https://")):
        raise _fail(entry, "app_password_url must be an https link or null")
    variables: dict[str, Variable] = {}
    raw_vars = data.get("variables", {})
    if not isinstance(raw_vars, dict):
        raise _fail(entry, "variables must be an object")
    for var, spec in raw_vars.items():
        values = spec.get("values") if isinstance(spec, dict) else None
        default = spec.get("default") if isinstance(spec, dict) else None
        if not isinstance(values, list) or not values or default not in values:
            raise _fail(entry, f"variable {var!r} needs values and a default among them")
        variables[var] = Variable(tuple(str(v) for v in values), str(default))
    for server in (*smtp, *incoming):
        for var in re.findall(r"{(\w+)}", server.host):
            if var not in variables:
                raise _fail(entry, f"host {server.host} uses undefined variable {var!r}")
    sources = _strings(entry, data, "sources")
    if not sources or not all(s.startswith(("https://", "http://")) for s in sources):
        raise _fail(entry, "sources must hold at least one link")
    oauth = _oauth(entry, name, data.get("oauth2"))
    try:
        checked = dt.date.fromisoformat(str(data.get("checked")))
    except ValueError:
        raise _fail(entry, "checked must be an ISO date (YYYY-MM-DD)") from None
    return Provider(
        id=entry,
        name=name,
        kind=kind,
        domains=domains,
        mx=mx,
        smtp=smtp,
        incoming=incoming,
        username=username,
        username_hint=hints["username_hint"],
        password_hint=hints["password_hint"],
        requirements=requirements,
        help_url=help_url,
        app_password_url=app_url,
        notes=_strings(entry, data, "notes"),
        variables=variables,
        sources=sources,
        checked=checked,
        oauth=oauth,
    )


def _oauth(entry: str, name: str, data: Any) -> OAuthSettings | None:
    """The provider's OAuth 2.0 endpoints and scopes, checked."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise _fail(entry, "oauth2 must be an object")
    allowed = {
        "issuer",
        "authorization",
        "token",
        "device",
        "scopes",
        "client_id",
        "device_flow",
        "sources",
    }
    unknown = set(data) - allowed
    if unknown:
        raise _fail(entry, f"unknown oauth2 fields {sorted(unknown)}")
    settings = settings_from_mapping(
        data, _("smtpwizard's provider list ({name})").format(name=name)
    )
    for key in ("authorization", "token", "issuer", "device"):
        if (
            key in data
            and data[key] is not None
            and getattr(
                settings,
                {
                    "authorization": "authorization_endpoint",
                    "token": "token_endpoint",
                    "device": "device_authorization_endpoint",
                }.get(key, key),
            )
            is None
        ):
            raise _fail(entry, f"oauth2 {key} must be an https link")
    if not settings.can_sign_in:
        raise _fail(entry, "oauth2 needs its authorization and token endpoints")
    if not settings.scopes:
        raise _fail(entry, "oauth2 needs its scopes")
    links = data.get("sources")
    if (
        not isinstance(links, list)
        or not links
        or not all(isinstance(link, str) and link.startswith("https://") for link in links)
    ):
        raise _fail(entry, "oauth2 sources must hold at least one link")
    return settings


class KnowledgeBase:
    """All providers, with lookups by id, email domain and MX host."""

    def __init__(self, providers: Iterable[Provider]) -> None:
        self.providers: tuple[Provider, ...] = tuple(providers)
        self._by_id: dict[str, Provider] = {}
        self._by_domain: dict[str, Provider] = {}
        for provider in self.providers:
            if provider.id in self._by_id:
                raise KnowledgeBaseError(f"provider {provider.id!r} appears twice")
            self._by_id[provider.id] = provider
            for domain in provider.domains:
                if domain in self._by_domain:
                    other = self._by_domain[domain].id
                    raise KnowledgeBaseError(
                        f"domain {domain!r} belongs to both {other!r} and {provider.id!r}"
                    )
                self._by_domain[domain] = provider

    def get(self, provider_id: str) -> Provider | None:
        """The provider with this id."""
        return self._by_id.get(provider_id)

    def by_domain(self, domain: str) -> Provider | None:
        """The provider whose mail domain this is."""
        return self._by_domain.get(domain.rstrip(".").lower())

    def by_mx(self, hosts: Sequence[str]) -> Provider | None:
        """The provider running these MX hosts (the first host that matches decides)."""
        for host in hosts:
            for provider in self.providers:
                if provider.matches_mx(host):
                    return provider
        return None

    def by_smtp_host(self, host: str, port: int | None = None) -> Provider | None:
        """The provider that runs this outgoing server (variables in host names match any
        label), when only the server is known. An IP address (Proton Bridge's 127.0.0.1)
        only identifies a provider together with its port."""
        host = host.rstrip(".").lower()
        for provider in self.providers:
            for server in provider.smtp:
                if _is_ip(server.host) and port != server.port:
                    continue
                if "{" not in server.host:  # most names are plain: no pattern to compile
                    if server.host == host:
                        return provider
                    continue
                pattern = re.escape(server.host).replace(r"\{", "{").replace(r"\}", "}")
                pattern = re.sub(r"{\w+}", "[a-z0-9-]+", pattern)
                if re.fullmatch(pattern, host):
                    return provider
        return None

    def for_address(self, domain: str, servers: Sequence[tuple[str, int]] = ()) -> Provider | None:
        """The provider known from the address's domain, else from a server in use."""
        return self.by_domain(domain) or next(
            (p for p in (self.by_smtp_host(h, port) for h, port in servers) if p is not None),
            None,
        )

    def services(self) -> list[Provider]:
        """Sending services, by name."""
        return sorted(
            (p for p in self.providers if p.kind is ProviderKind.SERVICE), key=lambda p: p.name
        )


def parse(text: str) -> KnowledgeBase:
    """Parses and validates a knowledge-base document."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KnowledgeBaseError(f"not valid JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("providers"), list):
        raise KnowledgeBaseError('the document must be {"providers": [...]}')
    return KnowledgeBase(parse_provider(p) for p in document["providers"])


@cache
def load() -> KnowledgeBase:
    """The bundled knowledge base (``resources/providers.json``), validated once."""
    text = resource("providers.json").read_text("utf-8")
    return parse(text)
