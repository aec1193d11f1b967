"""What smtpwizard remembers between runs: recent addresses and chosen options, never secrets.

Stored as JSON in the platform's configuration folder (``platformdirs``); the environment
variable ``SMTPWIZARD_CONFIG_DIR`` points elsewhere (tests, portable installs). A damaged file
is set aside (renamed ``.broken``), never silently overwritten, and defaults are used.
Keys are only ever added: an older version reads a newer file (it skips the keys it does not
know) and a newer version an older one (a missing key takes its default).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir

from smtpwizard.core.errors import WriteError
from smtpwizard.core.model import CertInfo
from smtpwizard.core.net.address import host_key
from smtpwizard.core.store.files import write_atomic

__all__ = ["MAX_RECENT", "Settings", "SettingsStore", "TrustedCertificate", "config_dir"]

log = logging.getLogger(__name__)

MAX_RECENT = 10


@dataclass(frozen=True)
class TrustedCertificate:
    """A certificate the person chose to trust for one server, although it cannot be verified.

    Only this exact certificate (by its SHA-256 fingerprint), only for this host.
    """

    host: str
    fingerprint: str
    subject: str = ""
    not_after: str = ""
    added: str = ""


@dataclass
class Settings:
    """The remembered choices."""

    recent_addresses: list[str] = field(default_factory=list)
    display_names: dict[str, str] = field(default_factory=dict)
    purpose: str = "mail_program"
    send_address: bool = False
    use_ispdb: bool = True
    remember_password: bool = True
    export_formats: dict[str, str] = field(default_factory=dict)
    window_geometry: str = ""
    trusted_certificates: list[dict[str, str]] = field(default_factory=list)
    oauth_client_ids: dict[str, str] = field(default_factory=dict)
    """OAuth 2.0 client IDs the person gave, by the token endpoint they belong to."""
    cafile: str = ""
    """A certificate authority file to trust besides the system's ("": none)."""
    nameservers: list[str] = field(default_factory=list)
    """DNS servers to ask instead of the system's, as ``IP[:PORT]`` (none: the system's)."""

    def trusted(self) -> list[TrustedCertificate]:
        """The certificates trusted by hand, valid entries only."""
        # Certificates (and ssl) load with the first test, not with the wizard's window.
        from smtpwizard.core.net.certs import read_fingerprint

        found: list[TrustedCertificate] = []
        entries: list[object] = list(self.trusted_certificates)  # the file may hold anything
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            host, written = entry.get("host"), entry.get("fingerprint")
            if not isinstance(host, str) or not host or not isinstance(written, str):
                continue
            fingerprint = read_fingerprint(written)
            if fingerprint is None:
                continue
            found.append(
                TrustedCertificate(
                    host_key(host),
                    fingerprint,
                    str(entry.get("subject", "")),
                    str(entry.get("not_after", "")),
                    str(entry.get("added", "")),
                )
            )
        return found

    def pins(self) -> tuple[tuple[str, str], ...]:
        """The trusted certificates as the probe takes them: (host, fingerprint) pairs."""
        return tuple((t.host, t.fingerprint) for t in self.trusted())

    def trust(self, host: str, cert: CertInfo) -> TrustedCertificate:
        """Trusts exactly ``cert`` for ``host`` from now on (until :meth:`untrust`)."""
        entry = TrustedCertificate(
            host_key(host),
            cert.fingerprint_sha256.upper(),
            cert.subject,
            cert.not_after.date().isoformat(),
            dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
        self.untrust(entry.host, entry.fingerprint)
        self.trusted_certificates.append(asdict(entry))
        return entry

    def untrust(self, host: str, fingerprint: str | None = None) -> int:
        """Stops trusting the certificate (every one, without ``fingerprint``) for ``host``;
        returns how many were removed."""
        host = host_key(host)
        wanted = fingerprint.upper() if fingerprint is not None else None

        def matches(entry: object) -> bool:
            if not isinstance(entry, dict):
                return False
            same_host = host_key(str(entry.get("host", ""))) == host
            same_cert = wanted is None or str(entry.get("fingerprint", "")).upper() == wanted
            return same_host and same_cert

        keep = [e for e in self.trusted_certificates if not matches(e)]
        removed = len(self.trusted_certificates) - len(keep)
        self.trusted_certificates = keep
        return removed

    def client_id_for(self, token_endpoint: str) -> str | None:
        """The OAuth 2.0 client ID remembered for this token endpoint, if any."""
        value: object = self.oauth_client_ids.get(token_endpoint)
        return value if isinstance(value, str) and value else None

    def remember_client_id(self, token_endpoint: str, client_id: str) -> None:
        """Remembers the client ID the person gave for this token endpoint."""
        self.oauth_client_ids[token_endpoint] = client_id

    def remember_address(self, address: str, display_name: str = "") -> None:
        """Puts ``address`` first among the recent ones."""
        self.recent_addresses = [address] + [
            a for a in self.recent_addresses if a.lower() != address.lower()
        ]
        del self.recent_addresses[MAX_RECENT:]
        if display_name:
            self.display_names[address.lower()] = display_name
        self.display_names = {
            k: v
            for k, v in self.display_names.items()
            if k in {a.lower() for a in self.recent_addresses}
        }


def config_dir() -> Path:
    """Where the settings live."""
    override = os.environ.get("SMTPWIZARD_CONFIG_DIR")
    return Path(override) if override else Path(user_config_dir("smtpwizard", appauthor=False))


class SettingsStore:
    """Loads and saves :class:`Settings` in one JSON file."""

    def __init__(self, directory: Path | None = None) -> None:
        self.path = (directory or config_dir()) / "settings.json"

    def load(self) -> Settings:
        """The saved settings, or defaults when there are none or they cannot be read."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Settings()
        except OSError as exc:
            log.warning("cannot read %s: %s", self.path, exc)
            return Settings()
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not an object")
            return _from_dict(data)
        except (ValueError, TypeError) as exc:
            broken = self.path.with_suffix(".json.broken")
            log.warning("settings file %s is damaged (%s); kept as %s", self.path, exc, broken)
            with contextlib.suppress(OSError):
                os.replace(self.path, broken)
            return Settings()

    def save(self, settings: Settings) -> None:
        """Writes the settings (a failure is logged: losing preferences is not fatal)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps(asdict(settings), indent=2, ensure_ascii=False) + "\n"
            write_atomic(self.path, text, overwrite=True, private=True)
        except (WriteError, OSError) as exc:
            log.warning("cannot save settings to %s: %s", self.path, exc)


def _from_dict(data: dict[str, Any]) -> Settings:
    defaults = Settings()
    values: dict[str, Any] = {}
    for f in fields(Settings):
        value = data.get(f.name, getattr(defaults, f.name))
        expected = type(getattr(defaults, f.name))
        if not isinstance(value, expected):
            value = getattr(defaults, f.name)
        values[f.name] = value
    settings = Settings(**values)
    settings.recent_addresses = [a for a in settings.recent_addresses if isinstance(a, str)][
        :MAX_RECENT
    ]
    settings.nameservers = [n for n in settings.nameservers if isinstance(n, str)]
    return settings
