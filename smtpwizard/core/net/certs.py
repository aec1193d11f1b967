"""Reading a server certificate, including one that failed verification.

Python's ``ssl`` only decodes certificates it verified; the diagnosis needs the fields of
the ones it rejected too (expiry date, names covered, issuer), so they are decoded here.
What ``ssl`` did decode is read as it is (:func:`certificate_from_ssl`), to the same
fields, so that a conversation that went well never waits for cryptography to load.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import ssl
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from smtpwizard.core.model import CertInfo
from smtpwizard.core.net.transcript import readable

# cryptography takes longer to import than Python takes to start: it is imported by the
# functions that decode a certificate, the first time one is read.
if TYPE_CHECKING:
    from cryptography import x509

__all__ = [
    "certificate_from_ssl",
    "display_name",
    "fingerprint",
    "issued_by_file",
    "name_matches",
    "parse_certificate",
    "read_fingerprint",
]

#: How RFC 4514 (and so :func:`parse_certificate`) writes the name attributes ``ssl`` calls
#: by OpenSSL's long names: a short name where it has one, else the attribute's OID.
_ATTRIBUTE_KEYS = {
    "commonName": "CN",
    "localityName": "L",
    "stateOrProvinceName": "ST",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "countryName": "C",
    "streetAddress": "STREET",
    "domainComponent": "DC",
    "userId": "UID",
    "emailAddress": "1.2.840.113549.1.9.1",
    "serialNumber": "2.5.4.5",
    "surname": "2.5.4.4",
    "givenName": "2.5.4.42",
    "title": "2.5.4.12",
    "businessCategory": "2.5.4.15",
    "postalCode": "2.5.4.17",
    "organizationIdentifier": "2.5.4.97",
    "jurisdictionLocalityName": "1.3.6.1.4.1.311.60.2.1.1",
    "jurisdictionStateOrProvinceName": "1.3.6.1.4.1.311.60.2.1.2",
    "jurisdictionCountryName": "1.3.6.1.4.1.311.60.2.1.3",
}

Rdns = list[list[tuple[str, str]]]


def fingerprint(der: bytes) -> str:
    """SHA-256 fingerprint as colon-separated upper-case hex, as browsers show it."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


#: Bytes in a SHA-256 fingerprint (the only kind smtpwizard trusts a certificate by).
SHA256_BYTES = 32


def read_fingerprint(text: str, size: int | None = SHA256_BYTES) -> str | None:
    """A fingerprint as people and programs write it (hex pairs, with colons between them
    or none, either case, blanks around) in :func:`fingerprint`'s form; ``None`` when it is
    not one, or not ``size`` bytes long (``None``: any length).
    """
    compact = text.strip().replace(":", "")
    pairs = len(compact) // 2
    if (
        not compact
        or len(compact) % 2
        or any(ch not in "0123456789abcdefABCDEF" for ch in compact)
        or text.strip().count(":") not in (0, pairs - 1)
        or (size is not None and pairs != size)
    ):
        return None
    digits = compact.upper()
    return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def _first(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    for attribute in name.get_attributes_for_oid(oid):
        value = attribute.value
        return value if isinstance(value, str) else value.decode("utf-8", "replace")
    return None


def display_name(name: x509.Name) -> str:
    """The most telling part of a distinguished name: its common name, else organisation."""
    from cryptography.x509.oid import NameOID

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
    from cryptography import x509
    from cryptography.x509.oid import AuthorityInformationAccessOID
    from cryptography.x509.oid import NameOID

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
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        authorities = x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError):
        return False
    known = [parse_certificate(cert.public_bytes(Encoding.DER)) for cert in authorities]
    subjects = {cert.subject for cert in known}
    prints = {cert.fingerprint_sha256 for cert in known}
    return any(cert.issuer in subjects or cert.fingerprint_sha256 in prints for cert in chain)


def certificate_from_ssl(info: Mapping[str, Any], der: bytes) -> CertInfo | None:
    """:func:`parse_certificate`'s reading of what ``ssl`` already decoded: the dictionary
    of ``getpeercert()`` for a verified certificate, or of ``get_info()`` for one of the
    chain. ``None`` when a name holds an attribute whose RFC 4514 form this does not know
    (then :func:`parse_certificate` reads the certificate).
    """
    try:
        subject = _rdns(info["subject"])
        issuer = _rdns(info["issuer"])
        not_before = _utc(info["notBefore"])
        not_after = _utc(info["notAfter"])
        serial = format(int(info["serialNumber"], 16), "X")
        alt_names = [
            (str(kind), str(value).strip()) for kind, value in info.get("subjectAltName", ())
        ]
        names = [value for kind, value in alt_names if kind == "DNS"]
        names += [
            str(ipaddress.ip_address(value)) for kind, value in alt_names if kind == "IP Address"
        ]
    except (KeyError, TypeError, ValueError):
        return None
    if subject is None or issuer is None:
        return None
    if not names:
        common = _first_value(subject, "CN")
        if common:
            names.append(common)
    issuer_name = (
        _first_value(issuer, "CN")
        or _first_value(issuer, "O")
        or _first_value(issuer, "OU")
        or _rfc4514(issuer)
        or "(no name)"
    )
    return CertInfo(
        subject=readable(_rfc4514(subject)),
        issuer=readable(_rfc4514(issuer)),
        issuer_name=readable(issuer_name),
        names=tuple(readable(name) for name in names),
        not_before=not_before,
        not_after=not_after,
        fingerprint_sha256=fingerprint(der),
        serial=serial,
        self_signed=subject == issuer,
        issuer_urls=tuple(readable(str(url)) for url in tuple(info.get("caIssuers") or ())[:4]),
    )


def _rdns(name: Any) -> Rdns | None:
    """A name as ``ssl`` decodes it, with RFC 4514's attribute keys; ``None`` when one is
    not known."""
    rdns: Rdns = []
    for rdn in name:
        attributes = []
        for key, value in rdn:
            written = _ATTRIBUTE_KEYS.get(key)
            if written is None and key.replace(".", "").isdigit():
                written = key  # an OID OpenSSL has no name for: written as the number
            if written is None or not isinstance(value, str):
                return None
            attributes.append((written, value))
        rdns.append(attributes)
    return rdns


def _first_value(rdns: Rdns, key: str) -> str | None:
    return next((value for rdn in rdns for k, value in rdn if k == key), None)


def _rfc4514(rdns: Rdns) -> str:
    """The name as RFC 4514 writes it: last RDN first, each value escaped (section 2.4)."""
    return ",".join(
        "+".join(f"{key}={_escaped(value)}" for key, value in rdn) for rdn in reversed(rdns)
    )


def _escaped(value: str) -> str:
    if not value:
        return ""
    for special in ("\\", '"', "+", ",", ";", "<", ">"):
        value = value.replace(special, "\\" + special)
    value = value.replace("\0", "\\00")
    if value[0] in ("#", " "):
        value = "\\" + value
    if value[-1] == " ":
        value = value[:-1] + "\\ "
    return value


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromtimestamp(ssl.cert_time_to_seconds(text), dt.UTC)
