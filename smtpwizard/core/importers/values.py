"""A setting as an application's configuration gives it: a value, or a reference to the
environment, with where it came from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from smtpwizard.core.i18n import _
from smtpwizard.core.importers.base import Draft
from smtpwizard.core.importers.base import Notes
from smtpwizard.core.importers.base import flag_value

__all__ = ["REFERENCE", "UNKNOWN", "Setting", "cast_value", "live", "origin_of", "take_password"]


class _Unknown:
    """A value the file computes in a way smtpwizard does not follow."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Setting:
    """One setting's value as the file gives it."""

    value: Any
    origin: str
    """Where it was read ("EMAIL_HOST", "EMAIL_URL")."""
    env: str | None = None
    """The environment variable the running program takes it from, when it does."""
    refs: tuple[str, ...] = ()
    """Variables a .env value refers to (``${VAR}``) that the file does not set."""

    @property
    def known(self) -> bool:
        return self.value is not UNKNOWN and self.value is not None


def cast_value(value: Any, cast: str, python: bool = False) -> Any:
    """A default as the settings library would convert it."""
    if value is UNKNOWN or value is None:
        return value
    try:
        if cast == "int":
            return int(value)
        if cast == "bool":
            # bool("False") is True in Python; environment libraries read the word.
            return bool(value) if python else flag_value(value)
        if cast == "str":
            return str(value)
    except (TypeError, ValueError):
        return UNKNOWN
    return value


def origin_of(setting: Setting) -> str:
    if setting.env:
        return _("{key}, the default for the environment variable {env}").format(
            key=setting.origin, env=setting.env
        )
    return setting.origin


def live(setting: Setting, notes: Notes) -> None:
    """Says that the running program reads this setting from the environment."""
    if setting.env is None:
        return
    if setting.value is None or setting.value is UNKNOWN:
        notes.env(setting.origin, setting.env)
    else:
        notes.m(
            _(
                "{key}: the running program takes it from the environment variable {env}; "
                "the file's default is used here"
            ).format(key=setting.origin, env=setting.env)
        )


def take_password(draft: Draft, setting: Setting | None, notes: Notes) -> None:
    """The password setting: its value in memory, and only where it comes from in words."""
    if setting is None:
        return
    value = setting.value
    if isinstance(value, str) and value and not setting.env:
        refs = REFERENCE.fullmatch(value)
        if refs and refs.group(1) in setting.refs:
            draft.password_source = _("the environment variable {name}").format(name=refs.group(1))
            notes.r(
                _("password: from the environment variable {name} ({key})").format(
                    name=refs.group(1), key=setting.origin
                )
            )
            return
        partly = [m.group(1) for m in REFERENCE.finditer(value) if m.group(1) in setting.refs]
        if partly:  # abc${SUFFIX}: the reader fills the rest in from the environment
            draft.password_source = _("the file and the environment variable {name}").format(
                name=partly[0]
            )
            notes.r(
                _(
                    "password: partly from the environment variable {name} ({key}), so it is "
                    "not known here"
                ).format(name=partly[0], key=setting.origin)
            )
            return
        draft.password = value
        draft.password_source = _("the file")
        notes.r(_("password: written in the file ({key})").format(key=setting.origin))
    elif setting.env:
        draft.password_source = _("the environment variable {name}").format(name=setting.env)
        if isinstance(value, str) and value:
            draft.password = value
            notes.r(
                _(
                    "password: from the environment variable {name} ({key}); the file's "
                    "default is used here"
                ).format(name=setting.env, key=setting.origin)
            )
        else:
            notes.r(
                _("password: from the environment variable {name} ({key})").format(
                    name=setting.env, key=setting.origin
                )
            )


REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")
