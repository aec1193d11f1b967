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

from smtpwizard.core.model import Security
from smtpwizard.core.providers import Protocol


class ExportError(ValueError):
    """The configuration cannot be exported in this format; the message says why and what to do."""


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

    Raises:
        ExportError: the document has no recommended (working) configuration.
    """
    raise NotImplementedError
