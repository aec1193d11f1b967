"""The command line says the verdict as soon as it is certain: first on standard output,
before the report, and with --all before the other tests have finished; with --json only
the document is printed, at the end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import PASSWORD
from tests.support.cli import probe_args
from tests.support.cli import smtpwizard
from tests.support.smtpd import SmtpServer


def test_the_verdict_comes_first(smtp_server: Callable[..., SmtpServer], ca_file: Path) -> None:
    server = smtp_server(mode="tls")
    run = smtpwizard(
        *probe_args(server.port, "--security", "tls", "--password-stdin", "--cafile", str(ca_file)),
        stdin=PASSWORD + "\n",
    )
    assert run.returncode == 0, run.stderr
    first = run.stdout.splitlines()[0]
    assert first == f"Outgoing mail: Works: 127.0.0.1:{server.port} (SSL/TLS), login accepted."
    assert "Recommended settings" in run.stdout


def test_with_all_the_verdict_comes_before_the_slow_tests_end(
    smtp_server: Callable[..., SmtpServer], ca_file: Path, silent_port: int
) -> None:
    server = smtp_server(mode="tls")
    args = probe_args(server.port, "--security", "tls", "--cafile", str(ca_file))
    args += ["--port", str(silent_port), "--security", "starttls", "--timeout", "3", "--all"]
    with subprocess.Popen(
        [sys.executable, "-m", "smtpwizard", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    ) as proc:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        still_testing = proc.poll() is None  # the silent port keeps it busy for 3 seconds
        rest = proc.stdout.read()
    assert first == f"Outgoing mail: Works: 127.0.0.1:{server.port} (SSL/TLS).\n"
    assert still_testing
    assert "timeout" in rest  # --all: the silent port was tested to the end
    assert proc.returncode == 0


def test_json_holds_only_the_document(
    smtp_server: Callable[..., SmtpServer], ca_file: Path
) -> None:
    server = smtp_server(mode="tls")
    run = smtpwizard(
        *probe_args(server.port, "--security", "tls", "--cafile", str(ca_file), "--json")
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["recommended"]["port"] == server.port
