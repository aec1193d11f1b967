from __future__ import annotations

import pytest

from smtpwizard.core.address import InvalidInput, check_host, check_port, parse_email


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


@pytest.mark.parametrize("text", ["", "bad host", "under_score.example", "a..b", "-x.example"])
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
