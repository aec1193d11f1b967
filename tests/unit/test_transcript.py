from __future__ import annotations

import base64
import urllib.parse

from smtpwizard.core.model import Direction
from smtpwizard.core.net.transcript import REDACTED
from smtpwizard.core.net.transcript import Redactor
from smtpwizard.core.net.transcript import Transcript
from smtpwizard.core.net.transcript import printable


def test_redactor_hides_every_form_of_a_secret() -> None:
    secret = "pä ss/word+1"
    redact = Redactor([secret])
    b64 = base64.b64encode(secret.encode()).decode()
    quoted = urllib.parse.quote(secret, safe="")
    plus = urllib.parse.quote_plus(secret, safe="")
    assert quoted != plus
    text = f"a {secret} b {b64} c {quoted} d {plus}"
    assert redact(text) == f"a {REDACTED} b {REDACTED} c {REDACTED} d {REDACTED}"


def test_derived_secrets_are_matched_as_they_are() -> None:
    redact = Redactor()
    redact.add("AGFsaWNlAHNlY3JldA==", derived=True)
    assert redact("334 AGFsaWNlAHNlY3JldA==") == f"334 {REDACTED}"


def test_transcript_redacts_lines_from_both_sides() -> None:
    transcript = Transcript(Redactor(["hunter2"]))
    transcript.client("AUTH PLAIN hunter2", encrypted=True)
    transcript.server(b"535 5.7.8 hunter2 is wrong", encrypted=True)
    lines = transcript.lines
    assert [line.direction for line in lines] == [Direction.CLIENT, Direction.SERVER]
    assert all("hunter2" not in line.text for line in lines)
    assert all(line.encrypted for line in lines)


def test_printable_escapes_control_bytes() -> None:
    assert printable(b"220 ok\x00\x1b[31m") == "220 ok\\x00\\x1b[31m"
    assert printable(b"250 caf\xc3\xa9") == "250 café"
    assert printable(b"\xff") == "\\xff"
