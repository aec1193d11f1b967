"""Reading the outgoing mail settings a person already has, from the file that holds them.

Troubleshooting starts from settings that exist somewhere: a Thunderbird profile, an msmtp
configuration, an application's ``.env`` or ``settings.py``, or a file smtpwizard itself
wrote. :func:`read_settings` and :func:`parse_settings` recognise the format by its content
(the file name only breaks ties), read every outgoing server in it, and say in plain words what
was read from where, what the file leaves open and what is assumed instead, and what looks
wrong.

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

import ast
import codecs
import datetime as dt
import json
import os
import re
import stat
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from smtpwizard.core.errors import ImportFailed
from smtpwizard.core.i18n import _, ngettext
from smtpwizard.core.model import Security

__all__ = [
    "FORMATS",
    "MAX_BYTES",
    "ImportFailed",
    "ImportResult",
    "ImportedAccount",
    "parse_settings",
    "read_settings",
]

#: The largest file read; settings files are a few kilobytes.
MAX_BYTES = 1024 * 1024

#: Format ids and what a person calls them.
FORMATS: Mapping[str, str] = MappingProxyType(
    {
        "probe": "smtpwizard probe result (JSON)",
        "json": "smtpwizard settings (JSON export)",
        "thunderbird-prefs": "Thunderbird preferences (prefs.js or user.js)",
        "thunderbird-xml": "Thunderbird autoconfig (config-v1.1.xml)",
        "msmtp": "msmtp configuration (msmtprc)",
        "laravel": "Laravel .env",
        "django": "Django settings.py",
        "django-env": "Django settings in a .env file",
        "django-email-url": "Django EMAIL_URL (django-environ)",
        "flask-mail": "Flask-Mail settings",
        "symfony": "Symfony MAILER_DSN (.env)",
        "dotenv": ".env with SMTP_* variables",
        "git-send-email": "git send-email (git config)",
    }
)


@dataclass(frozen=True, slots=True)
class ImportedAccount:
    """One outgoing server as a file describes it; ``None`` wherever the file does not say."""

    name: str
    """The account's name in the file (msmtp account, Thunderbird server key), or ``""``."""
    host: str
    port: int | None
    security: Security | None
    username: str | None
    email: str | None
    """The sender address, when the file names one."""
    password: str | None = field(default=None, repr=False, compare=False)
    """The password, only when it is written in the file itself; kept in memory only."""
    password_source: str | None = None
    """Where the password comes from, in words ("the environment variable MAIL_PASSWORD")."""
    auth: str | None = None
    """How the file says to log in: ``none``, ``password``, or a method such as ``CRAM-MD5``
    or ``OAuth2``; ``None`` when it does not say."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What a settings file says about sending mail."""

    format: str
    """The format id, a key of :data:`FORMATS`."""
    title: str
    accounts: tuple[ImportedAccount, ...]
    default_index: int = 0
    """Which account the program that reads the file uses by default."""
    read: tuple[str, ...] = ()
    """What was read from where, one fact per line."""
    missing: tuple[str, ...] = ()
    """What the file leaves open, and what is assumed instead."""
    warnings: tuple[str, ...] = ()
    """What looks wrong or risky."""
    tested_at: dt.datetime | None = None
    """When smtpwizard tested these settings, if the file carries its stamp."""
    tested_from: str | None = None
    """The network that test ran from ("IPv4 address 192.0.2.7")."""
    previous_probe: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    """The whole probe document, when the file is one (for comparing with a new test)."""
    name: str = ""
    """The file's name, as given."""

    @property
    def default_account(self) -> ImportedAccount:
        """The account the program that reads the file uses by default."""
        return self.accounts[self.default_index]


# --- reading the file ------------------------------------------------------------------------


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
        raise ImportFailed(_cannot_read(shown, exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise ImportFailed(_("“{path}” is a folder, not a file.").format(path=shown))
    if not stat.S_ISREG(info.st_mode):
        raise ImportFailed(
            _("“{path}” is not a regular file (it is a device, pipe or socket).").format(path=shown)
        )
    if info.st_size > MAX_BYTES:
        raise ImportFailed(_too_large(shown))
    data = _read_bytes(target, shown)
    return _parse(_decode(data, name), name)


def parse_settings(text: str, name: str = "") -> ImportResult:
    """Reads the outgoing mail settings in ``text``; ``name`` (the file name) is a hint.

    Raises:
        ImportFailed: as :func:`read_settings`, for everything after reading the file.
    """
    label = _label(name)
    if len(text) > MAX_BYTES:
        raise ImportFailed(_too_large(name or _("The text")))
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


def _label(name: str, start: bool = True) -> str:
    """The file as a message names it."""
    if name:
        return f"“{name}”"
    return _("The file") if start else _("the file")


def _too_large(shown: str) -> str:
    return _("“{path}” is too large for a settings file (more than {limit} MB).").format(
        path=shown, limit=MAX_BYTES // (1024 * 1024)
    )


def _cannot_read(shown: str, exc: BaseException) -> str:
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return _("“{path}” cannot be read: {reason}.").format(path=shown, reason=reason)


def _read_bytes(target: Path, shown: str) -> bytes:
    """The file's bytes; a pipe or device never blocks here (it is refused unread)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(target, flags)
    except PermissionError:
        raise ImportFailed(
            _("“{path}” cannot be read: permission denied.").format(path=shown)
        ) from None
    except OSError as exc:
        raise ImportFailed(_cannot_read(shown, exc)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ImportFailed(
                _("“{path}” is not a regular file (it is a device, pipe or socket).").format(
                    path=shown
                )
            )
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, MAX_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise ImportFailed(_cannot_read(shown, exc)) from None
    finally:
        os.close(fd)
    if size > MAX_BYTES:
        raise ImportFailed(_too_large(shown))
    return b"".join(chunks)


def _decode(data: bytes, name: str) -> str:
    label = _label(name)
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


# --- recognising the format ------------------------------------------------------------------

_PREF_CALL = re.compile(
    r"^[ \t]*(?:user_pref|pref|sticky_pref|lockPref|defaultPref|lock_pref)[ \t]*\(", re.M
)
_GIT_SECTION = re.compile(r"^[ \t]*\[[ \t]*sendemail\b", re.M | re.I)
_ENV_LINE = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.]*)[ \t]*=(.*)", re.S)


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
    return None


def _parse(text: str, name: str) -> ImportResult:
    try:
        return _dispatch(text, name)
    except RecursionError:
        raise ImportFailed(
            _("{file} is nested too deeply to be a settings file.").format(file=_label(name))
        ) from None


def _dispatch(text: str, name: str) -> ImportResult:
    hint = _hint(name)
    start = text.lstrip()
    if start.startswith(("{", "[")) and (hint == "json" or start[0] == "{" or _is_json(start)):
        return _parse_json(text, name)
    if hint == "json":
        raise ImportFailed(_("{file} is not JSON.").format(file=_label(name)))
    if start.startswith("<") and _xmlish(start, hint):
        return _parse_xml(text, name)
    if _PREF_CALL.search(text):
        return _parse_prefs(text, name)
    if _GIT_SECTION.search(text):
        return _parse_git(text, name)
    if _looks_like_msmtp(text):
        return _parse_msmtp(text, name)
    env = _read_env(text)
    claim = hint == "python" or (hint is None and _pythonic(text))
    python = _python_module(text) if claim or (hint is None and not env.clean) else None
    if python is not None:
        return _parse_python(python, text, name, None if hint == "python" else env, claim)
    if env.assignments and (
        hint == "env" or (env.clean and any(k.isupper() for k in env.assignments))
    ):
        return _parse_env(env, text, name)
    if hint == "python":
        raise ImportFailed(
            _("{file} is not valid Python, so its settings cannot be read.").format(
                file=_label(name)
            )
        )
    if hint == "msmtp":
        raise ImportFailed(
            _(
                "{file} does not look like an msmtp configuration (no host or account lines)."
            ).format(file=_label(name))
        )
    if hint == "prefs":
        raise ImportFailed(
            _("{file} holds no preferences (no user_pref lines).").format(file=_label(name))
        )
    raise _unknown(name)


def _unknown(name: str) -> ImportFailed:
    return ImportFailed(
        _(
            "smtpwizard does not recognise {file}. It reads smtpwizard's own results and "
            "exports, Thunderbird prefs.js and user.js, msmtp configurations, .env files "
            "(Laravel, Django, Symfony, SMTP_*), Django and Flask settings, and git send-email "
            "configuration."
        ).format(file=_label(name, start=False))
    )


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


# --- the parts every format shares -----------------------------------------------------------


@dataclass
class _Draft:
    """An account being read; frozen into :class:`ImportedAccount` at the end."""

    name: str = ""
    host: str | None = None
    port: int | None = None
    security: Security | None = None
    username: str | None = None
    email: str | None = None
    password: str | None = None
    password_source: str | None = None
    auth: str | None = None


@dataclass
class _Notes:
    read: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    prefix: str = ""
    """Put before each line while reading one of several accounts ("smtp1: ")."""
    elsewhere: list[str] = field(default_factory=list)
    """Settings the running program takes from the environment without a default here."""

    def r(self, text: str) -> None:
        self.read.append(self.prefix + text)

    def m(self, text: str) -> None:
        self.missing.append(self.prefix + text)

    def w(self, text: str) -> None:
        self.warnings.append(self.prefix + text)

    def env(self, key: str, variable: str) -> None:
        """Says that ``key`` comes from an environment variable the file gives no value for."""
        text = _(
            "{key} comes from the environment variable {env}, and the file gives no value for it"
        ).format(key=key, env=variable)
        self.elsewhere.append(text)
        self.m(text)


_STAMP = re.compile(
    r"Tested by smtpwizard(?: on (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC)?(?: from (.+?))?: "
    r"(?:login accepted|server reached, login not tried)\.$"
)
_NOT_TESTED = "Not tested by smtpwizard"
_HEADER_SERVER = re.compile(r"Outgoing server \S+ port \d+, ")
_HEADER_FOR = re.compile(r" for ([^\s@]+@[^\s@]+)$")
_COMMENT_LEAD = re.compile(r"[ \t]*(?:<!--|#|//|;|\*)?[ \t]*")
_PASSWORD_HINTS = (
    re.compile(r"set the environment variable ([A-Za-z_][A-Za-z0-9_]*)"),
    re.compile(r"taken from the variable ([A-Za-z_][A-Za-z0-9_]*)"),
    re.compile(r"comes from the variable ([A-Za-z_][A-Za-z0-9_]*)"),
    re.compile(r"EMAIL_HOST_PASSWORD = env\(\"([A-Za-z_][A-Za-z0-9_]*)\"\)"),
)


@dataclass(frozen=True)
class _Stamp:
    """What the comment header of a file smtpwizard exported says."""

    found: bool = False
    tested: bool = False
    at: dt.datetime | None = None
    origin: str | None = None
    email: str | None = None
    password_env: str | None = None


def _stamp(text: str) -> _Stamp:
    """Reads smtpwizard's header, in whatever comment syntax the format uses."""
    lines = [_COMMENT_LEAD.sub("", line, count=1).rstrip() for line in _lines(text)[:80]]
    found = tested = False
    at: dt.datetime | None = None
    origin: str | None = None
    email: str | None = None
    for index, line in enumerate(lines):
        match = _STAMP.match(line)
        if match:
            found = tested = True
            if match.group(1):
                try:
                    moment = dt.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M")
                except ValueError:
                    moment = None  # a stamp someone edited into an impossible date
                at = moment.replace(tzinfo=dt.UTC) if moment else None
            origin = match.group(2) or None
        elif line.startswith(_NOT_TESTED):
            found = True
        if _HEADER_SERVER.match(line) and index > 0 and email is None:
            head = _HEADER_FOR.search(lines[index - 1])
            if head:
                email = head.group(1)
    if not found:
        return _Stamp()
    password_env = None
    for line in lines:
        for pattern in _PASSWORD_HINTS:
            hit = pattern.search(line)
            if hit:
                password_env = hit.group(1)
                break
        if password_env:
            break
    return _Stamp(True, tested, at, origin, email, password_env)


def _lines(text: str) -> list[str]:
    """The lines as the programs reading these files see them: only ``\n`` ends a line
    (``\r\n`` too), unlike :meth:`str.splitlines`, which also breaks at U+2028 and kin."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def _host(value: object) -> str | None:
    """A host name or address as a connection needs it, or ``None``."""
    if not isinstance(value, str):
        return None
    host = value.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host or len(host) > 253 or any(c.isspace() or c in "/\\@,;\"'<>()" for c in host):
        return None
    if not all(c.isprintable() for c in host):
        return None
    return host


def _port(value: object) -> int | None:
    """A port number from an int or a decimal string, or ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"[ \t]*\+?[0-9]{1,5}[ \t]*", value):
        number = int(value)
    else:
        return None
    return number if 0 < number < 65536 else None


_TRUE = frozenset({"1", "true", "yes", "on", "y", "t", "ok"})
_FALSE = frozenset({"0", "false", "no", "off", "n", "f", ""})


def _flag(value: object) -> bool | None:
    """A yes/no setting from a bool, a number or a word; ``None`` when it is neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        word = value.strip().lower().strip("()")
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    return None


def _address(value: object) -> str | None:
    """The mail address in ``"Name <address>"`` or a bare address."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    bracket = re.search(r"<([^<>\s]+@[^<>\s]+)>", text)
    if bracket:
        return bracket.group(1)
    return text if re.fullmatch(r"[^\s@<>]+@[^\s@<>]+", text) else None


def _mode(security: Security) -> str:
    return security.label


def _finish(
    fmt: str,
    drafts: Sequence[_Draft],
    notes: _Notes,
    text: str,
    name: str,
    *,
    default: int = 0,
    stamp: _Stamp | None = None,
    previous: Mapping[str, Any] | None = None,
) -> ImportResult:
    """Checks the accounts read and builds the result."""
    if stamp is None:
        stamp = _stamp(text)
    accounts: list[ImportedAccount] = []
    default_index = 0
    for index, draft in enumerate(drafts):
        host = _host(draft.host)
        label = f"{draft.name}: " if draft.name and len(drafts) > 1 else ""
        if draft.host is not None and host is None:
            notes.warnings.append(
                label
                + _("“{host}” is not a server name, so this server is left out.").format(
                    host=_shorten(draft.host)
                )
            )
            continue
        if host is None:
            if draft.name:
                notes.warnings.append(
                    label + _("no server (host) is named, so this account is left out.")
                )
            continue
        if draft.email is None and stamp.email is not None:
            draft.email = stamp.email
            notes.read.append(
                label
                + _("sender address {email} (smtpwizard's comment at the top)").format(
                    email=stamp.email
                )
            )
        if (
            draft.password is None
            and draft.password_source is None
            and draft.username
            and stamp.password_env
        ):
            draft.password_source = _("the environment variable {name}").format(
                name=stamp.password_env
            )
            notes.read.append(
                label
                + _("password: from the environment variable {name} (the file's comments)").format(
                    name=stamp.password_env
                )
            )
        if index == default:
            default_index = len(accounts)
        accounts.append(
            ImportedAccount(
                name=draft.name,
                host=host,
                port=draft.port,
                security=draft.security,
                username=draft.username or None,
                email=draft.email,
                password=draft.password,
                password_source=draft.password_source,
                auth=draft.auth,
            )
        )
    title = FORMATS[fmt]
    if not accounts:
        message = _(
            "{file} was read as {title}, but it names no outgoing mail (SMTP) server."
        ).format(file=_label(name), title=title)
        if notes.elsewhere:
            message = message[:-1] + ": " + notes.elsewhere[0] + "."
        secrets = [d.password for d in drafts if d.password and len(d.password) >= 4]
        raise ImportFailed(_scrub([message], secrets)[0])
    if stamp.found and not stamp.tested:
        notes.read.append(_("the file says smtpwizard did not test these settings"))
    secrets = [a.password for a in accounts if a.password and len(a.password) >= 4]
    return ImportResult(
        format=fmt,
        title=title,
        accounts=tuple(accounts),
        default_index=default_index,
        read=_scrub(notes.read, secrets),
        missing=_scrub(notes.missing, secrets),
        warnings=_scrub(notes.warnings, secrets),
        tested_at=stamp.at,
        tested_from=stamp.origin,
        previous_probe=previous,
        name=name,
    )


def _scrub(lines: Sequence[str], secrets: Sequence[str]) -> tuple[str, ...]:
    """The lines once each, with any password that slipped into one blotted out (a last
    safety net)."""
    out = []
    for line in dict.fromkeys(lines):
        for secret in secrets:
            line = line.replace(secret, "••••")
        out.append(line)
    return tuple(out)


def _shorten(text: str, limit: int = 60) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


# --- smtpwizard's JSON: the probe document and the JSON export --------------------------------


def _parse_json(text: str, name: str) -> ImportResult:
    label = _label(name)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            _("{file} is damaged JSON (line {line}, column {column}: {problem}).").format(
                file=label, line=exc.lineno, column=exc.colno, problem=exc.msg
            )
        ) from None
    except (ValueError, RecursionError):
        raise ImportFailed(_("{file} is damaged JSON.").format(file=label)) from None
    if isinstance(doc, dict):
        if doc.get("format") == "smtpwizard-settings":
            return _from_json_export(doc, name)
        if "schema" in doc and ("recommended" in doc or "candidates" in doc):
            return _from_probe(doc, name)
    raise ImportFailed(
        _(
            "{file} is JSON, but not a file smtpwizard wrote (a probe result or a JSON export)."
        ).format(file=label)
    )


def _iso(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _security(value: object) -> Security | None:
    try:
        return Security(str(value))
    except ValueError:
        return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _from_probe(doc: dict[str, Any], name: str) -> ImportResult:
    notes = _Notes()
    email = _address(doc.get("email"))
    if email:
        notes.r(_("email address {email} (email)").format(email=email))
    drafts: list[_Draft] = []
    rec = doc.get("recommended")
    if isinstance(rec, Mapping):
        draft = _Draft(
            host=_text(rec.get("host")),
            port=_port(rec.get("port")),
            security=_security(rec.get("security")),
            username=_text(rec.get("username")),
            email=email,
            auth=_text(rec.get("auth_mechanism")),
        )
        _read_server(notes, draft, "recommended")
        drafts.append(draft)
    else:
        notes.w(
            _(
                "The previous test found no working configuration; the servers it tried "
                "are listed instead."
            )
        )
        seen: set[tuple[object, ...]] = set()
        candidates = doc.get("candidates")
        for entry in candidates if isinstance(candidates, list) else []:
            if not isinstance(entry, Mapping) or entry.get("protocol", "smtp") != "smtp":
                continue
            key = (entry.get("host"), entry.get("port"), entry.get("security"))
            if key in seen:
                continue
            seen.add(key)
            auth = entry.get("auth")
            user = _text(auth.get("username")) if isinstance(auth, Mapping) else None
            draft = _Draft(
                host=_text(entry.get("host")),
                port=_port(entry.get("port")),
                security=_security(entry.get("security")),
                username=user,
                email=email,
            )
            outcome = _text(entry.get("outcome")) or "?"
            if draft.host:
                notes.r(
                    _("tried {host} port {port}: {outcome}").format(
                        host=draft.host, port=draft.port, outcome=outcome
                    )
                )
            drafts.append(draft)
    if drafts and all(d.security is None or d.port is None for d in drafts):
        notes.w(_("The probe result is damaged: a server has no valid port or encryption."))
    tested_at = _iso(doc.get("tested_at"))
    stamp = _Stamp(
        found=True, tested=True, at=tested_at, origin=_text(doc.get("tested_from")), email=None
    )
    return _finish("probe", drafts, notes, "", name, stamp=stamp, previous=MappingProxyType(doc))


def _read_server(notes: _Notes, draft: _Draft, origin: str) -> None:
    if draft.host:
        notes.r(_("server {host} ({origin})").format(host=draft.host, origin=origin))
    if draft.port:
        notes.r(_("port {port} ({origin})").format(port=draft.port, origin=origin))
    if draft.security:
        notes.r(_("encryption {mode} ({origin})").format(mode=_mode(draft.security), origin=origin))
    if draft.username:
        notes.r(_("user name {user} ({origin})").format(user=draft.username, origin=origin))


def _from_json_export(doc: dict[str, Any], name: str) -> ImportResult:
    notes = _Notes()
    smtp = doc.get("smtp")
    if not isinstance(smtp, Mapping):
        smtp = {}
    email = _address(doc.get("email"))
    draft = _Draft(
        host=_text(smtp.get("host")),
        port=_port(smtp.get("port")),
        security=_security(smtp.get("security")),
        username=_text(smtp.get("username")),
        email=email,
        auth=_text(smtp.get("auth_mechanism")),
    )
    _read_server(notes, draft, "smtp")
    if email:
        notes.r(_("sender address {email} (email)").format(email=email))
    password = smtp.get("password")
    keyring = smtp.get("password_keyring")
    if isinstance(password, str) and password:
        draft.password = password
        draft.password_source = _("the file")
        notes.r(_("password: written in the file (smtp.password)"))
    elif isinstance(smtp.get("password_env"), str):
        draft.password_source = _("the environment variable {name}").format(
            name=smtp["password_env"]
        )
        notes.r(
            _("password: from the environment variable {name} (smtp.password_env)").format(
                name=smtp["password_env"]
            )
        )
    if isinstance(keyring, Mapping) and isinstance(keyring.get("service"), str):
        if draft.password_source is None:
            draft.password_source = _("the keyring ({service})").format(service=keyring["service"])
        notes.r(
            _("the password may be in the keyring as {service} (smtp.password_keyring)").format(
                service=keyring["service"]
            )
        )
    if draft.username and draft.password is None and draft.password_source is None:
        notes.m(_("no password and no word on where it is"))
    tested = doc.get("tested")
    if not isinstance(tested, Mapping):
        tested = {}
    ok = tested.get("ok") is True
    at = _iso(tested.get("at_iso")) if ok else None
    origin = _text(tested.get("from")) if ok else None
    stamp = _Stamp(found=True, tested=ok, at=at, origin=origin)
    return _finish("json", [draft], notes, "", name, stamp=stamp)


# --- Thunderbird: prefs.js and user.js -------------------------------------------------------

_PREF_FUNCS = frozenset(
    {"user_pref", "pref", "sticky_pref", "lockPref", "defaultPref", "lock_pref"}
)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DQ_BODY = re.compile(r'((?:[^"\\\n]|\\[^\n])*)"')
_SQ_BODY = re.compile(r"((?:[^'\\\n]|\\[^\n])*)'")
_INT = re.compile(r"[+-]?[0-9]{1,12}(?![A-Za-z0-9_])")
_BOOL = re.compile(r"(?:true|false)(?![A-Za-z0-9_])")
_BLANKS = re.compile(r"[ \t\r\n\f\v]+")
_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|.)", re.S)
#: Escapes Mozilla's pref parser knows, and a few more that JSON writers use.
_SIMPLE_ESCAPES = {
    '"': '"',
    "'": "'",
    "\\": "\\",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "/": "/",
}


class _PrefSyntax(Exception):
    """A pref statement that cannot be read."""


def _js_unescape(body: str) -> str:
    """The value of a pref string literal: ``\\xNN`` is a raw byte, ``\\uNNNN`` a UTF-16 unit.

    Raises:
        _PrefSyntax: an unknown escape, or the forbidden ``\\x00``/``\\u0000``.
    """
    out = bytearray()
    pos = 0
    for match in _ESCAPE.finditer(body):
        out += body[pos : match.start()].encode("utf-8", "surrogatepass")
        code = match.group(1)
        if len(code) == 3 and code[0] == "x":
            byte = int(code[1:], 16)
            if byte == 0:
                raise _PrefSyntax
            out.append(byte)
        elif len(code) == 5 and code[0] == "u":
            unit = int(code[1:], 16)
            if unit == 0:
                raise _PrefSyntax
            out += chr(unit).encode("utf-8", "surrogatepass")
        elif code in _SIMPLE_ESCAPES:
            out += _SIMPLE_ESCAPES[code].encode("utf-8")
        else:
            raise _PrefSyntax
        pos = match.end()
    out += body[pos:].encode("utf-8", "surrogatepass")
    try:
        text = out.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        text = out.decode("utf-8", "replace")
    # \uD83D\uDE00 arrives as two halves: let UTF-16 pair them, and mark lone halves.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


class _PrefScanner:
    """Reads ``pref("name", value);`` statements as Mozilla's pref parser defines them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self._counted = (0, 1)
        """(position, line number there), so line numbers cost no rescan from the start."""

    def line_at(self, pos: int) -> int:
        before, line = self._counted
        line += self.text.count("\n", before, pos)
        self._counted = (pos, line)
        return line

    def skip(self) -> None:
        text = self.text
        while self.pos < len(text):
            blank = _BLANKS.match(text, self.pos)
            if blank:
                self.pos = blank.end()
            elif text.startswith(("//", "#"), self.pos):
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end + 1
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                self.pos = len(text) if end < 0 else end + 2
            else:
                return

    def expect(self, char: str) -> None:
        self.skip()
        if not self.text.startswith(char, self.pos):
            raise _PrefSyntax
        self.pos += len(char)

    def string(self) -> str:
        self.skip()
        quote = self.text[self.pos : self.pos + 1]
        if quote not in ('"', "'"):
            raise _PrefSyntax
        body = (_DQ_BODY if quote == '"' else _SQ_BODY).match(self.text, self.pos + 1)
        if body is None:
            raise _PrefSyntax
        self.pos = body.end()
        return _js_unescape(body.group(1))

    def value(self) -> str | int | bool:
        self.skip()
        if self.text.startswith(('"', "'"), self.pos):
            return self.string()
        number = _INT.match(self.text, self.pos)
        if number:
            self.pos = number.end()
            return int(number.group())
        word = _BOOL.match(self.text, self.pos)
        if word:
            self.pos = word.end()
            return word.group() == "true"
        raise _PrefSyntax

    def statements(self) -> Iterator[tuple[str, str, str | int | bool] | int]:
        """Yields ``(function, name, value)``, or the line number of a statement not read."""
        text = self.text
        while True:
            self.skip()
            if self.pos >= len(text):
                return
            start = self.pos
            try:
                ident = _IDENT.match(text, self.pos)
                if ident is None or ident.group() not in _PREF_FUNCS:
                    raise _PrefSyntax
                self.pos = ident.end()
                self.expect("(")
                pref = self.string()
                self.expect(",")
                value = self.value()
                self.skip()
                while text.startswith(",", self.pos):
                    self.pos += 1
                    self.skip()
                    attr = _IDENT.match(text, self.pos)
                    if attr is None:
                        raise _PrefSyntax
                    self.pos = attr.end()
                    self.skip()
                self.expect(")")
                self.skip()
                if text.startswith(";", self.pos):
                    self.pos += 1
                yield ident.group(), pref, value
            except _PrefSyntax:
                yield self.line_at(start)
                end = text.find("\n", max(self.pos, start + 1))
                self.pos = len(text) if end < 0 else end + 1


#: ``try_ssl`` (nsMsgSocketType): 1 is the old "STARTTLS if the server offers it".
_TRY_SSL = {0: Security.NONE, 1: Security.STARTTLS, 2: Security.STARTTLS, 3: Security.TLS}
#: ``authMethod`` (nsMsgAuthMethod) in words.
_AUTH_METHOD = {
    1: "none",
    2: "password",
    3: "password",
    4: "CRAM-MD5",
    5: "GSSAPI",
    6: "NTLM",
    7: "TLS client certificate",
    8: "CRAM-MD5",
    9: "any",
    10: "OAuth2",
}


def _parse_prefs(text: str, name: str) -> ImportResult:
    notes = _Notes()
    user: dict[str, str | int | bool] = {}
    default: dict[str, str | int | bool] = {}
    locked: dict[str, str | int | bool] = {}
    bad: list[int] = []
    order: list[str] = []
    for item in _PrefScanner(text).statements():
        if isinstance(item, int):
            bad.append(item)
            continue
        function, pref, value = item
        branch = {"user_pref": user, "lockPref": locked, "lock_pref": locked}.get(function, default)
        branch[pref] = value
        order.append(pref)
    if bad:
        notes.w(
            ngettext(
                "{count} line could not be read as a preference and was skipped (line {line}).",
                "{count} lines could not be read as preferences and were skipped (first at "
                "line {line}).",
                len(bad),
            ).format(count=len(bad), line=bad[0])
        )

    def get(pref: str) -> str | int | bool | None:
        for branch in (locked, user, default):
            if pref in branch:
                return branch[pref]
        return None

    listed_pref = get("mail.smtpservers")
    listed = [k.strip() for k in listed_pref.split(",")] if isinstance(listed_pref, str) else []
    listed = [k for k in dict.fromkeys(listed) if k]
    defined = [
        m.group(1)
        for pref in order
        if (m := re.fullmatch(r"mail\.smtpserver\.([^.]+)\.hostname", pref))
        and m.group(1) != "default"
    ]
    keys = listed + [k for k in dict.fromkeys(defined) if k not in listed]
    if listed:
        notes.r(_("servers {keys} (mail.smtpservers)").format(keys=", ".join(listed)))
    emails = _identity_emails(order, get)
    default_key = get("mail.smtp.defaultserver")
    drafts: list[_Draft] = []
    for key in keys:
        notes.prefix = f"{key}: " if len(keys) > 1 else ""
        draft = _thunderbird_server(key, get, notes, listed=bool(listed) and key in listed)
        if draft is None:
            continue
        main = default_key if isinstance(default_key, str) and default_key else keys[0]
        draft.email = emails.get(key) or (emails.get("") if key == main else None)
        if draft.email:
            notes.r(
                _("sender address {email} (the identity using this server)").format(
                    email=draft.email
                )
            )
        drafts.append(draft)
    notes.prefix = ""
    index = 0
    if isinstance(default_key, str) and default_key:
        names = [d.name for d in drafts]
        if default_key in names:
            index = names.index(default_key)
            if len(drafts) > 1:
                notes.r(_("default server {key} (mail.smtp.defaultserver)").format(key=default_key))
        else:
            notes.w(
                _(
                    "mail.smtp.defaultserver names {key}, which is not defined here; the "
                    "first server is assumed."
                ).format(key=default_key)
            )
    elif len(drafts) > 1:
        notes.m(
            _("no mail.smtp.defaultserver: Thunderbird uses the first server, {key}").format(
                key=drafts[0].name
            )
        )
    return _finish("thunderbird-prefs", drafts, notes, text, name, default=index)


def _identity_emails(
    order: Sequence[str], get: Callable[[str], str | int | bool | None]
) -> dict[str, str]:
    """Server key → the address of the first identity sending through it ("" = the default)."""
    emails: dict[str, str] = {}
    identities = dict.fromkeys(
        m.group(1)
        for pref in order
        if (m := re.fullmatch(r"mail\.identity\.([^.]+)\.useremail", pref))
    )
    for identity in identities:
        email = _address(get(f"mail.identity.{identity}.useremail"))
        server = get(f"mail.identity.{identity}.smtpServer")
        key = server if isinstance(server, str) and server else ""
        if email and key not in emails:
            emails[key] = email
    return emails


def _thunderbird_server(
    key: str, get: Callable[[str], str | int | bool | None], notes: _Notes, listed: bool
) -> _Draft | None:
    prefix = f"mail.smtpserver.{key}."
    kind = get(prefix + "type")
    if isinstance(kind, str) and kind.lower() != "smtp":
        notes.r(
            _("server type {kind}, not SMTP: left out ({pref})").format(
                kind=kind, pref=prefix + "type"
            )
        )
        return None
    draft = _Draft(name=key)
    hostname = get(prefix + "hostname")
    if not isinstance(hostname, str) or not hostname.strip():
        notes.w(
            _("no hostname ({pref}), so this server is left out.").format(pref=prefix + "hostname")
        )
        return None
    draft.host = hostname.strip()
    notes.r(_("server {host} ({pref})").format(host=draft.host, pref=prefix + "hostname"))
    if not listed:
        notes.r(
            _(
                "defined, but not in mail.smtpservers: Thunderbird lists it only once it is "
                "added there"
            )
        )
    try_ssl = get(prefix + "try_ssl")
    try_ssl_pref = prefix + "try_ssl"
    if try_ssl is None:
        try_ssl = get("mail.smtpserver.default.try_ssl")
        try_ssl_pref = "mail.smtpserver.default.try_ssl"
    if try_ssl is None:
        draft.security = Security.NONE
        notes.m(_("no try_ssl: Thunderbird's default, no encryption, is assumed"))
    elif isinstance(try_ssl, int) and not isinstance(try_ssl, bool) and try_ssl in _TRY_SSL:
        draft.security = _TRY_SSL[try_ssl]
        notes.r(
            _("encryption {mode} ({pref} = {value})").format(
                mode=_mode(draft.security), pref=try_ssl_pref, value=try_ssl
            )
        )
        if try_ssl == 1:
            notes.w(
                _(
                    "try_ssl = 1 is the old “STARTTLS, if available”: when the server does not "
                    "offer STARTTLS (or an attacker hides it), Thunderbird sends the password "
                    "unencrypted. Choose STARTTLS (2) or SSL/TLS (3)."
                )
            )
    else:
        notes.w(
            _("{pref} = {value} is not a known encryption setting.").format(
                pref=try_ssl_pref, value=try_ssl
            )
        )
    port = get(prefix + "port")
    number = _port(port)
    if number is not None:
        draft.port = number
        notes.r(_("port {port} ({pref})").format(port=number, pref=prefix + "port"))
    elif port in (None, 0, "0", "") and draft.security is not None:
        draft.port = 465 if draft.security is Security.TLS else 25
        notes.m(
            _("no port: Thunderbird's default for {mode}, {port}, is assumed").format(
                mode=_mode(draft.security), port=draft.port
            )
        )
    elif port in (None, 0, "0", ""):
        notes.m(_("no port"))
    else:
        notes.w(
            _("{pref} = {value} is not a port number.").format(pref=prefix + "port", value=port)
        )
    method = get(prefix + "authMethod")
    method_pref = prefix + "authMethod"
    if method is None:
        method = get("mail.smtpserver.default.authMethod")
        method_pref = "mail.smtpserver.default.authMethod"
    if method is None:
        draft.auth = "password"
        notes.m(_("no authMethod: Thunderbird's default, normal password, is assumed"))
    elif isinstance(method, int) and not isinstance(method, bool) and method in _AUTH_METHOD:
        draft.auth = _AUTH_METHOD[method]
        notes.r(
            _("login: {auth} ({pref} = {value})").format(
                auth=draft.auth, pref=method_pref, value=method
            )
        )
    else:
        notes.w(
            _("{pref} = {value} is not a known login method.").format(
                pref=method_pref, value=method
            )
        )
    username = get(prefix + "username")
    if isinstance(username, str) and username:
        draft.username = username
        notes.r(_("user name {user} ({pref})").format(user=username, pref=prefix + "username"))
    elif draft.auth not in ("none", None):
        notes.m(_("no user name: Thunderbird asks for one"))
    password = get(prefix + "password")
    if isinstance(password, str) and password:
        # Thunderbird before version 3 kept the password in the prefs.
        draft.password = password
        draft.password_source = _("the file")
        notes.w(
            _("the password is written in the file, unencrypted ({pref}).").format(
                pref=prefix + "password"
            )
        )
    elif draft.auth == "OAuth2":
        draft.password_source = _("an OAuth2 sign-in in Thunderbird")
        notes.r(_("password: none; Thunderbird signs in with OAuth2"))
    elif draft.auth not in ("none", None):
        draft.password_source = _("Thunderbird's saved passwords (not in this file)")
        notes.r(_("password: in Thunderbird's saved passwords, not in this file"))
    return draft


# --- Thunderbird autoconfig XML --------------------------------------------------------------

_SOCKET_TYPE = {"SSL": Security.TLS, "STARTTLS": Security.STARTTLS, "plain": Security.NONE}
_XML_AUTH = {
    "none": "none",
    "client-IP-address": "none",
    "smtp-after-pop": "none",
    "password-cleartext": "password",
    "plain": "password",
    "password-encrypted": "CRAM-MD5",
    "secure": "CRAM-MD5",
    "GSSAPI": "GSSAPI",
    "NTLM": "NTLM",
    "OAuth2": "OAuth2",
}


def _parse_xml(text: str, name: str) -> ImportResult:
    label = _label(name)
    try:
        root = SafeET.fromstring(text)
    except SafeET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise ImportFailed(
            _("{file} is damaged XML (line {line}, column {column}).").format(
                file=label, line=line, column=column
            )
        ) from None
    except (DefusedXmlException, ValueError):
        raise ImportFailed(
            _("{file} is XML that smtpwizard does not read safely (it defines entities).").format(
                file=label
            )
        ) from None
    if _local(root.tag) != "clientConfig":
        raise ImportFailed(
            _(
                "{file} is XML, but not a Thunderbird autoconfig file (config-v1.1.xml), "
                "the only XML smtpwizard reads."
            ).format(file=label)
        )
    stamp = _stamp(text)
    notes = _Notes()
    drafts: list[_Draft] = []
    servers = [
        e
        for e in root.iter()
        if _local(e.tag) == "outgoingServer" and (e.get("type") or "").lower() == "smtp"
    ]
    for number, server in enumerate(servers, 1):
        notes.prefix = _("outgoing server {n}: ").format(n=number) if len(servers) > 1 else ""
        children: dict[str, list[str]] = {}
        for child in server:
            children.setdefault(_local(child.tag), []).append((child.text or "").strip())
        draft = _Draft(name=str(number) if len(servers) > 1 else "")
        draft.host = _child(children, "hostname")
        if draft.host:
            notes.r(_("server {host} (hostname)").format(host=draft.host))
        draft.port = _port(_child(children, "port"))
        if draft.port:
            notes.r(_("port {port} (port)").format(port=draft.port))
        else:
            notes.m(_("no valid port"))
        for word in children.get("socketType", []):
            if word in _SOCKET_TYPE:
                draft.security = _SOCKET_TYPE[word]
                notes.r(
                    _("encryption {mode} (socketType {word})").format(
                        mode=_mode(draft.security), word=word
                    )
                )
                break
        else:
            notes.m(_("no socketType Thunderbird understands"))
        for word in children.get("authentication", []):
            if word in _XML_AUTH:
                draft.auth = _XML_AUTH[word]
                break
        username = _child(children, "username")
        if username:
            local, _at, domain = (stamp.email or "").partition("@")
            if stamp.email:
                username = (
                    username.replace("%EMAILADDRESS%", stamp.email)
                    .replace("%EMAILLOCALPART%", local)
                    .replace("%EMAILDOMAIN%", domain)
                )
            if re.search(r"%(?:EMAILADDRESS|EMAILLOCALPART|EMAILDOMAIN|REALNAME)%", username):
                notes.r(
                    _("user name {user}: Thunderbird fills in the account's address").format(
                        user=username
                    )
                )
            else:
                draft.username = username
                notes.r(_("user name {user} (username)").format(user=username))
        if draft.auth not in (None, "none", "OAuth2"):
            draft.password_source = _("Thunderbird asks for it (not in this file)")
        drafts.append(draft)
    notes.prefix = ""
    return _finish("thunderbird-xml", drafts, notes, text, name, stamp=stamp)


def _child(children: Mapping[str, list[str]], tag: str) -> str | None:
    values = children.get(tag)
    return values[0] if values else None


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


# --- msmtp -----------------------------------------------------------------------------------

_MSMTP_COMMANDS = frozenset(
    {
        "defaults",
        "account",
        "host",
        "port",
        "source_ip",
        "proxy_host",
        "proxy_port",
        "socket",
        "timeout",
        "connect_timeout",
        "protocol",
        "domain",
        "auth",
        "user",
        "password",
        "passwordeval",
        "ntlmdomain",
        "tls",
        "tls_starttls",
        "tls_trust_file",
        "tls_crl_file",
        "tls_fingerprint",
        "tls_key_file",
        "tls_cert_file",
        "tls_certcheck",
        "tls_min_dh_prime_bits",
        "tls_priorities",
        "tls_host_override",
        "tls_force_sslv3",
        "from",
        "from_full_name",
        "allow_from_override",
        "auto_from",
        "maildomain",
        "dsn_notify",
        "dsn_return",
        "add_missing_from_header",
        "add_missing_date_header",
        "remove_bcc_headers",
        "undisclosed_recipients",
        "logfile",
        "logfile_time_format",
        "syslog",
        "aliases",
        "set_from_header",
        "set_date_header",
        "set_msgid_header",
        "eval",
        "keepbcc",
    }
)


def _msmtp_lines(text: str) -> Iterator[tuple[int, str, str]]:
    """``(line number, command, argument)`` as msmtp splits each line.

    Only lines whose first non-blank character is ``#`` are comments; the argument is the
    rest of the line, blanks at its ends and one pair of enclosing double quotes removed.
    """
    for number, line in enumerate(_lines(text), 1):
        stripped = line.strip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        blank = re.search(r"[ \t]", stripped)
        if blank is None:
            yield number, stripped, ""
        else:
            yield number, stripped[: blank.start()], _msmtp_trim(stripped[blank.end() :])


def _msmtp_trim(text: str) -> str:
    text = text.strip(" \t")
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1]
    return text


def _looks_like_msmtp(text: str) -> bool:
    total = known = 0
    anchors = False
    for _number, command, _arg in _msmtp_lines(text):
        total += 1
        if command in _MSMTP_COMMANDS:
            known += 1
            anchors = anchors or command in ("host", "account")
        if total >= 400:
            break
    return anchors and known * 10 >= total * 8


@dataclass
class _MsmtpAccount:
    name: str
    line: int
    effective: dict[str, tuple[str, int]] = field(default_factory=dict)
    explicit: dict[str, tuple[str, int]] = field(default_factory=dict)
    parents: list[str] = field(default_factory=list)
    own: bool = False
    """Whether the account sets anything itself (else it is another's alias)."""


def _parse_msmtp(text: str, name: str) -> ImportResult:
    notes = _Notes()
    defaults: dict[str, tuple[str, int]] = {}
    accounts: dict[str, _MsmtpAccount] = {}
    current: _MsmtpAccount | None = None
    in_defaults = False
    started = False
    for number, command, arg in _msmtp_lines(text):
        if command == "defaults":
            in_defaults, current, started = True, None, True
            continue
        if command == "account":
            started, in_defaults = True, False
            current = _msmtp_account(arg, number, defaults, accounts, notes)
            continue
        if not started:
            # msmtp before accounts existed: settings at the top form the account "default".
            started = True
            current = accounts.setdefault("default", _MsmtpAccount("default", number))
        if in_defaults:
            defaults[command] = (arg, number)
        elif current is not None:
            current.effective[command] = (arg, number)
            current.explicit[command] = (arg, number)
            current.own = True
    drafts: list[_Draft] = []
    for account in accounts.values():
        notes.prefix = f"{account.name}: " if len(accounts) > 1 else ""
        alias = len(account.parents) == 1 and not account.own
        # An alias ("account default : work") says nothing the parent's lines did not.
        drafts.append(_msmtp_draft(account, _Notes() if alias else notes))
    notes.prefix = ""
    names = list(accounts)
    if "default" in accounts:
        index = names.index("default")
    else:
        index = 0
        if len(names) > 1:
            notes.m(
                _(
                    "no account named default: msmtp then needs --account; the first one, "
                    "{name}, is assumed"
                ).format(name=names[0])
            )
    # Only accounts with a host count; find the default among those that stay.
    usable = [i for i, d in enumerate(drafts) if _host(d.host)]
    if index not in usable and usable:
        index = usable[0]
    return _finish("msmtp", drafts, notes, text, name, default=index)


def _msmtp_account(
    arg: str,
    number: int,
    defaults: Mapping[str, tuple[str, int]],
    accounts: dict[str, _MsmtpAccount],
    notes: _Notes,
) -> _MsmtpAccount | None:
    own, colon, parents = arg.partition(":")
    own = _msmtp_trim(own)
    if not own or "," in own:
        notes.w(_("line {line}: an account without a valid name is skipped.").format(line=number))
        return None
    if own in accounts:
        notes.w(
            _("line {line}: account {name} is defined twice; msmtp refuses that.").format(
                line=number, name=own
            )
        )
        return None
    account = _MsmtpAccount(own, number, effective=dict(defaults))
    for parent in parents.split(",") if colon else []:
        parent = _msmtp_trim(parent)
        if parent in accounts:
            account.parents.append(parent)
            account.effective.update(accounts[parent].explicit)
            account.explicit.update(accounts[parent].explicit)
            notes.r(
                _("account {name} takes the settings of {parent}").format(name=own, parent=parent)
            )
        else:
            notes.w(
                _(
                    "line {line}: account {name} inherits from {parent}, which is not defined "
                    "before it; msmtp refuses that."
                ).format(line=number, name=own, parent=parent or "?")
            )
    accounts[own] = account
    return account


def _msmtp_switch(value: tuple[str, int] | None, command: str, notes: _Notes) -> bool | None:
    if value is None:
        return None
    arg, number = value
    if arg in ("", "on"):
        return True
    if arg == "off":
        return False
    notes.w(
        _("line {line}: “{command} {value}” is neither on nor off.").format(
            line=number, command=command, value=_shorten(arg)
        )
    )
    return None


def _c_number(text: str) -> int | None:
    """A number as C's strtol(..., 0) reads it (msmtp does): 0x hex, leading-0 octal."""
    match = re.fullmatch(r"\+?(0[xX][0-9A-Fa-f]{1,8}|0[0-7]{0,11}|[1-9][0-9]{0,9})", text)
    if not match:
        return None
    digits = match.group(1)
    if digits[:2].lower() == "0x":
        return int(digits, 16)
    if digits.startswith("0"):
        return int(digits, 8)
    return int(digits)


def _msmtp_draft(account: _MsmtpAccount, notes: _Notes) -> _Draft:
    values = account.effective
    draft = _Draft(name=account.name)
    host = values.get("host")
    if host and host[0]:
        draft.host = host[0]
        notes.r(_("server {host} (host, line {line})").format(host=host[0], line=host[1]))
    tls = _msmtp_switch(values.get("tls"), "tls", notes)
    starttls = _msmtp_switch(values.get("tls_starttls"), "tls_starttls", notes)
    if tls is None and "tls" not in values:
        notes.m(_("no tls line: msmtp's default, no encryption, is assumed"))
    if not tls:
        draft.security = Security.NONE
    elif starttls is False:
        draft.security = Security.TLS
    else:
        draft.security = Security.STARTTLS
    if "tls" in values:
        notes.r(
            _("encryption {mode} (tls, line {line})").format(
                mode=_mode(draft.security), line=values["tls"][1]
            )
        )
    port = values.get("port")
    if port is not None:
        number = _c_number(port[0])
        if number is not None and 0 < number < 65536:
            draft.port = number
            notes.r(_("port {port} (port, line {line})").format(port=number, line=port[1]))
        else:
            notes.w(
                _(
                    "line {line}: “{value}” is not a port number (msmtp reads # as a comment "
                    "only at the start of a line)."
                ).format(line=port[1], value=_shorten(port[0]))
            )
    if draft.port is None:
        draft.port = 465 if draft.security is Security.TLS else 25
        notes.m(
            _("no valid port: msmtp's default for {mode}, {port}, is assumed").format(
                mode=_mode(draft.security), port=draft.port
            )
        )
    protocol = values.get("protocol")
    if protocol is not None and protocol[0] == "lmtp":
        notes.w(_("this account speaks LMTP to a local delivery agent, not SMTP."))
    user = values.get("user")
    if user and user[0]:
        draft.username = user[0]
        notes.r(_("user name {user} (user, line {line})").format(user=user[0], line=user[1]))
    sender = values.get("from")
    if sender and sender[0]:
        draft.email = _address(sender[0]) or sender[0]
        notes.r(
            _("sender address {email} (from, line {line})").format(
                email=draft.email, line=sender[1]
            )
        )
    auth = values.get("auth")
    if auth is None or auth[0] == "off":
        draft.auth = "none"
        if draft.username:
            notes.w(_("a user name is given, but auth is not on: msmtp will not log in."))
        elif auth is None:
            notes.m(_("no auth line: msmtp does not log in"))
    else:
        draft.auth = "password" if auth[0] in ("", "on") else auth[0].upper()
        notes.r(_("login: {auth} (auth, line {line})").format(auth=draft.auth, line=auth[1]))
    password = values.get("password")
    command = values.get("passwordeval")
    if password and password[0]:
        draft.password = password[0]
        draft.password_source = _("the file")
        notes.r(_("password: written in the file (password, line {line})").format(line=password[1]))
    elif command and command[0]:
        if "keyring get smtpwizard:" in command[0]:
            draft.password_source = _("the keyring, where smtpwizard stored it (passwordeval)")
        else:
            draft.password_source = _("the passwordeval command")
        notes.r(
            _("password: from the passwordeval command (line {line}), not run here").format(
                line=command[1]
            )
        )
    elif draft.auth != "none":
        draft.password_source = _(
            "the system keyring or ~/.netrc, where msmtp looks when the file names no password"
        )
        notes.m(_("no password: msmtp looks in the system keyring, then ~/.netrc, then asks"))
    return draft


# --- Python settings (Django, Flask-Mail) ----------------------------------------------------


class _Unknown:
    """A value the file computes in a way smtpwizard does not follow."""

    def __repr__(self) -> str:
        return "<unknown>"


_UNKNOWN = _Unknown()


@dataclass(frozen=True)
class _Setting:
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
        return self.value is not _UNKNOWN and self.value is not None


def _python_module(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError):
        return None


def _pythonic(text: str) -> bool:
    """Whether assignments look like Python (spaces around ``=``, imports) rather than .env."""
    return bool(
        re.search(r"^(?:import|from)[ \t]+[A-Za-z_]", text, re.M)
        or re.search(r"^[A-Z_][A-Z0-9_]*[ \t]+=[ \t]", text, re.M)
    )


_ENV_GETTERS = frozenset({"os.environ.get", "environ.get", "os.getenv", "getenv"})
_ENV_CASTS = frozenset({"str", "int", "bool", "float", "email", "url"})


def _dotted(node: ast.expr) -> str:
    """``os.environ.get`` for an attribute chain, ``vars()`` for a call without arguments."""
    parts: list[str] = []
    for _depth in range(12):
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return ".".join(reversed(parts))
        elif isinstance(node, ast.Call) and not node.args and not node.keywords:
            parts.append(_dotted(node.func) + "()")
            return ".".join(reversed(parts))
        else:
            return ""
    return ""


def _const_str(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


@dataclass(frozen=True)
class _Py:
    """A Python expression's value as far as the file tells it."""

    value: Any
    env: str | None = None


class _PyReader:
    """Follows module-level assignments of a settings file without running anything."""

    def __init__(self) -> None:
        self.names: dict[str, _Py] = {}
        self.origin: dict[str, str] = {}

    def walk(self, body: Sequence[ast.stmt], depth: int = 0) -> None:
        if depth > 6:
            return
        for stmt in body:
            if isinstance(stmt, ast.Assign):
                value = self.eval(stmt.value)
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        self.names[target.id] = value
                        self.origin[target.id] = target.id
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                if isinstance(stmt.target, ast.Name):
                    self.names[stmt.target.id] = self.eval(stmt.value)
                    self.origin[stmt.target.id] = stmt.target.id
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                self.update(stmt.value)
            elif isinstance(stmt, ast.If):
                self.walk(stmt.body, depth + 1)
                self.walk(stmt.orelse, depth + 1)
            elif isinstance(stmt, ast.Try):
                self.walk(stmt.body, depth + 1)
                for handler in stmt.handlers:
                    self.walk(handler.body, depth + 1)
                self.walk(stmt.orelse, depth + 1)
                self.walk(stmt.finalbody, depth + 1)
            elif isinstance(stmt, ast.With):
                self.walk(stmt.body, depth + 1)

    def update(self, call: ast.Call) -> None:
        """``vars().update(env.email_url(...))`` and its kin put a dict into the settings."""
        if _dotted(call.func) not in ("vars().update", "globals().update", "locals().update"):
            return
        if len(call.args) != 1:
            return
        value = self.eval(call.args[0])
        if isinstance(value.value, dict):
            for key, item in value.value.items():
                if isinstance(key, str) and key.startswith("EMAIL_"):
                    self.names[key] = _Py(item, value.env)
                    self.origin[key] = value.env or key
            url = value.value.get("_url", _UNKNOWN)
            self.names["EMAIL_URL"] = _Py(url, value.env)
            self.origin["EMAIL_URL"] = "EMAIL_URL"

    def eval(self, node: ast.expr, depth: int = 0) -> _Py:
        if depth > 12:
            return _Py(_UNKNOWN)
        if isinstance(node, ast.Constant):
            return _Py(node.value)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = [self.eval(e, depth + 1) for e in node.elts[:50]]
            if len(node.elts) > 50 or any(i.value is _UNKNOWN for i in items):
                return _Py(_UNKNOWN)
            return _Py(tuple(i.value for i in items))
        if isinstance(node, ast.Name):
            return self.names.get(node.id, _Py(_UNKNOWN))
        if isinstance(node, ast.Subscript):
            return self.subscript(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            return self.compare(node, depth)
        if isinstance(node, ast.BoolOp):
            result = _Py(_UNKNOWN)
            for operand in node.values[:10]:
                result = self.eval(operand, depth + 1)
                if result.value is _UNKNOWN:
                    return _Py(_UNKNOWN, result.env)
                if bool(result.value) == isinstance(node.op, ast.Or):
                    return result
            return result
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.eval(node.operand, depth + 1)
            return _Py(_UNKNOWN if inner.value is _UNKNOWN else not inner.value, inner.env)
        return _Py(_UNKNOWN)

    def subscript(self, node: ast.Subscript, depth: int) -> _Py:
        key = _const_str(node.slice)
        if key is None:
            return _Py(_UNKNOWN)
        if _dotted(node.value) in ("os.environ", "environ"):
            return _Py(_UNKNOWN, key)
        base = self.eval(node.value, depth + 1)
        if isinstance(base.value, dict):
            return _Py(base.value.get(key, _UNKNOWN), base.env)
        return _Py(_UNKNOWN, base.env)

    def compare(self, node: ast.Compare, depth: int) -> _Py:
        left = self.eval(node.left, depth + 1)
        right = self.eval(node.comparators[0], depth + 1)
        env = left.env or right.env
        if left.value is _UNKNOWN or right.value is _UNKNOWN:
            return _Py(_UNKNOWN, env)
        op = node.ops[0]
        try:
            if isinstance(op, ast.Eq):
                return _Py(left.value == right.value, env)
            if isinstance(op, ast.NotEq):
                return _Py(left.value != right.value, env)
            if isinstance(op, ast.In):
                return _Py(left.value in right.value, env)
            if isinstance(op, ast.NotIn):
                return _Py(left.value not in right.value, env)
        except TypeError:
            pass
        return _Py(_UNKNOWN, env)

    def call(self, node: ast.Call, depth: int) -> _Py:
        name = _dotted(node.func)
        first = node.args[0] if node.args else None
        if name in _ENV_GETTERS:
            var = _const_str(first)
            if var is None:
                return _Py(_UNKNOWN)
            default = node.args[1] if len(node.args) > 1 else _keyword(node, "default")
            if default is None:
                return _Py(None, var)
            return _Py(self.eval(default, depth + 1).value, var)
        if name.endswith(".email_url") or name in ("dj_email_url.config", "dj_email_url.parse"):
            return self.email_url(node, name, depth)
        if name in ("env", "config", "decouple.config") or (
            name.startswith("env.") and name[4:] in _ENV_CASTS
        ):
            var = _const_str(first) or _const_str(_keyword(node, "var"))
            if var is None:
                return _Py(_UNKNOWN)
            default = _keyword(node, "default")
            if default is None and len(node.args) > 1 and name != "env":
                default = node.args[1]
            value = None if default is None else self.eval(default, depth + 1).value
            cast = (
                name[4:]
                if name.startswith("env.")
                else _dotted(_keyword(node, "cast") or ast.Constant(None))
            )
            return _Py(_cast(value, cast), var)
        if name in ("int", "str", "bool") and len(node.args) == 1:
            inner = self.eval(node.args[0], depth + 1)
            return _Py(_cast(inner.value, name, python=True), inner.env)
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("lower", "upper", "strip"):
            inner = self.eval(node.func.value, depth + 1)
            if isinstance(inner.value, str) and not node.args:
                return _Py(getattr(inner.value, node.func.attr)(), inner.env)
            return _Py(_UNKNOWN, inner.env)
        return _Py(_UNKNOWN)

    def email_url(self, node: ast.Call, name: str, depth: int) -> _Py:
        first = node.args[0] if node.args else None
        if name == "dj_email_url.parse":
            url = self.eval(first, depth + 1) if first is not None else _Py(_UNKNOWN)
            if isinstance(url.value, str):
                return _Py(_django_url_settings(url.value), url.env or "EMAIL_URL")
            return _Py(_UNKNOWN, url.env)
        var_node = _keyword(node, "env" if name == "dj_email_url.config" else "var") or first
        var = _const_str(var_node) or "EMAIL_URL"
        default_node = _keyword(node, "default")
        if default_node is None and len(node.args) > 1:
            default_node = node.args[1]
        default = self.eval(default_node, depth + 1).value if default_node is not None else None
        if isinstance(default, str):
            return _Py(_django_url_settings(default), var)
        return _Py({"EMAIL_HOST": _UNKNOWN}, var)


def _cast(value: Any, cast: str, python: bool = False) -> Any:
    """A default as the settings library would convert it."""
    if value is _UNKNOWN or value is None:
        return value
    try:
        if cast == "int":
            return int(value)
        if cast == "bool":
            # bool("False") is True in Python; environment libraries read the word.
            return bool(value) if python else _flag(value)
        if cast == "str":
            return str(value)
    except (TypeError, ValueError):
        return _UNKNOWN
    return value


def _parse_python(
    module: ast.Module, text: str, name: str, env: _EnvFile | None = None, claim: bool = True
) -> ImportResult:
    """Django or Flask-Mail settings; ``env`` is the same text read as a .env, used instead
    when the Python reading finds nothing it can follow (``MAIL_HOST = smtp.example.com``).
    Without ``claim`` (neither the name nor the look says Python) finding nothing means the
    format is unknown."""
    reader = _PyReader()
    reader.walk(module.body)
    settings = {
        key: _Setting(value.value, reader.origin.get(key, key), value.env)
        for key, value in reader.names.items()
        if key.startswith(("EMAIL_", "MAIL_", "DEFAULT_FROM_EMAIL"))
    }
    relevant = any(k in settings for k in (*_DJANGO_KEYS, *_FLASK_KEYS))
    followed = all(s.value is not _UNKNOWN or s.env for s in settings.values())
    if (not relevant or not followed) and env is not None and _env_families(env):
        return _parse_env(env, text, name)
    notes = _Notes()
    drafts: list[tuple[str, _Draft]] = []
    if any(k in settings for k in _DJANGO_KEYS):
        drafts.append(("django", _django_draft(settings, notes)))
    if any(k in settings for k in _FLASK_KEYS):
        drafts.append(("flask-mail", _flask_draft(settings, notes)))
    if not drafts and not claim:
        raise _unknown(name)
    if not drafts:
        raise ImportFailed(
            _(
                "{file} is Python, but it sets no mail settings smtpwizard knows "
                "(EMAIL_HOST, EMAIL_URL or Flask-Mail's MAIL_SERVER)."
            ).format(file=_label(name))
        )
    if len(drafts) > 1:
        for fmt, draft in drafts:
            draft.name = FORMATS[fmt]
    return _finish(drafts[0][0], [d for _f, d in drafts], notes, text, name)


# --- Django and Flask-Mail settings, from Python or from a .env ------------------------------

_DJANGO_KEYS = (
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_URL",
)
_FLASK_KEYS = ("MAIL_SERVER", "MAIL_USE_TLS", "MAIL_USE_SSL")


def _origin(setting: _Setting) -> str:
    if setting.env:
        return _("{key}, the default for the environment variable {env}").format(
            key=setting.origin, env=setting.env
        )
    return setting.origin


def _live(setting: _Setting, notes: _Notes) -> None:
    """Says that the running program reads this setting from the environment."""
    if setting.env is None:
        return
    if setting.value is None or setting.value is _UNKNOWN:
        notes.env(setting.origin, setting.env)
    else:
        notes.m(
            _(
                "{key}: the running program takes it from the environment variable {env}; "
                "the file's default is used here"
            ).format(key=setting.origin, env=setting.env)
        )


def _password(draft: _Draft, setting: _Setting | None, notes: _Notes) -> None:
    """The password setting: its value in memory, and only where it comes from in words."""
    if setting is None:
        return
    value = setting.value
    if isinstance(value, str) and value and not setting.env:
        refs = _REFERENCE.fullmatch(value)
        if refs and refs.group(1) in setting.refs:
            draft.password_source = _("the environment variable {name}").format(name=refs.group(1))
            notes.r(
                _("password: from the environment variable {name} ({key})").format(
                    name=refs.group(1), key=setting.origin
                )
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


def _django_url_settings(url: str) -> dict[str, Any]:
    """An ``EMAIL_URL`` as django-environ (and dj-email-url) turn it into settings.

    ``smtps://`` and ``smtp+tls://`` mean STARTTLS there, ``smtp+ssl://`` implicit TLS;
    dj-email-url adds ``submission://`` (STARTTLS, port 587) and ``?ssl=``/``?tls=``.
    """
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return {"_url": url, "EMAIL_HOST": _UNKNOWN, "_error": "damaged"}
    scheme = parts.scheme.lower()
    settings: dict[str, Any] = {
        "_url": url,
        "_scheme": scheme,
        "EMAIL_HOST": parts.hostname or "",
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": urllib.parse.unquote(parts.username) if parts.username else "",
        "EMAIL_HOST_PASSWORD": urllib.parse.unquote(parts.password) if parts.password else "",
        "EMAIL_USE_TLS": scheme in ("smtps", "smtp+tls", "submission", "submit"),
        "EMAIL_USE_SSL": scheme == "smtp+ssl",
    }
    if scheme in ("submission", "submit") and port is None:
        settings["EMAIL_PORT"] = 587
    query = urllib.parse.parse_qs(parts.query)
    for key, values in query.items():
        upper = key.upper()
        if upper in ("EMAIL_USE_TLS", "EMAIL_USE_SSL") and values:
            settings[upper] = _flag(values[0]) is True
        elif key in ("ssl", "tls") and values and _flag(values[0]):
            settings["EMAIL_USE_SSL"] = key == "ssl"
            settings["EMAIL_USE_TLS"] = key == "tls"
    return settings


def _django_draft(settings: Mapping[str, _Setting], notes: _Notes) -> _Draft:
    settings = dict(settings)
    url = settings.get("EMAIL_URL")
    if url is not None and isinstance(url.value, str) and url.value:
        _django_url(url, settings, notes)
    elif url is not None and url.env:
        _live(url, notes)
    draft = _Draft()
    backend = settings.get("EMAIL_BACKEND")
    if (
        backend is not None
        and isinstance(backend.value, str)
        and not backend.value.endswith("smtp.EmailBackend")
    ):
        notes.w(
            _(
                "EMAIL_BACKEND is {backend}: Django does not send mail over SMTP with it, "
                "so the mail settings below are not used."
            ).format(backend=backend.value)
        )
    if not _take_host(settings.get("EMAIL_HOST"), draft, notes) and url is None:
        draft.host = "localhost"
        notes.m(_("no EMAIL_HOST: Django's default localhost is assumed"))
    security, ssl, tls = _take_flags(settings, ("EMAIL_USE_SSL", "EMAIL_USE_TLS"), draft, notes)
    if ssl and tls:
        notes.w(
            _(
                "EMAIL_USE_TLS and EMAIL_USE_SSL are both True: Django refuses to send "
                "(“mutually exclusive”). Keep EMAIL_USE_SSL for port 465, EMAIL_USE_TLS "
                "otherwise."
            )
        )
    if ssl is None and tls is None:
        notes.m(_("no EMAIL_USE_TLS or EMAIL_USE_SSL: Django's default, no encryption, is assumed"))
    port = settings.get("EMAIL_PORT")
    number = _port(port.value) if port is not None else None
    if port is not None and number is not None:
        draft.port = number
        notes.r(_("port {port} ({origin})").format(port=number, origin=_origin(port)))
        _live(port, notes)
    else:
        if port is not None and port.known:
            notes.w(
                _("EMAIL_PORT “{value}” is not a port number.").format(
                    value=_shorten(str(port.value))
                )
            )
        elif port is not None:
            _live(port, notes)
        from_url = port is not None and port.origin == "EMAIL_URL"
        draft.port = 465 if from_url and security is Security.TLS else 25
        if from_url:
            notes.m(
                _("no port in EMAIL_URL: Python's default for {mode}, {port}, is assumed").format(
                    mode=_mode(security), port=draft.port
                )
            )
        else:
            notes.m(_("no EMAIL_PORT: Django's default 25 is assumed"))
    user = settings.get("EMAIL_HOST_USER")
    if user is not None and isinstance(user.value, str) and user.value:
        draft.username = user.value
        notes.r(_("user name {user} ({origin})").format(user=user.value, origin=_origin(user)))
        _live(user, notes)
    elif user is not None and user.env and not user.known:
        _live(user, notes)
    else:
        notes.m(_("no EMAIL_HOST_USER: Django does not log in"))
    _password(draft, settings.get("EMAIL_HOST_PASSWORD"), notes)
    draft.auth = "password" if draft.username else "none"
    sender = settings.get("DEFAULT_FROM_EMAIL")
    if sender is not None and isinstance(sender.value, str):
        draft.email = _address(sender.value)
        if draft.email:
            notes.r(
                _("sender address {email} ({origin})").format(
                    email=draft.email, origin=_origin(sender)
                )
            )
    return draft


def _take_host(setting: _Setting | None, draft: _Draft, notes: _Notes) -> bool:
    """Reads the server from a Django or Flask-Mail setting; ``False`` when it names none."""
    if setting is None:
        return False
    if setting.known:
        draft.host = str(setting.value)
        notes.r(_("server {host} ({origin})").format(host=draft.host, origin=_origin(setting)))
    if setting.known or setting.env:
        _live(setting, notes)
        return True
    return False


def _take_flags(
    settings: Mapping[str, _Setting], keys: tuple[str, str], draft: _Draft, notes: _Notes
) -> tuple[Security, bool | None, bool | None]:
    """Reads the encryption from a pair of (SSL, TLS) flags, as Django and Flask-Mail have:
    the mode, and each flag as the file gives it."""
    ssl_setting, tls_setting = settings.get(keys[0]), settings.get(keys[1])
    ssl = _django_flag(ssl_setting, notes)
    tls = _django_flag(tls_setting, notes)
    security = Security.TLS if ssl else Security.STARTTLS if tls else Security.NONE
    draft.security = security
    _flags_read(security, ssl_setting, tls_setting, keys, notes)
    return security, ssl, tls


def _flags_read(
    security: Security,
    ssl: _Setting | None,
    tls: _Setting | None,
    keys: tuple[str, str],
    notes: _Notes,
) -> None:
    """Says which setting gave the encryption (Django's and Flask-Mail's pair of flags)."""
    given = ssl if security is Security.TLS else tls if security is Security.STARTTLS else None
    if given is not None:
        key = keys[0] if security is Security.TLS else keys[1]
        where = _("{key} = True").format(key=key) if given.origin != "EMAIL_URL" else "EMAIL_URL"
        notes.r(_("encryption {mode} ({where})").format(mode=_mode(security), where=where))
    elif ssl is not None or tls is not None:
        notes.r(_("no encryption ({ssl} and {tls} are off)").format(ssl=keys[0], tls=keys[1]))


def _django_url(url: _Setting, settings: dict[str, _Setting], notes: _Notes) -> None:
    values = _django_url_settings(str(url.value))
    scheme = values.get("_scheme", "")
    origin = "EMAIL_URL"
    if values.get("_error") or not values.get("EMAIL_HOST"):
        notes.w(_("EMAIL_URL is not a mail URL with a server in it."))
        return
    if scheme not in ("smtp", "smtps", "smtp+tls", "smtp+ssl", "submission", "submit"):
        notes.w(
            _("EMAIL_URL uses {scheme}://, which does not send over SMTP.").format(
                scheme=scheme or "?"
            )
        )
        return
    if scheme == "smtps":
        notes.w(
            _(
                "EMAIL_URL uses smtps://, which django-environ and dj-email-url read as "
                "STARTTLS (not implicit TLS, as elsewhere). smtp+tls:// or smtp+ssl:// say "
                "which one is meant."
            )
        )
    notes.r(_("mail URL {scheme}:// ({origin})").format(scheme=scheme, origin=_origin(url)))
    for key, value in values.items():
        if not key.startswith("EMAIL_"):
            continue
        if key in ("EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD") and not value and key in settings:
            # A login set next to the URL counts when the URL has none.
            continue
        settings[key] = _Setting(value, origin, url.env, url.refs)
    _live(url, notes)


def _django_flag(setting: _Setting | None, notes: _Notes) -> bool | None:
    if setting is None:
        return None
    if setting.value is _UNKNOWN or setting.value is None:
        _live(setting, notes)
        return None
    value = _flag(setting.value)
    if value is None:
        notes.w(
            _("{key} = “{value}” is not True or False.").format(
                key=setting.origin, value=_shorten(str(setting.value))
            )
        )
    if setting.origin != "EMAIL_URL":
        _live(setting, notes)
    return value


def _flask_draft(settings: Mapping[str, _Setting], notes: _Notes) -> _Draft:
    draft = _Draft()
    if not _take_host(settings.get("MAIL_SERVER"), draft, notes):
        draft.host = "127.0.0.1"
        notes.m(_("no MAIL_SERVER: Flask-Mail's default 127.0.0.1 is assumed"))
    _mode_read, ssl, tls = _take_flags(settings, ("MAIL_USE_SSL", "MAIL_USE_TLS"), draft, notes)
    if ssl and tls:
        notes.w(
            _(
                "MAIL_USE_TLS and MAIL_USE_SSL are both True: Flask-Mail then tries STARTTLS "
                "inside an encrypted connection, which fails. Keep only one."
            )
        )
    if ssl is None and tls is None:
        notes.m(_("no MAIL_USE_TLS or MAIL_USE_SSL: no encryption is assumed"))
    port = settings.get("MAIL_PORT")
    number = _port(port.value) if port is not None else None
    if port is not None and number is not None:
        draft.port = number
        notes.r(_("port {port} ({origin})").format(port=number, origin=_origin(port)))
        _live(port, notes)
    else:
        draft.port = 25
        notes.m(_("no MAIL_PORT: Flask-Mail's default 25 is assumed"))
    user = settings.get("MAIL_USERNAME")
    if user is not None and isinstance(user.value, str) and user.value:
        draft.username = user.value
        notes.r(_("user name {user} ({origin})").format(user=user.value, origin=_origin(user)))
        _live(user, notes)
    _password(draft, settings.get("MAIL_PASSWORD"), notes)
    draft.auth = "password" if draft.username else "none"
    sender = settings.get("MAIL_DEFAULT_SENDER")
    if sender is not None:
        value = (
            sender.value[-1] if isinstance(sender.value, tuple) and sender.value else sender.value
        )
        draft.email = _address(value)
        if draft.email:
            notes.r(
                _("sender address {email} ({origin})").format(
                    email=draft.email, origin=_origin(sender)
                )
            )
    return draft


# --- .env files ------------------------------------------------------------------------------

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")
_DQ_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "f": "\f", "v": "\v", "b": "\b", "a": "\a"}


@dataclass
class _EnvFile:
    assignments: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Name → (value, line) with ``${VAR}`` from the file itself filled in."""
    references: dict[str, list[str]] = field(default_factory=dict)
    """Name → the variables its value takes from the environment."""
    clean: bool = True
    """Every meaningful line is an assignment."""


_DQ_END = re.compile(r'(?:[^"\\]|\\.)*"', re.S)
_SQ_END = re.compile(r"[^']*'")
#: How many lines one quoted .env value may span (a PEM key fits).
_ENV_VALUE_LINES = 200


def _read_env(text: str) -> _EnvFile:
    env = _EnvFile()
    lines = _lines(text)
    starts = [0]
    for line_text in text.split("\n")[:-1]:
        starts.append(starts[-1] + len(line_text) + 1)
    index = 0
    other = 0
    while index < len(lines):
        number = index + 1
        line = lines[index]
        index += 1
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _ENV_LINE.fullmatch(line)
        if match is None:
            other += 1
            continue
        key, raw = match.group(1), match.group(2).lstrip(" \t")
        quote = raw[:1] if raw[:1] in ("'", '"') else ""
        if quote:
            # A quoted value may go on over several lines (python-dotenv, phpdotenv).
            opening = starts[number - 1] + match.end(2) - len(raw) + 1
            last = min(number - 1 + _ENV_VALUE_LINES, len(lines) - 1)
            limit = starts[last] + len(lines[last])
            closed = (_DQ_END if quote == '"' else _SQ_END).match(text, opening, limit)
            if closed is None:
                other += 1
                continue
            inner = text[opening : closed.end() - 1].replace("\r\n", "\n")
            index += inner.count("\n")
            value, refs = (
                (inner, []) if quote == "'" else _expand(_unescape_dq(inner), env.assignments)
            )
        else:
            value = re.split(r"[ \t]#", raw, maxsplit=1)[0].rstrip()
            value, refs = _expand(value, env.assignments)
        env.assignments[key] = (value, number)
        env.references[key] = refs
    env.clean = other == 0 or other * 10 <= len(env.assignments)
    return env


def _unescape_dq(body: str) -> str:
    r"""A double-quoted .env value: ``\n``, ``\"``, ``\\``, ``\$`` and kin; ``\$`` stays
    escaped (as ``\x00$``) until references are filled in."""
    out: list[str] = []
    chars = iter(body)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        nxt = next(chars, "")
        if nxt == "$":
            out.append("\0$")
        elif nxt in _DQ_ESCAPES:
            out.append(_DQ_ESCAPES[nxt])
        elif nxt in ('"', "\\", "'"):
            out.append(nxt)
        else:
            out.append("\\" + nxt)
    return "".join(out)


def _expand(value: str, known: Mapping[str, tuple[str, int]]) -> tuple[str, list[str]]:
    """Fills in ``${VAR}`` from earlier lines of the file; the rest stay, and are listed."""
    refs: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in known:
            return known[name][0]
        if match.group(2) is not None:
            return match.group(2)
        refs.append(name)
        return match.group(0)

    if "$" in value:
        parts = value.split("\0$")
        value = "$".join(_REFERENCE.sub(fill, part) for part in parts)
    return value.replace("\0$", "$"), refs


#: Which variables make a .env hold which family's settings.
_ENV_FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "laravel",
        (
            "MAIL_MAILER",
            "MAIL_DRIVER",
            "MAIL_HOST",
            "MAIL_SCHEME",
            "MAIL_ENCRYPTION",
            "MAIL_URL",
            "MAIL_FROM_ADDRESS",
        ),
    ),
    ("flask-mail", _FLASK_KEYS),
    ("django-email-url", ("EMAIL_URL",)),
    (
        "django-env",
        ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL", "EMAIL_HOST_USER"),
    ),
    ("symfony", ("MAILER_DSN",)),
    (
        "dotenv",
        (
            "SMTP_HOST",
            "SMTP_SERVER",
            "SMTP_HOSTNAME",
            "SMTP_PORT",
            "SMTP_SECURITY",
            "SMTP_USER",
            "SMTP_USERNAME",
        ),
    ),
)


def _env_families(env: _EnvFile) -> list[tuple[int, str]]:
    """The families of mail settings in a .env, by the line where each starts."""
    found: list[tuple[int, str]] = []
    for fmt, keys in _ENV_FAMILIES:
        lines = [env.assignments[k][1] for k in keys if k in env.assignments]
        if lines:
            found.append((min(lines), fmt))
    return sorted(found)


def _parse_env(env: _EnvFile, text: str, name: str) -> ImportResult:
    found = _env_families(env)
    if not found:
        raise ImportFailed(
            _(
                "{file} looks like a .env file, but it has no mail settings smtpwizard knows "
                "(MAIL_*, EMAIL_*, MAILER_DSN or SMTP_* variables)."
            ).format(file=_label(name))
        )
    if "django-email-url" in [f for _l, f in found] and "django-env" in [f for _l, f in found]:
        found = [(n, f) for n, f in found if f != "django-env"]
    notes = _Notes()
    drafts: list[_Draft] = []
    formats: list[str] = []
    for _line, fmt in found:
        notes.prefix = f"{FORMATS[fmt]}: " if len(found) > 1 else ""
        draft = _ENV_READERS[fmt](env, notes)
        if len(found) > 1:
            draft.name = FORMATS[fmt]
        drafts.append(draft)
        formats.append(fmt)
    notes.prefix = ""
    usable = [i for i, d in enumerate(drafts) if _host(d.host)]
    first = usable[0] if usable else 0
    return _finish(formats[first], drafts, notes, text, name, default=first)


def _env_settings(env: _EnvFile, keys: Sequence[str]) -> dict[str, _Setting]:
    """The variables as settings; a value that is only ``${VAR}`` comes from the environment."""
    settings = {}
    for key in keys:
        if key not in env.assignments:
            continue
        value = env.assignments[key][0]
        refs = env.references.get(key, [])
        whole = _REFERENCE.fullmatch(value)
        if key in _PASSWORD_KEYS or not refs:
            # The password is examined by _password; a URL keeps a reference in its middle.
            settings[key] = _Setting(value, key, refs=tuple(refs))
        elif whole or key not in _URL_KEYS:
            settings[key] = _Setting(_UNKNOWN, key, whole.group(1) if whole else refs[0])
        else:
            settings[key] = _Setting(value, key, refs=tuple(refs))
    return settings


_PASSWORD_KEYS = frozenset({"EMAIL_HOST_PASSWORD", "MAIL_PASSWORD", "SMTP_PASSWORD", "SMTP_PASS"})
_URL_KEYS = frozenset({"EMAIL_URL", "MAILER_DSN", "MAIL_URL"})


def _env_django(env: _EnvFile, notes: _Notes) -> _Draft:
    keys = (*_DJANGO_KEYS, "DEFAULT_FROM_EMAIL", "EMAIL_BACKEND")
    return _django_draft(_env_settings(env, keys), notes)


def _env_flask(env: _EnvFile, notes: _Notes) -> _Draft:
    keys = (*_FLASK_KEYS, "MAIL_PORT", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_DEFAULT_SENDER")
    return _flask_draft(_env_settings(env, keys), notes)


def _laravel_value(env: _EnvFile, key: str) -> str | None:
    """A variable as Laravel's env() returns it: ``null`` and ``(null)`` mean unset."""
    if key not in env.assignments:
        return None
    value = env.assignments[key][0]
    if value.strip().lower() in ("null", "(null)", "", "empty", "(empty)"):
        return None
    return value


def _from_environment(env: _EnvFile, key: str, notes: _Notes) -> bool:
    """Whether a variable's value refers to the environment (``${VAR}``), noted if so."""
    refs = env.references.get(key, [])
    if refs:
        notes.env(key, refs[0])
    return bool(refs)


def _env_laravel(env: _EnvFile, notes: _Notes) -> _Draft:
    draft = _Draft()
    mailer = _laravel_value(env, "MAIL_MAILER") or _laravel_value(env, "MAIL_DRIVER")
    mailer_key = "MAIL_MAILER" if "MAIL_MAILER" in env.assignments else "MAIL_DRIVER"
    if mailer is None:
        notes.m(
            _(
                "no MAIL_MAILER: config/mail.php decides (log, which sends nothing, in "
                "Laravel 11 and later; smtp before)"
            )
        )
    elif mailer.lower() != "smtp":
        notes.w(
            _(
                "{key}={mailer}: Laravel does not send over SMTP with this, so the MAIL_HOST "
                "settings are not used. Set {key}=smtp to use them."
            ).format(key=mailer_key, mailer=mailer)
        )
    url = _laravel_value(env, "MAIL_URL")
    if url:
        dsn = _dsn(url, env.references.get("MAIL_URL", []), notes, "MAIL_URL")
        if dsn is not None:
            return dsn
    host = _laravel_value(env, "MAIL_HOST")
    if host is not None:
        refs = env.references.get("MAIL_HOST", [])
        if refs:
            notes.env("MAIL_HOST", refs[0])
        else:
            draft.host = host
            notes.r(_("server {host} (MAIL_HOST)").format(host=host))
    port_text = _laravel_value(env, "MAIL_PORT")
    if port_text is not None and _from_environment(env, "MAIL_PORT", notes):
        pass
    elif port_text is not None:
        draft.port = _port(port_text)
        if draft.port is None:
            notes.w(
                _("MAIL_PORT “{value}” is not a port number.").format(value=_shorten(port_text))
            )
        else:
            notes.r(_("port {port} (MAIL_PORT)").format(port=draft.port))
    else:
        notes.m(
            _(
                "no MAIL_PORT: config/mail.php's default applies (2525 in Laravel 11 and "
                "later, 587 before)"
            )
        )
    scheme = _laravel_value(env, "MAIL_SCHEME")
    encryption = _laravel_value(env, "MAIL_ENCRYPTION")
    if scheme is not None:
        lower = scheme.lower()
        if lower == "smtps":
            draft.security = Security.TLS
            notes.r(_("encryption {mode} (MAIL_SCHEME=smtps)").format(mode=_mode(Security.TLS)))
            if draft.port is not None and draft.port != 465:
                notes.w(
                    _(
                        "MAIL_SCHEME=smtps is implicit TLS (SSL/TLS), but port {port} usually "
                        "expects STARTTLS (MAIL_SCHEME=smtp)."
                    ).format(port=draft.port)
                )
        elif lower == "smtp":
            draft.security = Security.TLS if draft.port == 465 else Security.STARTTLS
            notes.r(
                _("encryption {mode} (MAIL_SCHEME=smtp with port {port})").format(
                    mode=_mode(draft.security), port=draft.port or "?"
                )
            )
        else:
            notes.w(
                _(
                    "MAIL_SCHEME={scheme} is not a scheme Laravel accepts: only smtp or smtps "
                    "(implicit TLS). For STARTTLS write MAIL_SCHEME=smtp."
                ).format(scheme=scheme)
            )
            draft.security = Security.TLS if draft.port == 465 else Security.STARTTLS
    elif draft.port is not None:
        draft.security = Security.TLS if draft.port == 465 else Security.STARTTLS
        notes.m(
            _("no MAIL_SCHEME: Laravel decides by the port, {port}: {mode}").format(
                port=draft.port, mode=_mode(draft.security)
            )
        )
    if draft.security is Security.STARTTLS:
        notes.m(
            _(
                "Laravel uses STARTTLS when the server offers it, but does not insist: if it "
                "is not offered, the mail goes unencrypted"
            )
        )
    if encryption is not None:
        _laravel_encryption(encryption, scheme, draft.port, notes)
    user = _laravel_value(env, "MAIL_USERNAME")
    if user is not None:
        refs = env.references.get("MAIL_USERNAME", [])
        if refs:
            notes.env("MAIL_USERNAME", refs[0])
        else:
            draft.username = user
            notes.r(_("user name {user} (MAIL_USERNAME)").format(user=user))
    else:
        notes.m(_("no MAIL_USERNAME: Laravel does not log in"))
    password = _laravel_value(env, "MAIL_PASSWORD")
    if password is not None:
        secret_refs = tuple(env.references.get("MAIL_PASSWORD", []))
        _password(draft, _Setting(password, "MAIL_PASSWORD", refs=secret_refs), notes)
    draft.auth = "password" if draft.username else "none"
    sender = _address(_laravel_value(env, "MAIL_FROM_ADDRESS"))
    if sender:
        draft.email = sender
        notes.r(_("sender address {email} (MAIL_FROM_ADDRESS)").format(email=sender))
    return draft


def _laravel_encryption(
    encryption: str, scheme: str | None, port: int | None, notes: _Notes
) -> None:
    lower = encryption.lower()
    if scheme is not None:
        notes.r(
            _(
                "MAIL_ENCRYPTION={value} is for Laravel 10 and older configs; MAIL_SCHEME "
                "decides here"
            ).format(value=encryption)
        )
        return
    if lower == "tls" and port == 465:
        notes.w(
            _(
                "MAIL_ENCRYPTION=tls with port 465: Laravel 12 ignores MAIL_ENCRYPTION (it reads "
                "MAIL_SCHEME); both old and new Laravel use implicit TLS (SSL/TLS) on port 465, "
                "so add MAIL_SCHEME=smtps to say so."
            )
        )
    elif lower == "tls":
        notes.w(
            _(
                "MAIL_ENCRYPTION=tls: Laravel 12 ignores MAIL_ENCRYPTION (it reads "
                "MAIL_SCHEME); on port {port} both old and new Laravel use STARTTLS when the "
                "server offers it."
            ).format(port=port or "?")
        )
    elif lower == "ssl":
        notes.w(
            _(
                "MAIL_ENCRYPTION=ssl has had no effect since Laravel 9: the port decides "
                "(465 implicit TLS, else STARTTLS when offered). For implicit TLS on another "
                "port write MAIL_SCHEME=smtps."
            )
        )
    else:
        notes.w(
            _("MAIL_ENCRYPTION={value} is not a value Laravel knows.").format(
                value=_shorten(encryption)
            )
        )


def _env_symfony(env: _EnvFile, notes: _Notes) -> _Draft:
    value = env.assignments["MAILER_DSN"][0]
    draft = _dsn(value, env.references.get("MAILER_DSN", []), notes, "MAILER_DSN")
    return draft if draft is not None else _Draft()


def _dsn(value: str, refs: Sequence[str], notes: _Notes, key: str) -> _Draft | None:
    """A Symfony Mailer DSN (``MAILER_DSN``, Laravel's ``MAIL_URL``)."""
    whole = _REFERENCE.fullmatch(value.strip())
    if whole:
        notes.env(key, whole.group(1))
        return None
    match = re.fullmatch(r"([A-Za-z][A-Za-z0-9+.-]*)://(.*)", value.strip(), re.S)
    if match is None:
        notes.w(_("{key} is not a mail DSN (scheme://...).").format(key=key))
        return None
    scheme, rest = match.group(1).lower(), match.group(2)
    if scheme not in ("smtp", "smtps"):
        notes.w(
            _(
                "{key} uses the {scheme} transport, not plain SMTP; smtpwizard cannot test it."
            ).format(key=key, scheme=scheme)
        )
        return None
    authority, _slash, tail = rest.partition("/")
    authority, _q, query_text = authority.partition("?")
    if not query_text:
        query_text = tail.partition("?")[2]
    userinfo, at, hostport = authority.rpartition("@")
    if not at:
        hostport, userinfo = authority, ""
    host_match = re.fullmatch(r"(\[[^\]]*\]|[^:]*)(?::([^:]*))?", hostport)
    draft = _Draft()
    if host_match is None:
        notes.w(_("{key} names no server.").format(key=key))
        return None
    draft.host = urllib.parse.unquote(host_match.group(1)) or None
    if draft.host:
        notes.r(_("server {host} ({key})").format(host=draft.host, key=key))
    port_text = host_match.group(2)
    query = urllib.parse.parse_qs(query_text)
    auto_tls = _flag(query.get("auto_tls", [""])[0]) if "auto_tls" in query else None
    require_tls = _flag(query.get("require_tls", [""])[0]) if "require_tls" in query else None
    if port_text:
        draft.port = _port(port_text)
        if draft.port is None:
            notes.w(_("the port in {key} is not a number.").format(key=key))
        else:
            notes.r(_("port {port} ({key})").format(port=draft.port, key=key))
    if scheme == "smtps" or draft.port == 465:
        draft.security = Security.TLS
    elif draft.port is None and port_text is None and (draft.host or "") != "localhost":
        draft.security = Security.TLS
        draft.port = 465
        notes.m(
            _("no port in {key}: Symfony then uses implicit TLS (SSL/TLS) on port 465").format(
                key=key
            )
        )
    elif auto_tls is False:
        draft.security = Security.NONE
    else:
        draft.security = Security.STARTTLS
        if not require_tls:
            notes.m(
                _(
                    "smtp:// uses STARTTLS when the server offers it, but does not insist: if "
                    "it is not offered, the mail goes unencrypted"
                )
            )
    if draft.port is None and draft.security is not None and port_text is None:
        draft.port = 465 if draft.security is Security.TLS else 25
    notes.r(
        _("encryption {mode} ({scheme}:// in {key})").format(
            mode=_mode(draft.security), scheme=scheme, key=key
        )
    )
    user, colon, password = userinfo.partition(":")
    if user:
        draft.username = urllib.parse.unquote(user)
        notes.r(_("user name {user} ({key})").format(user=draft.username, key=key))
    if colon and password:
        ref = _REFERENCE.fullmatch(password)
        if ref and ref.group(1) in refs:
            draft.password_source = _("the environment variable {name}").format(name=ref.group(1))
            notes.r(
                _("password: from the environment variable {name} ({key})").format(
                    name=ref.group(1), key=key
                )
            )
        else:
            draft.password = urllib.parse.unquote(password)
            draft.password_source = _("the file")
            notes.r(_("password: written in the file ({key})").format(key=key))
    draft.auth = "password" if draft.username else "none"
    return draft


_GENERIC_HOST = ("SMTP_HOST", "SMTP_SERVER", "SMTP_HOSTNAME", "SMTP_ADDRESS")
_GENERIC_USER = ("SMTP_USERNAME", "SMTP_USER", "SMTP_LOGIN")
_GENERIC_PASSWORD = ("SMTP_PASSWORD", "SMTP_PASS")
_GENERIC_FROM = ("SMTP_FROM", "SMTP_FROM_EMAIL", "SMTP_FROM_ADDRESS", "SMTP_SENDER")


def _first(env: _EnvFile, keys: Sequence[str]) -> tuple[str, str] | None:
    for key in keys:
        if key in env.assignments and env.assignments[key][0].strip():
            return key, env.assignments[key][0]
    return None


def _env_generic(env: _EnvFile, notes: _Notes) -> _Draft:
    draft = _Draft()
    host = _first(env, _GENERIC_HOST)
    if host is not None:
        refs = env.references.get(host[0], [])
        if refs:
            notes.env(host[0], refs[0])
        else:
            draft.host = host[1].strip()
            notes.r(_("server {host} ({key})").format(host=draft.host, key=host[0]))
    port = _first(env, ("SMTP_PORT",))
    if port is not None and _from_environment(env, port[0], notes):
        pass
    elif port is not None:
        draft.port = _port(port[1])
        if draft.port is None:
            notes.w(_("SMTP_PORT “{value}” is not a port number.").format(value=_shorten(port[1])))
        else:
            notes.r(_("port {port} (SMTP_PORT)").format(port=draft.port))
    else:
        notes.m(_("no SMTP_PORT"))
    draft.security = _generic_security(env, draft.port, notes)
    user = _first(env, _GENERIC_USER)
    if user is not None and not _from_environment(env, user[0], notes):
        draft.username = user[1]
        notes.r(_("user name {user} ({key})").format(user=user[1], key=user[0]))
    password = _first(env, _GENERIC_PASSWORD)
    if password is not None:
        secret_refs = tuple(env.references.get(password[0], []))
        _password(draft, _Setting(password[1], password[0], refs=secret_refs), notes)
    draft.auth = "password" if draft.username else None
    sender = _first(env, _GENERIC_FROM)
    if sender is not None and _address(sender[1]):
        draft.email = _address(sender[1])
        notes.r(_("sender address {email} ({key})").format(email=draft.email, key=sender[0]))
    return draft


_SECURITY_WORDS = {
    "tls": Security.TLS,
    "ssl": Security.TLS,
    "ssl/tls": Security.TLS,
    "implicit": Security.TLS,
    "smtps": Security.TLS,
    "starttls": Security.STARTTLS,
    "none": Security.NONE,
    "plain": Security.NONE,
    "off": Security.NONE,
    "false": Security.NONE,
    "no": Security.NONE,
}


def _generic_security(env: _EnvFile, port: int | None, notes: _Notes) -> Security | None:
    """The encryption of an ``SMTP_*`` .env, in the spellings apps use for it."""
    security = _first(env, ("SMTP_SECURITY",))
    if security is not None:
        mode = _SECURITY_WORDS.get(security[1].strip().lower())
        if mode is not None:
            notes.r(
                _("encryption {mode} (SMTP_SECURITY={value})").format(
                    mode=_mode(mode), value=security[1]
                )
            )
            return mode
        notes.w(
            _("SMTP_SECURITY={value} is not tls, starttls or none.").format(
                value=_shorten(security[1])
            )
        )
    for key in ("SMTP_ENCRYPTION", "SMTP_SECURE"):
        entry = _first(env, (key,))
        if entry is None:
            continue
        word = entry[1].strip().lower()
        flag = _flag(word)
        if word == "tls":
            # PHPMailer and most PHP apps: "tls" is STARTTLS, "ssl" implicit TLS.
            mode = Security.STARTTLS
        elif flag is True and key == "SMTP_SECURE":
            # Nodemailer's secure: true is implicit TLS.
            mode = Security.TLS
        elif flag is False and key == "SMTP_SECURE":
            mode = Security.STARTTLS if port != 25 else Security.NONE
        else:
            mode = _SECURITY_WORDS.get(word)
        if mode is None:
            notes.w(
                _("{key}={value} is not an encryption setting smtpwizard knows.").format(
                    key=key, value=_shorten(entry[1])
                )
            )
            continue
        notes.r(
            _("encryption {mode} ({key}={value})").format(mode=_mode(mode), key=key, value=entry[1])
        )
        if mode is Security.TLS and port not in (None, 465):
            notes.w(
                _(
                    "{key}={value} means implicit TLS (SSL/TLS), but port {port} usually "
                    "expects STARTTLS."
                ).format(key=key, value=entry[1], port=port)
            )
        return mode
    for key, mode in (
        ("SMTP_SSL", Security.TLS),
        ("SMTP_USE_SSL", Security.TLS),
        ("SMTP_STARTTLS", Security.STARTTLS),
        ("SMTP_TLS", None),
        ("SMTP_USE_TLS", None),
    ):
        entry = _first(env, (key,))
        if entry is None or not _flag(entry[1]):
            continue
        chosen = mode or (Security.TLS if port == 465 else Security.STARTTLS)
        notes.r(
            _("encryption {mode} ({key}={value})").format(
                mode=_mode(chosen), key=key, value=entry[1]
            )
        )
        if mode is None:
            notes.m(
                _("{key} does not say which kind of TLS: {mode} is assumed from the port").format(
                    key=key, mode=_mode(chosen)
                )
            )
        return chosen
    if port is None:
        notes.m(_("no encryption setting and no port: smtpwizard tries the usual ones"))
        return None
    guess = Security.TLS if port == 465 else Security.STARTTLS
    notes.m(
        _("no encryption setting: {mode} is assumed from port {port}").format(
            mode=_mode(guess), port=port
        )
    )
    return guess


_ENV_READERS: Mapping[str, Callable[[_EnvFile, _Notes], _Draft]] = {
    "laravel": _env_laravel,
    "flask-mail": _env_flask,
    "django-email-url": _env_django,
    "django-env": _env_django,
    "symfony": _env_symfony,
    "dotenv": _env_generic,
}


# --- git send-email --------------------------------------------------------------------------

_GIT_SECTION_LINE = re.compile(
    r'[ \t]*\[[ \t]*([A-Za-z0-9.-]+)(?:[ \t]+"((?:[^"\\]|\\.)*)")?[ \t]*\][ \t]*(?:[#;].*)?'
)
_GIT_KEY_LINE = re.compile(r"[ \t]*([A-Za-z][A-Za-z0-9-]*)[ \t]*(?:=[ \t]*(.*))?")
_GIT_SERVICES = {"submission": 587, "smtps": 465, "smtp": 25, "submissions": 465}


def _git_value(raw: str) -> str:
    """A git-config value: quotes joined, escapes read, an unquoted # or ; ends it, and
    blanks outside quotes trimmed at both ends."""
    out: list[tuple[str, bool]] = []
    quoted = False
    chars = iter(raw)
    for char in chars:
        if char == '"':
            quoted = not quoted
        elif char == "\\":
            nxt = next(chars, "")
            out.append(({"n": "\n", "t": "\t", "b": "\b"}.get(nxt, nxt), True))
        elif char in "#;" and not quoted:
            break
        else:
            out.append((char, quoted))
    while out and not out[0][1] and out[0][0].isspace():
        out.pop(0)
    while out and not out[-1][1] and out[-1][0].isspace():
        out.pop()
    return "".join(char for char, _quoted in out)


def _parse_git(text: str, name: str) -> ImportResult:
    sections: dict[str, dict[str, tuple[str, int]]] = {}
    current: dict[str, tuple[str, int]] | None = None
    for number, line in enumerate(_lines(text), 1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        section = _GIT_SECTION_LINE.fullmatch(line)
        if section:
            if section.group(1).lower() == "sendemail":
                sub = section.group(2) or ""
                current = sections.setdefault(sub, {})
            else:
                current = None
            continue
        if current is None:
            continue
        key = _GIT_KEY_LINE.fullmatch(line)
        if key:
            current[key.group(1).lower()] = (_git_value(key.group(2) or "true"), number)
    notes = _Notes()
    drafts: list[_Draft] = []
    base = sections.get("", {})
    for sub, values in sections.items():
        merged = {**base, **values} if sub else values
        notes.prefix = f"{sub}: " if sub else ""
        draft = _git_draft(merged, notes)
        draft.name = sub
        drafts.append(draft)
    notes.prefix = ""
    return _finish("git-send-email", drafts, notes, text, name)


def _git_draft(values: Mapping[str, tuple[str, int]], notes: _Notes) -> _Draft:
    draft = _Draft()
    server = values.get("smtpserver")
    if server is None:
        notes.m(_("no smtpServer: git send-email hands the mail to the local sendmail program"))
        return draft
    if server[0].startswith("/"):
        notes.w(_("smtpServer is the program {path}, not an SMTP server.").format(path=server[0]))
        return draft
    draft.host = server[0]
    notes.r(_("server {host} (sendemail.smtpServer)").format(host=server[0]))
    encryption = values.get("smtpencryption")
    word = encryption[0].lower() if encryption else ""
    draft.security = {"ssl": Security.TLS, "tls": Security.STARTTLS}.get(word, Security.NONE)
    if encryption:
        notes.r(
            _("encryption {mode} (sendemail.smtpEncryption = {value})").format(
                mode=_mode(draft.security), value=encryption[0]
            )
        )
    else:
        notes.m(_("no smtpEncryption: git send-email does not encrypt"))
    port = values.get("smtpserverport")
    if port is not None:
        draft.port = _port(port[0]) or _GIT_SERVICES.get(port[0].lower())
        if draft.port:
            notes.r(_("port {port} (sendemail.smtpServerPort)").format(port=draft.port))
        else:
            notes.w(_("smtpServerPort “{value}” is not a port.").format(value=_shorten(port[0])))
    if draft.port is None:
        draft.port = 465 if draft.security is Security.TLS else 25
        notes.m(
            _("no smtpServerPort: git send-email's default {port} is assumed").format(
                port=draft.port
            )
        )
    user = values.get("smtpuser")
    if user and user[0]:
        draft.username = user[0]
        draft.auth = "password"
        notes.r(_("user name {user} (sendemail.smtpUser)").format(user=user[0]))
    password = values.get("smtppass")
    if password and password[0]:
        draft.password = password[0]
        draft.password_source = _("the file")
        notes.r(_("password: written in the file (sendemail.smtpPass)"))
    elif draft.username:
        draft.password_source = _("git's credential helper, or a prompt")
    sender = values.get("from")
    if sender and _address(sender[0]):
        draft.email = _address(sender[0])
        notes.r(_("sender address {email} (sendemail.from)").format(email=draft.email))
    return draft
