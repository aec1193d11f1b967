"""Reading configuration documents: Thunderbird's autoconfig ``clientConfig`` (v1.1) and
Exchange Autodiscover POX responses.

Both come from servers we do not control. They are parsed with defusedxml (no DTDs, no
entities, no external references) after a size check, and every value is checked before use:
a host name must be a host name, a port a port, a socket type one we know.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from smtpwizard.core.auth.oauth import OAuthSettings
from smtpwizard.core.auth.oauth import settings_from_mapping
from smtpwizard.core.discovery.vocabulary import AUTHENTICATION
from smtpwizard.core.discovery.vocabulary import SOCKET_TYPE
from smtpwizard.core.errors import DocumentError
from smtpwizard.core.errors import InvalidInput
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Security
from smtpwizard.core.model import Source
from smtpwizard.core.net.address import EmailAddress
from smtpwizard.core.net.address import check_host
from smtpwizard.core.net.address import check_port
from smtpwizard.core.net.fetch import MAX_DOCUMENT

__all__ = [
    "REQUEST_SCHEMA",
    "RESPONSE_SCHEMA",
    "ClientConfig",
    "Redirect",
    "autodiscover_request",
    "parse_autodiscover",
    "parse_client_config",
    "parse_xml",
]


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """What a configuration document says."""

    outgoing: tuple[Candidate, ...]
    incoming: tuple[Candidate, ...]
    display_name: str = ""
    skipped: tuple[str, ...] = ()
    """Servers left out, with why (a bad host name, an unknown socket type)."""
    oauth: OAuthSettings | None = None
    """Where to sign in with OAuth 2.0, when the document says (clientConfig 1.2)."""


@dataclass(frozen=True, slots=True)
class Redirect:
    """Autodiscover sent us elsewhere: to another address, or another URL."""

    address: str | None = None
    url: str | None = None


def parse_xml(data: bytes, max_bytes: int = MAX_DOCUMENT) -> Element:
    """Parses untrusted XML safely.

    Raises:
        DocumentError: too large, not XML, or using DTDs or entities (refused for safety).
    """
    if len(data) > max_bytes:
        raise DocumentError(
            _("the document is larger than {kib} KiB").format(kib=max_bytes // 1024)
        )
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise DocumentError(
            _("the document declares a DTD or entities, which are refused for safety")
        ) from None
    except (ParseError, ValueError, UnicodeError) as exc:
        raise DocumentError(
            _("the document is not valid XML ({error})").format(error=exc)
        ) from None
    assert isinstance(root, Element)
    return root


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: Element, name: str) -> str:
    for child in _children(element, name):
        return (child.text or "").strip()
    return ""


def _substitute(value: str, email: EmailAddress) -> str:
    return (
        value.replace("%EMAILADDRESS%", str(email))
        .replace("%EMAILLOCALPART%", email.local)
        .replace("%EMAILDOMAIN%", email.domain)
        .replace("%REALNAME%", "")
    )


#: ``socketType`` read leniently: documents in the wild vary the case.
_SOCKET_TYPES = {word.lower(): security for word, security in SOCKET_TYPE.items()}


def parse_client_config(
    data: bytes, email: EmailAddress, source: Source, detail: str
) -> ClientConfig:
    """Reads a Thunderbird ``clientConfig`` document (autoconfig or ISPDB).

    Raises:
        DocumentError: the document is unsafe, not XML, or not a clientConfig.
    """
    root = parse_xml(data)
    if _local(root.tag) != "clientConfig":
        raise DocumentError(
            _("the document is not a mail configuration (its root is <{tag}>)").format(
                tag=_local(root.tag)[:40]
            )
        )
    providers = _children(root, "emailProvider")
    if not providers:
        raise DocumentError(_("the document has no <emailProvider>"))
    provider = providers[0]
    outgoing: list[Candidate] = []
    incoming: list[Candidate] = []
    skipped: list[str] = []
    for element in provider:
        name = _local(element.tag)
        if name not in ("outgoingServer", "incomingServer"):
            continue
        kind = (element.get("type") or "").lower()
        if name == "outgoingServer":
            if kind != "smtp":
                skipped.append(_("an outgoing server of type “{kind}”").format(kind=kind[:20]))
                continue
            protocol = Protocol.SMTP
        elif kind in ("imap", "pop3"):
            protocol = Protocol(kind)
        else:
            continue  # nntp, exchange, ...: not ours
        try:
            server = _server(element, protocol, email, source, detail)
        except DocumentError as exc:
            skipped.append(str(exc))
            continue
        (outgoing if protocol is Protocol.SMTP else incoming).append(server)
    return ClientConfig(
        outgoing=tuple(outgoing),
        incoming=tuple(incoming),
        display_name=_text(provider, "displayName")[:100],
        skipped=tuple(skipped),
        oauth=_oauth(root, provider, detail),
    )


def _oauth(root: Element, provider: Element, detail: str) -> OAuthSettings | None:
    """The draft clientConfig 1.2 ``<oAuth2>`` element (issuer, scope, authURL, tokenURL and
    a client ID), beside ``<emailProvider>`` or inside it."""
    elements = _children(root, "oAuth2") or _children(provider, "oAuth2")
    if not elements:
        return None
    element = elements[0]
    issuer = _text(element, "issuer")
    if issuer and "://" not in issuer:
        issuer = f"https://{issuer}"  # the documents in the wild name a host
    settings = settings_from_mapping(
        {
            "issuer": issuer,
            "authorization": _text(element, "authURL"),
            "token": _text(element, "tokenURL"),
            "scopes": _text(element, "scope"),
            "client_id": _text(element, "clientID") or _text(element, "clientId"),
        },
        _("the domain's configuration document ({where})").format(where=detail),
    )
    return settings if settings.can_sign_in or settings.issuer else None


def _server(
    element: Element, protocol: Protocol, email: EmailAddress, source: Source, detail: str
) -> Candidate:
    raw_host = _substitute(_text(element, "hostname"), email)
    try:
        host = check_host(raw_host)
        port = check_port(_text(element, "port"))
    except InvalidInput as exc:
        raise DocumentError(str(exc)) from None
    security = None
    for child in _children(element, "socketType"):
        security = _SOCKET_TYPES.get((child.text or "").strip().lower())
        if security is not None:
            break
    if security is None:
        raise DocumentError(_("{host}: no known socket type").format(host=host))
    username = _substitute(_text(element, "username"), email) or None
    words = ((c.text or "").strip() for c in _children(element, "authentication"))
    sign_in = tuple(dict.fromkeys(AUTHENTICATION[w] for w in words if w in AUTHENTICATION))
    return Candidate(host, port, security, source, detail, protocol, username, sign_in)


# -- Exchange Autodiscover (POX) ---------------------------------------------------------------

REQUEST_SCHEMA = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
RESPONSE_SCHEMA = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"


def autodiscover_request(address: str) -> bytes:
    """The POX request body for ``address``."""
    from xml.sax.saxutils import escape

    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<Autodiscover xmlns="{REQUEST_SCHEMA}">\n'
        f"  <Request>\n    <EMailAddress>{escape(address)}</EMailAddress>\n"
        f"    <AcceptableResponseSchema>{RESPONSE_SCHEMA}</AcceptableResponseSchema>\n"
        "  </Request>\n</Autodiscover>\n"
    ).encode()


_POX_TYPES = {"SMTP": Protocol.SMTP, "IMAP": Protocol.IMAP, "POP3": Protocol.POP3}
_IMPLICIT_PORTS = {465, 993, 995}
_STARTTLS_PORTS = {25, 587, 2525, 143, 110}


def _pox_security(protocol_element: Element, port: int) -> Security:
    encryption = _text(protocol_element, "Encryption").lower()
    if encryption == "none":
        return Security.NONE
    if encryption == "ssl":
        return Security.TLS
    if encryption == "tls":
        return Security.STARTTLS
    if not encryption and _text(protocol_element, "SSL").lower() == "off":
        return Security.NONE
    # SSL on (the default) or Encryption "Auto": the port tells which kind.
    if port in _STARTTLS_PORTS:
        return Security.STARTTLS
    return Security.TLS


def parse_autodiscover(data: bytes, email: EmailAddress, detail: str) -> ClientConfig | Redirect:
    """Reads an Autodiscover POX response.

    Raises:
        DocumentError: unsafe, not XML, an error response, or no mail settings.
    """
    root = parse_xml(data)
    if _local(root.tag) != "Autodiscover":
        raise DocumentError(_("the answer is not an Autodiscover document"))
    response = next(iter(_children(root, "Response")), None)
    if response is None:
        raise DocumentError(_("the Autodiscover answer has no <Response>"))
    error = next(iter(_children(response, "Error")), None)
    if error is not None:
        message = _text(error, "Message") or _text(error, "ErrorCode") or "?"
        raise DocumentError(
            _("Autodiscover answered with an error: {message}").format(message=message[:120])
        )
    account = next(iter(_children(response, "Account")), None)
    if account is None:
        raise DocumentError(_("the Autodiscover answer has no <Account>"))
    action = _text(account, "Action").lower()
    if action == "redirectaddr":
        return Redirect(address=_text(account, "RedirectAddr") or None)
    if action == "redirecturl":
        return Redirect(url=_text(account, "RedirectUrl") or None)
    outgoing: list[Candidate] = []
    incoming: list[Candidate] = []
    skipped: list[str] = []
    for element in _children(account, "Protocol"):
        protocol = _POX_TYPES.get(_text(element, "Type").upper())
        if protocol is None:
            continue
        try:
            host = check_host(_text(element, "Server"))
            port = check_port(
                _text(element, "Port") or {"SMTP": 587, "IMAP": 993, "POP3": 995}[protocol.name]
            )
        except InvalidInput as exc:
            skipped.append(str(exc))
            continue
        login = _text(element, "LoginName")
        if _text(element, "DomainRequired").lower() == "on" and login and "@" not in login:
            login = f"{login}@{email.domain}"
        server = Candidate(
            host,
            port,
            _pox_security(element, port),
            Source.AUTODISCOVER,
            detail,
            protocol,
            login or str(email),
        )
        (outgoing if protocol is Protocol.SMTP else incoming).append(server)
    return ClientConfig(tuple(outgoing), tuple(incoming), skipped=tuple(skipped))
