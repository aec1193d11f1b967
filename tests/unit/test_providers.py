"""The bundled provider knowledge base and the loader's checks on broken entries."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Callable
from importlib import resources
from typing import Any

import pytest

from smtpwizard.core.discovery import providers
from smtpwizard.core.discovery.providers import KnowledgeBase
from smtpwizard.core.discovery.providers import Provider
from smtpwizard.core.discovery.providers import ProviderKind
from smtpwizard.core.discovery.providers import Requirement
from smtpwizard.core.discovery.providers import parse
from smtpwizard.core.discovery.providers import parse_provider
from smtpwizard.core.errors import KnowledgeBaseError
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Security

SERVICES = (
    "amazon-ses",
    "brevo",
    "elastic-email",
    "google-smtp-relay",
    "mailgun-eu",
    "mailgun-us",
    "mailjet",
    "mailtrap",
    "mandrill",
    "postmark",
    "resend",
    "sendgrid",
    "smtp2go",
    "socketlabs",
    "sparkpost-eu",
    "sparkpost-us",
)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return providers.load()


def _provider(kb: KnowledgeBase, provider_id: str) -> Provider:
    provider = kb.get(provider_id)
    assert provider is not None, provider_id
    return provider


def _bundled_text() -> str:
    return resources.files("smtpwizard.resources").joinpath("providers.json").read_text("utf-8")


# --------------------------------------------------------------------------- the bundled file


def test_bundled_file_loads(kb: KnowledgeBase) -> None:
    assert len(kb.providers) >= 40


def test_bundled_file_is_sorted_and_formatted() -> None:
    text = _bundled_text()
    document = json.loads(text)
    ids = [entry["id"] for entry in document["providers"]]
    assert ids == sorted(ids)
    assert text == json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def test_every_entry_has_sources_and_a_check_date(kb: KnowledgeBase) -> None:
    for provider in kb.providers:
        assert provider.sources, provider.id
        assert all(s.startswith(("https://", "http://")) for s in provider.sources), provider.id
        assert provider.checked > dt.date(2020, 1, 1), provider.id
        assert provider.help_url.startswith("https://"), provider.id


def test_at_least_25_mailbox_providers(kb: KnowledgeBase) -> None:
    mailboxes = [p for p in kb.providers if p.kind is ProviderKind.MAILBOX]
    assert len(mailboxes) >= 25


@pytest.mark.parametrize("service_id", SERVICES)
def test_named_services_exist(kb: KnowledgeBase, service_id: str) -> None:
    assert _provider(kb, service_id).kind is ProviderKind.SERVICE
    assert service_id in {p.id for p in kb.services()}


def test_unverified_servers_say_why(kb: KnowledgeBase) -> None:
    for provider in kb.providers:
        for server in (*provider.smtp, *provider.incoming):
            if not server.verified:
                assert server.note, f"{provider.id}: {server.host}:{server.port}"


def test_only_no_smtp_providers_lack_servers(kb: KnowledgeBase) -> None:
    for provider in kb.providers:
        no_smtp = Requirement.NO_SMTP in provider.requirements
        assert no_smtp == (not provider.smtp), provider.id


# --------------------------------------------------------------------------- lookups


@pytest.mark.parametrize(
    ("domain", "provider_id"),
    [
        ("gmail.com", "gmail"),
        ("googlemail.com", "gmail"),
        ("GMail.com.", "gmail"),
        ("outlook.com", "outlook-com"),
        ("hotmail.com", "outlook-com"),
        ("web.de", "web-de"),
        ("verizon.net", "aol"),
        ("cox.net", "yahoo"),
        ("zoho.eu", "zoho-eu"),
        ("proton.me", "proton-bridge"),
        ("tuta.com", "tuta"),
        ("163.com", "netease-163"),
    ],
)
def test_by_domain(kb: KnowledgeBase, domain: str, provider_id: str) -> None:
    provider = kb.by_domain(domain)
    assert provider is not None
    assert provider.id == provider_id


def test_unknown_domain_is_none(kb: KnowledgeBase) -> None:
    assert kb.by_domain("example.com") is None


def test_web_de_logs_in_with_the_local_part(kb: KnowledgeBase) -> None:
    provider = kb.by_domain("web.de")
    assert provider is not None
    assert provider.username_for("max.muster@web.de") == "max.muster"


def test_usernames_by_convention(kb: KnowledgeBase) -> None:
    assert _provider(kb, "gmail").username_for("a@gmail.com") == "a@gmail.com"
    assert _provider(kb, "sendgrid").username_for("a@example.com") == "apikey"
    assert _provider(kb, "sparkpost-eu").username_for("a@example.com") == "SMTP_Injection"
    assert _provider(kb, "resend").username_for("a@example.com") == "resend"
    ses = _provider(kb, "amazon-ses")
    assert ses.username_for("a@example.com") is None
    assert ses.username_hint


@pytest.mark.parametrize(
    ("mx", "provider_id"),
    [
        ("aspmx.l.google.com", "google-workspace"),
        ("ALT2.ASPMX.L.GOOGLE.COM.", "google-workspace"),
        ("smtp.google.com", "google-workspace"),
        ("contoso-com.mail.protection.outlook.com", "microsoft-365"),
        ("contoso-com.d-v1.mx.microsoft", "microsoft-365"),
        ("contoso-com.olc.protection.outlook.com", "outlook-com"),
        ("mx.zoho.eu", "zoho-eu"),
        ("mx2.zoho.com", "zoho-com"),
        ("in1-smtp.messagingengine.com", "fastmail"),
        ("mta6.am0.yahoodns.net", "yahoo"),
        ("mx-att.mail.am0.yahoodns.net", "att"),
        ("mx00.kundenserver.de", "1und1"),
    ],
)
def test_by_mx(kb: KnowledgeBase, mx: str, provider_id: str) -> None:
    provider = kb.by_mx([mx])
    assert provider is not None
    assert provider.id == provider_id


def test_unknown_mx_is_none(kb: KnowledgeBase) -> None:
    assert kb.by_mx(["mx.example.net", "mail.protection.outlook.com.example"]) is None


def test_first_matching_mx_decides(kb: KnowledgeBase) -> None:
    provider = kb.by_mx(["mx.example.net", "in2-smtp.messagingengine.com", "aspmx.l.google.com"])
    assert provider is not None
    assert provider.id == "fastmail"


# --------------------------------------------------------------------------- candidates


def test_amazon_ses_region_expands(kb: KnowledgeBase) -> None:
    ses = _provider(kb, "amazon-ses")
    chosen = ses.candidates({"region": "eu-west-1"})
    assert {c.host for c in chosen} == {"email-smtp.eu-west-1.amazonaws.com"}
    assert Candidate("email-smtp.eu-west-1.amazonaws.com", 587, Security.STARTTLS) in chosen
    assert Candidate("email-smtp.eu-west-1.amazonaws.com", 2465, Security.TLS) in chosen
    default = ses.candidates()
    assert {c.host for c in default} == {"email-smtp.us-east-1.amazonaws.com"}
    assert ses.variables["region"].default == "us-east-1"


def test_gmail_candidates(kb: KnowledgeBase) -> None:
    assert _provider(kb, "gmail").candidates() == [
        Candidate("smtp.gmail.com", 465, Security.TLS),
        Candidate("smtp.gmail.com", 587, Security.STARTTLS),
    ]


def test_proton_bridge_is_local(kb: KnowledgeBase) -> None:
    bridge = _provider(kb, "proton-bridge")
    assert bridge.candidates() == [Candidate("127.0.0.1", 1025, Security.STARTTLS)]
    assert Requirement.LOCAL_BRIDGE in bridge.requirements


@pytest.mark.parametrize(
    ("provider_id", "requirement"),
    [
        ("outlook-com", Requirement.OAUTH2_ONLY),
        ("microsoft-365", Requirement.ADMIN_ENABLE_SMTP_AUTH),
        ("fastmail", Requirement.APP_PASSWORD),
        ("icloud", Requirement.APP_PASSWORD),
        ("gmx-de", Requirement.ENABLE_ACCESS),
        ("tuta", Requirement.NO_SMTP),
        ("sendgrid", Requirement.API_KEY),
    ],
)
def test_requirements(kb: KnowledgeBase, provider_id: str, requirement: Requirement) -> None:
    assert requirement in _provider(kb, provider_id).requirements


def test_mailboxes_name_their_incoming_servers(kb: KnowledgeBase) -> None:
    for provider_id in ("gmail", "yahoo", "icloud", "zoho-eu", "fastmail", "web-de"):
        assert _provider(kb, provider_id).incoming_servers(), provider_id


# --------------------------------------------------------------------------- broken entries


def _valid() -> dict[str, Any]:
    return {
        "id": "broken",
        "name": "Broken Mail",
        "kind": "mailbox",
        "domains": ["broken.example"],
        "mx": ["*.mx.broken.example"],
        "smtp": [{"host": "smtp.broken.example", "port": 587, "security": "starttls"}],
        "incoming": [
            {"protocol": "imap", "host": "imap.broken.example", "port": 993, "security": "tls"}
        ],
        "username": "%EMAILADDRESS%",
        "username_hint": "",
        "password_hint": "",
        "requirements": [],
        "help_url": "https://broken.example/help",
        "app_password_url": None,
        "notes": [],
        "sources": ["https://broken.example/help"],
        "checked": "2026-11-22",
    }


Edit = Callable[[dict[str, Any]], None]


def _set(key: str, value: Any) -> Edit:
    def edit(entry: dict[str, Any]) -> None:
        entry[key] = value

    return edit


def _drop(key: str) -> Edit:
    def edit(entry: dict[str, Any]) -> None:
        del entry[key]

    return edit


def _smtp(key: str, value: Any) -> Edit:
    def edit(entry: dict[str, Any]) -> None:
        entry["smtp"][0][key] = value

    return edit


def test_the_valid_example_parses() -> None:
    provider = parse_provider(_valid())
    assert provider.id == "broken"
    assert provider.checked == dt.date(2026, 11, 22)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(_smtp("port", 0), "bad port 0", id="port-zero"),
        pytest.param(_smtp("port", 70000), "bad port 70000", id="port-too-high"),
        pytest.param(_smtp("port", "587"), "bad port '587'", id="port-as-text"),
        pytest.param(_smtp("security", "ssl"), "bad security 'ssl'", id="security"),
        pytest.param(_smtp("host", "*.broken.example"), "bad host", id="wildcard-host"),
        pytest.param(_smtp("weight", 1), "unknown server fields ['weight']", id="server-field"),
        pytest.param(_smtp("verified", "yes"), "bad verified/note", id="verified-text"),
        pytest.param(_set("colour", "red"), "unknown fields ['colour']", id="unknown-field"),
        pytest.param(_set("id", "Broken Mail"), "lower-case slug", id="id"),
        pytest.param(_set("name", ""), "name is required", id="name"),
        pytest.param(_set("kind", "relay"), "kind must be mailbox or service", id="kind"),
        pytest.param(_set("domains", ["Broken.Example"]), "bad domain", id="domain-case"),
        pytest.param(_set("domains", "broken.example"), "domains must be a list", id="domains"),
        pytest.param(_set("mx", [""]), "mx must be a list of non-empty", id="mx-empty"),
        pytest.param(_set("smtp", []), "no smtp servers", id="no-smtp"),
        pytest.param(
            _set(
                "incoming",
                [{"protocol": "smtp", "host": "a.example", "port": 25, "security": "none"}],
            ),
            "incoming servers must be imap or pop3",
            id="incoming-smtp",
        ),
        pytest.param(_set("username", "%REALNAME%"), "unknown placeholder", id="template"),
        pytest.param(_set("username", ""), "needs a username_hint", id="issued-no-hint"),
        pytest.param(_set("password_hint", None), "password_hint must be a string", id="hint"),
        pytest.param(
            _set("help_url", "http://broken.example/help"), "help_url must be an https", id="http"
        ),
        pytest.param(_drop("help_url"), "help_url must be an https", id="no-help"),
        pytest.param(
            _set("app_password_url", "http://broken.example/app"),
            "app_password_url must be an https link",
            id="http-app-password",
        ),
        pytest.param(_set("sources", []), "sources must hold at least one link", id="no-sources"),
        pytest.param(_drop("sources"), "sources must hold at least one link", id="sources-gone"),
        pytest.param(
            _set("sources", ["broken.example/help"]),
            "sources must hold at least one link",
            id="source-not-a-link",
        ),
        pytest.param(_set("checked", "22.11.2026"), "checked must be an ISO date", id="date"),
        pytest.param(
            _set("checked", "2026-02-30"), "checked must be an ISO date", id="no-such-day"
        ),
        pytest.param(_drop("checked"), "checked must be an ISO date", id="no-date"),
        pytest.param(
            _smtp("host", "email-smtp.{region}.broken.example"),
            "uses undefined variable 'region'",
            id="undefined-variable",
        ),
        pytest.param(
            _set("variables", {"region": {"values": ["a", "b"], "default": "c"}}),
            "variable 'region' needs values and a default",
            id="variable-default",
        ),
        pytest.param(
            _set("requirements", ["carrier_pigeon"]),
            "requirements",
            id="unknown-requirement",
        ),
        pytest.param(
            _set(
                "incoming",
                [{"protocol": "jmap", "host": "a.example", "port": 443, "security": "tls"}],
            ),
            "jmap",
            id="unknown-protocol",
        ),
    ],
)
def test_broken_entry_is_rejected(edit: Edit, message: str) -> None:
    entry = copy.deepcopy(_valid())
    edit(entry)
    with pytest.raises(KnowledgeBaseError) as caught:
        parse_provider(entry)
    assert message in str(caught.value)
    if entry.get("id") == "broken":
        assert "'broken'" in str(caught.value)


def _document(*entries: dict[str, Any]) -> str:
    return json.dumps({"providers": list(entries)})


def test_a_domain_belongs_to_one_provider() -> None:
    other = _valid() | {"id": "other", "mx": []}
    with pytest.raises(
        KnowledgeBaseError, match=re.escape("'broken.example' belongs to both 'broken' and 'other'")
    ):
        parse(_document(_valid(), other))


def test_an_id_appears_once() -> None:
    with pytest.raises(KnowledgeBaseError, match="'broken' appears twice"):
        parse(_document(_valid(), _valid() | {"domains": []}))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ("[]", 'the document must be {"providers": [...]}'),
        ('{"providers": {}}', 'the document must be {"providers": [...]}'),
        ('{"providers": ["gmail"]}', "every provider must be a JSON object"),
    ],
)
def test_broken_document_is_rejected(text: str, message: str) -> None:
    with pytest.raises(KnowledgeBaseError) as caught:
        parse(text)
    assert message in str(caught.value)


def test_two_valid_providers_parse() -> None:
    other = _valid() | {"id": "other", "domains": ["other.example"], "mx": []}
    kb = parse(_document(_valid(), other))
    assert [p.id for p in kb.providers] == ["broken", "other"]
    assert kb.by_domain("other.example") is kb.get("other")


@pytest.mark.parametrize(
    ("host", "port", "found"),
    [
        ("smtp.gmail.com", 465, "gmail"),
        ("SMTP.Gmail.com.", 587, "gmail"),
        ("email-smtp.eu-west-1.amazonaws.com", 587, "amazon-ses"),
        ("email-smtp..amazonaws.com", 587, None),
        ("smtp.gmail.com.example.test", 465, None),
        ("mail.example.test", 587, None),
    ],
)
def test_a_server_names_its_provider(host: str, port: int, found: str | None) -> None:
    provider = providers.load().by_smtp_host(host, port)
    assert (provider.id if provider is not None else None) == found
