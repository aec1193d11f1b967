"""What every exporter needs: the test stamp, where the secret lives, and quoting per language.

File contents are not translated: they are read by programs and by administrators who search
the web for the exact key names.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
import textwrap
import urllib.parse
from collections.abc import Iterable

from smtpwizard.core.auth.keyring import keyring_service
from smtpwizard.core.auth.keyring import lookup_command
from smtpwizard.core.auth.signin import token_command
from smtpwizard.core.errors import ExportError
from smtpwizard.core.exporters.base import ExportConfig
from smtpwizard.core.exporters.base import ExportOptions
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Security

__all__ = [
    "TIMEOUT",
    "caveat_lines",
    "comment",
    "env_exact",
    "env_name",
    "env_value",
    "from_address",
    "header",
    "incoming_line",
    "js_str",
    "keyring_entry",
    "keyring_lines",
    "keyring_lookup",
    "keyring_store",
    "no_pin_lines",
    "no_trust_lines",
    "one_line",
    "properties_value",
    "py_str",
    "python_caveats",
    "quoted_single",
    "secret_hint",
    "security_words",
    "sign_in_lines",
    "system_ca_hint",
    "tested_line",
    "token_lookup",
    "token_mechanism",
    "url_part",
    "when",
    "written_password",
]

#: Seconds applications should wait for the server; their defaults range from 30 s to forever.
TIMEOUT = 30


def written_password(config: ExportConfig, options: ExportOptions) -> str | None:
    """The password to write into the file, or ``None`` when the file must refer to it."""
    if options.include_password and config.password is not None and config.smtp.username:
        return config.password
    return None


def env_name(options: ExportOptions) -> str:
    """The environment variable applications read the password from, checked."""
    name = options.password_env
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ExportError(
            _("“{name}” cannot be the name of an environment variable.").format(name=name)
        )
    return name


def keyring_lookup(config: ExportConfig) -> str | None:
    """The shell command that prints the password smtpwizard stored, if there is a login."""
    if not config.smtp.username:
        return None
    return lookup_command(config.email, config.smtp.host, config.smtp.username)


def token_lookup(config: ExportConfig) -> str:
    """The shell command that prints a fresh OAuth 2.0 access token for the sign-in."""
    return token_command(config.email)


def token_mechanism(config: ExportConfig) -> str:
    """The SASL mechanism the token login was proven with (OAUTHBEARER or XOAUTH2)."""
    proven = (config.smtp.mechanism or "").upper()
    return proven if proven in ("OAUTHBEARER", "XOAUTH2") else "XOAUTH2"


def sign_in_lines(config: ExportConfig, program: str) -> list[str]:
    """What the file says about an OAuth 2.0 sign-in: where the token comes from."""
    record = config.sign_in
    if record is None:
        return []
    lines = [
        "No password: the server takes only a token from your provider's sign-in (OAuth 2.0).",
        f"{program} runs {token_lookup(config)}, which prints a fresh token",
        "from the sign-in smtpwizard keeps in your keyring (smtpwizard must be on the PATH).",
        "If that sign-in ends (revoked, expired, password changed), sign in again with:",
        f"  smtpwizard probe {config.email} --auth oauth2",
    ]
    if record.token_endpoint:
        lines.append(f"Sign-in server: {record.token_endpoint}")
    return lines


def keyring_store(config: ExportConfig) -> str | None:
    """The shell command that stores the password where :func:`keyring_lookup` finds it."""
    command = keyring_lookup(config)
    return None if command is None else command + " --store"


def keyring_lines(config: ExportConfig, program: str = "") -> list[str]:
    """What the keyring holds for this login, honestly, and the command that prints it.

    Args:
        program: the program that runs the command itself (``msmtp``), if one does.
    """
    command = keyring_lookup(config)
    if command is None:
        return []
    runs = f"{program} runs" if program else "this prints it:"
    if config.password_stored is True:
        return [
            "smtpwizard stored the password in your keyring when it tested this login;",
            f"{runs} {command}" if program else f"this prints it: {command}",
        ]
    if config.password_stored is False:
        return [
            "No password is stored in your keyring for this login yet. Store it once with",
            f"  {keyring_store(config)}",
            f"(it asks for the password); then {runs} {command}"
            if program
            else f"(it asks for the password); then this prints it: {command}",
        ]
    return [
        "If smtpwizard stored the password in your keyring, "
        + (f"{program} gets it with:" if program else "this prints it:"),
        f"  {command}",
        f"Otherwise store it once with: {keyring_store(config)}",
    ]


def tested_line(config: ExportConfig) -> str:
    """One line saying when, from where and with what result the settings were tested."""
    if not config.smtp.tested:
        return "Not tested by smtpwizard: check these settings before relying on them."
    parts = ["Tested by smtpwizard"]
    if config.tested_at is not None:
        parts.append(f"on {when(config.tested_at)}")
    if config.tested_from:
        parts.append(f"from {config.tested_from}")
    line = " ".join(parts) + ": "
    line += "login accepted" if config.login_tested else "server reached, login not tried"
    return line + "."


def when(moment: dt.datetime) -> str:
    """A test time as people read it, in UTC so that it means the same everywhere."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def incoming_line(config: ExportConfig) -> str | None:
    """Whether the incoming server was tested too (mail-program exports carry one)."""
    incoming = config.incoming
    if incoming is None:
        return None
    kind = str(incoming.protocol).upper()
    where = f"Incoming server {incoming.host} port {incoming.port} ({kind}, "
    where += f"{security_words(incoming.security)})"
    if not incoming.tested and incoming.test_outcome not in (None, "ok", "insecure"):
        return (
            f"{where}: smtpwizard's test of it did not work ({incoming.test_outcome}); "
            "check it before relying on it."
        )
    if not incoming.tested:
        return f"{where}: not tested by smtpwizard (only the outgoing server was)."
    result = "login accepted" if incoming.login_tested else "server reached, login not tried"
    return f"{where}: tested by smtpwizard, {result}."


def header(config: ExportConfig, title: str) -> list[str]:
    """The opening lines every text export starts with (without comment markers)."""
    smtp = config.smtp
    lines = [
        f"{title} for {config.email}",
        f"Outgoing server {smtp.host} port {smtp.port}, {security_words(smtp.security)}.",
        tested_line(config),
    ]
    incoming = incoming_line(config)
    if incoming is not None:
        lines.append(incoming)
    lines.extend(f"Warning: {warning}" for warning in config.warnings)
    return lines


def security_words(security: Security) -> str:
    """The mode in words that do not depend on any one program's vocabulary."""
    return {
        Security.TLS: "implicit TLS (SSL/TLS: encrypted from the first byte)",
        Security.STARTTLS: "STARTTLS (starts in plain text, then switches to encryption)",
        Security.NONE: "no encryption (the password and the mail travel readable)",
    }[security]


def comment(lines: Iterable[str], marker: str = "#") -> str:
    """Lines as comments; empty lines stay bare markers so that blocks stay together."""
    return "\n".join(f"{marker} {line}".rstrip() for line in lines)


def secret_hint(config: ExportConfig, options: ExportOptions, env: bool = True) -> list[str]:
    """Comment lines saying where the password comes from when the file does not hold it."""
    if written_password(config, options) is not None:
        return ["This file holds the password: keep it readable only by you."]
    if not config.smtp.username:
        return ["The server took no login, so there is no password."]
    lines = []
    if env:
        lines.append(
            f"The password is not in this file: set the environment variable {env_name(options)}."
        )
    else:
        lines.append("The password is not in this file.")
    return lines + keyring_lines(config)


def keyring_entry(config: ExportConfig) -> tuple[str, str] | None:
    """The keyring service and user name under which smtpwizard stores the password."""
    if not config.smtp.username:
        return None
    return keyring_service(config.smtp.host), config.smtp.username


def from_address(config: ExportConfig) -> str:
    """``Name <address>`` when a display name is known, else the address."""
    name = config.display_name.strip()
    if not name:
        return config.email
    if re.fullmatch(r"[A-Za-z0-9 !#$%&'*+/=?^_`{|}~.-]+", name) and not name.startswith("."):
        return f"{name} <{config.email}>"
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}" <{config.email}>'


def system_ca_hint(ca_file: str) -> str:
    """How to make the system trust a CA file, for programs that cannot name one."""
    return (
        f"Add {ca_file} to the system's trusted authorities (Debian and Ubuntu: copy it to "
        "/usr/local/share/ca-certificates/ with a .crt name, then run update-ca-certificates)"
    )


def no_trust_lines(config: ExportConfig, program: str, instead: str = "") -> list[str]:
    """Comment lines for a format that cannot name the CA file the server needed.

    Args:
        program: who cannot (``Thunderbird``).
        instead: another way that program does have, as the end of a sentence.
    """
    if not config.ca_file:
        return []
    return [
        f"The server's certificate needed the CA file {config.ca_file} when tested (it is",
        f"not among the system's authorities), and {program} cannot be told about it here.",
        system_ca_hint(config.ca_file) + (f", or {instead}." if instead else "."),
        "Otherwise the program will refuse the server's certificate, as it should.",
    ]


def no_pin_lines(config: ExportConfig, program: str) -> list[str]:
    """Comment lines for a format that cannot trust one exact certificate."""
    if not config.pinned_sha256:
        return []
    return [
        "The server's certificate could not be verified; you chose to trust it by hand",
        f"(SHA-256 {config.pinned_sha256}). {program} cannot trust one exact certificate,",
        "so it will refuse the server until the server has a certificate that can be verified.",
    ]


def python_caveats(config: ExportConfig, program: str) -> list[str]:
    """Why Python's smtplib, under Django, Flask-Mail and other Python programs, cannot log
    in: it sends the user name and the password as ASCII only."""
    smtp = config.smtp
    if not smtp.username:
        return []
    caveats = []
    if not smtp.username.isascii():
        caveats.append(
            f"the user name has characters beyond plain ASCII, and {program} (through "
            "Python's smtplib) cannot log in with such a name: it fails with a "
            "UnicodeEncodeError. Use a plain ASCII login for this program if your provider "
            "offers one (an alias, or the address's ASCII form)."
        )
    password = config.password
    if config.password_ascii is False or (password is not None and not password.isascii()):
        caveats.append(
            f"your password has characters beyond plain ASCII, and {program} (through "
            "Python's smtplib) cannot log in with such a password: it fails with a "
            "UnicodeEncodeError. Use a password of plain ASCII characters (or an app "
            "password) for this program."
        )
    return caveats


def caveat_lines(caveats: Iterable[str]) -> list[str]:
    """Comment lines for an exporter's caveats (see ``Exporter.caveats``), each a warning."""
    lines: list[str] = []
    for caveat in caveats:
        lines += textwrap.wrap(f"Warning: {caveat}", width=86, break_on_hyphens=False)
    return lines


def one_line(text: str) -> str:
    """Text with line breaks folded, for formats where a break would end the value."""
    return " ".join(text.split())


# --- quoting, one function per language --------------------------------------------------


def py_str(text: str) -> str:
    """A Python string literal."""
    return repr(text)


def js_str(text: str) -> str:
    """A JavaScript (and JSON) string literal; ASCII only so that any file encoding works."""
    return json.dumps(text)


def quoted_single(text: str) -> str:
    """A single-quoted PHP or Ruby literal: only backslash and quote are special there."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


_ENV_PLAIN = re.compile(r"[A-Za-z0-9_.@%+/:,=\-]*")
#: What python-dotenv replaces with a variable in every kind of value (it has no escape).
_DOTENV_VARIABLE = re.compile(r"\$\{[^}:]*(?::-[^}]*)?\}")
#: What a POSIX shell (or bash) expands inside double quotes, backslashes aside.
_SH_EXPANDS = re.compile(r"`|\$[A-Za-z0-9_{(\[@*#?$!-]")


def _env_forms(text: str) -> tuple[str, bool]:
    """``text`` for a generic ``.env``, and whether both readers read it back unchanged."""
    if _ENV_PLAIN.fullmatch(text):
        return text, True
    if _DOTENV_VARIABLE.search(text) is None:
        # python-dotenv takes \\ and \' in single quotes as escapes; a shell does not.
        if "'" not in text and "\\\\" not in text and not text.endswith("\\"):
            return f"'{text}'", True
        # Both read \\ and \" alike in double quotes; only the shell expands $ and `.
        if _SH_EXPANDS.search(text) is None:
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"', True
    # No form both read alike: the shell's own quoting, which never runs anything.
    return shlex.quote(text), False


def env_value(text: str) -> str:
    """A value for a generic ``.env`` file that a POSIX shell (``set -a; . ./file``) and
    python-dotenv both read back unchanged, when there is one (:func:`env_exact`).

    Single quotes keep everything literal in the shell; python-dotenv takes ``\\\\`` and
    ``\\'`` in them as escapes, so a value with a quote or such a backslash goes in double
    quotes with ``\\`` and ``"`` escaped, which both read alike as long as nothing in it is
    expanded by the shell (a backquote, ``$(``, ``$NAME``...). python-dotenv replaces ``${NAME}``
    in every kind of value and has no escape for it. For the values no form suits, the
    shell's quoting is written: the shell reads it exactly and never runs a command from it.
    phpdotenv and Symfony Dotenv read the plain and single-quoted forms unchanged too.
    """
    return _env_forms(text)[0]


def env_exact(text: str) -> bool:
    """Whether a POSIX shell and python-dotenv both read :func:`env_value` back as ``text``."""
    return _env_forms(text)[1]


def url_part(text: str) -> str:
    """A user name or password inside a URL: every reserved character percent-encoded."""
    return urllib.parse.quote(text, safe="")


def properties_value(text: str) -> str:
    """A value for a Java ``.properties`` file, ASCII only (``\\uXXXX`` for the rest)."""
    out = []
    for index, char in enumerate(text):
        code = ord(char)
        if char == "\\":
            out.append("\\\\")
        elif char == " " and index == 0:
            out.append("\\ ")
        elif char in "\t\n\r\f":
            out.append({"\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f"}[char])
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code > 0xFFFF:
            # Java strings are UTF-16: characters beyond the BMP are written as a surrogate pair.
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out)
