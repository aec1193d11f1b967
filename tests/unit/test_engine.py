"""The engine's trust and DNS settings: what a person chooses replaces what the engine was
built with, a CA file that cannot be used changes nothing, and the TLS context follows."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpwizard.core.auth.keyring import CredentialStore
from smtpwizard.core.discovery.options import DiscoverySettings
from smtpwizard.core.engine import Engine
from smtpwizard.core.errors import TrustFileError
from smtpwizard.core.net.dns import DnsResolver
from smtpwizard.core.net.dns import Nameserver
from smtpwizard.core.probe.options import ProbeOptions
from smtpwizard.core.store.settings import SettingsStore
from tests.support.certs import CertSet
from tests.support.keyrings import MemoryKeyring


def engine(tmp_path: Path, cafile: str | None = None) -> Engine:
    return Engine(
        discovery=DiscoverySettings(nameservers=(Nameserver("127.0.0.1", 5300),), cafile=cafile),
        probe=ProbeOptions(cafile=cafile),
        credentials=CredentialStore(MemoryKeyring()),
        settings=SettingsStore(tmp_path),
    )


def test_a_chosen_ca_file_and_dns_server_replace_the_built_ones(
    tmp_path: Path, certs: CertSet
) -> None:
    services = engine(tmp_path)
    system = services.context()
    assert services.context() is system  # built once while nothing changes
    services.choose_network(str(certs.ca_file), [Nameserver("::1", 5353)])
    assert services.probe.cafile == services.discovery.cafile == str(certs.ca_file)
    assert services.discovery.nameservers == (Nameserver("::1", 5353),)
    assert isinstance(services.probe_resolver(), DnsResolver)
    chosen = services.context()
    assert chosen is not system
    assert len(chosen.get_ca_certs()) > len(system.get_ca_certs())

    services.choose_network(None, [])
    assert services.probe.cafile is None
    assert services.discovery.nameservers == (Nameserver("127.0.0.1", 5300),)
    assert services.context() is not chosen


def test_a_ca_file_that_cannot_be_used_changes_nothing(tmp_path: Path, certs: CertSet) -> None:
    services = engine(tmp_path, str(certs.ca_file))
    before = (services.probe, services.discovery, services.context())
    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("not a certificate\n")
    for path, words in [
        (tmp_path / "missing.pem", "does not exist"),
        (tmp_path, "is a folder"),
        (not_pem, "cannot be read as certificates"),
    ]:
        with pytest.raises(TrustFileError, match=words):
            services.choose_network(str(path), [Nameserver("192.0.2.1")])
        assert (services.probe, services.discovery, services.context()) == before


def test_the_context_is_built_again_when_the_ca_file_changes(
    tmp_path: Path, certs: CertSet
) -> None:
    from dataclasses import replace

    services = engine(tmp_path)
    system = services.context()
    services.probe = replace(services.probe, cafile=str(certs.ca_file))
    assert services.context() is not system


def test_the_keyring_and_settings_stores_are_made_when_first_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMTPWIZARD_CONFIG_DIR", str(tmp_path / "config"))
    services = Engine()
    assert (services._credentials, services._settings) == (None, None)  # not yet
    assert services.settings is services.settings  # made once, then kept
    assert services.settings.path.parent == tmp_path / "config"
    assert isinstance(services.credentials, CredentialStore)
    chosen = CredentialStore(MemoryKeyring())
    services.credentials = chosen  # a face or a test may put its own in
    assert services.credentials is chosen
