"""Reading the outgoing mail settings a person already has, from the file that holds them.

Troubleshooting starts from settings that exist somewhere: a Thunderbird profile, an msmtp
configuration, Postfix's ``main.cf``, an application's ``.env`` or ``settings.py``, or a file
smtpwizard itself wrote. :func:`read_settings` and :func:`parse_settings` recognise the format
by its content (the file name only breaks ties) and hand it to the module that reads it (one
per source format, beside this one), which reads every outgoing server in it and says in
plain words what was read from where, what the file leaves open and what is assumed instead,
and what looks wrong.

Nothing in a file is ever executed: Python is read with :mod:`ast`, JavaScript preferences
with a small tokenizer, and an msmtp ``passwordeval`` command is only named, never run. A
password that is written in the file is kept in memory on the account (never in any message
or ``repr``); otherwise the account says where the password comes from.

Errors::

    ImportFailed(ValueError)   the file cannot be read as mail settings; one sentence for a
                               person (missing, a folder, unreadable, too large, not text,
                               empty, damaged, no outgoing server in it, or not a known format)
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
from pathlib import Path

from smtpwizard.core.errors import ImportFailed
from smtpwizard.core.i18n import _
from smtpwizard.core.importers.base import FORMATS
from smtpwizard.core.importers.base import MAX_BYTES
from smtpwizard.core.importers.base import ImportedAccount
from smtpwizard.core.importers.base import ImportResult
from smtpwizard.core.importers.base import cannot_read
from smtpwizard.core.importers.base import file_label
from smtpwizard.core.importers.base import read_bytes
from smtpwizard.core.importers.base import too_large
from smtpwizard.core.importers.base import unknown_format
from smtpwizard.core.importers.env import parse_env
from smtpwizard.core.importers.envfile import read_env
from smtpwizard.core.importers.git import parse_git
from smtpwizard.core.importers.msmtp import looks_like_msmtp
from smtpwizard.core.importers.msmtp import parse_msmtp
from smtpwizard.core.importers.postfix import looks_like_postfix
from smtpwizard.core.importers.postfix import parse_postfix
from smtpwizard.core.importers.python import parse_python
from smtpwizard.core.importers.python import python_module
from smtpwizard.core.importers.python import pythonic
from smtpwizard.core.importers.smtpwizard import parse_json
from smtpwizard.core.importers.thunderbird import parse_prefs
from smtpwizard.core.importers.thunderbird import parse_xml

__all__ = [
    "FORMATS",
    "MAX_BYTES",
    "ImportFailed",
    "ImportResult",
    "ImportedAccount",
    "parse_settings",
    "read_settings",
]


def read_settings(path: str | os.PathLike[str]) -> ImportResult:
    """Reads the outgoing mail settings in a file.

    Raises:
        ImportFailed: the file is missing, a folder, unreadable, larger than
            :data:`MAX_BYTES`, not text, empty, or holds no outgoing server smtpwizard can read.
    """
    target = Path(path)
    name = target.name or str(target)
    shown = str(target)
    try:
        info = os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        raise ImportFailed(_("There is no file “{path}”.").format(path=shown)) from None
    except PermissionError:
        raise ImportFailed(
            _("“{path}” cannot be read: permission denied.").format(path=shown)
        ) from None
    except (OSError, ValueError) as exc:
        raise ImportFailed(cannot_read(shown, exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise ImportFailed(_("“{path}” is a folder, not a file.").format(path=shown))
    if not stat.S_ISREG(info.st_mode):
        raise ImportFailed(
            _("“{path}” is not a regular file (it is a device, pipe or socket).").format(path=shown)
        )
    if info.st_size > MAX_BYTES:
        raise ImportFailed(too_large(shown))
    data = read_bytes(target, shown)
    return _parse(_decode(data, name), name)


def parse_settings(text: str, name: str = "") -> ImportResult:
    """Reads the outgoing mail settings in ``text``; ``name`` (the file name) is a hint.

    Raises:
        ImportFailed: as :func:`read_settings`, for everything after reading the file.
    """
    label = file_label(name)
    if len(text) > MAX_BYTES:
        raise ImportFailed(too_large(name or _("The text")))
    if "\0" in text:
        raise ImportFailed(
            _("{file} is not a text file (it holds binary data).").format(file=label)
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ImportFailed(_("{file} is not valid text.").format(file=label)) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ImportFailed(_("{file} is empty.").format(file=label))
    return _parse(text, name)


def _decode(data: bytes, name: str) -> str:
    label = file_label(name)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Windows editors save "Unicode" text as UTF-16 with a byte order mark.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportFailed(
                _("{file} is not a text file (it holds binary data).").format(file=label)
            ) from None
    else:
        if b"\0" in data:
            raise ImportFailed(
                _("{file} is not a text file (it holds binary data).").format(file=label)
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ImportFailed(
                _("{file} is not UTF-8 text; save it as UTF-8 and try again.").format(file=label)
            ) from None
    text = text.removeprefix("\ufeff")
    if "\0" in text:
        raise ImportFailed(
            _("{file} is not a text file (it holds binary data).").format(file=label)
        )
    if not text.strip():
        raise ImportFailed(_("{file} is empty.").format(file=label))
    return text


_PREF_CALL = re.compile(
    r"^[ \t]*(?:user_pref|pref|sticky_pref|lockPref|defaultPref|lock_pref)[ \t]*\(", re.M
)


_GIT_SECTION = re.compile(r"^[ \t]*\[[ \t]*sendemail\b", re.M | re.I)


def _hint(name: str) -> str | None:
    """The format the file name suggests."""
    lower = name.lower()
    if lower.endswith(".json"):
        return "json"
    if lower in ("prefs.js", "user.js"):
        return "prefs"
    if "msmtp" in lower:
        return "msmtp"
    if lower.endswith(".py"):
        return "python"
    if lower.startswith(".env") or lower.endswith(".env") or lower == "env":
        return "env"
    if lower.endswith(".xml"):
        return "xml"
    if "gitconfig" in lower:
        return "git"
    if lower == "main.cf" or lower.startswith("main.cf.") or "postfix" in lower:
        return "postfix"
    return None


def _parse(text: str, name: str) -> ImportResult:
    try:
        return _dispatch(text, name)
    except RecursionError:
        raise ImportFailed(
            _("{file} is nested too deeply to be a settings file.").format(file=file_label(name))
        ) from None


def _dispatch(text: str, name: str) -> ImportResult:
    hint = _hint(name)
    start = text.lstrip()
    if start.startswith(("{", "[")) and (hint == "json" or start[0] == "{" or _is_json(start)):
        return parse_json(text, name)
    if hint == "json":
        raise ImportFailed(_("{file} is not JSON.").format(file=file_label(name)))
    if start.startswith("<") and _xmlish(start, hint):
        return parse_xml(text, name)
    if _PREF_CALL.search(text):
        return parse_prefs(text, name)
    if _GIT_SECTION.search(text):
        return parse_git(text, name)
    if looks_like_msmtp(text):
        return parse_msmtp(text, name)
    if looks_like_postfix(text):
        return parse_postfix(text, name)
    env = read_env(text)
    claim = hint == "python" or (hint is None and pythonic(text))
    python = python_module(text) if claim or (hint is None and not env.clean) else None
    if python is not None:
        return parse_python(python, text, name, None if hint == "python" else env, claim)
    if env.assignments and (
        hint == "env" or (env.clean and any(k.isupper() for k in env.assignments))
    ):
        return parse_env(env, text, name)
    if hint == "python":
        raise ImportFailed(
            _("{file} is not valid Python, so its settings cannot be read.").format(
                file=file_label(name)
            )
        )
    if hint == "msmtp":
        raise ImportFailed(
            _(
                "{file} does not look like an msmtp configuration (no host or account lines)."
            ).format(file=file_label(name))
        )
    if hint == "postfix":
        raise ImportFailed(
            _(
                "{file} names no relay (no relayhost line): this Postfix delivers mail itself."
            ).format(file=file_label(name))
        )
    if hint == "prefs":
        raise ImportFailed(
            _("{file} holds no preferences (no user_pref lines).").format(file=file_label(name))
        )
    raise unknown_format(name)


def _xmlish(start: str, hint: str | None) -> bool:
    """Whether text that opens with ``<`` is XML rather than HTML or PHP."""
    head = start[:200].lower()
    if head.startswith(("<?php", "<!doctype html", "<html")):
        return False
    return hint == "xml" or head.startswith(("<?xml", "<!--", "<clientconfig"))


def _is_json(start: str) -> bool:
    try:
        json.loads(start)
    except (ValueError, RecursionError):
        return False
    return True
