"""Strict readers for exported files, written from each format's rules, for tests.

Each reader raises ``ValueError`` on anything its format would not accept, so a test that
reads a value back also proves the file is well-formed.
"""

from __future__ import annotations

import ast
import html.parser
import re
from collections.abc import Mapping
from typing import Any

from defusedxml import ElementTree as SafeET

# --- .env ----------------------------------------------------------------------------------

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _expand(text: str, env: Mapping[str, str], values: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values:
            return values[name]
        if name in env:
            return env[name]
        raise ValueError(f"undefined variable {name}")

    return _REF.sub(one, text)


def parse_env(text: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Reads a .env file the way phpdotenv/Symfony Dotenv agree on.

    Single quotes are literal; double quotes know ``\\\\ \\" \\$ \\n \\r`` and expand
    ``${NAME}``; unquoted values may not contain blanks and expand ``${NAME}``.
    """
    env = env or {}
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, rest = line.partition("=")
        if not sep or not _KEY.fullmatch(key):
            raise ValueError(f"line {number}: not KEY=VALUE: {raw!r}")
        if rest.startswith("'"):
            end = rest.find("'", 1)
            if end < 0 or rest[end + 1 :].strip():
                raise ValueError(f"line {number}: bad single quotes")
            value = rest[1:end]
        elif rest.startswith('"'):
            out: list[str] = []
            i = 1
            while True:
                if i >= len(rest):
                    raise ValueError(f"line {number}: unterminated double quotes")
                char = rest[i]
                if char == "\\":
                    nxt = rest[i + 1 : i + 2]
                    mapped = {"\\": "\\", '"': '"', "$": "\0DOLLAR\0", "n": "\n", "r": "\r"}
                    if nxt not in mapped:
                        raise ValueError(f"line {number}: unknown escape \\{nxt}")
                    out.append(mapped[nxt])
                    i += 2
                    continue
                if char == '"':
                    if rest[i + 1 :].strip():
                        raise ValueError(f"line {number}: text after the closing quote")
                    break
                out.append(char)
                i += 1
            value = _expand("".join(out), env, values).replace("\0DOLLAR\0", "$")
        else:
            if any(c.isspace() for c in rest) or '"' in rest or "'" in rest:
                raise ValueError(f"line {number}: unquoted value with blanks or quotes")
            if "$" in _REF.sub("", rest):
                raise ValueError(f"line {number}: stray $ in an unquoted value")
            value = _expand(rest, env, values)
        values[key] = value
    return values


# --- Java properties -----------------------------------------------------------------------


def parse_properties(text: str) -> dict[str, str]:
    """Reads ``key=value`` lines with Java's escapes (``\\uXXXX`` with surrogate pairs)."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.lstrip()
        if not line or line[0] in "#!":
            continue
        if line.endswith("\\") and not line.endswith("\\\\"):
            raise ValueError("continuation lines are not expected here")
        key, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_.\-]+", key):
            raise ValueError(f"not key=value: {raw!r}")
        out: list[str] = []
        i = 0
        while i < len(value):
            char = value[i]
            if char == "\\":
                nxt = value[i + 1]
                if nxt == "u":
                    out.append(chr(int(value[i + 2 : i + 6], 16)))
                    i += 6
                    continue
                out.append({"t": "\t", "n": "\n", "r": "\r", "f": "\f"}.get(nxt, nxt))
                i += 2
                continue
            out.append(char)
            i += 1
        joined = "".join(out)
        # Java strings are UTF-16: join surrogate pairs.
        values[key] = joined.encode("utf-16", "surrogatepass").decode("utf-16")
    return values


# --- msmtprc -------------------------------------------------------------------------------


def parse_msmtprc(text: str) -> dict[str, dict[str, str]]:
    """Accounts of an msmtp configuration: name -> command -> argument (with inheritance)."""
    accounts: dict[str, dict[str, str]] = {}
    defaults: dict[str, str] = {}
    current = defaults
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        command, _sep, arg = line.partition(" ")
        arg = arg.strip()
        # msmtp strips one pair of enclosing quotes and knows no escapes.
        if len(arg) >= 2 and arg.startswith('"') and arg.endswith('"'):
            arg = arg[1:-1]
        if command == "defaults":
            current = defaults
        elif command == "account":
            name, colon, parent = arg.partition(":")
            name = name.strip()
            current = dict(defaults)
            if colon:
                for base in parent.split(","):
                    current.update(accounts[base.strip()])
            accounts[name] = current
        else:
            if not re.fullmatch(r"[a-z_]+", command):
                raise ValueError(f"not an msmtp command: {raw!r}")
            current[command] = arg
    return accounts


# --- Python settings, Ruby hash, PHP ---------------------------------------------------------


def parse_python_settings(text: str) -> dict[str, Any]:
    """``NAME = literal`` assignments; ``os.environ["X"]`` becomes ``("env", "X")``."""
    tree = ast.parse(text)
    values: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            continue
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            raise ValueError(f"unexpected statement: {ast.dump(node)}")
        target = node.targets[0]
        assert isinstance(target, ast.Name)
        value = node.value
        if (
            isinstance(value, ast.Subscript)
            and ast.unparse(value.value) == "os.environ"
            and isinstance(value.slice, ast.Constant)
        ):
            values[target.id] = ("env", value.slice.value)
        else:
            values[target.id] = ast.literal_eval(value)
    return values


def _single_quoted(text: str) -> tuple[str, str]:
    """A PHP/Ruby single-quoted literal at the start of ``text``; returns (value, rest)."""
    if not text.startswith("'"):
        raise ValueError(f"not a single-quoted string: {text!r}")
    out: list[str] = []
    i = 1
    while i < len(text):
        char = text[i]
        if char == "\\" and text[i + 1 : i + 2] in ("\\", "'"):
            out.append(text[i + 1])
            i += 2
            continue
        if char == "'":
            return "".join(out), text[i + 1 :]
        out.append(char)
        i += 1
    raise ValueError("unterminated string")


def _scalar(text: str) -> tuple[Any, str]:
    """A PHP or Ruby scalar at the start of ``text``: returns (value, rest)."""
    text = text.strip()
    if text.startswith("'"):
        return _single_quoted(text)
    for pattern, convert in (
        (r"(?:ENV\.fetch|getenv)\(\s*('(?:[^'\\]|\\.)*')\s*\)", lambda m: ("env", m.group(1))),
        (r"-?\d+", lambda m: int(m.group(0))),
        (r"true|false", lambda m: m.group(0) == "true"),
        (r":[a-z_0-9]+", lambda m: m.group(0)),
    ):
        match = re.match(pattern, text)
        if match:
            value = convert(match)
            if isinstance(value, tuple):
                value = ("env", _single_quoted(value[1])[0])
            return value, text[match.end() :]
    raise ValueError(f"not a scalar: {text!r}")


def parse_ruby_smtp_settings(text: str) -> dict[str, Any]:
    """The ``smtp_settings = { key: value, ... }`` hash of an ActionMailer export."""
    body = text.split("smtp_settings = {", 1)[1].split("\n}", 1)[0]
    values: dict[str, Any] = {}
    for line in body.strip().splitlines():
        match = re.fullmatch(r"\s*([a-z_]+):\s+(.*)", line)
        if not match:
            raise ValueError(f"not a hash entry: {line!r}")
        value, rest = _scalar(match.group(2))
        if rest.strip() != ",":
            raise ValueError(f"expected a comma after the value: {line!r}")
        values[match.group(1)] = value
    return values


def parse_phpmailer(text: str) -> dict[str, Any]:
    """``$mail->Name = value;`` assignments."""
    values: dict[str, Any] = {}
    in_array = False
    for line in text.splitlines():
        # Stream options are PHP arrays (checked by PHP itself in the consumer tests).
        if line.startswith("$mail->SMTPOptions = ["):
            in_array = not line.endswith("];")
            values["SMTPOptions"] = ("array", line)
            continue
        if in_array:
            in_array = line != "]];"
            continue
        match = re.match(r"\$mail->([A-Za-z]+) = (.*)", line)
        if match:
            value, rest = _scalar(match.group(2))
            if not re.fullmatch(r";\s*(//.*)?", rest):
                raise ValueError(f"bad end of statement: {line!r}")
            values[match.group(1)] = value
    return values


def parse_php_defines(text: str) -> dict[str, Any]:
    """``define( 'NAME', value );`` lines."""
    values: dict[str, Any] = {}
    for line in text.splitlines():
        match = re.match(r"define\( '([A-Z_]+)', (.*)", line)
        if match:
            value, rest = _scalar(match.group(2))
            if rest.strip() != ");":
                raise ValueError(f"bad end of define: {line!r}")
            values[match.group(1)] = value
    return values


# --- Thunderbird autoconfig ------------------------------------------------------------------

SOCKET_TYPES = {"plain": 0, "SSL": 3, "STARTTLS": 2}
SMTP_AUTH = {
    "none": 1,
    "client-IP-address": 1,
    "smtp-after-pop": 1,
    "password-cleartext": 3,
    "plain": 3,
    "password-encrypted": 4,
    "secure": 4,
    "GSSAPI": 5,
    "NTLM": 6,
    "OAuth2": 10,
}
INCOMING_AUTH = {k: v for k, v in SMTP_AUTH.items() if v != 1}
PLACEHOLDERS = {"%EMAILADDRESS%", "%EMAILLOCALPART%", "%EMAILDOMAIN%", "%REALNAME%"}
_HOSTNAME = re.compile(r"[a-z0-9.\-]+|\[?[0-9a-f:.]+\]?")


def _server(element: Any, auth_map: Mapping[str, int]) -> dict[str, Any]:
    def texts(tag: str) -> list[str]:
        return [(child.text or "").strip() for child in element.findall(tag)]

    hostnames = texts("hostname")
    if len(hostnames) != 1 or not _HOSTNAME.fullmatch(hostnames[0].lower()):
        raise ValueError(f"bad hostname {hostnames}")
    ports = texts("port")
    if len(ports) != 1 or not ports[0].isdigit() or not 1 <= int(ports[0]) <= 65535:
        raise ValueError(f"bad port {ports}")
    sockets = [s for s in texts("socketType") if s in SOCKET_TYPES]
    if not sockets:
        raise ValueError("no socketType Thunderbird understands")
    auths = [a for a in texts("authentication") if a in auth_map]
    if not auths:
        raise ValueError("no authentication Thunderbird understands")
    if auths[0] == "OAuth2" and len(auths) == 1:
        raise ValueError("OAuth2 alone is rejected for unknown providers")
    usernames = texts("username")
    if auth_map[auths[0]] in (3, 4) and (len(usernames) != 1 or not usernames[0]):
        raise ValueError("a password login needs a username")
    for name in usernames:
        for placeholder in re.findall(r"%[A-Z]+%", name):
            if placeholder not in PLACEHOLDERS:
                raise ValueError(f"unknown placeholder {placeholder}")
    return {
        "type": element.get("type"),
        "hostname": hostnames[0],
        "port": int(ports[0]),
        "socketType": sockets[0],
        "authentication": auths[0],
        "username": usernames[0] if usernames else None,
    }


def check_thunderbird_xml(text: str) -> dict[str, Any]:
    """Applies the rules of Thunderbird's reader (readFromXML) and returns what it would take."""
    root = SafeET.fromstring(text.encode("utf-8"))
    if root.tag != "clientConfig" or root.get("version") != "1.1":
        raise ValueError('root must be <clientConfig version="1.1">')
    provider = root.find("emailProvider")
    if provider is None or not provider.get("id"):
        raise ValueError("no <emailProvider id=...>")
    domains = [(d.text or "").strip() for d in provider.findall("domain")]
    if not any(_HOSTNAME.fullmatch(d.lower()) for d in domains if d):
        raise ValueError("no valid <domain>")
    incoming = [
        _server(e, INCOMING_AUTH)
        for e in provider.findall("incomingServer")
        if e.get("type") in ("pop3", "imap", "nntp", "exchange")
    ]
    if not incoming:
        raise ValueError("Need proper <incomingServer> in XML file")
    outgoing = provider.findall("outgoingServer")
    if not outgoing:
        raise ValueError("Need proper <outgoingServer> in XML file")
    if any(e.get("type") != "smtp" for e in outgoing):
        raise ValueError("outgoing_not_smtp")
    return {
        "id": provider.get("id"),
        "domains": domains,
        "displayName": (provider.findtext("displayName") or "").strip(),
        "incoming": incoming[0],
        "outgoing": _server(outgoing[0], SMTP_AUTH),
    }


# --- settings sheets -------------------------------------------------------------------------


def markdown_tables(text: str) -> dict[str, dict[str, str]]:
    """Section title -> label -> value, from ``## Title`` and ``| a | b |`` rows."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("## "):
            current = sections.setdefault(_md_unescape(line[3:]), {})
        elif (
            line.startswith("| ") and not line.startswith("| ---") and line != "| Setting | Value |"
        ):
            cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            if len(cells) != 2:
                raise ValueError(f"not a two-cell row: {line!r}")
            current[_md_unescape(cells[0].strip())] = _md_cell(cells[1].strip())
    return sections


def _md_cell(text: str) -> str:
    """A cell's value: a code span as CommonMark reads it, else escaped text."""
    code = re.fullmatch(r"(`+)(.*?)\1", text)
    if code is None:
        return _md_unescape(text)
    body = code.group(2).replace("\\|", "|")
    if body.startswith(" ") and body.endswith(" ") and body.strip(" "):
        body = body[1:-1]
    return body


def _md_unescape(text: str) -> str:
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


class _SheetParser(html.parser.HTMLParser):
    """Rows of label and value (th or td cells), section titles and paragraphs; inline
    elements (code) are part of the text around them."""

    BLOCKS = ("h1", "h2", "th", "td", "p", "tr")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, dict[str, str]] = {}
        self.paragraphs: list[str] = []
        self._text = ""
        self._cells: list[str] = []
        self._section: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self._text = ""
        if tag == "tr":
            self._cells = []

    def handle_data(self, data: str) -> None:
        self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._section = self.sections.setdefault(self._text, {})
        elif tag in ("th", "td"):
            self._cells.append(self._text)
        elif tag == "tr" and len(self._cells) == 2 and self._cells != ["Setting", "Value"]:
            self._section[self._cells[0]] = self._cells[1]
        elif tag == "p":
            self.paragraphs.append(self._text)
        if tag in self.BLOCKS:
            self._text = ""


def html_tables(text: str) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Section title -> label -> value, and the paragraphs, read by Python's HTML parser."""
    parser = _SheetParser()
    parser.feed(text)
    parser.close()
    return parser.sections, parser.paragraphs


# --- Mozilla pref files (prefs.js, user.js) ---------------------------------------------------

_PREF_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "r": "\r", "t": "\t"}
_PREF_TOKEN = re.compile(
    r"""\s+|//[^\n]*|\#[^\n]*|/\*.*?\*/|(?P<word>[A-Za-z_]+)|(?P<int>[-+]?\d+)
    |(?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(?P<punct>[(),;])""",
    re.S | re.X,
)


def _pref_string(literal: str) -> str:
    out: list[str] = []
    i = 1
    while i < len(literal) - 1:
        char = literal[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        nxt = literal[i + 1]
        if nxt in _PREF_ESCAPES:
            out.append(_PREF_ESCAPES[nxt])
            i += 2
        elif nxt == "x":
            out.append(chr(int(literal[i + 2 : i + 4], 16)))
            i += 4
        elif nxt == "u":
            out.append(chr(int(literal[i + 2 : i + 6], 16)))
            i += 6
        else:
            raise ValueError(f"unknown escape \\{nxt}")
    # \\uXXXX pairs make UTF-16 surrogates; join them as Mozilla does.
    return "".join(out).encode("utf-16", "surrogatepass").decode("utf-16")


def parse_prefs(text: str) -> dict[str, str | int | bool]:
    """Reads a pref file by Mozilla's rules (libpref's parser): ``pref``, ``user_pref`` or
    ``sticky_pref`` statements of a string name and a string, integer or boolean value,
    comments in //, # or /* */; anything else is an error."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _PREF_TOKEN.match(text, pos)
        if match is None:
            raise ValueError(f"unexpected text at {pos}: {text[pos : pos + 20]!r}")
        pos = match.end()
        for kind in ("word", "int", "str", "punct"):
            if match.group(kind) is not None:
                tokens.append((kind, match.group(kind)))
    prefs: dict[str, str | int | bool] = {}
    i = 0
    while i < len(tokens):
        kind, word = tokens[i]
        if kind != "word" or word not in ("pref", "user_pref", "sticky_pref"):
            raise ValueError(f"expected a pref statement, got {word!r}")
        shape = [t for t, _v in tokens[i + 1 : i + 7]]
        if shape[:3] != ["punct", "str", "punct"] or tokens[i + 3][1] != ",":
            raise ValueError(f"bad statement after {word}")
        name = _pref_string(tokens[i + 2][1])
        vkind, value = tokens[i + 4]
        if [v for _t, v in tokens[i + 5 : i + 7]] != [")", ";"]:
            raise ValueError(f"statement for {name!r} not closed with );")
        if vkind == "str":
            prefs[name] = _pref_string(value)
        elif vkind == "int":
            prefs[name] = int(value)
        elif vkind == "word" and value in ("true", "false"):
            prefs[name] = value == "true"
        else:
            raise ValueError(f"bad value for {name!r}: {value!r}")
        i += 7
    return prefs
