"""Test certificates from trustme: good, expired, not yet valid, wrong name, unknown CA."""

from __future__ import annotations

import datetime as dt
import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme

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
    )


def server_context(leaf: trustme.LeafCert) -> ssl.SSLContext:
    """A server-side TLS context presenting ``leaf`` (with its chain)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    return context
