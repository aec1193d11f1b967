"""The engine pointed at loopback: a DNS responder, the test CA, an in-memory keyring, and
settings in a folder of the test's own."""

from __future__ import annotations

from pathlib import Path

from smtpwizard.core.auth.keyring import CredentialStore
from smtpwizard.core.discovery.options import DiscoverySettings
from smtpwizard.core.engine import Engine
from smtpwizard.core.net.dns import Nameserver
from smtpwizard.core.probe.options import ProbeOptions
from smtpwizard.core.store.settings import SettingsStore
from tests.support.keyrings import MemoryKeyring


def loopback_engine(
    dns_port: int,
    ca_file: Path | None,
    config: Path,
    keyring: MemoryKeyring | None = None,
    timeout: float = 2.0,
) -> Engine:
    """An engine that asks only the DNS server on ``dns_port`` and trusts ``ca_file`` (none:
    the system's authorities only, so the test CA's certificates are not trusted)."""
    cafile = str(ca_file) if ca_file is not None else None
    return Engine(
        discovery=DiscoverySettings(
            timeout=1.0,
            nameservers=(Nameserver("127.0.0.1", dns_port),),
            cafile=cafile,
            ispdb_url=None,
            allow_http=False,
            autodiscover=False,
        ),
        probe=ProbeOptions(timeout=timeout, cafile=cafile),
        credentials=CredentialStore(keyring if keyring is not None else MemoryKeyring()),
        settings=SettingsStore(config),
    )
