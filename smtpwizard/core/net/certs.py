"""Reading a server certificate, including one that failed verification.

Python's ``ssl`` only decodes certificates it verified; the diagnosis needs the fields of
the ones it rejected too (expiry date, names covered, issuer), so they are decoded here.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import AuthorityInformationAccessOID
from cryptography.x509.oid import NameOID

from smtpwizard.core.model import CertInfo
from smtpwizard.core.net.transcript import readable

__all__ = ["display_name", "fingerprint", "issued_by_file", "name_matches", "parse_certificate"]


def fingerprint(der: bytes) -> str:
    """SHA-256 fingerprint as colon-separated upper-case hex, as browsers show it."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def _first(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    for attribute in name.get_attributes_for_oid(oid):
        value = attribute.value
        return value if isinstance(value, str) else value.decode("utf-8", "replace")
    return None


def display_name(name: x509.Name) -> str:
    """The most telling part of a distinguished name: its common name, else organisation."""
    return (
        _first(name, NameOID.COMMON_NAME)
        or _first(name, NameOID.ORGANIZATION_NAME)
        or _first(name, NameOID.ORGANIZATIONAL_UNIT_NAME)
        or name.rfc4514_string()
        or "(no name)"
    )


def parse_certificate(der: bytes) -> CertInfo:
    """Decodes a DER certificate into the fields smtpwizard shows.

    Raises:
        ValueError: the bytes are not a certificate.
    """
    cert = x509.load_der_x509_certificate(der)
    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        san = None
    except ValueError:  # a malformed extension: show what the subject says
        san = None
    if san is not None:
        names.extend(str(n) for n in san.get_values_for_type(x509.DNSName))
        names.extend(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    if not names:
        common = _first(cert.subject, NameOID.COMMON_NAME)
        if common:
            names.append(common)
    issuer_urls: list[str] = []
    try:
        access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except (x509.ExtensionNotFound, ValueError):
        access = None
    for description in access or ():
        location = description.access_location
        if description.access_method == AuthorityInformationAccessOID.CA_ISSUERS and isinstance(
            location, x509.UniformResourceIdentifier
        ):
            issuer_urls.append(location.value)
    # Names come from whoever made the certificate: shown only in a form that is safe to show.
    return CertInfo(
        subject=readable(cert.subject.rfc4514_string()),
        issuer=readable(cert.issuer.rfc4514_string()),
        issuer_name=readable(display_name(cert.issuer)),
        names=tuple(readable(name) for name in names),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        fingerprint_sha256=fingerprint(der),
        serial=format(cert.serial_number, "X"),
        self_signed=cert.subject == cert.issuer,
        issuer_urls=tuple(readable(url) for url in issuer_urls[:4]),
    )


def name_matches(cert: CertInfo, host: str) -> bool:
    """Whether ``host`` (a name or an IP literal) is covered by the certificate."""
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return cert.covers(host)
    return any(_same_ip(name, ip) for name in cert.names)


def _same_ip(name: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    try:
        return ipaddress.ip_address(name) == ip
    except ValueError:
        return False


def issued_by_file(path: str, chain: Sequence[CertInfo]) -> bool:
    """Whether an authority of the PEM file ``path`` issued one of ``chain`` (or is one).

    Tells whether a server's certificate needed that file to be trusted: a chain that one
    of its authorities anchors. Names are compared as verification already succeeded; an
    unreadable file anchors nothing.
    """
    try:
        authorities = x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError):
        return False
    known = [parse_certificate(cert.public_bytes(Encoding.DER)) for cert in authorities]
    subjects = {cert.subject for cert in known}
    prints = {cert.fingerprint_sha256 for cert in known}
    return any(cert.issuer in subjects or cert.fingerprint_sha256 in prints for cert in chain)
