"""Test certificates from trustme: good, expired, not yet valid, wrong name, unknown CA, and
servers that forget their intermediate certificate."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID
from cryptography.x509.oid import NameOID

#: The names every "good" certificate covers; tests connect to these.
GOOD_NAMES = ("mail.example.test", "localhost", "127.0.0.1", "::1")


@dataclass
class CertSet:
    """A trusted CA (its PEM in ``ca_file``) and leaf certificates for the test servers."""

    ca: trustme.CA
    ca_file: Path
    good: trustme.LeafCert
    expired: trustme.LeafCert
    not_yet_valid: trustme.LeafCert
    wrong_name: trustme.LeafCert
    unknown_ca: trustme.LeafCert
    intercepted: trustme.LeafCert
    chain_gap: PemLeaf
    """Issued by an intermediate of the trusted CA, sent without that intermediate."""
    chain_gap_aia: PemLeaf
    """The same, with the "CA Issuers" address public authorities put in certificates."""


class PemLeaf:
    """A server certificate sent alone, without the chain that links it to its authority."""

    def __init__(self, cert_pem: bytes, key_pem: bytes) -> None:
        self.cert_pem = cert_pem
        self.key_pem = key_pem

    def configure_cert(self, context: ssl.SSLContext) -> None:
        with tempfile.TemporaryDirectory() as folder:
            cert, key = Path(folder) / "cert.pem", Path(folder) / "key.pem"
            cert.write_bytes(self.cert_pem)
            key.write_bytes(self.key_pem)
            context.load_cert_chain(str(cert), str(key))


def _leaf_with_issuer_address(intermediate: trustme.CA) -> PemLeaf:
    """A leaf like a public authority's: with the address of its issuer's certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    issuer = intermediate._certificate  # trustme keeps its CA's certificate and key here
    now = dt.datetime.now(dt.UTC)
    names: list[x509.GeneralName] = [x509.DNSName(n) for n in GOOD_NAMES[:2]]
    names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in GOOD_NAMES[2:]]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, GOOD_NAMES[0])]))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier("http://127.0.0.1:9/intermediate.der"),
                    )
                ]
            ),
            critical=False,
        )
        .sign(intermediate._private_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return PemLeaf(cert.public_bytes(serialization.Encoding.PEM), key_pem)


def make_certs(directory: Path) -> CertSet:
    """Creates the CA and leaf certificates; writes the CA to ``directory/ca.pem``."""
    ca = trustme.CA(organization_name="smtpwizard test CA")
    ca_file = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    expired = ca.issue_cert(
        *GOOD_NAMES,
        not_before=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        not_after=dt.datetime(2024, 5, 3, 12, 0, tzinfo=dt.UTC),
    )
    now = dt.datetime.now(dt.UTC)
    not_yet = ca.issue_cert(
        *GOOD_NAMES,
        not_before=now + dt.timedelta(days=30),
        not_after=now + dt.timedelta(days=400),
    )
    stranger = trustme.CA(organization_name="Unknown Authority Ltd")
    intermediate = ca.create_child_ca()
    forgetful = intermediate.issue_cert(*GOOD_NAMES)
    interceptor = trustme.CA(organization_name="Avast Web/Mail Shield Root")
    return CertSet(
        ca=ca,
        ca_file=ca_file,
        good=ca.issue_cert(*GOOD_NAMES),
        expired=expired,
        not_yet_valid=not_yet,
        wrong_name=ca.issue_cert("other.example.test", "smtp.other.example.test"),
        unknown_ca=stranger.issue_cert(*GOOD_NAMES),
        intercepted=interceptor.issue_cert(*GOOD_NAMES),
        chain_gap=PemLeaf(forgetful.cert_chain_pems[0].bytes(), forgetful.private_key_pem.bytes()),
        chain_gap_aia=_leaf_with_issuer_address(intermediate),
    )


def server_context(leaf: trustme.LeafCert | PemLeaf) -> ssl.SSLContext:
    """A server-side TLS context presenting ``leaf`` (with its chain)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    return context
