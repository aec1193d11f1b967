"""``smtpwizard discover`` and ``probe`` without ``--server``, as real processes, with a
loopback DNS server (never the machine's resolver) and loopback web servers."""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.support.certs import CertSet
from tests.support.certs import server_context
from tests.support.cli import smtpwizard
from tests.support.dnsd import DnsServer
from tests.support.smtpd import SmtpServer
from tests.support.web import Page
from tests.support.web import WebServer


@pytest.fixture
def dns() -> Iterator[DnsServer]:
    with DnsServer({"example.test": [("A", "127.0.0.1")]}) as server:
        yield server


def common(dns: DnsServer, *extra: str) -> list[str]:
    return ["--nameserver", dns.address, "--no-ispdb", "--timeout", "2", *extra]


def test_discover_names_a_provider_known_only_by_its_mx(dns: DnsServer) -> None:
    dns.add("example.test", "MX", "1 smtp.google.com.")
    run = smtpwizard("discover", USER, *common(dns), "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["provider"]["id"] == "google-workspace"
    assert doc["provider"]["match"] == "mx"
    assert doc["mx"] == ["smtp.google.com"]
    assert doc["candidates"][0]["host"] == "smtp.gmail.com"
    assert doc["candidates"][0]["source"] == "provider"
    assert {s["name"] for s in doc["sources"]} >= {"provider", "mx", "autoconfig", "srv"}
    human = smtpwizard("discover", USER, *common(dns))
    assert (
        "Provider: Google Workspace (recognised by the domain's mail servers (MX))" in human.stdout
    )
    assert "smtp.gmail.com:465" in human.stdout


def test_discover_reads_the_domains_autoconfig(dns: DnsServer, certs: CertSet) -> None:
    dns.add("autoconfig.example.test", "A", "127.0.0.1")
    document = (
        b'<clientConfig version="1.1"><emailProvider id="example.test">'
        b"<domain>example.test</domain>"
        b'<incomingServer type="imap"><hostname>imap.example.test</hostname><port>993</port>'
        b"<socketType>SSL</socketType><username>%EMAILADDRESS%</username></incomingServer>"
        b'<outgoingServer type="smtp"><hostname>smtp.example.test</hostname><port>587</port>'
        b"<socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username>"
        b"</outgoingServer></emailProvider></clientConfig>"
    )
    cert = certs.ca.issue_cert("autoconfig.example.test", "example.test")
    with WebServer(
        {"autoconfig.example.test/mail/config-v1.1.xml": Page(document)}, server_context(cert)
    ) as web:
        run = smtpwizard(
            "discover",
            USER,
            *common(dns),
            "--cafile",
            str(certs.ca_file),
            "--https-port",
            str(web.port),
            "--no-http",
            "--json",
        )
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert [(c["host"], c["port"], c["security"]) for c in doc["candidates"]] == [
        ("smtp.example.test", 587, "starttls")
    ]
    assert doc["incoming"][0]["host"] == "imap.example.test"
    assert doc["usernames"] == [USER]


def test_discover_finding_nothing_exits_1(dns: DnsServer) -> None:
    run = smtpwizard("discover", "alice@nowhere.test", *common(dns, "--no-http"))
    assert run.returncode == 1
    assert "none found" in run.stdout
    assert "Traceback" not in run.stderr


def test_probe_without_server_discovers_then_tests(
    dns: DnsServer, smtp_server: Callable[..., SmtpServer], ca_file: Path
) -> None:
    server = smtp_server(mode="tls")
    dns.add("_submissions._tcp.example.test", "SRV", f"0 1 {server.port} mail.example.test.")
    dns.add("mail.example.test", "A", "127.0.0.1")
    run = smtpwizard(
        "probe",
        USER,
        *common(dns, "--no-http"),
        "--cafile",
        str(ca_file),
        "--password-stdin",
        "--json",
        stdin=PASSWORD,
    )
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["recommended"]["host"] == "mail.example.test"
    assert doc["recommended"]["port"] == server.port
    assert doc["candidates"][0]["source"] == "srv"
    assert doc["candidates"][0]["addresses"] == ["127.0.0.1"]
    assert any(s["name"] == "srv" and s["status"] == "found" for s in doc["discovery"])
    assert len(server.seen.attempts) == 1


def test_probe_with_a_chosen_service_needs_its_username(dns: DnsServer) -> None:
    run = smtpwizard("probe", USER, *common(dns), "--provider", "amazon-ses")
    assert run.returncode == 2
    assert "pass it with --username" in run.stderr


def test_providers_lists_mailboxes_and_services() -> None:
    run = smtpwizard("providers")
    assert run.returncode == 0
    assert "gmail" in run.stdout
    assert "sendgrid" in run.stdout
    listing = json.loads(smtpwizard("providers", "--json").stdout)
    assert all(p["help_url"].startswith("https://") for p in listing)
