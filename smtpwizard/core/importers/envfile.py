"""Reading a ``.env`` file as the common loaders do (quotes, escapes, ``${VAR}`` references,
quoted parts joined as a shell joins them)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

from smtpwizard.core.importers.base import Notes
from smtpwizard.core.importers.base import split_lines
from smtpwizard.core.importers.values import REFERENCE
from smtpwizard.core.importers.values import UNKNOWN
from smtpwizard.core.importers.values import Setting

__all__ = ["EnvFile", "env_settings", "from_environment", "read_env"]

_ENV_LINE = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.]*)[ \t]*=(.*)", re.S)


_DQ_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "f": "\f", "v": "\v", "b": "\b", "a": "\a"}


@dataclass
class EnvFile:
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


def read_env(text: str) -> EnvFile:
    env = EnvFile()
    lines = split_lines(text)
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
            # Quoted parts may follow each other, as a shell joins them ('it'"'"'s').
            parts: list[str] = []
            refs = []
            start = opening
            while True:
                closed = (_DQ_END if quote == '"' else _SQ_END).match(text, start, limit)
                if closed is None:
                    break
                inner = text[start : closed.end() - 1].replace("\r\n", "\n")
                if quote == "'":
                    parts.append(inner)
                else:
                    part, more = _expand(_unescape_dq(inner), env.assignments)
                    parts.append(part)
                    refs += more
                quote = text[closed.end() : closed.end() + 1]
                start = closed.end() + 1
                if quote not in ("'", '"'):
                    break
            if closed is None:
                other += 1
                continue
            index += text[opening : closed.end()].count("\n")
            value = "".join(parts)
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
        value = "$".join(REFERENCE.sub(fill, part) for part in parts)
    return value.replace("\0$", "$"), refs


def env_settings(env: EnvFile, keys: Sequence[str]) -> dict[str, Setting]:
    """The variables as settings; a value that is only ``${VAR}`` comes from the environment."""
    settings = {}
    for key in keys:
        if key not in env.assignments:
            continue
        value = env.assignments[key][0]
        refs = env.references.get(key, [])
        whole = REFERENCE.fullmatch(value)
        if key in _PASSWORD_KEYS or not refs:
            # The password is examined by take_password; a URL keeps a reference in its middle.
            settings[key] = Setting(value, key, refs=tuple(refs))
        elif whole or key not in _URL_KEYS:
            settings[key] = Setting(UNKNOWN, key, whole.group(1) if whole else refs[0])
        else:
            settings[key] = Setting(value, key, refs=tuple(refs))
    return settings


_PASSWORD_KEYS = frozenset({"EMAIL_HOST_PASSWORD", "MAIL_PASSWORD", "SMTP_PASSWORD", "SMTP_PASS"})


_URL_KEYS = frozenset({"EMAIL_URL", "MAILER_DSN", "MAIL_URL"})


def from_environment(env: EnvFile, key: str, notes: Notes) -> bool:
    """Whether a variable's value refers to the environment (``${VAR}``), noted if so."""
    refs = env.references.get(key, [])
    if refs:
        notes.env(key, refs[0])
    return bool(refs)
