"""Exports of a login proven with an OAuth 2.0 sign-in: the formats that can sign in this way
carry it (and never a password), the others are refused with a sentence."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from smtpwizard.core.exporters.base import ExportConfig
from smtpwizard.core.exporters.base import ExportOptions
from smtpwizard.core.exporters.base import config_from_document
from smtpwizard.core.exporters.base import oauth_refusal
from smtpwizard.core.exporters.base import registry
from smtpwizard.core.login import SignInRecord
from tests.support.exportconfig import EMAIL
from tests.support.exportconfig import make_config
from tests.support.exportparse import check_thunderbird_xml
from tests.support.exportparse import markdown_tables
from tests.support.exportparse import parse_msmtprc
from tests.support.exportparse import parse_prefs

RECORD = SignInRecord(
    issuer="https://login.example.test",
    authorization_endpoint="https://login.example.test/authorize",
    token_endpoint="https://login.example.test/token",
    client_id="registered-client",
    scopes=("mail.send", "offline_access"),
)
CARRY = {
    "thunderbird-xml",
    "thunderbird-userjs",
    "msmtp",
    "git-send-email",
    "nodemailer",
    "json",
    "markdown",
    "html",
    "outlook-sheet",
}


def oauth_config(mechanism: str = "OAUTHBEARER") -> ExportConfig:
    return replace(make_config(mechanism=mechanism), sign_in=RECORD)


def render(name: str, config: ExportConfig | None = None) -> str:
    data = registry()[name].render(config or oauth_config(), ExportOptions())
    return data if isinstance(data, str) else data.decode("utf-8")


def test_exactly_the_formats_that_can_sign_in_with_a_token_carry_it() -> None:
    carrying = {name for name, e in registry().items() if e.carries_oauth}
    assert carrying == CARRY


@pytest.mark.parametrize("name", sorted(set(registry()) - CARRY))
def test_the_others_are_refused_with_a_sentence(name: str) -> None:
    refusal = oauth_refusal(registry()[name], oauth_config())
    assert refusal is not None
    assert "cannot sign in with OAuth 2.0" in refusal
    assert "msmtp" in refusal
    assert oauth_refusal(registry()[name], make_config()) is None


@pytest.mark.parametrize("mechanism", ["OAUTHBEARER", "XOAUTH2"])
def test_msmtp_logs_in_with_the_proven_mechanism_and_a_fresh_token(mechanism: str) -> None:
    account = parse_msmtprc(render("msmtp", oauth_config(mechanism)))["default"]
    assert account["auth"] == mechanism.lower()
    assert account["passwordeval"] == f"smtpwizard token {EMAIL} </dev/null"
    assert "password" not in account


def test_thunderbird_files_choose_oauth2_and_name_the_sign_in() -> None:
    taken = check_thunderbird_xml(render("thunderbird-xml"))
    assert taken["outgoing"]["authentication"] == "OAuth2"
    assert taken["incoming"]["authentication"] == "OAuth2"
    assert "<tokenURL>https://login.example.test/token</tokenURL>" in render("thunderbird-xml")
    prefs = parse_prefs(render("thunderbird-userjs"))
    assert prefs["mail.smtpserver.smtpwizard1.authMethod"] == 10
    assert prefs["mail.smtpserver.smtpwizard1.oauth2.issuer"] == "login.example.test"
    assert prefs["mail.smtpserver.smtpwizard1.oauth2.scope"] == "mail.send offline_access"


def test_git_send_email_asks_its_credential_helper_for_a_token() -> None:
    text = render("git-send-email")
    assert '\tsmtpAuth = "OAUTHBEARER"' in text
    assert "smtpwizard token alice@example.test" in text
    assert "smtpwizard secret" not in text
    assert "Authen::SASL" in text


def test_nodemailer_provisions_tokens_from_smtpwizard() -> None:
    text = render("nodemailer")
    assert 'type: "OAuth2"' in text
    assert 'execFile("smtpwizard", ["token", "alice@example.test"]' in text
    assert "process.env" not in text


def test_the_json_and_the_sheets_describe_the_sign_in() -> None:
    server = json.loads(render("json"))["smtp"]
    assert server["sign_in"]["token_endpoint"] == "https://login.example.test/token"
    assert server["sign_in"]["token_command"] == f"smtpwizard token {EMAIL}"
    assert "password_env" not in server
    rows = markdown_tables(render("markdown"))["Outgoing mail (SMTP)"]
    assert rows["Login"].startswith("OAuth2")
    assert rows["Sign-in server"] == "https://login.example.test"


def test_the_document_brings_the_sign_in_to_the_exports() -> None:
    document = {
        "schema": 1,
        "email": EMAIL,
        "recommended": {
            "host": "smtp.example.test",
            "port": 465,
            "security": "tls",
            "username": EMAIL,
            "auth_mechanism": "OAUTHBEARER",
        },
        "candidates": [],
        "sign_in": {
            "method": "oauth2",
            "signed_in": True,
            "token_endpoint": "https://login.example.test/token",
            "scopes": ["mail.send"],
            "client_id": "registered-client",
        },
    }
    config = config_from_document(document)
    assert config.sign_in is not None
    assert config.sign_in.token_endpoint == "https://login.example.test/token"
    failed = {**document, "sign_in": {**document["sign_in"], "signed_in": False}}
    assert config_from_document(failed).sign_in is None
