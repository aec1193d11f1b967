from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smtpwizard.core.discovery.typed import incoming_candidates
from smtpwizard.core.errors import InvalidInput
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Security
from smtpwizard.core.model import server_address
from smtpwizard.core.net.address import check_host
from smtpwizard.core.net.address import check_port
from smtpwizard.core.net.address import parse_email


@pytest.mark.parametrize(
    ("text", "ascii"),
    [
        ("alice@example.com", "alice@example.com"),
        ("  Alice@Example.COM ", "Alice@example.com"),
        ("Alice Liddell <alice@example.com>", "alice@example.com"),
        ("jörg@bücher.example", "jörg@xn--bcher-kva.example"),
        ('"john smith"@example.com', '"john smith"@example.com'),
        ("a.b+tag@sub.example.co.uk", "a.b+tag@sub.example.co.uk"),
    ],
)
def test_good_addresses(text: str, ascii: str) -> None:
    assert parse_email(text).ascii == ascii


def test_non_ascii_local_part_needs_smtputf8() -> None:
    assert parse_email("jörg@example.com").needs_smtputf8
    assert not parse_email("joerg@example.com").needs_smtputf8


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "enter your email address"),
        ("alice", "missing the @"),
        ("alice@", "domain after the @ is missing"),
        ("@example.com", "before the @ is missing"),
        ("alice smith@example.com", "cannot contain spaces"),
        ("alice@localhost", "not a complete domain"),
        ("alice@[192.0.2.1]", "not an IP address"),
        ("alice@exa mple.com", "not a valid domain"),
        ("alice@-bad-.example", "not a valid domain"),
        ("x" * 65 + "@example.com", "too long"),
        ("mailto:alice@example.com", "Leave out “mailto:”"),
        ("alice:x@example.com", "“:” cannot be part of an address"),
        ("alice,bob@example.com", "“,” cannot be part of an address"),
        ("a\udcff@example.com", "not UTF-8 text"),  # a byte of another encoding, as argv has it
    ],
)
def test_bad_addresses(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_email(text)


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("smtp.example.com", "smtp.example.com"),
        ("SMTP.Example.com.", "smtp.example.com"),
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("::1", "::1"),
        ("mail.bücher.example", "mail.xn--bcher-kva.example"),
        ("localhost", "localhost"),
    ],
)
def test_hosts(text: str, host: str) -> None:
    assert check_host(text) == host


@pytest.mark.parametrize(
    "text",
    ["", "bad host", "under_score.example", "a..b", "-x.example", "x" * 64 + ".example", ".a"],
)
def test_bad_hosts(text: str) -> None:
    with pytest.raises(InvalidInput):
        check_host(text)


@pytest.mark.parametrize(("value", "ok"), [("25", 25), (" 587 ", 587), (65535, 65535), ("1", 1)])
def test_ports(value: str | int, ok: int) -> None:
    assert check_port(value) == ok


@pytest.mark.parametrize("value", ["0", "65536", "-1", "smtp", "", "5.5"])
def test_bad_ports(value: str) -> None:
    with pytest.raises(InvalidInput):
        check_port(value)


IMAP, POP3, TLS, STARTTLS = Protocol.IMAP, Protocol.POP3, Security.TLS, Security.STARTTLS


def all_four(host: str) -> list[tuple[str, Protocol, int, Security]]:
    return [
        (host, IMAP, 993, TLS),
        (host, IMAP, 143, STARTTLS),
        (host, POP3, 995, TLS),
        (host, POP3, 110, STARTTLS),
    ]


@pytest.mark.parametrize(
    ("text", "modes"),
    [
        ("imaps://Mail.Example.test", [("mail.example.test", IMAP, 993, TLS)]),
        ("IMAP://mail.example.test:1143", [("mail.example.test", IMAP, 1143, STARTTLS)]),
        ("pop3s://mail.example.test/", [("mail.example.test", POP3, 995, TLS)]),
        ("pop://[::1]:1100", [("::1", POP3, 1100, STARTTLS)]),
        ("mail.example.test:995", [("mail.example.test", POP3, 995, TLS)]),
        ("127.0.0.1:143", [("127.0.0.1", IMAP, 143, STARTTLS)]),
        ("::1", all_four("::1")),
        (" mail.example.test ", all_four("mail.example.test")),
    ],
)
def test_incoming_servers(text: str, modes: list[tuple[str, Protocol, int, Security]]) -> None:
    found = incoming_candidates(text)
    assert [(c.host, c.protocol, c.port, c.security) for c in found] == modes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("smtp://mail.example.test", "not an incoming mail server"),
        ("mail.example.test:2525", "not a standard incoming mail port"),
        ("imap://mail.example.test/INBOX", "server name"),
        ("imap://alice@mail.example.test", "server name"),
        ("mail.example.test:abc", "server name"),
        ("imaps://bad host", "spaces"),
    ],
)
def test_bad_incoming_servers(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        incoming_candidates(text)


def test_a_server_is_shown_as_people_write_it() -> None:
    assert server_address("smtp.example.com", 587) == "smtp.example.com:587"
    assert server_address("192.0.2.1", 465) == "192.0.2.1:465"
    assert server_address("2001:db8::1", 465) == "[2001:db8::1]:465"
    assert Candidate("::1", 465, Security.TLS).label() == "[::1]:465 (SSL/TLS)"


@given(st.text(alphabet="abcXYZ09-._", min_size=1, max_size=70))
def test_an_ascii_name_is_read_as_the_idna_codec_reads_it(name: str) -> None:
    """Plain ASCII names skip the IDNA codec; they are taken or refused exactly as with it."""
    try:
        expected: str | None = ascii_host_by_codec(name)
    except (InvalidInput, UnicodeError):
        expected = None
    try:
        got: str | None = check_host(name)
    except InvalidInput:
        got = None
    assert got == expected


def ascii_host_by_codec(name: str) -> str:
    stripped = name.strip().rstrip(".")
    if not stripped:
        raise InvalidInput("empty")
    encoded = stripped.encode("idna").decode("ascii").lower()
    labels = encoded.split(".")
    label = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
    if len(encoded) > 253 or not all(label.match(part) for part in labels):
        raise InvalidInput("bad")
    return encoded
