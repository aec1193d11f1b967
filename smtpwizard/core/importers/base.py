"""What every importer shares: the accounts and results it returns, the draft an account is read
into, the notes on what was read, and the values settings files hold (hosts, ports, yes/no
words, addresses), and the stamp smtpwizard's own exports carry."""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from smtpwizard.core.errors import ImportFailed
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Security

__all__ = [
    "FORMATS",
    "MAX_BYTES",
    "SERVICE_PORTS",
    "Draft",
    "ImportResult",
    "ImportedAccount",
    "Notes",
    "Stamp",
    "ca_file_value",
    "cannot_read",
    "file_label",
    "finish",
    "flag_value",
    "host_value",
    "iso_time",
    "mail_address",
    "mode_words",
    "pinned_note",
    "port_value",
    "read_bytes",
    "read_stamp",
    "security_value",
    "shorten",
    "split_lines",
    "text_value",
    "too_large",
    "unknown_format",
]

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
        "postfix": "Postfix relay (main.cf)",
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
    ca_file: str | None = None
    """The CA file the settings check the server's certificate against (besides or instead
    of the system's authorities), when the file names one."""
    pinned_sha256: str | None = None
    """The one certificate the settings accept although it cannot be verified (its SHA-256
    fingerprint, ``AA:BB:…``), when the file names one (msmtp's ``tls_fingerprint``)."""

    @property
    def pins(self) -> tuple[tuple[str, str], ...]:
        """The certificate trusted by hand, as the probe takes it: (host, fingerprint)."""
        return ((self.host, self.pinned_sha256),) if self.pinned_sha256 else ()


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


def file_label(name: str, start: bool = True) -> str:
    """The file as a message names it."""
    if name:
        return f"“{name}”"
    return _("The file") if start else _("the file")


def unknown_format(name: str) -> ImportFailed:
    return ImportFailed(
        _(
            "smtpwizard does not recognise {file}. It reads smtpwizard's own results and "
            "exports, Thunderbird prefs.js and user.js, msmtp configurations, Postfix's "
            "main.cf, .env files (Laravel, Django, Symfony, SMTP_*), Django and Flask "
            "settings, and git send-email configuration."
        ).format(file=file_label(name, start=False))
    )


@dataclass
class Draft:
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
    ca_file: str | None = None
    pinned_sha256: str | None = None


@dataclass
class Notes:
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
class Stamp:
    """What the comment header of a file smtpwizard exported says."""

    found: bool = False
    tested: bool = False
    at: dt.datetime | None = None
    origin: str | None = None
    email: str | None = None
    password_env: str | None = None


def read_stamp(text: str) -> Stamp:
    """Reads smtpwizard's header, in whatever comment syntax the format uses."""
    lines = [_COMMENT_LEAD.sub("", line, count=1).rstrip() for line in split_lines(text)[:80]]
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
        return Stamp()
    password_env = None
    for line in lines:
        for pattern in _PASSWORD_HINTS:
            hit = pattern.search(line)
            if hit:
                password_env = hit.group(1)
                break
        if password_env:
            break
    return Stamp(True, tested, at, origin, email, password_env)


def split_lines(text: str) -> list[str]:
    """The lines as the programs reading these files see them: only ``\n`` ends a line
    (``\r\n`` too), unlike :meth:`str.splitlines`, which also breaks at U+2028 and kin."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def host_value(value: object) -> str | None:
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


def port_value(value: object) -> int | None:
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


def flag_value(value: object) -> bool | None:
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


def mail_address(value: object) -> str | None:
    """The mail address in ``"Name <address>"`` or a bare address."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    bracket = re.search(r"<([^<>\s]+@[^<>\s]+)>", text)
    if bracket:
        return bracket.group(1)
    return text if re.fullmatch(r"[^\s@<>]+@[^\s@<>]+", text) else None


def mode_words(security: Security) -> str:
    return security.label


def finish(
    fmt: str,
    drafts: Sequence[Draft],
    notes: Notes,
    text: str,
    name: str,
    *,
    default: int = 0,
    stamp: Stamp | None = None,
    previous: Mapping[str, Any] | None = None,
) -> ImportResult:
    """Checks the accounts read and builds the result."""
    if stamp is None:
        stamp = read_stamp(text)
    accounts: list[ImportedAccount] = []
    default_index = 0
    for index, draft in enumerate(drafts):
        host = host_value(draft.host)
        label = f"{draft.name}: " if draft.name and len(drafts) > 1 else ""
        if draft.host is not None and host is None:
            notes.warnings.append(
                label
                + _("“{host}” is not a server name, so this server is left out.").format(
                    host=shorten(draft.host)
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
                ca_file=draft.ca_file,
                pinned_sha256=draft.pinned_sha256 if draft.security is not Security.NONE else None,
            )
        )
    title = FORMATS[fmt]
    if not accounts:
        message = _(
            "{file} was read as {title}, but it names no outgoing mail (SMTP) server."
        ).format(file=file_label(name), title=title)
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


def shorten(text: str, limit: int = 60) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def iso_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def security_value(value: object) -> Security | None:
    try:
        return Security(str(value))
    except ValueError:
        return None


#: Port names settings may give instead of numbers (from /etc/services).
SERVICE_PORTS = {"smtp": 25, "submission": 587, "smtps": 465, "submissions": 465}

#: The largest file read; settings files are a few kilobytes.
MAX_BYTES = 1024 * 1024


def too_large(shown: str) -> str:
    return _("“{path}” is too large for a settings file (more than {limit} MB).").format(
        path=shown, limit=MAX_BYTES // (1024 * 1024)
    )


def cannot_read(shown: str, exc: BaseException) -> str:
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return _("“{path}” cannot be read: {reason}.").format(path=shown, reason=reason)


def read_bytes(target: Path, shown: str) -> bytes:
    """The bytes of the file at ``target`` (``shown`` in messages), at most :data:`MAX_BYTES`;
    a pipe or device never blocks here (it is refused unread).

    Raises:
        ImportFailed: it cannot be opened or read, is not a regular file, or is too large.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(target, flags)
    except PermissionError:
        raise ImportFailed(
            _("“{path}” cannot be read: permission denied.").format(path=shown)
        ) from None
    except OSError as exc:
        raise ImportFailed(cannot_read(shown, exc)) from None
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
        raise ImportFailed(cannot_read(shown, exc)) from None
    finally:
        os.close(fd)
    if size > MAX_BYTES:
        raise ImportFailed(too_large(shown))
    return b"".join(chunks)


def pinned_note(fingerprint: str, source: str) -> str:
    """What was read when a file trusts one certificate by hand (``source``: where)."""
    return _(
        "only the certificate with SHA-256 fingerprint {fingerprint} is trusted ({source})"
    ).format(fingerprint=fingerprint, source=source)


def ca_file_value(value: object) -> str | None:
    """A CA file's name as a settings file writes it (``~`` is the home folder), or ``None``
    when it names none."""
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        return None
    return os.path.expanduser(value.strip())


def text_value(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
