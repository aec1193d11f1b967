"""What smtpwizard remembers between runs: recent addresses and chosen options, never secrets.

Stored as JSON in the platform's configuration folder (``platformdirs``); the environment
variable ``SMTPWIZARD_CONFIG_DIR`` points elsewhere (tests, portable installs). A damaged file
is set aside (renamed ``.broken``), never silently overwritten, and defaults are used.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir

from smtpwizard.core.files import WriteError, write_atomic

log = logging.getLogger(__name__)

MAX_RECENT = 10


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
    return settings
