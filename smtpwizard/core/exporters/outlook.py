"""Outlook: an Autodiscover (POX) response and a ``.prf`` profile file for classic Outlook.

Both describe a whole POP3 or IMAP account, so they need the incoming server. Neither can
hold a password: Outlook asks for it when it first connects. New Outlook for Windows and
Outlook for Mac import neither; they get a settings sheet (see :mod:`.sheet`).

Outlook's words: "SSL" is implicit TLS and "TLS" is STARTTLS, in Autodiscover's
``<Encryption>`` as in the profile file's ``SMTPSecureConnection`` (1 and 2).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from smtpwizard.core.discovery.providers import Protocol
from smtpwizard.core.errors import ExportError
from smtpwizard.core.exporters.base import ExportConfig
from smtpwizard.core.exporters.base import Exporter
from smtpwizard.core.exporters.base import ExportOptions
from smtpwizard.core.exporters.base import register
from smtpwizard.core.exporters.common import header
from smtpwizard.core.exporters.common import no_pin_lines
from smtpwizard.core.exporters.common import no_trust_lines
from smtpwizard.core.exporters.common import one_line
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Security
from smtpwizard.core.model import ServerSettings

__all__ = [
    "AUTODISCOVER_NS",
    "ENCRYPTION",
    "OUTLOOK_NS",
    "SECURE_CONNECTION",
    "render_autodiscover",
    "render_prf",
]

AUTODISCOVER_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"

ENCRYPTION = {Security.TLS: "SSL", Security.STARTTLS: "TLS", Security.NONE: "None"}

#: PROP_SMTP_SECURE_CONNECTION: 0 none, 1 SSL (implicit TLS), 2 TLS (STARTTLS), 3 auto.
SECURE_CONNECTION = {Security.NONE: 0, Security.TLS: 1, Security.STARTTLS: 2}


def _need_incoming(config: ExportConfig, what: str) -> ServerSettings:
    if config.incoming is None:
        raise ExportError(
            _(
                "{what} describes a whole mail account, so it needs the incoming (IMAP or "
                "POP3) server too. Give it, or export a settings sheet instead."
            ).format(what=what)
        )
    return config.incoming


def _trust_lines(config: ExportConfig) -> list[str]:
    instead = (
        "import it into Windows' Trusted Root Certification Authorities (certmgr.msc), "
        "which Outlook uses"
    )
    return no_trust_lines(config, "Outlook's files", instead) + no_pin_lines(
        config, "Outlook's files"
    )


def _on(flag: bool) -> str:
    return "on" if flag else "off"


def _protocol(account: ET.Element, kind: str, server: ServerSettings, login: str) -> None:
    protocol = ET.SubElement(account, "Protocol")
    ET.SubElement(protocol, "Type").text = kind
    ET.SubElement(protocol, "Server").text = server.host
    ET.SubElement(protocol, "Port").text = str(server.port)
    ET.SubElement(protocol, "DomainRequired").text = "off"
    if server.username or kind != "SMTP":
        ET.SubElement(protocol, "LoginName").text = server.username or login
    ET.SubElement(protocol, "SPA").text = "off"
    # <SSL> on for STARTTLS too: clients that read only <SSL> would otherwise connect in
    # plain text; <Encryption> then says which kind of encryption.
    ET.SubElement(protocol, "SSL").text = _on(server.security is not Security.NONE)
    ET.SubElement(protocol, "Encryption").text = ENCRYPTION[server.security]
    ET.SubElement(protocol, "AuthRequired").text = _on(bool(server.username) or kind != "SMTP")
    if kind == "SMTP":
        ET.SubElement(protocol, "UsePOPAuth").text = "off"
        ET.SubElement(protocol, "SMTPLast").text = "off"


def render_autodiscover(config: ExportConfig, options: ExportOptions) -> str:
    """An Autodiscover POX response (``autodiscover.xml``)."""
    incoming = _need_incoming(config, "An Autodiscover response")
    # Plain xmlns attributes keep both default namespaces exactly as Outlook's schema
    # documents them, without generated prefixes.
    root = ET.Element("Autodiscover", xmlns=AUTODISCOVER_NS)
    response = ET.SubElement(root, "Response", xmlns=OUTLOOK_NS)
    if config.display_name.strip():
        user = ET.SubElement(response, "User")
        ET.SubElement(user, "DisplayName").text = one_line(config.display_name)
    account = ET.SubElement(response, "Account")
    ET.SubElement(account, "AccountType").text = "email"
    ET.SubElement(account, "Action").text = "settings"
    kind = "IMAP" if incoming.protocol is Protocol.IMAP else "POP3"
    _protocol(account, kind, incoming, config.email)
    _protocol(account, "SMTP", config.smtp, config.email)
    ET.indent(root, space="  ")
    notes = [
        *header(config, "Outlook Autodiscover response"),
        "Encryption: SSL = implicit TLS, TLS = STARTTLS, None = no encryption.",
        "Serve it at https://autodiscover.<your domain>/autodiscover/autodiscover.xml,",
        "or point classic Outlook to it as a local file (Autodiscover PreferLocalXml).",
        "No password here: Outlook asks for it.",
        *_trust_lines(config),
    ]
    text = "\n".join("  " + line.replace("--", "- -") for line in notes)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n<!--\n{text}\n-->\n{body}\n'


def _ini_value(text: str) -> str:
    return one_line(text)


def render_prf(config: ExportConfig, options: ExportOptions) -> str:
    """An Outlook profile file (``outlook.exe /importprf smtpwizard.prf``)."""
    incoming = _need_incoming(config, "An Outlook profile file")
    smtp = config.smtp
    imap = incoming.protocol is Protocol.IMAP
    prefix = "IMAP" if imap else "POP3"
    login = incoming.username or config.email
    name = _ini_value(config.display_name) or config.email
    lines = [
        *(f"; {line}" for line in header(config, "Outlook profile file (classic Outlook)")),
        "; Import: outlook.exe /importprf smtpwizard.prf (Outlook closed). The account is",
        "; added to your default profile; Outlook asks for the password when it connects.",
        "; SMTPSecureConnection: 0 none, 1 SSL (implicit TLS), 2 TLS (STARTTLS).",
        *(f"; {line}" for line in _trust_lines(config)),
        "",
        "[General]",
        "Custom=1",
        "ProfileName=smtpwizard",
        "DefaultProfile=Yes",
        "OverwriteProfile=Append",
        "ModifyDefaultProfileIfPresent=TRUE",
        "",
    ]
    if not imap:
        # POP3 delivers into a data file (PST), which the profile must create.
        lines += [
            "[Service List]",
            "Service1=Unicode Personal Folders",
            "",
            "[Service1]",
            "UniqueService=No",
            f"Name={_ini_value(config.email)}",
            f"PathToPersonalFolders=%USERPROFILE%\\Documents\\Outlook Files\\{config.email}.pst",
            "",
        ]
    lines += [
        "[Internet Account List]",
        f"Account1={'IMAP_I_Mail' if imap else 'I_Mail'}",
        "",
        "[Account1]",
        "UniqueService=No",
        f"AccountName={_ini_value(config.email)}",
        f"DisplayName={name}",
        f"EmailAddress={_ini_value(config.email)}",
        f"{prefix}Server={incoming.host}",
        f"{prefix}UserName={_ini_value(login)}",
        f"{prefix}Port={incoming.port}",
        f"{prefix}UseSSL={1 if incoming.security is not Security.NONE else 0}",
        f"{prefix}UseSPA=0",
        f"SMTPServer={smtp.host}",
        f"SMTPPort={smtp.port}",
        f"SMTPUseAuth={1 if smtp.username else 0}",
    ]
    if smtp.username:
        # 1 = its own user name and password (0 would reuse the incoming login).
        lines += ["SMTPAuthMethod=1", f"SMTPUserName={_ini_value(smtp.username)}"]
    lines += [
        "SMTPUseSPA=0",
        f"SMTPSecureConnection={SECURE_CONNECTION[smtp.security]}",
        "ServerTimeOut=60",
        "ConnectionType=0",
    ]
    if not imap:
        lines += ["DeliverToStore=Service1", "LeaveOnServer=1"]
    lines += [""]
    if not imap:
        lines += [
            "[Unicode Personal Folders]",
            "ServiceName=MSUPST MS",
            "Name=PT_UNICODE,0x3001",
            "PathToPersonalFolders=PT_STRING8,0x6700",
            "",
        ]
    # The mapping from keys to MAPI properties, as in Microsoft's own profile files.
    lines += [
        f"[{'IMAP_I_Mail' if imap else 'I_Mail'}]",
        f"AccountType={prefix}",
        "AccountName=PT_UNICODE,0x0002",
        "DisplayName=PT_UNICODE,0x000B",
        "EmailAddress=PT_UNICODE,0x000C",
        f"{prefix}Server=PT_UNICODE,0x0100",
        f"{prefix}UserName=PT_UNICODE,0x0101",
        f"{prefix}UseSPA=PT_LONG,0x0108",
        f"{prefix}Port=PT_LONG,0x0104",
        f"{prefix}UseSSL=PT_LONG,0x0105",
        "SMTPServer=PT_UNICODE,0x0200",
        "SMTPUseAuth=PT_LONG,0x0203",
        "SMTPAuthMethod=PT_LONG,0x0208",
        "SMTPUserName=PT_UNICODE,0x0204",
        "SMTPUseSPA=PT_LONG,0x0207",
        "ConnectionType=PT_LONG,0x000F",
        "SMTPPort=PT_LONG,0x0201",
        "SMTPSecureConnection=PT_LONG,0x020A",
        "ServerTimeOut=PT_LONG,0x0209",
    ]
    if not imap:
        lines.append("LeaveOnServer=PT_LONG,0x1000")
    # Windows tools expect CRLF line ends in .prf files.
    return "\r\n".join(lines) + "\r\n"


register(
    Exporter(
        name="outlook-autodiscover",
        title="Outlook Autodiscover (autodiscover.xml)",
        filename="autodiscover.xml",
        family="mail program",
        needs_incoming=True,
        render=render_autodiscover,
        description="What Outlook reads when it sets up an account for your domain.",
        carries_password=False,
    )
)
register(
    Exporter(
        name="outlook-prf",
        title="Classic Outlook for Windows profile (.prf)",
        filename="smtpwizard.prf",
        family="mail program",
        needs_incoming=True,
        render=render_prf,
        description="Adds the account to classic Outlook with outlook.exe /importprf.",
        carries_password=False,
    )
)
