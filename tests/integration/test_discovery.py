"""Discovery over real sockets on loopback: a DNS responder and HTTPS/HTTP servers."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from smtpwizard.core.discovery.discoverer import Discoverer
from smtpwizard.core.discovery.options import DiscoverySettings
from smtpwizard.core.discovery.providers import KnowledgeBase
from smtpwizard.core.discovery.providers import parse
from smtpwizard.core.discovery.results import DiscoveryResult
from smtpwizard.core.discovery.results import SourceFinished
from smtpwizard.core.discovery.results import SourceStatus
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Security
from smtpwizard.core.model import Source
from smtpwizard.core.net.address import parse_email
from smtpwizard.core.net.dns import Nameserver
from tests.support.certs import CertSet
from tests.support.certs import server_context
from tests.support.dnsd import DnsServer
from tests.support.web import Page
from tests.support.web import Request
from tests.support.web import WebServer

EMAIL = parse_email("alice@example.test")

WEB_NAMES = (
    "example.test",
    "autoconfig.example.test",
    "autodiscover.example.test",
    "ispdb.example.test",
    "other.example.test",
    "autoconfig.elsewhere.test",
)


def client_config(*servers: str, provider: str = "example.test") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<clientConfig version="1.1">'
        f'<emailProvider id="{provider}"><domain>{provider}</domain>'
        "<displayName>Example Test Mail</displayName>"
        + "".join(servers)
        + "</emailProvider></clientConfig>"
    ).encode()


def outgoing(host: str, port: int, socket_type: str, username: str = "%EMAILADDRESS%") -> str:
    return (
        f'<outgoingServer type="smtp"><hostname>{host}</hostname><port>{port}</port>'
        f"<socketType>{socket_type}</socketType>"
        f"<authentication>password-cleartext</authentication><username>{username}</username>"
        "</outgoingServer>"
    )


def incoming(kind: str, host: str, port: int, socket_type: str) -> str:
    return (
        f'<incomingServer type="{kind}"><hostname>{host}</hostname><port>{port}</port>'
        f"<socketType>{socket_type}</socketType><username>%EMAILADDRESS%</username>"
        "<authentication>password-cleartext</authentication></incomingServer>"
    )


GOOD = client_config(
    incoming("imap", "imap.example.test", 993, "SSL"),
    outgoing("smtp.%EMAILDOMAIN%", 465, "SSL", "%EMAILLOCALPART%"),
    outgoing("smtp.example.test", 587, "STARTTLS", "%EMAILLOCALPART%"),
)

TEST_KB = parse(
    json.dumps(
        {
            "providers": [
                {
                    "id": "bigmail",
                    "name": "Bigmail",
                    "kind": "mailbox",
                    "domains": ["bigmail.test"],
                    "mx": ["*.mx.bigmail.test", "inbound.bigmail.test"],
                    "smtp": [{"host": "smtp.bigmail.test", "port": 465, "security": "tls"}],
                    "incoming": [
                        {
                            "protocol": "imap",
                            "host": "imap.bigmail.test",
                            "port": 993,
                            "security": "tls",
                        }
                    ],
                    "username": "%EMAILADDRESS%",
                    "requirements": ["app_password"],
                    "help_url": "https://help.bigmail.test/smtp",
                    "notes": [],
                    "sources": ["https://help.bigmail.test/smtp"],
                    "checked": "2026-11-22",
                },
            ]
        }
    )
)


@dataclass
class Env:
    dns: DnsServer
    https: WebServer
    http: WebServer
    ca_file: str

    def discoverer(self, knowledge: KnowledgeBase = TEST_KB, **settings: Any) -> Discoverer:
        settings.setdefault("timeout", 2.0)
        settings.setdefault("ispdb_url", "https://ispdb.example.test/v1.1/")
        options = DiscoverySettings(
            nameservers=(Nameserver("127.0.0.1", self.dns.port),),
            cafile=self.ca_file,
            https_port=self.https.port,
            http_port=self.http.port,
            **settings,
        )
        return Discoverer(options, knowledge=knowledge)

    def run(self, email: str = "alice@example.test", **settings: Any) -> DiscoveryResult:
        return self.discoverer(**settings).run(parse_email(email))


@pytest.fixture
def env(certs: CertSet) -> Iterator[Env]:
    web_cert = certs.ca.issue_cert(*WEB_NAMES)
    records = {name: [("A", "127.0.0.1")] for name in WEB_NAMES}
    with (
        DnsServer(records) as dns,
        WebServer({}, server_context(web_cert)) as https,
        WebServer({}) as http,
    ):
        yield Env(dns, https, http, str(certs.ca_file))


def sources(result: DiscoveryResult) -> dict[str, SourceStatus]:
    return {r.name: r.status for r in result.reports}


def hostports(result: DiscoveryResult) -> list[tuple[str, int, Security, Source]]:
    return [(c.host, c.port, c.security, c.source) for c in result.candidates]


# -- autoconfig ------------------------------------------------------------------------------


def test_autoconfig_over_https(env: Env) -> None:
    env.https.routes["autoconfig.example.test/mail/config-v1.1.xml"] = Page(GOOD)
    result = env.run()
    assert hostports(result) == [
        ("smtp.example.test", 465, Security.TLS, Source.AUTOCONFIG),
        ("smtp.example.test", 587, Security.STARTTLS, Source.AUTOCONFIG),
    ]
    assert result.usernames == ("alice",)
    [imap] = result.incoming
    assert (imap.protocol, imap.host, imap.port, imap.security) == (
        Protocol.IMAP,
        "imap.example.test",
        993,
        Security.TLS,
    )
    assert sources(result)["autoconfig"] is SourceStatus.FOUND
    assert sources(result)["guess"] is SourceStatus.SKIPPED
    assert result.candidates[0].source_detail == "autoconfig.example.test/mail/config-v1.1.xml"


def test_only_the_domain_is_sent_by_default(env: Env) -> None:
    env.https.routes["autoconfig.example.test/mail/config-v1.1.xml"] = Page(GOOD)
    env.https.routes["ispdb.example.test/v1.1/example.test"] = Page(GOOD)
    env.run()
    fetched = [r for r in env.https.requests if r.method == "GET"]
    assert fetched
    assert all("alice" not in r.query for r in fetched)


def test_the_address_is_sent_when_allowed(env: Env) -> None:
    env.https.routes["autoconfig.example.test/mail/config-v1.1.xml"] = Page(GOOD)
    env.run(send_address=True)
    config = next(r for r in env.https.requests if r.path == "/mail/config-v1.1.xml")
    assert config.query == "emailaddress=alice%40example.test"


def test_well_known_location_when_there_is_no_autoconfig_host(env: Env) -> None:
    env.dns.records.pop("autoconfig.example.test.")
    env.https.routes["example.test/.well-known/autoconfig/mail/config-v1.1.xml"] = Page(GOOD)
    result = env.run()
    assert result.candidates[0].source_detail.startswith("example.test/.well-known")


def test_plain_http_is_a_flagged_last_resort(env: Env) -> None:
    env.http.routes["autoconfig.example.test/mail/config-v1.1.xml"] = Page(GOOD)
    result = env.run()
    assert result.candidates
    assert all("without encryption" in c.source_detail for c in result.candidates)
    report = next(r for r in result.reports if r.name == "autoconfig")
    assert any("without encryption" in w for w in report.warnings)

    refused = env.run(allow_http=False)
    assert all(c.source is not Source.AUTOCONFIG for c in refused.candidates)


def test_redirect_to_another_site_is_recorded(env: Env) -> None:
    env.https.routes["autoconfig.example.test/mail/config-v1.1.xml"] = Page(
        b"", 302, {"Location": "https://autoconfig.elsewhere.test/mail/config-v1.1.xml"}
    )
    env.https.routes["autoconfig.elsewhere.test/mail/config-v1.1.xml"] = Page(GOOD)
    result = env.run()
    report = next(r for r in result.reports if r.name == "autoconfig")
    assert any("another site" in w and "elsewhere.test" in w for w in report.warnings)
    assert "redirected from autoconfig.example.test" in result.candidates[0].source_detail


def test_redirect_from_https_to_http_is_refused(env: Env) -> None:
    env.https.routes["autoconfig.example.test/mail/config-v1.1.xml"] = Page(
        b"", 301, {"Location": f"http://autoconfig.example.test:{env.http.port}/x.xml"}
    )
    env.http.routes["autoconfig.example.test/x.xml"] = Page(GOOD)
    result = env.run(allow_http=False)
    report = next(r for r in result.reports if r.name == "autoconfig")
    assert "unencrypted" in report.message
    assert not [c for c in result.candidates if c.source is Source.AUTOCONFIG]


BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b"<clientConfig>&lol3;</clientConfig>"
)
EXTERNAL = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b"<clientConfig>&e;</clientConfig>"
)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (BOMB, "refused for safety"),
        (EXTERNAL, "refused for safety"),
        (GOOD[:-20] + b" " * (300 * 1024) + GOOD[-20:], "too large"),
        (b"this is not xml at all", "not valid XML"),
        (b"<html><body>Welcome</body></html>", "not a mail configuration"),
        (client_config(outgoing("bad host!", 465, "SSL")), ""),
    ],
)
def test_hostile_or_broken_documents_are_refused_with_a_reason(
    env: Env, body: bytes, reason: str
) -> None:
    env.https.routes["autoconfig.example.test/mail/config-v1.1.xml"] = Page(body)
    result = env.run(allow_http=False)
    assert not [c for c in result.candidates if c.source is Source.AUTOCONFIG]
    report = next(r for r in result.reports if r.name == "autoconfig")
    assert reason in report.message + " ".join(report.warnings)


def test_bad_server_entries_are_skipped_and_named(env: Env) -> None:
    env.https.routes["autoconfig.example.test/mail/config-v1.1.xml"] = Page(
        client_config(
            outgoing("bad host!", 465, "SSL"),
            outgoing("smtp.example.test", 99999, "SSL"),
            outgoing("smtp.example.test", 465, "TLS-magic"),
            outgoing("smtp.example.test", 587, "STARTTLS"),
        )
    )
    result = env.run()
    assert hostports(result) == [("smtp.example.test", 587, Security.STARTTLS, Source.AUTOCONFIG)]
    report = next(r for r in result.reports if r.name == "autoconfig")
    assert len(report.warnings) == 3


# -- ISPDB, MX and the knowledge base --------------------------------------------------------


def test_ispdb_and_switching_it_off(env: Env) -> None:
    env.https.routes["ispdb.example.test/v1.1/example.test"] = Page(GOOD)
    result = env.run()
    assert [c.source for c in result.candidates] == [Source.ISPDB, Source.ISPDB]
    assert result.candidates[0].source_detail == "ispdb.example.test/v1.1/example.test"

    before = len(env.https.requests)
    off = env.run(ispdb_url=None)
    assert sources(off)["ispdb"] is SourceStatus.SKIPPED
    assert not [r for r in env.https.requests[before:] if r.host == "ispdb.example.test"]


def test_provider_by_domain(env: Env) -> None:
    env.dns.add("bigmail.test", "MX", "10 inbound.bigmail.test.")
    result = env.run("bob@bigmail.test")
    assert result.provider is not None
    assert result.provider.id == "bigmail"
    assert result.provider_match == "domain"
    assert hostports(result)[0] == ("smtp.bigmail.test", 465, Security.TLS, Source.PROVIDER)
    assert result.incoming[0].host == "imap.bigmail.test"


def test_provider_recognised_only_by_mx(env: Env) -> None:
    env.dns.add("example.test", "MX", "20 b.mx.bigmail.test.")
    env.dns.add("example.test", "MX", "10 a.mx.bigmail.test.")
    result = env.run()
    assert result.provider is not None
    assert result.provider.id == "bigmail"
    assert result.provider_match == "mx"
    assert result.mx == ("a.mx.bigmail.test", "b.mx.bigmail.test")
    assert "recognised by your domain's mail servers" in result.candidates[0].source_detail


def test_unknown_mx_asks_the_ispdb_for_the_mail_host_domain(env: Env) -> None:
    env.dns.add("example.test", "MX", "10 mx1.hostingco.test.")
    env.dns.add("ispdb.example.test", "A", "127.0.0.1")
    env.https.routes["ispdb.example.test/v1.1/hostingco.test"] = Page(
        client_config(outgoing("smtp.hostingco.test", 465, "SSL"), provider="hostingco.test")
    )
    result = env.run()
    assert ("smtp.hostingco.test", 465, Security.TLS, Source.ISPDB) in hostports(result)


# -- Autodiscover ----------------------------------------------------------------------------


def pox(*protocols: str, action: str = "settings", extra: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">'
        '<Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/'
        'responseschema/2006a"><Account><AccountType>email</AccountType>'
        f"<Action>{action}</Action>{extra}"
        + "".join(protocols)
        + "</Account></Response></Autodiscover>"
    ).encode()


def protocol(
    kind: str, server: str, port: int, ssl: str = "on", encryption: str = "", login: str = ""
) -> str:
    enc = f"<Encryption>{encryption}</Encryption>" if encryption else ""
    name = f"<LoginName>{login}</LoginName>" if login else ""
    return (
        f"<Protocol><Type>{kind}</Type><Server>{server}</Server><Port>{port}</Port>"
        f"<SSL>{ssl}</SSL>{enc}{name}</Protocol>"
    )


def test_autodiscover_smtp_block(env: Env) -> None:
    def answer(request: Request) -> Page:
        assert b"<EMailAddress>alice@example.test</EMailAddress>" in request.body
        return Page(
            pox(
                protocol("IMAP", "mail.example.test", 993),
                protocol("SMTP", "mail.example.test", 587, encryption="TLS", login="alice"),
                protocol("SMTP", "mail.example.test", 465, encryption="SSL", login="alice"),
            )
        )

    env.https.routes["autodiscover.example.test/autodiscover/autodiscover.xml"] = answer
    result = env.run()
    assert hostports(result) == [
        ("mail.example.test", 587, Security.STARTTLS, Source.AUTODISCOVER),
        ("mail.example.test", 465, Security.TLS, Source.AUTODISCOVER),
    ]
    assert result.usernames == ("alice",)
    assert result.incoming[0].protocol is Protocol.IMAP


def test_autodiscover_redirect_to_another_address(env: Env) -> None:
    def answer(request: Request) -> Page:
        if b"alice@example.test" in request.body:
            return Page(
                pox(
                    action="redirectAddr",
                    extra="<RedirectAddr>alice@corp.example.test</RedirectAddr>",
                )
            )
        return Page(pox(protocol("SMTP", "smtp.corp.example.test", 587, encryption="TLS")))

    env.https.routes["autodiscover.example.test/autodiscover/autodiscover.xml"] = answer
    result = env.run()
    assert hostports(result) == [
        ("smtp.corp.example.test", 587, Security.STARTTLS, Source.AUTODISCOVER)
    ]


# -- SRV and guesses -------------------------------------------------------------------------


def test_srv_records(env: Env) -> None:
    env.dns.add("_submissions._tcp.example.test", "SRV", "0 1 465 smtp.example.test.")
    env.dns.add("_submission._tcp.example.test", "SRV", "0 0 0 .")
    env.dns.add("_imaps._tcp.example.test", "SRV", "0 1 993 mail.provider.test.")
    result = env.run()
    assert hostports(result) == [("smtp.example.test", 465, Security.TLS, Source.SRV)]
    report = next(r for r in result.reports if r.name == "srv")
    assert any("points outside your domain" in w for w in report.warnings)
    assert result.incoming[0].host == "mail.provider.test"
    assert "outside your domain" in result.incoming[0].source_detail


def test_srv_dot_target_means_not_offered(env: Env) -> None:
    env.dns.add("_submission._tcp.example.test", "SRV", "0 0 0 .")
    result = env.run()
    report = next(r for r in result.reports if r.name == "srv")
    assert "not offered" in report.message


def test_guesses_only_when_nothing_else_and_only_names_that_resolve(env: Env) -> None:
    env.dns.add("mail.example.test", "A", "127.0.0.1")
    result = env.run()
    hosts = {c.host for c in result.candidates}
    assert hosts == {"mail.example.test", "example.test"}
    assert {c.source for c in result.candidates} == {Source.GUESS}
    assert [c.port for c in result.candidates[:4]] == [465, 587, 2525, 25]


# -- behaviour -------------------------------------------------------------------------------


def test_a_slow_source_does_not_hold_up_the_others(env: Env) -> None:
    env.https.routes["autoconfig.example.test/mail/config-v1.1.xml"] = Page(hang=True)
    env.https.routes["example.test/.well-known/autoconfig/mail/config-v1.1.xml"] = Page(hang=True)
    env.dns.add("_submissions._tcp.example.test", "SRV", "0 1 465 smtp.example.test.")
    events: list[object] = []
    discoverer = env.discoverer(timeout=0.5, allow_http=False)
    discoverer._listener = events.append
    result = discoverer.run(EMAIL)
    assert hostports(result) == [("smtp.example.test", 465, Security.TLS, Source.SRV)]
    assert sources(result)["autoconfig"] in (SourceStatus.NOTHING, SourceStatus.TIMEOUT)
    finished = [e.report.name for e in events if isinstance(e, SourceFinished)]
    assert finished.index("srv") < finished.index("autoconfig")


def test_dns_timeouts_are_reported_not_raised(env: Env) -> None:
    env.dns.silent.add("example.test.")
    env.dns.silent.add("_submissions._tcp.example.test.")
    result = env.run(timeout=0.5)
    assert sources(result)["mx"] is SourceStatus.ERROR
    report = next(r for r in result.reports if r.name == "mx")
    assert "no DNS answer" in report.message


def test_sources_still_asking_when_the_time_is_up_are_stopped(env: Env) -> None:
    names = [f"{service}.example.test." for service in SRV_SERVICES]
    env.dns.silent.update(names)
    env.run(timeout=0.5)  # each lookup waits 0.5 s: the six take 3 s, the run has 1.5
    for thread in threading.enumerate():
        if thread.name.startswith("discover"):
            thread.join(10)
    asked = {name for name, kind in env.dns.queries if kind == "SRV"}
    assert names[0] in asked
    assert len(asked) < len(names)  # not asked on after the run had ended


#: The SRV services discovery asks for (RFC 6186), in its order.
SRV_SERVICES = (
    "_submissions._tcp",
    "_submission._tcp",
    "_imaps._tcp",
    "_imap._tcp",
    "_pop3s._tcp",
    "_pop3._tcp",
)


def test_results_are_deterministic(env: Env) -> None:
    env.https.routes["autoconfig.example.test/mail/config-v1.1.xml"] = Page(GOOD)
    env.https.routes["ispdb.example.test/v1.1/example.test"] = Page(
        client_config(
            outgoing("smtp.example.test", 587, "STARTTLS"),
            outgoing("smtp2.example.test", 465, "SSL"),
        )
    )
    env.dns.add("_submission._tcp.example.test", "SRV", "0 1 587 smtp.example.test.")
    first = env.run()
    assert list(env.run().candidates) == list(first.candidates)
    assert hostports(first) == [
        ("smtp.example.test", 465, Security.TLS, Source.AUTOCONFIG),
        ("smtp.example.test", 587, Security.STARTTLS, Source.AUTOCONFIG),
        ("smtp2.example.test", 465, Security.TLS, Source.ISPDB),
    ]


def test_a_chosen_service_is_used_alone(env: Env) -> None:
    kb = parse(
        json.dumps(
            {
                "providers": [
                    {
                        "id": "relayco",
                        "name": "RelayCo",
                        "kind": "service",
                        "domains": [],
                        "mx": [],
                        "smtp": [
                            {
                                "host": "smtp.{region}.relayco.test",
                                "port": 587,
                                "security": "starttls",
                            }
                        ],
                        "incoming": [],
                        "username": "apikey",
                        "requirements": ["api_key"],
                        "help_url": "https://relayco.test/help",
                        "notes": [],
                        "variables": {"region": {"values": ["eu", "us"], "default": "us"}},
                        "sources": ["https://relayco.test/help"],
                        "checked": "2026-11-22",
                    }
                ]
            }
        )
    )
    result = env.discoverer(knowledge=kb).run(
        EMAIL, provider_id="relayco", choices={"region": "eu"}
    )
    assert hostports(result) == [("smtp.eu.relayco.test", 587, Security.STARTTLS, Source.PROVIDER)]
    assert result.usernames == ("apikey",)
    assert result.provider_match == "chosen"
    assert env.dns.queries == []


StartDiscovery = Callable[..., DiscoveryResult]
