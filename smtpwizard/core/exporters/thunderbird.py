"""Thunderbird: an autoconfig file (``config-v1.1.xml``) and a ``user.js`` block.

Thunderbird's autoconfig reader rejects a file without a usable incoming server, so the XML
needs one; the ``user.js`` block defines the outgoing server alone. Neither holds a password:
Thunderbird keeps passwords in its own password manager and asks for them on first use.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

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
from smtpwizard.core.model import ServerSettings

__all__ = ["SERVER_KEY", "authentication", "render_autoconfig", "render_userjs", "trust_lines"]

#: The pref key of the outgoing server in user.js; Thunderbird itself names its own
#: ``smtp1``, ``smtp2``..., so this one cannot collide with an existing server.
SERVER_KEY = "smtpwizard1"


def authentication(server: ServerSettings) -> SignIn:
    """How the server checks the login, as Thunderbird's settings say it."""
    if not server.username:
        return SignIn.NONE
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
    parent: ET.Element, tag: str, kind: str, server: ServerSettings, email: str
) -> None:
    element = ET.SubElement(parent, tag, type=kind)
    ET.SubElement(element, "hostname").text = server.host
    ET.SubElement(element, "port").text = str(server.port)
    ET.SubElement(element, "socketType").text = SOCKET_TYPE_WORD[server.security]
    sign_in = authentication(server)
    if tag == "incomingServer" and sign_in is SignIn.NONE:
        # Incoming servers always take a login; "none" is only understood for SMTP.
        sign_in = SignIn.PASSWORD
    ET.SubElement(element, "authentication").text = AUTHENTICATION_WORD[sign_in]
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
    _server_element(provider, "incomingServer", str(incoming.protocol), incoming, config.email)
    _server_element(provider, "outgoingServer", "smtp", config.smtp, config.email)
    ET.indent(root, space="  ")
    notes = [
        *header(config, "Thunderbird autoconfig"),
        "Put it in Thunderbird's isp/ folder as " + domain + ".xml, or serve it as",
        "https://autoconfig." + domain + "/mail/config-v1.1.xml (text/xml, UTF-8).",
        "No password here: Thunderbird asks for it and keeps it in its password manager.",
        *trust_lines(config),
    ]
    # "--" may not appear inside an XML comment.
    text = "\n".join("  " + line.replace("--", "- -") for line in notes)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!--\n{text}\n-->\n{body}\n'


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
    auth = authentication(smtp)
    prefs = [
        _pref(prefix + "type", "smtp"),
        _pref(prefix + "hostname", smtp.host),
        _pref(prefix + "port", smtp.port),
        _pref(prefix + "try_ssl", TRY_SSL_NUMBER[smtp.security]),
        _pref(prefix + "authMethod", AUTH_METHOD_WORD[auth]),
    ]
    if smtp.username:
        prefs.append(_pref(prefix + "username", smtp.username))
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
        "4 encrypted password.",
        "No password here: Thunderbird asks for it when it first sends, and keeps it",
        "in its password manager.",
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
    )
)
