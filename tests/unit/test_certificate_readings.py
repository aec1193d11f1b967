"""A certificate read from what ``ssl`` decoded gives exactly what decoding it with
cryptography gives: same names in the same RFC 4514 form, escapes included, same dates,
serial, fingerprint and self-signature; an attribute it cannot write leaves it to
cryptography."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from cryptography.x509.oid import ObjectIdentifier

from smtpwizard.core.net.certs import certificate_from_ssl
from smtpwizard.core.net.certs import parse_certificate

KEY = ec.generate_private_key(ec.SECP256R1())
ISSUER = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Authority, Inc."),
        x509.NameAttribute(NameOID.COMMON_NAME, "Test Root CA"),
    ]
)


def name(*attributes: tuple[ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes])


def certificate(
    subject: x509.Name,
    issuer: x509.Name = ISSUER,
    alt_names: list[x509.GeneralName] | None = None,
    serial: int = 0x0ABCDEF0123,
) -> bytes:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(KEY.public_key())
        .serial_number(serial)
        .not_valid_before(dt.datetime(2024, 1, 1, 8, 30, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2051, 5, 3, 12, 0, 5, tzinfo=dt.UTC))
    )
    if alt_names is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
    return builder.sign(KEY, hashes.SHA256()).public_bytes(Encoding.DER)


def decoded_by_ssl(der: bytes, tmp_path: Path) -> dict[str, Any]:
    """What ``getpeercert()`` gives for this certificate: CPython's own decoder, reached
    through the helper its test suite uses for files."""
    path = tmp_path / "cert.pem"
    path.write_text(ssl.DER_cert_to_PEM_cert(der))
    info: dict[str, Any] = ssl._ssl._test_decode_cert(str(path))  # type: ignore[attr-defined]
    return info


DNS = x509.DNSName
IP = x509.IPAddress
CASES = {
    "server": (
        name((NameOID.COMMON_NAME, "mail.example.test")),
        [DNS("mail.example.test"), IP(ipaddress.ip_address("127.0.0.1")), DNS("smtp.example.test")],
    ),
    "ipv6": (
        name((NameOID.COMMON_NAME, "v6")),
        [IP(ipaddress.ip_address("2001:db8::1")), IP(ipaddress.ip_address("::1"))],
    ),
    "no alternative names": (name((NameOID.COMMON_NAME, "only.cn.example.test")), None),
    "no common name either": (name((NameOID.ORGANIZATION_NAME, "Nameless")), None),
    "every short name": (
        name(
            (NameOID.COUNTRY_NAME, "FR"),
            (NameOID.STATE_OR_PROVINCE_NAME, "Île-de-France"),
            (NameOID.LOCALITY_NAME, "Paris"),
            (NameOID.STREET_ADDRESS, "1 rue de la Paix"),
            (NameOID.ORGANIZATION_NAME, "Société Générale"),
            (NameOID.ORGANIZATIONAL_UNIT_NAME, "Mail"),
            (NameOID.DOMAIN_COMPONENT, "example"),
            (NameOID.USER_ID, "u1"),
            (NameOID.COMMON_NAME, "mail.example.test"),
        ),
        [DNS("mail.example.test")],
    ),
    "numbered attributes": (
        name(
            (NameOID.EMAIL_ADDRESS, "postmaster@example.test"),
            (NameOID.SERIAL_NUMBER, "HRB 12345"),
            (NameOID.BUSINESS_CATEGORY, "Private Organization"),
            (NameOID.JURISDICTION_COUNTRY_NAME, "DE"),
            (NameOID.POSTAL_CODE, "10115"),
            (NameOID.COMMON_NAME, "ev.example.test"),
        ),
        [DNS("ev.example.test")],
    ),
    "escapes": (
        name(
            (NameOID.ORGANIZATION_NAME, 'A "quoted", plus+semi;<angle>\\back'),
            (NameOID.ORGANIZATIONAL_UNIT_NAME, "#hash first"),
            (NameOID.COMMON_NAME, " spaces around "),
        ),
        [DNS("x.example.test")],
    ),
    "unknown attribute": (
        name(
            (ObjectIdentifier("1.3.6.1.4.1.55555.1"), "private"),
            (NameOID.COMMON_NAME, "odd.example.test"),
        ),
        [DNS("odd.example.test")],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_ssl_reading_is_the_cryptography_reading(case: str, tmp_path: Path) -> None:
    subject, alt_names = CASES[case]
    der = certificate(subject, alt_names=alt_names)
    assert certificate_from_ssl(decoded_by_ssl(der, tmp_path), der) == parse_certificate(der)


def test_a_self_signed_certificate_reads_as_self_signed(tmp_path: Path) -> None:
    der = certificate(ISSUER, issuer=ISSUER, alt_names=[DNS("root.example.test")], serial=1)
    read = certificate_from_ssl(decoded_by_ssl(der, tmp_path), der)
    assert read == parse_certificate(der)
    assert read is not None
    assert read.self_signed


def test_a_multi_valued_name_reads_the_same(tmp_path: Path) -> None:
    subject = x509.Name(
        [
            x509.RelativeDistinguishedName(
                [
                    x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Mail"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "multi.example.test"),
                ]
            )
        ]
    )
    der = certificate(subject, alt_names=[DNS("multi.example.test")])
    assert certificate_from_ssl(decoded_by_ssl(der, tmp_path), der) == parse_certificate(der)


def test_an_attribute_it_cannot_write_is_left_to_cryptography(tmp_path: Path) -> None:
    subject = name((NameOID.PSEUDONYM, "someone"), (NameOID.COMMON_NAME, "p.example.test"))
    der = certificate(subject, alt_names=[DNS("p.example.test")])
    assert certificate_from_ssl(decoded_by_ssl(der, tmp_path), der) is None
