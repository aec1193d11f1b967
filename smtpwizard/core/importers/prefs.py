"""A small tokenizer for Mozilla's preference files (``prefs.js``, ``user.js``): the pref calls and
their string, number and boolean values, by the pref-file rules; nothing is run."""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["PrefScanner"]

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


class PrefScanner:
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
