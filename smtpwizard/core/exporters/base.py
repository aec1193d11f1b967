"""What an exporter receives, and the registry that maps format names to exporters.

An exporter turns an :class:`ExportConfig` (settings proven by a probe, plus the incoming
server for mail programs) into the exact text or bytes its consumer expects. Passwords are
only written when the person opted in for that export (``ExportOptions.include_password``);
otherwise the output says where the secret lives instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from smtpwizard.core.discovery.providers import Protocol
from smtpwizard.core.errors import ExportError
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Security


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """One server as a mail program or application needs it."""

    protocol: Protocol
    host: str
    port: int
    security: Security
    username: str | None
    """The login name; ``None`` when the server takes no login."""
    auth_mechanism: str | None = None
    """``PLAIN``, ``LOGIN``, ``CRAM-MD5``, or ``None`` when unknown or no login."""
    tested: bool = False
    """Whether a probe proved these exact settings."""
    login_tested: bool = False
    """Whether a login with them was accepted in that probe."""
    test_outcome: str | None = None
    """The outcome word of the probe that tried them (``None``: not tried)."""


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


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """Choices the person makes per export."""

    include_password: bool = False
    password_env: str = "SMTP_PASSWORD"
    """The environment variable applications read the password from when it is not written."""


Render = Callable[[ExportConfig, ExportOptions], str | bytes]


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


_REGISTRY: dict[str, Exporter] = {}


def register(exporter: Exporter) -> Exporter:
    """Adds an exporter to the registry (names are unique)."""
    if exporter.name in _REGISTRY:
        raise ValueError(f"exporter {exporter.name!r} registered twice")
    _REGISTRY[exporter.name] = exporter
    return exporter


def registry() -> Mapping[str, Exporter]:
    """Every registered exporter, by name."""
    return dict(_REGISTRY)


def config_from_document(document: Mapping[str, Any]) -> ExportConfig:
    """Builds the configuration from a probe's JSON document (``smtpwizard probe --json``).

    The SMTP server is the recommended one; the candidate that proved it gives the
    certificate issuer and whether the login was tested. The incoming server is the first
    IMAP server of ``incoming``, else the first POP3 one.

    Raises:
        ExportError: the document is not a probe result, or it has no recommended
            (working) configuration.
    """
    if not isinstance(document, Mapping) or "recommended" not in document:
        raise ExportError(_("This is not a result of “smtpwizard probe --json”."))
    email = document.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise ExportError(_("The probe result names no email address."))
    rec = document["recommended"]
    if rec is None:
        raise ExportError(
            _(
                "The probe found no working configuration, so there is nothing to export. "
                "Run the probe again once it finds one."
            )
        )
    if not isinstance(rec, Mapping):
        raise ExportError(_("The recommended configuration in the probe result is damaged."))
    smtp = _server(rec, Protocol.SMTP)
    match = _matching_candidate(document.get("candidates"), smtp)
    tested = match is not None and match.get("outcome") in ("ok", "insecure")
    smtp = ServerSettings(
        protocol=Protocol.SMTP,
        host=smtp.host,
        port=smtp.port,
        security=smtp.security,
        username=smtp.username,
        auth_mechanism=_text(rec.get("auth_mechanism")) or None,
        tested=tested,
    )
    issuer = ""
    login_tested = False
    if match is not None:
        tls = match.get("tls")
        cert = tls.get("cert") if isinstance(tls, Mapping) else None
        if isinstance(cert, Mapping):
            issuer = _text(cert.get("issuer_name")) or _text(cert.get("issuer"))
        auth = match.get("auth")
        login_tested = isinstance(auth, Mapping) and auth.get("result") == "ok"
    warnings = rec.get("warnings")
    return ExportConfig(
        email=email,
        smtp=smtp,
        incoming=_incoming(document.get("incoming")),
        provider=_provider_name(document.get("provider")),
        tested_at=_when(document.get("tested_at")),
        tested_from=_text(document.get("tested_from")),
        summary=_text(document.get("summary")),
        cert_issuer=issuer,
        login_tested=login_tested,
        warnings=tuple(w for w in warnings if isinstance(w, str))
        if isinstance(warnings, list)
        else (),
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _provider_name(value: Any) -> str:
    """The provider's name: the knowledge base entry's ``name`` (older documents: a string)."""
    if isinstance(value, Mapping):
        return _text(value.get("name"))
    return _text(value)


def _server(entry: Mapping[str, Any], protocol: Protocol) -> ServerSettings:
    """One server entry of the document, checked."""
    host = entry.get("host")
    port = entry.get("port")
    try:
        security: Security | None = Security(str(entry.get("security")))
    except ValueError:
        security = None
    if (
        not isinstance(host, str)
        or not host.strip()
        or any(c.isspace() for c in host)
        or isinstance(port, bool)
        or not isinstance(port, int)
        or not 0 < port < 65536
        or security is None
    ):
        raise ExportError(
            _("The {protocol} server in the probe result is incomplete or damaged.").format(
                protocol=str(protocol).upper()
            )
        )
    username = entry.get("username")
    outcome = entry.get("test_outcome")
    return ServerSettings(
        protocol=protocol,
        host=host.strip(),
        port=port,
        security=security,
        username=username if isinstance(username, str) and username else None,
        tested=entry.get("tested") is True,
        login_tested=entry.get("login_tested") is True,
        test_outcome=outcome if isinstance(outcome, str) and outcome else None,
    )


def _matching_candidate(candidates: Any, smtp: ServerSettings) -> Mapping[str, Any] | None:
    """The candidate that proved the recommended settings (a working one first)."""
    if not isinstance(candidates, list):
        return None
    same = [
        c
        for c in candidates
        if isinstance(c, Mapping)
        and c.get("host") == smtp.host
        and c.get("port") == smtp.port
        and c.get("security") == str(smtp.security)
    ]
    same.sort(key=lambda c: c.get("outcome") not in ("ok", "insecure"))
    return same[0] if same else None


def _incoming(entries: Any) -> ServerSettings | None:
    """The incoming server to write: a tested one first (the probe lists the recommended one
    first), else the first IMAP server, else the first POP3 one; damaged entries are skipped."""
    if not isinstance(entries, list):
        return None
    tested = [e for e in entries if isinstance(e, Mapping) and e.get("tested") is True]
    for entry in tested:
        try:
            return _server(entry, Protocol(str(entry.get("protocol"))))
        except (ExportError, ValueError):
            continue
    for protocol in (Protocol.IMAP, Protocol.POP3):
        for entry in entries:
            if isinstance(entry, Mapping) and entry.get("protocol") == str(protocol):
                try:
                    return _server(entry, protocol)
                except ExportError:
                    continue
    return None


def _when(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
