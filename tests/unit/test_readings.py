"""How replies, certificate codes and handshake failures are read."""

from __future__ import annotations

import ssl

import pytest

from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Reply
from smtpwizard.core.probe.peer import certificate_failure as _certificate_failure
from smtpwizard.core.probe.peer import handshake_failure as _handshake_failure
from smtpwizard.core.probe.peer import not_smtp_kind as _not_smtp_kind
from smtpwizard.core.probe.smtp import _auth_failure


def test_reply_enhanced_code_and_text() -> None:
    reply = Reply(535, "5.7.8 Authentication credentials invalid")
    assert reply.enhanced == "5.7.8"
    assert str(reply) == "535 5.7.8 Authentication credentials invalid"
    assert Reply(250, "mail.example.com\nSIZE 1000").enhanced is None
    assert str(Reply(250, "a\nb")) == "250 a\n250 b"


@pytest.mark.parametrize(
    ("code", "text", "encrypted", "expected"),
    [
        (535, "5.7.8 bad", True, (AuthStatus.REJECTED, Outcome.AUTH_FAILED, Reason.AUTH_REJECTED)),
        (
            534,
            "5.7.9 app password",
            True,
            (AuthStatus.REJECTED, Outcome.AUTH_FAILED, Reason.AUTH_REJECTED),
        ),
        (
            454,
            "4.7.0 try later",
            True,
            (AuthStatus.TEMPORARY_FAILURE, Outcome.TEMPORARY, Reason.AUTH_TEMPORARY),
        ),
        (
            454,
            "4.7.0 Too many login attempts, please try again later.",
            True,
            (AuthStatus.TEMPORARY_FAILURE, Outcome.TEMPORARY, Reason.AUTH_LOCKED),
        ),
        (
            535,
            "5.7.0 (#AUTH005) Too many bad auth attempts.",
            True,
            (AuthStatus.REJECTED, Outcome.AUTH_FAILED, Reason.AUTH_LOCKED),
        ),
        (
            538,
            "5.7.11 Encryption required",
            False,
            (AuthStatus.UNSUPPORTED, Outcome.AUTH_UNAVAILABLE, Reason.ENCRYPTION_REQUIRED),
        ),
        (
            530,
            "5.7.0 Must issue a STARTTLS command first",
            False,
            (AuthStatus.UNSUPPORTED, Outcome.AUTH_UNAVAILABLE, Reason.ENCRYPTION_REQUIRED),
        ),
        (
            501,
            "5.5.2 cannot decode",
            True,
            (AuthStatus.ERROR, Outcome.AUTH_FAILED, Reason.AUTH_COMMAND_REFUSED),
        ),
        (
            500,
            "Command line too long",
            True,
            (AuthStatus.ERROR, Outcome.AUTH_FAILED, Reason.AUTH_COMMAND_REFUSED),
        ),
    ],
)
def test_auth_failures(code: int, text: str, encrypted: bool, expected: tuple[object, ...]) -> None:
    assert _auth_failure(Reply(code, text), encrypted) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (10, (Outcome.CERT_EXPIRED, Reason.CERT_EXPIRED)),
        (9, (Outcome.CERT_EXPIRED, Reason.CERT_NOT_YET_VALID)),
        (62, (Outcome.CERT_NAME_MISMATCH, Reason.CERT_NAME_MISMATCH)),
        (64, (Outcome.CERT_NAME_MISMATCH, Reason.CERT_NAME_MISMATCH)),
        (18, (Outcome.CERT_UNTRUSTED, Reason.CERT_SELF_SIGNED)),
        (19, (Outcome.CERT_UNTRUSTED, Reason.CERT_UNKNOWN_ISSUER)),
        (20, (Outcome.CERT_UNTRUSTED, Reason.CERT_UNKNOWN_ISSUER)),
        (23, (Outcome.CERT_UNTRUSTED, Reason.CERT_INVALID)),
        (None, (Outcome.CERT_UNTRUSTED, Reason.CERT_INVALID)),
    ],
)
def test_certificate_codes(code: int | None, expected: tuple[Outcome, Reason]) -> None:
    assert _certificate_failure(code) == expected


def _ssl_error(reason: str, cls: type[ssl.SSLError] = ssl.SSLError) -> ssl.SSLError:
    error = cls(1, f"[SSL: {reason}] {reason.lower()}")
    error.reason = reason  # type: ignore[misc]
    return error


def test_handshake_failures() -> None:
    assert _handshake_failure(_ssl_error("X"), b"220 mail.example.com ESMTP\r\n") == (
        Outcome.TLS_ERROR,
        Reason.PLAIN_PORT,
    )
    assert _handshake_failure(_ssl_error("X"), b"HTTP/1.1 400 Bad Request\r\n") == (
        Outcome.NOT_SMTP,
        Reason.HTTP_SERVER,
    )
    assert _handshake_failure(_ssl_error("X"), b"SSH-2.0-OpenSSH\r\n") == (
        Outcome.NOT_SMTP,
        Reason.NOT_SMTP_REPLY,
    )
    assert _handshake_failure(_ssl_error("WRONG_VERSION_NUMBER"), b"") == (
        Outcome.TLS_ERROR,
        Reason.PLAIN_PORT,
    )
    assert _handshake_failure(_ssl_error("TLSV1_ALERT_PROTOCOL_VERSION"), b"\x15\x03\x03") == (
        Outcome.TLS_ERROR,
        Reason.PROTOCOL_VERSION,
    )
    assert _handshake_failure(_ssl_error("SSLV3_ALERT_HANDSHAKE_FAILURE"), b"\x15\x03\x03") == (
        Outcome.TLS_ERROR,
        Reason.HANDSHAKE_FAILED,
    )
    assert _handshake_failure(_ssl_error("UNEXPECTED_EOF", ssl.SSLEOFError), b"") == (
        Outcome.TLS_ERROR,
        Reason.HANDSHAKE_EOF,
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"HTTP/1.0 400 Bad Request", Reason.HTTP_SERVER),
        (b"  <!DOCTYPE HTML>\n<html>", Reason.HTTP_SERVER),
        (b"<html><body>", Reason.HTTP_SERVER),
        (b"+OK POP3 ready", Reason.NOT_SMTP_REPLY),
        (b"\x00\xff\xfe", Reason.NOT_SMTP_REPLY),
    ],
)
def test_not_smtp_kinds(data: bytes, reason: Reason) -> None:
    assert _not_smtp_kind(data) is reason
