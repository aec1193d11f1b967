"""The system's trust read from its hashed folder, certificate by certificate as needed: it
verifies what the bundle verified, and an authority outside it is still refused."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme

from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Security
from smtpwizard.core.net import tls
from smtpwizard.core.net.resolve import StaticResolver
from smtpwizard.core.net.tls import make_tls_context
from smtpwizard.core.net.tls import system_trust_folder
from smtpwizard.core.probe.runner import probe_candidate
from tests.support.certs import CertSet
from tests.support.smtpd import SmtpServer

HOST = "mail.example.test"


def pretend_system(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Makes ``folder`` the system's trust folder, with no environment overriding it."""
    real = ssl.get_default_verify_paths()
    monkeypatch.setattr(
        tls.ssl,
        "get_default_verify_paths",
        lambda: real._replace(capath=str(folder)),
    )
    monkeypatch.delenv(real.openssl_cafile_env, raising=False)
    monkeypatch.delenv(real.openssl_capath_env, raising=False)


def hashed_folder(tmp_path: Path, *pems: Path) -> Path:
    """A trust folder as Debian's update-ca-certificates leaves it: ``openssl rehash``."""
    folder = tmp_path / "certs"
    folder.mkdir()
    for index, pem in enumerate(pems):
        shutil.copy(pem, folder / f"authority-{index}.pem")
    subprocess.run(["openssl", "rehash", str(folder)], check=True, capture_output=True)
    return folder


def test_a_hashed_folder_is_the_system_trust(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ca_file: Path
) -> None:
    folder = hashed_folder(tmp_path, ca_file)
    pretend_system(monkeypatch, folder)
    assert system_trust_folder() == str(folder)
    context = make_tls_context()
    assert context.cert_store_stats()["x509"] == 0  # nothing read before a handshake needs it


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "SSL_CERT_DIR"])
def test_the_environment_overrides_the_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ca_file: Path, variable: str
) -> None:
    pretend_system(monkeypatch, hashed_folder(tmp_path, ca_file))
    monkeypatch.setenv(variable, str(ca_file))
    assert system_trust_folder() is None


def test_a_folder_without_hashed_names_is_not_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ca_file: Path
) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    shutil.copy(ca_file, folder / "ca.pem")
    pretend_system(monkeypatch, folder)
    assert system_trust_folder() is None
    pretend_system(monkeypatch, tmp_path / "missing")
    assert system_trust_folder() is None


@pytest.mark.parametrize("anchored", [True, False])
def test_the_folder_verifies_a_server_its_authority_signed(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    certs: CertSet,
    smtp_server: Callable[..., SmtpServer],
    anchored: bool,
) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA(organization_name="Some Other Authority").cert_pem.write_to_path(str(other))
    folder = hashed_folder(tmp_path, certs.ca_file if anchored else other)
    pretend_system(monkeypatch, folder)
    assert system_trust_folder() == str(folder)
    server = smtp_server(mode="tls", cert=certs.good)
    result = probe_candidate(
        Candidate(HOST, server.port, Security.TLS),
        context=make_tls_context(),  # the system's trust only: no CA file
        resolver=StaticResolver({HOST: ["127.0.0.1"]}),
    )
    assert result.outcome is (Outcome.OK if anchored else Outcome.CERT_UNTRUSTED)
