"""Apple Mail on macOS, iPhone and iPad: a configuration profile (``.mobileconfig``).

The profile is unsigned (it installs with an "unverified" notice) and holds no password:
Apple documents the password keys for encrypted profiles only, so Mail asks for it.
Identifiers are derived from the address and the server, so importing a newer export
replaces the account instead of adding a second one.
"""

from __future__ import annotations

import plistlib
import uuid
from typing import Any

from smtpwizard.core.discovery.providers import Protocol
from smtpwizard.core.errors import ExportError
from smtpwizard.core.exporters.base import ExportConfig
from smtpwizard.core.exporters.base import Exporter
from smtpwizard.core.exporters.base import ExportOptions
from smtpwizard.core.exporters.base import register
from smtpwizard.core.exporters.common import incoming_line
from smtpwizard.core.exporters.common import no_pin_lines
from smtpwizard.core.exporters.common import no_trust_lines
from smtpwizard.core.exporters.common import one_line
from smtpwizard.core.exporters.common import tested_line
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Security
from smtpwizard.core.model import ServerSettings

__all__ = ["IDENTIFIER_PREFIX", "NAMESPACE", "identifiers", "render_mobileconfig"]

#: The namespace of every identifier derived here; changing it would orphan installed profiles.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:smtpwizard:mobileconfig")
IDENTIFIER_PREFIX = "io.github.smtpwizard.mail"


def _auth(server: ServerSettings) -> str:
    if not server.username:
        return "EmailAuthNone"
    if (server.mechanism or "").upper() == "CRAM-MD5":
        return "EmailAuthCRAMMD5"
    return "EmailAuthPassword"


def _trust_lines(config: ExportConfig) -> list[str]:
    if config.smtp.security is Security.NONE:
        return []
    instead = (
        "install it as a profile too and turn on full trust for it (iPhone and iPad: "
        "Settings > General > About > Certificate Trust Settings; Mac: Keychain Access)"
    )
    return no_trust_lines(config, "This profile", instead) + no_pin_lines(config, "Apple Mail")


def identifiers(config: ExportConfig) -> tuple[str, str, str]:
    """The profile identifier, the profile UUID and the mail payload UUID, all stable."""
    key = f"{config.email.lower()}|{config.smtp.host.lower()}"
    account = uuid.uuid5(NAMESPACE, key)
    profile_uuid = uuid.uuid5(NAMESPACE, "profile:" + key)
    payload_uuid = uuid.uuid5(NAMESPACE, "payload:" + key)
    return f"{IDENTIFIER_PREFIX}.{account}", str(profile_uuid).upper(), str(payload_uuid).upper()


def render_mobileconfig(config: ExportConfig, options: ExportOptions) -> bytes:
    """The profile as an XML property list."""
    incoming = config.incoming
    if incoming is None:
        raise ExportError(
            _(
                "Apple Mail profiles need the incoming (IMAP or POP3) server too. Give it, or "
                "export a settings sheet instead."
            )
        )
    smtp = config.smtp
    identifier, profile_uuid, payload_uuid = identifiers(config)
    name = one_line(config.display_name)
    description = one_line(config.provider) or config.email
    payload: dict[str, Any] = {
        "PayloadType": "com.apple.mail.managed",
        "PayloadVersion": 1,
        "PayloadIdentifier": identifier + ".account",
        "PayloadUUID": payload_uuid,
        "PayloadDisplayName": f"Mail: {config.email}",
        "EmailAccountType": "EmailTypeIMAP"
        if incoming.protocol is Protocol.IMAP
        else "EmailTypePOP",
        "EmailAccountDescription": description,
        "EmailAddress": config.email,
        "IncomingMailServerHostName": incoming.host,
        "IncomingMailServerPortNumber": incoming.port,
        "IncomingMailServerUseSSL": incoming.security is not Security.NONE,
        "IncomingMailServerAuthentication": "EmailAuthPassword",
        "IncomingMailServerUsername": incoming.username or config.email,
        "OutgoingMailServerHostName": smtp.host,
        "OutgoingMailServerPortNumber": smtp.port,
        # One switch for both kinds of encryption: Apple has no separate STARTTLS setting.
        "OutgoingMailServerUseSSL": smtp.security is not Security.NONE,
        "OutgoingMailServerAuthentication": _auth(smtp),
    }
    if name:
        payload["EmailAccountName"] = name
    if smtp.username:
        payload["OutgoingMailServerUsername"] = smtp.username
        # Ask once when both logins are the same.
        payload["OutgoingPasswordSameAsIncomingPassword"] = smtp.username == (
            incoming.username or config.email
        )
    profile: dict[str, Any] = {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": identifier,
        "PayloadUUID": profile_uuid,
        "PayloadDisplayName": f"Mail account {config.email}",
        "PayloadDescription": (
            f"Mail settings for {config.email}. {tested_line(config)} "
            f"{incoming_line(config) or ''} "
            "Mail asks for the password when you install the profile or first use the account."
            + "".join(" " + line for line in _trust_lines(config))
        ),
        "PayloadOrganization": "smtpwizard",
        "PayloadRemovalDisallowed": False,
        "PayloadContent": [payload],
    }
    return plistlib.dumps(profile, fmt=plistlib.FMT_XML, sort_keys=True)


register(
    Exporter(
        name="mobileconfig",
        title="Apple Mail profile for macOS, iPhone and iPad (.mobileconfig)",
        filename="mail.mobileconfig",
        family="mail program",
        needs_incoming=True,
        render=render_mobileconfig,
        description="Open it on a Mac, iPhone or iPad to add the account.",
        carries_password=False,
    )
)
