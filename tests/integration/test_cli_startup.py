"""A probe of a given server imports what it uses and nothing else: no discovery lookups
(dnspython, autoconfig), no sign-in (oauthlib), no importers, exporters, support report or
incoming-mail protocols, no keyring or settings store it does not ask, and no cryptography
for a certificate that verified (ssl decoded it already)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import PASSWORD
from tests.support.cli import HEAVY
from tests.support.cli import modules_loaded_by
from tests.support.cli import probe_args
from tests.support.smtpd import SmtpServer

#: What a probe of a given server with the password given does not use: the heavy modules,
#: no sign-in, no keyring or remembered settings, no DNS client and no discovery results.
UNUSED = (
    *HEAVY,
    "smtpwizard.core.auth.signin",
    "smtpwizard.core.auth.keyring",
    "smtpwizard.core.store",
    "platformdirs",
    "smtpwizard.core.net.dns",
    "smtpwizard.core.discovery.results",
)


def test_probing_a_given_server_loads_only_what_it_uses(
    smtp_server: Callable[..., SmtpServer], ca_file: Path, tmp_path: Path
) -> None:
    server = smtp_server(mode="tls")
    args = probe_args(
        server.port, "--security", "tls", "--password-stdin", "--cafile", str(ca_file)
    )
    modules, run = modules_loaded_by(args, tmp_path / "modules.txt", stdin=PASSWORD + "\n")
    assert run.returncode == 0, run.stdout + run.stderr
    assert sorted(m for m in modules if m.startswith(UNUSED)) == []
    assert "smtpwizard.core.diagnosis.findings" in modules  # and the result explained
