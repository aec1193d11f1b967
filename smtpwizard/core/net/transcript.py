"""A redacted record of an SMTP conversation.

Secrets are registered before any byte derived from them is sent; from then on every line,
from either side, is scrubbed of the password and of every encoding of it that a
conversation or a report could carry (base64, the AUTH PLAIN blob, URL encoding).
"""

from __future__ import annotations

import base64
import threading
import time
import urllib.parse
from collections.abc import Callable
from collections.abc import Iterable

from smtpwizard.core.model import Direction
from smtpwizard.core.model import TranscriptLine

__all__ = [
    "MAX_SHOWN",
    "REDACTED",
    "Redactor",
    "Transcript",
    "printable",
    "readable",
    "secret_forms",
]

REDACTED = "[hidden]"

#: Lines longer than this are shortened in the transcript (the evidence stays readable).
MAX_SHOWN = 300


def secret_forms(secret: str) -> set[str]:
    """The spellings of ``secret`` that could appear in a conversation or a report."""
    if not secret:
        return set()
    raw = secret.encode("utf-8")
    forms = {
        secret,
        base64.b64encode(raw).decode("ascii"),
        base64.b64encode(raw).decode("ascii").rstrip("="),
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret, safe=""),
        raw.hex(),
    }
    return {form for form in forms if form}


class Redactor:
    """Replaces registered secrets in text. Thread-safe; secrets only accumulate."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._forms: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str, *, derived: bool = False) -> None:
        """Registers a secret; ``derived`` values (an AUTH blob) are matched as they are."""
        forms = {secret} if derived else secret_forms(secret)
        with self._lock:
            merged = set(self._forms) | {form for form in forms if form}
            # Longest first, so a form containing another is replaced whole.
            self._forms = sorted(merged, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        with self._lock:
            forms = list(self._forms)
        for form in forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def __bool__(self) -> bool:
        return bool(self._forms)


class Transcript:
    """Collects the lines of one conversation, redacted and time-stamped."""

    def __init__(
        self,
        redactor: Redactor | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.redactor = redactor if redactor is not None else Redactor()
        self._clock = clock
        self._start = clock()
        self._lines: list[TranscriptLine] = []

    def _add(self, direction: Direction, text: str, encrypted: bool) -> None:
        text = self.redactor(text)
        if len(text) > MAX_SHOWN:
            text = f"{text[:MAX_SHOWN]}… ({len(text)} characters)"
        at_ms = round((self._clock() - self._start) * 1000, 1)
        self._lines.append(TranscriptLine(direction, text, encrypted, at_ms))

    def client(self, text: str, *, encrypted: bool) -> None:
        """Records a line we sent."""
        self._add(Direction.CLIENT, text, encrypted)

    def server(self, raw: bytes, *, encrypted: bool) -> None:
        """Records a line the server sent (decoded leniently: servers send anything)."""
        self._add(Direction.SERVER, printable(raw), encrypted)

    def note(self, text: str, *, encrypted: bool = False) -> None:
        """Records an event that is not a line on the wire (TLS started, connection lost)."""
        self._add(Direction.NOTE, text, encrypted)

    @property
    def lines(self) -> tuple[TranscriptLine, ...]:
        """The lines so far."""
        return tuple(self._lines)


def printable(raw: bytes) -> str:
    """Bytes from the network as readable text: UTF-8 where valid, escapes elsewhere."""
    text = raw.decode("utf-8", errors="backslashreplace")
    if text.isprintable():  # nearly every line: one pass in C instead of one per character
        return text
    return "".join(ch if ch.isprintable() or ch == "\t" else _escape(ch) for ch in text)


def readable(text: str) -> str:
    """Text a server sent, safe to show: control and invisible characters escaped (tabs and
    line ends kept), so that no reply can steer the terminal or page that shows it."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch in "\t\n" else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"
