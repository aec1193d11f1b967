"""Reading the other end when a conversation does not go as planned: a port that expects
encryption first, a web server, a plain-text answer to a handshake, a certificate that
failed verification, and the chain a server sent."""

from __future__ import annotations

import re
import ssl
from collections.abc import Callable
from contextlib import suppress

from smtpwizard.core.errors import ConnectionLost
from smtpwizard.core.errors import NetworkTimeout
from smtpwizard.core.model import CertInfo
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Reason
from smtpwizard.core.net.certs import certificate_from_ssl
from smtpwizard.core.net.certs import name_matches
from smtpwizard.core.net.certs import parse_certificate
from smtpwizard.core.net.channel import Channel
from smtpwizard.core.net.tls import server_name
from smtpwizard.core.net.tls import unverified_context
from smtpwizard.core.net.transcript import readable
from smtpwizard.core.probe.options import POKE_TIMEOUT

__all__ = [
    "MAX_CHAIN",
    "PLAIN_PORT_REASONS",
    "SMTP_START",
    "TLS_RECORD",
    "VERSION_REASONS",
    "certificate_detail",
    "certificate_failure",
    "client_hello",
    "handshake_failure",
    "not_smtp_kind",
    "parse_or_none",
    "peer_certificate",
    "peer_chain",
    "show",
    "sniff",
    "sniff_after_hello",
]

SMTP_START = re.compile(rb"^[2-5][0-9][0-9][ \r\n-]")
TLS_RECORD = (b"\x14\x03", b"\x15\x03", b"\x16\x03", b"\x17\x03")
PLAIN_PORT_REASONS = {
    "WRONG_VERSION_NUMBER",
    "RECORD_LAYER_FAILURE",
    "PACKET_LENGTH_TOO_LONG",
    "HTTP_REQUEST",
    "UNKNOWN_PROTOCOL",
}
VERSION_REASONS = {
    "TLSV1_ALERT_PROTOCOL_VERSION",
    "UNSUPPORTED_PROTOCOL",
    "NO_PROTOCOLS_AVAILABLE",
    "TLSV1_ALERT_INAPPROPRIATE_FALLBACK",
}


def show(data: bytes, limit: int = 80) -> str:
    text = data[:limit].decode("utf-8", "backslashreplace").replace("\r", "").replace("\n", " ⏎ ")
    return f"“{readable(text.strip())}{'…' if len(data) > limit else ''}”"


def seconds_waited(exc: NetworkTimeout, default: float) -> str:
    """The seconds a step that timed out had (``default``, the per-step timeout, when the
    error does not say), as a detail says them."""
    return f"{exc.waited if exc.waited is not None else default:.3g}"


#: At most this many certificates of a chain are read (servers send two or three).
MAX_CHAIN = 8
_ENCODING_DER = 2  # ssl's private ENCODING_DER, for the certificate objects of 3.10 to 3.12


def peer_chain(tls: ssl.SSLObject) -> tuple[CertInfo, ...]:
    """The certificates the server sent, its own first. Python 3.13 has this as a public
    method; 3.10 to 3.12 have the same method on the underlying object only."""
    getter = getattr(tls, "get_unverified_chain", None)
    if getter is None:
        getter = getattr(getattr(tls, "_sslobj", None), "get_unverified_chain", None)
    if getter is None:
        return ()
    try:
        sent = list(getter() or ())[:MAX_CHAIN]
    except (ssl.SSLError, ValueError, TypeError):
        return ()
    chain: list[CertInfo] = []
    for item in sent:
        try:
            der = item if isinstance(item, bytes) else item.public_bytes(_ENCODING_DER)
            decoded = getattr(item, "get_info", None)
            cert = certificate_from_ssl(decoded(), der) if decoded is not None else None
        except (AttributeError, ValueError, ssl.SSLError):
            return tuple(chain)
        cert = cert or parse_or_none(der)
        if cert is not None:
            chain.append(cert)
    return tuple(chain)


def peer_certificate(tls: ssl.SSLObject) -> CertInfo | None:
    """The certificate of a server that passed verification, read from what ``ssl`` decoded
    while verifying it (or, when that is not enough, decoded here)."""
    der = tls.getpeercert(binary_form=True)
    if not der:
        return None
    decoded = tls.getpeercert()
    return (certificate_from_ssl(decoded, der) if decoded else None) or parse_or_none(der)


def parse_or_none(der: bytes | None) -> CertInfo | None:
    if not der:
        return None
    try:
        return parse_certificate(der)
    except ValueError:
        return None


def client_hello(host: str) -> bytes:
    """The bytes of a TLS ClientHello for ``host`` (sent raw to see whether TLS answers)."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    sslobj = unverified_context().wrap_bio(incoming, outgoing, server_hostname=server_name(host))
    with suppress(ssl.SSLWantReadError):
        sslobj.do_handshake()
    return outgoing.read()


def sniff(channel: Channel, host: str, timeout: float) -> tuple[Reason | None, bytes]:
    """Sends a TLS ClientHello to a port that did not greet, and reads what comes back."""
    try:
        channel.start_step(timeout)
        channel.sendall(client_hello(host))
        data = channel.read_some()
    except (ConnectionLost, NetworkTimeout):
        return None, b""
    if data.startswith(TLS_RECORD):
        return Reason.EXPECTS_IMPLICIT_TLS, data
    if data:
        return not_smtp_kind(data), data
    return sniff_after_hello(channel, min(timeout, POKE_TIMEOUT))


def sniff_after_hello(channel: Channel, timeout: float) -> tuple[Reason | None, bytes]:
    """Ends a line after a handshake nobody answered: web servers then reply with an error."""
    try:
        channel.start_step(timeout)
        channel.sendall(b"\r\n\r\n")
        data = channel.read_some()
    except (ConnectionLost, NetworkTimeout):
        return None, b""
    return (not_smtp_kind(data), data) if data else (None, b"")


def not_smtp_kind(data: bytes) -> Reason:
    """A web server (status line, or an HTML page as old servers send to odd requests),
    or something else that is not SMTP."""
    start = data.lstrip()[:16].lower()
    if data.startswith(b"HTTP/") or start.startswith((b"<!doctype html", b"<html")):
        return Reason.HTTP_SERVER
    return Reason.NOT_SMTP_REPLY


def certificate_failure(code: int | None) -> tuple[Outcome, Reason]:
    """Maps OpenSSL's verify result (x509_vfy.h) to an outcome."""
    if code == 10:  # X509_V_ERR_CERT_HAS_EXPIRED
        return Outcome.CERT_EXPIRED, Reason.CERT_EXPIRED
    if code == 9:  # X509_V_ERR_CERT_NOT_YET_VALID
        return Outcome.CERT_EXPIRED, Reason.CERT_NOT_YET_VALID
    if code in (62, 64):  # HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH
        return Outcome.CERT_NAME_MISMATCH, Reason.CERT_NAME_MISMATCH
    if code == 18:  # DEPTH_ZERO_SELF_SIGNED_CERT
        return Outcome.CERT_UNTRUSTED, Reason.CERT_SELF_SIGNED
    if code in (2, 19, 20, 21):  # issuer unknown / untrusted root in the chain
        return Outcome.CERT_UNTRUSTED, Reason.CERT_UNKNOWN_ISSUER
    return Outcome.CERT_UNTRUSTED, Reason.CERT_INVALID


def certificate_detail(message: str, code: int | None, cert: CertInfo | None, host: str) -> str:
    detail = f"certificate rejected: {message} (code {code})"
    if cert is None:
        return detail
    names = ", ".join(cert.names[:6]) or "no names"
    detail = (
        f"{detail}; issued to {names} by {cert.issuer_name}, "
        f"valid {cert.not_before:%Y-%m-%d} to {cert.not_after:%Y-%m-%d}"
    )
    if not name_matches(cert, host):
        detail += f"; {host} is not among its names"
    return detail


def handshake_failure(
    exc: ssl.SSLError, raw: bytes, greets: Callable[[bytes], bool] | None = None
) -> tuple[Outcome, Reason]:
    greets = greets or (lambda data: bool(SMTP_START.match(data + b"\r")))
    if raw and not raw.startswith(TLS_RECORD):
        if greets(raw):
            return Outcome.TLS_ERROR, Reason.PLAIN_PORT
        return Outcome.NOT_SMTP, not_smtp_kind(raw)
    reason = str(exc.reason or "").upper()
    if reason in PLAIN_PORT_REASONS or "record layer failure" in str(exc):
        return Outcome.TLS_ERROR, Reason.PLAIN_PORT
    if reason in VERSION_REASONS:
        return Outcome.TLS_ERROR, Reason.PROTOCOL_VERSION
    if isinstance(exc, ssl.SSLEOFError):
        return Outcome.TLS_ERROR, Reason.HANDSHAKE_EOF
    return Outcome.TLS_ERROR, Reason.HANDSHAKE_FAILED
