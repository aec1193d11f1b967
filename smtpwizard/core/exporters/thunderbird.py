"""Thunderbird: an autoconfig file (``config-v1.1.xml``) and a ``user.js`` block.

Thunderbird's autoconfig reader rejects a file without a usable incoming server, so the XML
needs one; the ``user.js`` block defines the outgoing server alone. Neither holds a password:
Thunderbird keeps passwords in its own password manager and asks for them on first use.
"""

from __future__ import annotations

import urllib.parse
import xml.etree.ElementTree as ET

from smtpwizard.core.auth.sasl import TOKEN_MECHANISMS
from smtpwizard.core.discovery.vocabulary import AUTH_METHOD_WORD
from smtpwizard.core.discovery.vocabulary import AUTHENTICATION_WORD
from smtpwizard.core.discovery.vocabulary import SOCKET_TYPE_WORD
from smtpwizard.core.discovery.vocabulary import TRY_SSL_NUMBER
from smtpwizard.core.errors import ExportError
from smtpwizard.core.exporters.base import ExportConfig
from smtpwizard.core.exporters.base import Exporter
from smtpwizard.core.exporters.base import ExportOptions
from smtpwizard.core.exporters.base import register
from smtpwizard.core.exporters.common import comment
from smtpwizard.core.exporters.common import header
from smtpwizard.core.exporters.common import js_str
from smtpwizard.core.exporters.common import no_pin_lines
from smtpwizard.core.exporters.common import no_trust_lines
from smtpwizard.core.exporters.common import one_line
from smtpwizard.core.i18n import _
from smtpwizard.core.login import SignIn
from smtpwizard.core.login import SignInRecord
from smtpwizard.core.model import ServerSettings

__all__ = ["SERVER_KEY", "authentication", "render_autoconfig", "render_userjs", "trust_lines"]

#: The pref key of the outgoing server in user.js; Thunderbird itself names its own
#: ``smtp1``, ``smtp2``..., so this one cannot collide with an existing server.
SERVER_KEY = "smtpwizard1"


def authentication(server: ServerSettings, oauth: bool = False) -> SignIn:
    """How the server checks the login, as Thunderbird's settings say it (``oauth``: the
    login was proven with an OAuth 2.0 sign-in)."""
    if not server.username:
        return SignIn.NONE
    if oauth or (server.mechanism or "").upper() in TOKEN_MECHANISMS:
        return SignIn.OAUTH2
    if (server.mechanism or "").upper() == "CRAM-MD5":
        return SignIn.CRAM_MD5
    # PLAIN and LOGIN send the password inside the encrypted connection: "normal password".
    return SignIn.PASSWORD


def _username(username: str | None, email: str) -> str:
    """The login with Thunderbird's placeholders, so the file also fits the domain's others."""
    local, _sep, _domain = email.partition("@")
    if username is None or username == email:
        return "%EMAILADDRESS%"
    if username == local:
        return "%EMAILLOCALPART%"
    return username


def _server_element(
    parent: ET.Element, tag: str, kind: str, server: ServerSettings, email: str, oauth: bool
) -> None:
    element = ET.SubElement(parent, tag, type=kind)
    ET.SubElement(element, "hostname").text = server.host
    ET.SubElement(element, "port").text = str(server.port)
    ET.SubElement(element, "socketType").text = SOCKET_TYPE_WORD[server.security]
    sign_in = authentication(server, oauth)
    if tag == "incomingServer" and sign_in is SignIn.NONE:
        # Incoming servers always take a login; "none" is only understood for SMTP.
        sign_in = SignIn.PASSWORD
    ET.SubElement(element, "authentication").text = AUTHENTICATION_WORD[sign_in]
    if sign_in is SignIn.OAUTH2:
        # Thunderbird takes OAuth2 only for sign-in servers it knows and then reads the
        # next word: the file stays usable everywhere, as the ISPDB's own files do.
        ET.SubElement(element, "authentication").text = AUTHENTICATION_WORD[SignIn.PASSWORD]
    if sign_in is not SignIn.NONE or tag == "incomingServer":
        ET.SubElement(element, "username").text = _username(server.username, email)


def render_autoconfig(config: ExportConfig, options: ExportOptions) -> str:
    """``config-v1.1.xml`` with the incoming and the tested outgoing server."""
    incoming = config.incoming
    if incoming is None:
        raise ExportError(
            _(
                "Thunderbird only accepts this file with an incoming (IMAP or POP3) server. "
                "Give the incoming server, or export “thunderbird-userjs”, which needs none."
            )
        )
    domain = config.email.rpartition("@")[2].lower()
    root = ET.Element("clientConfig", version="1.1")
    provider = ET.SubElement(root, "emailProvider", id=domain)
    ET.SubElement(provider, "domain").text = domain
    name = one_line(config.provider) or domain
    ET.SubElement(provider, "displayName").text = name
    ET.SubElement(provider, "displayShortName").text = name
    # The provider's own sign-in covers the incoming server too (one account, one sign-in).
    oauth = config.sign_in is not None
    kind = str(incoming.protocol)
    _server_element(provider, "incomingServer", kind, incoming, config.email, oauth)
    _server_element(provider, "outgoingServer", "smtp", config.smtp, config.email, oauth)
    if config.sign_in is not None:
        _oauth_element(root, config.sign_in)
    ET.indent(root, space="  ")
    notes = [
        *header(config, "Thunderbird autoconfig"),
        "Put it in Thunderbird's isp/ folder as " + domain + ".xml, or serve it as",
        "https://autoconfig." + domain + "/mail/config-v1.1.xml (text/xml, UTF-8).",
        *(
            _oauth_notes(config.sign_in)
            if config.sign_in is not None
            else ["No password here: Thunderbird asks for it and keeps it in its password manager."]
        ),
        *trust_lines(config),
    ]
    # "--" may not appear inside an XML comment.
    text = "\n".join("  " + line.replace("--", "- -") for line in notes)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!--\n{text}\n-->\n{body}\n'


def _issuer_host(record: SignInRecord) -> str:
    """The sign-in server as Thunderbird names it: a host name."""
    for url in (record.issuer, record.authorization_endpoint, record.token_endpoint):
        if url:
            return urllib.parse.urlsplit(url).hostname or url
    return ""


def _oauth_element(root: ET.Element, record: SignInRecord) -> None:
    """The draft clientConfig 1.2 ``<oAuth2>`` element: where the sign-in happens."""
    element = ET.SubElement(root, "oAuth2")
    ET.SubElement(element, "issuer").text = _issuer_host(record)
    ET.SubElement(element, "scope").text = " ".join(record.scopes)
    if record.authorization_endpoint:
        ET.SubElement(element, "authURL").text = record.authorization_endpoint
    if record.token_endpoint:
        ET.SubElement(element, "tokenURL").text = record.token_endpoint


def _oauth_notes(record: SignInRecord) -> list[str]:
    return [
        "Sign-in: OAuth2 (your provider's sign-in page), as smtpwizard proved it; no password.",
        "Thunderbird signs in this way only with sign-in servers it knows (Microsoft, Google,",
        f"Yahoo, AOL, Fastmail and others); this one is {_issuer_host(record) or 'unnamed'}.",
        "Where it does not know it, it falls back to asking for a password, which a server",
        "that takes only tokens refuses.",
    ]


def trust_lines(config: ExportConfig) -> list[str]:
    """Thunderbird keeps its own authorities and exceptions; no file here can name them."""
    instead = (
        "import it in Thunderbird (Settings > Privacy & Security > Certificates > Manage "
        "Certificates > Authorities > Import) and trust it to identify websites and mail users"
    )
    return no_trust_lines(config, "Thunderbird's files", instead) + no_pin_lines(
        config, "Thunderbird's files"
    )


def _pref(name: str, value: str | int) -> str:
    literal = js_str(value) if isinstance(value, str) else str(value)
    return f"user_pref({js_str(name)}, {literal});"


def render_userjs(config: ExportConfig, options: ExportOptions) -> str:
    """A ``user.js`` block that adds the outgoing server without touching the others."""
    smtp = config.smtp
    prefix = f"mail.smtpserver.{SERVER_KEY}."
    auth = authentication(smtp, config.sign_in is not None)
    prefs = [
        _pref(prefix + "type", "smtp"),
        _pref(prefix + "hostname", smtp.host),
        _pref(prefix + "port", smtp.port),
        _pref(prefix + "try_ssl", TRY_SSL_NUMBER[smtp.security]),
        _pref(prefix + "authMethod", AUTH_METHOD_WORD[auth]),
    ]
    if smtp.username:
        prefs.append(_pref(prefix + "username", smtp.username))
    if config.sign_in is not None and auth is SignIn.OAUTH2:
        prefs += [
            _pref(prefix + "oauth2.issuer", _issuer_host(config.sign_in)),
            _pref(prefix + "oauth2.scope", " ".join(config.sign_in.scopes)),
        ]
    description = one_line(config.provider or config.email) + " (tested by smtpwizard)"
    prefs.append(_pref(prefix + "description", description))
    notes = [
        *header(config, "Thunderbird outgoing server"),
        "",
        "How to merge: close Thunderbird, then append these lines to user.js in your",
        "profile folder (Help > Troubleshooting Information > Profile Folder).",
        "Thunderbird lists only the servers named in mail.smtpservers, and user.js is",
        "applied at every start, so it is not set here (that would replace your list).",
        'Instead, in Settings > Config Editor, add ",' + SERVER_KEY + '" to the end of',
        "mail.smtpservers; to make it the default, set mail.smtp.defaultserver to",
        SERVER_KEY + ". Then choose it under Account Settings > Outgoing Server (SMTP).",
        "Once Thunderbird has taken it over, you may delete these lines again.",
        "",
        "try_ssl: 0 none, 2 STARTTLS, 3 SSL/TLS. authMethod: 1 none, 3 normal password,",
        "4 encrypted password, 10 OAuth2.",
        *(
            [*_oauth_notes(config.sign_in), "oauth2.issuer and oauth2.scope name that sign-in."]
            if config.sign_in is not None
            else [
                "No password here: Thunderbird asks for it when it first sends, and keeps it",
                "in its password manager.",
            ]
        ),
        *trust_lines(config),
    ]
    return comment(notes, "//") + "\n" + "\n".join(prefs) + "\n"


register(
    Exporter(
        name="thunderbird-xml",
        title="Thunderbird autoconfig (config-v1.1.xml)",
        filename="config-v1.1.xml",
        family="mail program",
        needs_incoming=True,
        render=render_autoconfig,
        description="The file Thunderbird reads when it sets up an account.",
        carries_password=False,
        carries_oauth=True,
    )
)
register(
    Exporter(
        name="thunderbird-userjs",
        title="Thunderbird outgoing server (user.js)",
        filename="user.js",
        family="mail program",
        needs_incoming=False,
        render=render_userjs,
        description="Adds the outgoing server to an existing Thunderbird profile.",
        carries_password=False,
        carries_oauth=True,
    )
)
