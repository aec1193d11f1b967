"""What an exporter receives, and the registry that maps format names to exporters.

An exporter turns an :class:`ExportConfig` (settings proven by a probe, plus the incoming
server for mail programs) into the exact text or bytes its consumer expects. Passwords are
only written when the person opted in for that export (``ExportOptions.include_password``);
otherwise the output says where the secret lives instead.
"""

from __future__ import annotations

import datetime as dt
import importlib
import unicodedata
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from typing import Any

from smtpwizard.core.discovery.providers import Protocol
from smtpwizard.core.errors import ExportError
from smtpwizard.core.i18n import _
from smtpwizard.core.login import SignInRecord
from smtpwizard.core.model import Security
from smtpwizard.core.model import ServerSettings
from smtpwizard.core.readback import ServerEntry
from smtpwizard.core.readback import read_document

__all__ = [
    "FORMAT_MODULES",
    "Caveats",
    "ExportConfig",
    "ExportOptions",
    "Exporter",
    "Render",
    "config_from_document",
    "export_caveats",
    "oauth_formats",
    "oauth_refusal",
    "register",
    "registry",
    "trust_notice",
    "unwritable",
]


@dataclass(frozen=True, slots=True)
class ExportConfig:
    """Everything an exporter may write."""

    email: str
    smtp: ServerSettings
    incoming: ServerSettings | None = None
    display_name: str = ""
    provider: str = ""
    tested_at: dt.datetime | None = None
    tested_from: str = ""
    summary: str = ""
    cert_issuer: str = ""
    password: str | None = None
    """The password, present only when the person asked to include it in this export."""
    login_tested: bool = False
    """Whether the probe logged in with ``smtp.username`` (not only reached the server)."""
    warnings: tuple[str, ...] = ()
    """The recommendation's warnings, in words for a person."""
    ca_file: str | None = None
    """The CA file (a path) the server's certificate needed besides the system's authorities:
    exports that can name one carry it, the others say they cannot."""
    pinned_sha256: str | None = None
    """The SHA-256 fingerprint of the certificate the person trusted by hand for the server
    (it could not be verified): exports that can pin it do, the others say they cannot."""
    password_stored: bool | None = None
    """Whether smtpwizard stored the password in the keyring (``None``: not known). Exports
    that read it from there with ``smtpwizard secret`` say honestly what is stored."""
    password_ascii: bool | None = None
    """Whether the tested password is plain ASCII (``None``: not known); Python's smtplib
    cannot log in with any other."""
    sign_in: SignInRecord | None = None
    """The OAuth 2.0 sign-in the login was proven with (``None``: a password, or none).
    Formats that can sign in this way carry it; the others are refused (see
    :func:`oauth_refusal`), since a password file would fail where only tokens work."""


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """Choices the person makes per export."""

    include_password: bool = False
    password_env: str = "SMTP_PASSWORD"
    """The environment variable applications read the password from when it is not written."""


Render = Callable[[ExportConfig, ExportOptions], str | bytes]
Caveats = Callable[[ExportConfig, ExportOptions], list[str]]


@dataclass(frozen=True, slots=True)
class Exporter:
    """One export format."""

    name: str
    """The format name used on the command line (``--format NAME``)."""
    title: str
    """What the person sees in the list."""
    filename: str
    """The file name to suggest when saving."""
    family: str
    """``mail program``, ``application``, ``system`` or ``settings sheet``."""
    needs_incoming: bool
    render: Render
    description: str = ""
    carries_password: bool = True
    """Whether the format can hold a password at all; mail programs ask for it themselves."""
    carries_ca: bool = False
    """Whether the format can name a CA file for the server's certificate."""
    carries_pin: bool = False
    """Whether the format can trust one exact certificate (by its fingerprint)."""
    carries_oauth: bool = False
    """Whether the format can sign in with OAuth 2.0 (a token instead of a password)."""
    caveats: Caveats | None = None
    """What the program would not read back as proven (a value it cannot hold), one
    sentence each: the file says it too, and the export command and the wizard show it."""


_REGISTRY: dict[str, Exporter] = {}

#: The modules whose import registers the formats (loaded on the first look at the registry).
FORMAT_MODULES = (
    "apple",
    "applications",
    "frameworks",
    "outlook",
    "php",
    "sheet",
    "system",
    "thunderbird",
)


def _formats() -> dict[str, Exporter]:
    """The registry, its format modules loaded on first use."""
    for module in FORMAT_MODULES:
        importlib.import_module(f"smtpwizard.core.exporters.{module}")
    return _REGISTRY


def register(exporter: Exporter) -> Exporter:
    """Adds an exporter to the registry (names are unique)."""
    if exporter.name in _REGISTRY:
        raise ValueError(f"exporter {exporter.name!r} registered twice")
    _REGISTRY[exporter.name] = exporter
    return exporter


def registry() -> Mapping[str, Exporter]:
    """Every registered exporter, by name."""
    return dict(_formats())


def oauth_formats() -> list[Exporter]:
    """The formats that can carry an OAuth 2.0 sign-in."""
    return sorted((e for e in _formats().values() if e.carries_oauth), key=lambda e: e.name)


def oauth_refusal(exporter: Exporter, config: ExportConfig) -> str | None:
    """Why ``exporter`` cannot write ``config`` (its login was proven with an OAuth 2.0
    sign-in, which the format cannot express), or ``None`` when it can."""
    if config.sign_in is None or exporter.carries_oauth:
        return None
    return _(
        "{title} cannot sign in with OAuth 2.0, and the login to {host} was proven only with "
        "your provider's sign-in: a file with a password there would fail. Formats that "
        "can sign in this way: {names}."
    ).format(
        title=exporter.title,
        host=config.smtp.host,
        names=", ".join(e.name for e in oauth_formats()),
    )


def export_caveats(exporter: Exporter, config: ExportConfig, options: ExportOptions) -> list[str]:
    """The sentences saying what the program will not read back as it was proven (its file
    says them too), for the person; empty when it reads everything."""
    return [] if exporter.caveats is None else exporter.caveats(config, options)


def trust_notice(exporter: Exporter, config: ExportConfig) -> str | None:
    """A sentence for the person when ``exporter`` cannot keep the certificate check the
    probe made (its file says more), or ``None`` when it can."""
    if config.smtp.security is Security.NONE:
        return None
    if config.pinned_sha256 and not exporter.carries_pin:
        return _(
            "{title} cannot trust the one certificate you accepted by hand for {host}: the "
            "program will refuse the server until its certificate can be verified."
        ).format(title=exporter.title, host=config.smtp.host)
    if config.ca_file and not exporter.carries_ca and not config.pinned_sha256:
        return _(
            "{title} cannot name the certificate authority {path} that the certificate of "
            "{host} needed: the program must be told to trust it in another way (the file "
            "says how), or it will refuse the server."
        ).format(title=exporter.title, path=config.ca_file, host=config.smtp.host)
    return None


def config_from_document(document: Mapping[str, Any]) -> ExportConfig:
    """Builds the configuration from a probe's JSON document (``smtpwizard probe --json``).

    The SMTP server is the recommended one; the candidate that proved it gives the
    certificate issuer and whether the login was tested. The incoming server is the first
    IMAP server of ``incoming``, else the first POP3 one.

    Raises:
        ExportError: the document is not a probe result, or it has no recommended
            (working) configuration.
    """
    doc = read_document(document)
    if not doc.is_result:
        raise ExportError(_("This is not a result of “smtpwizard probe --json”."))
    email = doc.email
    if email is None or "@" not in email:
        raise ExportError(_("The probe result names no email address."))
    if doc.recommended_damaged:
        raise ExportError(_("The recommended configuration in the probe result is damaged."))
    rec = doc.recommended
    if rec is None:
        raise ExportError(
            _(
                "The probe found no working configuration, so there is nothing to export. "
                "Run the probe again once it finds one."
            )
        )
    smtp = rec.settings(Protocol.SMTP)
    if smtp is None:
        raise ExportError(
            _("The {protocol} server in the probe result is incomplete or damaged.").format(
                protocol="SMTP"
            )
        )
    match = doc.candidate_for(rec)
    config = ExportConfig(
        email=email,
        smtp=replace(smtp, username=rec.username, tested=match is not None and match.worked),
        incoming=_incoming(doc.incoming),
        provider=doc.provider or "",
        tested_at=doc.tested_at,
        tested_from=doc.tested_from or "",
        summary=doc.summary or "",
        cert_issuer=(match.cert_issuer or "") if match is not None else "",
        login_tested=match is not None and match.login == "ok",
        warnings=doc.warnings,
        ca_file=doc.ca_file,
        pinned_sha256=doc.pinned_sha256,
        password_ascii=doc.password_ascii,
        sign_in=doc.sign_in,
    )
    damaged = _broken_field(config)
    if damaged is not None:
        raise ExportError(
            _(
                "The probe result is damaged: its {field} holds a line break or another "
                "control character, which would break out of the line it belongs to in an "
                "exported file. Run the probe again."
            ).format(field=damaged)
        )
    return config


def unwritable(text: str) -> bool:
    """Whether ``text`` holds a line break or another control character (tab included):
    no export writes one, since it would end the line or comment the value belongs to."""
    return any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in text)


def _broken_field(config: ExportConfig) -> str | None:
    """The first value of ``config`` an export would write that :func:`unwritable` refuses,
    by its name in the probe result, or ``None``."""
    values: list[tuple[str, str | None]] = [
        ("email address", config.email),
        ("provider", config.provider),
        ("test address", config.tested_from),
        ("summary", config.summary),
        ("certificate issuer", config.cert_issuer),
        ("CA file", config.ca_file),
        ("certificate fingerprint", config.pinned_sha256),
        *(("warning", warning) for warning in config.warnings),
    ]
    for kind, server in (("SMTP", config.smtp), ("incoming", config.incoming)):
        if server is not None:
            values += [
                (f"{kind} server", server.host),
                (f"{kind} user name", server.username),
                (f"{kind} login mechanism", server.mechanism),
            ]
    record = config.sign_in
    if record is not None:
        values += [
            ("sign-in issuer", record.issuer),
            ("sign-in address", record.authorization_endpoint),
            ("sign-in token address", record.token_endpoint),
            ("sign-in client", record.client_id),
            *(("sign-in scope", scope) for scope in record.scopes),
        ]
    for name, value in values:
        if value and unwritable(value):
            return name
    return None


def _incoming(entries: Sequence[ServerEntry]) -> ServerSettings | None:
    """The incoming server to write: a tested one first (the probe lists the recommended one
    first), else the first IMAP server, else the first POP3 one; damaged entries are skipped."""
    for entry in entries:
        if entry.tested and entry.protocol is not None:
            settings = entry.settings()
            if settings is not None:
                return settings
    for protocol in (Protocol.IMAP, Protocol.POP3):
        for entry in entries:
            if entry.protocol is protocol and entry.complete:
                return entry.settings()
    return None
