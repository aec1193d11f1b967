"""Every exporter's output read back by a real or strict parser and checked field by field."""

from __future__ import annotations

import configparser
import html
import io
import json
import plistlib
import shutil
import subprocess
import urllib.parse
import uuid
from dataclasses import replace
from pathlib import Path

import environ
import pytest
from defusedxml import ElementTree as SafeET

from smtpwizard.core.errors import ExportError
from smtpwizard.core.exporters.base import ExportConfig
from smtpwizard.core.exporters.base import ExportOptions
from smtpwizard.core.exporters.base import export_caveats
from smtpwizard.core.exporters.base import registry
from smtpwizard.core.model import Security
from tests.support import consumers as c
from tests.support.exportconfig import EMAIL
from tests.support.exportconfig import NASTY
from tests.support.exportconfig import make_config
from tests.support.exportparse import check_thunderbird_xml
from tests.support.exportparse import html_tables
from tests.support.exportparse import markdown_tables
from tests.support.exportparse import parse_env
from tests.support.exportparse import parse_msmtprc
from tests.support.exportparse import parse_php_defines
from tests.support.exportparse import parse_phpmailer
from tests.support.exportparse import parse_prefs
from tests.support.exportparse import parse_properties
from tests.support.exportparse import parse_python_settings
from tests.support.exportparse import parse_ruby_smtp_settings
from tests.support.secrets import leaks

MODES = list(Security)
OPTED_IN = ExportOptions(include_password=True)
NO = ExportOptions()
KEYRING_GET = "smtpwizard secret alice@example.test --server smtp.example.test"


def render(name: str, config: ExportConfig, options: ExportOptions = NO) -> str:
    out = registry()[name].render(config, options)
    return out.decode("utf-8") if isinstance(out, bytes) else out


# --- secrets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(registry()))
@pytest.mark.parametrize("security", MODES)
def test_no_password_anywhere_unless_opted_in(name: str, security: Security) -> None:
    config = make_config(security, password=NASTY)
    assert leaks(render(name, config), NASTY, EMAIL) == []


@pytest.mark.parametrize("name", sorted(registry()))
def test_opting_in_without_a_password_changes_nothing(name: str) -> None:
    config = make_config(password=None)
    assert render(name, config, OPTED_IN) == render(name, config)


@pytest.mark.parametrize("name", sorted(n for n, e in registry().items() if not e.carries_password))
def test_mail_programs_never_hold_the_password(name: str) -> None:
    assert leaks(render(name, make_config(password=NASTY), OPTED_IN), NASTY, EMAIL) == []


def test_every_exporter_has_a_distinct_file_name_and_a_known_family() -> None:
    exporters = list(registry().values())
    assert len({e.filename for e in exporters}) == len(exporters)
    assert {e.family for e in exporters} <= {
        "mail program",
        "application",
        "system",
        "settings sheet",
    }


@pytest.mark.parametrize("name", sorted(n for n, e in registry().items() if e.needs_incoming))
def test_account_formats_refuse_without_an_incoming_server(name: str) -> None:
    with pytest.raises(ExportError, match="incoming"):
        render(name, make_config(incoming=False))


def test_a_bad_variable_name_is_refused() -> None:
    with pytest.raises(ExportError, match="environment variable"):
        render("django", make_config(), ExportOptions(password_env="SMTP PASSWORD"))


# --- Thunderbird -----------------------------------------------------------------------------


@pytest.mark.parametrize("security", MODES)
def test_thunderbird_xml_passes_the_readers_rules(security: Security) -> None:
    doc = check_thunderbird_xml(render("thunderbird-xml", make_config(security)))
    assert doc["id"] == "example.test"
    assert doc["domains"] == ["example.test"]
    assert doc["outgoing"] == {
        "type": "smtp",
        "hostname": "smtp.example.test",
        "port": {Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[security],
        "socketType": {Security.TLS: "SSL", Security.STARTTLS: "STARTTLS", Security.NONE: "plain"}[
            security
        ],
        "authentication": "password-cleartext",
        "username": "%EMAILADDRESS%",
    }
    assert doc["incoming"] == {
        "type": "imap",
        "hostname": "imap.example.test",
        "port": 993,
        "socketType": "SSL",
        "authentication": "password-cleartext",
        "username": "%EMAILADDRESS%",
    }


def test_the_pref_reader_is_strict() -> None:
    assert parse_prefs('/* c */ user_pref("a.b", "x\\u00e9\\"y"); # c\npref("n", -3);') == {
        "a.b": 'xé"y',
        "n": -3,
    }
    for bad in ('user_pref("a", x);', 'user_pref("a", 1)', "user_pref(a, 1);", "junk"):
        with pytest.raises(ValueError, match=r"\w"):
            parse_prefs(bad)
    nasty = parse_prefs(render("thunderbird-userjs", make_config(username=NASTY)))
    assert nasty["mail.smtpserver.smtpwizard1.username"] == NASTY


def test_thunderbird_xml_login_variants() -> None:
    no_login = check_thunderbird_xml(render("thunderbird-xml", make_config(username=None)))
    assert no_login["outgoing"]["authentication"] == "none"
    assert no_login["outgoing"]["username"] is None
    cram = check_thunderbird_xml(
        render("thunderbird-xml", make_config(username="alice", mechanism="CRAM-MD5"))
    )
    assert cram["outgoing"]["authentication"] == "password-encrypted"
    assert cram["outgoing"]["username"] == "%EMAILLOCALPART%"
    other = check_thunderbird_xml(render("thunderbird-xml", make_config(username="x-123")))
    assert other["outgoing"]["username"] == "x-123"
    pop = check_thunderbird_xml(render("thunderbird-xml", make_config(pop3=True)))
    assert pop["incoming"]["type"] == "pop3"


def test_thunderbird_xml_without_incoming_server_is_refused_with_a_way_out() -> None:
    with pytest.raises(ExportError, match="thunderbird-userjs"):
        render("thunderbird-xml", make_config(incoming=False))


@pytest.mark.parametrize("security", MODES)
def test_thunderbird_userjs(security: Security) -> None:
    text = render("thunderbird-userjs", make_config(security, incoming=False))
    prefs = parse_prefs(text)
    key = "mail.smtpserver.smtpwizard1."
    assert prefs == {
        key + "type": "smtp",
        key + "hostname": "smtp.example.test",
        key + "port": {Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[security],
        key + "try_ssl": {Security.TLS: 3, Security.STARTTLS: 2, Security.NONE: 0}[security],
        key + "authMethod": 3,
        key + "username": EMAIL,
        key + "description": "Example Mail (tested by smtpwizard)",
    }
    # The user's own server list is never replaced; the comment says how to merge.
    assert "mail.smtpservers" in text
    assert 'user_pref("mail.smtpservers"' not in text


# --- Outlook ---------------------------------------------------------------------------------

NS = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}"


@pytest.mark.parametrize("security", MODES)
def test_autodiscover(security: Security) -> None:
    root = SafeET.fromstring(render("outlook-autodiscover", make_config(security)).encode())
    assert (
        root.tag
        == "{http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006}Autodiscover"
    )
    response = root.find(NS + "Response")
    assert response is not None
    assert response.findtext(f"{NS}User/{NS}DisplayName") == "Alice Ångström"
    account = response.find(NS + "Account")
    assert account is not None
    assert account.findtext(NS + "AccountType") == "email"
    assert account.findtext(NS + "Action") == "settings"
    protocols = {
        p.findtext(NS + "Type"): {child.tag.removeprefix(NS): child.text for child in p}
        for p in account.findall(NS + "Protocol")
    }
    assert protocols["SMTP"] == {
        "Type": "SMTP",
        "Server": "smtp.example.test",
        "Port": str({Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[security]),
        "DomainRequired": "off",
        "LoginName": EMAIL,
        "SPA": "off",
        "SSL": "off" if security is Security.NONE else "on",
        "Encryption": {Security.TLS: "SSL", Security.STARTTLS: "TLS", Security.NONE: "None"}[
            security
        ],
        "AuthRequired": "on",
        "UsePOPAuth": "off",
        "SMTPLast": "off",
    }
    assert protocols["IMAP"]["Server"] == "imap.example.test"
    assert protocols["IMAP"]["Encryption"] == "SSL"


@pytest.mark.parametrize("pop3", [False, True])
@pytest.mark.parametrize("security", MODES)
def test_prf(security: Security, pop3: bool) -> None:
    text = render("outlook-prf", make_config(security, pop3=pop3))
    assert "\r\n" in text
    ini = configparser.ConfigParser(
        interpolation=None, strict=True, delimiters=("=",), comment_prefixes=(";",)
    )
    ini.optionxform = str  # type: ignore[assignment,method-assign]
    ini.read_string(text)
    kind = "POP3" if pop3 else "IMAP"
    section = "I_Mail" if pop3 else "IMAP_I_Mail"
    assert ini["Internet Account List"]["Account1"] == section
    account = ini["Account1"]
    assert account["EmailAddress"] == EMAIL
    assert account["DisplayName"] == "Alice Ångström"
    assert account[f"{kind}Server"] == ("pop" if pop3 else "imap") + ".example.test"
    assert account[f"{kind}Port"] == ("995" if pop3 else "993")
    assert account[f"{kind}UseSSL"] == "1"
    assert account["SMTPServer"] == "smtp.example.test"
    assert account["SMTPPort"] == str(
        {Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[security]
    )
    assert account["SMTPUseAuth"] == "1"
    assert account["SMTPAuthMethod"] == "1"
    assert account["SMTPUserName"] == EMAIL
    assert (
        account["SMTPSecureConnection"]
        == {
            Security.NONE: "0",
            Security.TLS: "1",
            Security.STARTTLS: "2",
        }[security]
    )
    mapping = ini[section]
    assert mapping["AccountType"] == kind
    assert mapping["SMTPSecureConnection"] == "PT_LONG,0x020A"
    assert mapping[f"{kind}Server"] == "PT_UNICODE,0x0100"
    # Every key of the account has a property mapping.
    unmapped = set(account) - set(mapping) - {"UniqueService", "DeliverToStore"}
    assert unmapped == set()
    assert ("Service1" in ini) is pop3


# --- Apple -----------------------------------------------------------------------------------


@pytest.mark.parametrize("security", MODES)
def test_mobileconfig(security: Security) -> None:
    data = registry()["mobileconfig"].render(make_config(security), NO)
    assert isinstance(data, bytes)
    profile = plistlib.loads(data)
    assert profile["PayloadType"] == "Configuration"
    assert profile["PayloadVersion"] == 1
    [payload] = profile["PayloadContent"]
    assert payload["PayloadType"] == "com.apple.mail.managed"
    assert payload["PayloadVersion"] == 1
    assert payload["PayloadIdentifier"].startswith(profile["PayloadIdentifier"] + ".")
    assert payload["PayloadUUID"] != profile["PayloadUUID"]
    expected = {
        "EmailAccountType": "EmailTypeIMAP",
        "EmailAddress": EMAIL,
        "EmailAccountName": "Alice Ångström",
        "IncomingMailServerHostName": "imap.example.test",
        "IncomingMailServerPortNumber": 993,
        "IncomingMailServerUseSSL": True,
        "IncomingMailServerAuthentication": "EmailAuthPassword",
        "IncomingMailServerUsername": EMAIL,
        "OutgoingMailServerHostName": "smtp.example.test",
        "OutgoingMailServerPortNumber": {
            Security.TLS: 465,
            Security.STARTTLS: 587,
            Security.NONE: 25,
        }[security],
        "OutgoingMailServerUseSSL": security is not Security.NONE,
        "OutgoingMailServerAuthentication": "EmailAuthPassword",
        "OutgoingMailServerUsername": EMAIL,
        "OutgoingPasswordSameAsIncomingPassword": True,
    }
    assert {k: payload[k] for k in expected} == expected
    assert not {"IncomingPassword", "OutgoingPassword"} & set(payload)


def test_mobileconfig_identifiers_are_stable_and_distinct() -> None:
    def ids(config: ExportConfig) -> tuple[str, str, str]:
        profile = plistlib.loads(registry()["mobileconfig"].render(config, NO))
        return (
            profile["PayloadIdentifier"],
            profile["PayloadUUID"],
            profile["PayloadContent"][0]["PayloadUUID"],
        )

    first = ids(make_config(Security.TLS))
    # The same account tested again (another port, another mode): the same identifiers, so
    # importing it replaces the installed profile.
    assert ids(make_config(Security.STARTTLS)) == first
    assert ids(make_config(Security.TLS, display_name="Other")) == first
    assert ids(make_config(Security.TLS, host="smtp.other.test")) != first
    assert len(set(first)) == 3
    # Pinned: the same address and server give the same identifiers in every run and
    # version, or a re-import would add a second account instead of replacing the first.
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "urn:smtpwizard:mobileconfig")
    key = "alice@example.test|smtp.example.test"
    assert first == (
        f"io.github.smtpwizard.mail.{uuid.uuid5(namespace, key)}",
        str(uuid.uuid5(namespace, "profile:" + key)).upper(),
        str(uuid.uuid5(namespace, "payload:" + key)).upper(),
    )


def test_mobileconfig_pop3_and_no_login() -> None:
    profile = plistlib.loads(
        registry()["mobileconfig"].render(make_config(pop3=True, username=None), NO)
    )
    payload = profile["PayloadContent"][0]
    assert payload["EmailAccountType"] == "EmailTypePOP"
    assert payload["OutgoingMailServerAuthentication"] == "EmailAuthNone"
    assert "OutgoingMailServerUsername" not in payload


# --- applications ----------------------------------------------------------------------------


@pytest.mark.parametrize("security", MODES)
def test_django(security: Security) -> None:
    values = parse_python_settings(render("django", make_config(security)))
    assert values == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.test",
        "EMAIL_PORT": {Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[security],
        "EMAIL_USE_SSL": security is Security.TLS,
        "EMAIL_USE_TLS": security is Security.STARTTLS,
        "EMAIL_HOST_USER": EMAIL,
        "EMAIL_HOST_PASSWORD": ("env", "SMTP_PASSWORD"),
        "EMAIL_TIMEOUT": 30,
        "DEFAULT_FROM_EMAIL": '"Alice Ångström" <alice@example.test>',
        "SERVER_EMAIL": EMAIL,
    }
    assert not (values["EMAIL_USE_SSL"] and values["EMAIL_USE_TLS"])


def test_django_with_password_and_other_variable() -> None:
    values = parse_python_settings(render("django", make_config(password=NASTY), OPTED_IN))
    assert values["EMAIL_HOST_PASSWORD"] == NASTY
    values = parse_python_settings(
        render("django", make_config(), ExportOptions(password_env="APP_MAIL_PW"))
    )
    assert values["EMAIL_HOST_PASSWORD"] == ("env", "APP_MAIL_PW")
    values = parse_python_settings(render("django", make_config(username=None)))
    assert values["EMAIL_HOST_USER"] == values["EMAIL_HOST_PASSWORD"] == ""


@pytest.mark.parametrize("security", MODES)
def test_email_url_read_by_django_environ(security: Security) -> None:
    text = render("django-email-url", make_config(security, password=NASTY), OPTED_IN)
    url = parse_env(text)["EMAIL_URL"]
    settings = environ.Env.email_url_config(url)
    assert settings["EMAIL_HOST"] == "smtp.example.test"
    assert (
        settings["EMAIL_PORT"]
        == {Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[security]
    )
    assert settings["EMAIL_HOST_USER"] == EMAIL
    assert settings["EMAIL_HOST_PASSWORD"] == NASTY
    assert settings.get("EMAIL_USE_SSL", False) is (security is Security.TLS)
    assert settings.get("EMAIL_USE_TLS", False) is (security is Security.STARTTLS)
    assert not url.startswith("smtps:")


def test_email_url_without_password() -> None:
    url = parse_env(render("django-email-url", make_config()))["EMAIL_URL"]
    settings = environ.Env.email_url_config(url)
    assert settings["EMAIL_HOST_USER"] == EMAIL
    assert not settings["EMAIL_HOST_PASSWORD"]


@pytest.mark.parametrize("security", MODES)
def test_flask_mail(security: Security) -> None:
    values = parse_python_settings(render("flask-mail", make_config(security)))
    assert values == {
        "MAIL_SERVER": "smtp.example.test",
        "MAIL_PORT": {Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[security],
        "MAIL_USE_SSL": security is Security.TLS,
        "MAIL_USE_TLS": security is Security.STARTTLS,
        "MAIL_USERNAME": EMAIL,
        "MAIL_PASSWORD": ("env", "SMTP_PASSWORD"),
        "MAIL_DEFAULT_SENDER": '"Alice Ångström" <alice@example.test>',
    }


@pytest.mark.parametrize("security", MODES)
def test_laravel(security: Security) -> None:
    values = parse_env(
        render("laravel", make_config(security)), {"SMTP_PASSWORD": "from-env", "APP_NAME": "x"}
    )
    assert values == {
        "MAIL_MAILER": "smtp",
        "MAIL_SCHEME": "smtps" if security is Security.TLS else "smtp",
        "MAIL_HOST": "smtp.example.test",
        "MAIL_PORT": str({Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[security]),
        "MAIL_USERNAME": EMAIL,
        "MAIL_PASSWORD": "from-env",
        "MAIL_ENCRYPTION": {Security.TLS: "ssl", Security.STARTTLS: "tls", Security.NONE: "null"}[
            security
        ],
        "MAIL_FROM_ADDRESS": EMAIL,
        "MAIL_FROM_NAME": "Alice Ångström",
    }


def test_laravel_with_password_and_implicit_tls_off_465() -> None:
    text = render("laravel", make_config(Security.TLS, port=2465, password=NASTY), OPTED_IN)
    assert parse_env(text)["MAIL_PASSWORD"] == NASTY
    assert "MAIL_SCHEME=smtps is needed there" in text


#: What Laravel's env() would turn into something else (true, null, "" or the text without
#: its quotes), and what phpdotenv treats specially.
LARAVEL_EDGES = [
    "null",
    "(NULL)",
    "True",
    "(false)",
    "Empty",
    '"wrapped in quotes"',
    "'wrapped in quotes'",
    '""',
    "it's $HOME and `id` \\",
    "a${X}b",
    " #x ",
    NASTY,
]


@pytest.mark.parametrize("value", LARAVEL_EDGES)
def test_laravel_env_reads_back_exactly_what_was_proven(value: str, tmp_path: Path) -> None:
    path = tmp_path / "laravel-mail.env"
    config = make_config(host="::1", username=value, password=value, display_name=value)
    path.write_text(render("laravel", config, OPTED_IN), encoding="utf-8")
    values = c.laravel_env(path, "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_FROM_NAME", "MAIL_HOST")
    assert values == {
        "MAIL_USERNAME": value,
        "MAIL_PASSWORD": value,
        "MAIL_FROM_NAME": " ".join(value.split()),  # a name is one line, folded
        # Laravel reaches an IPv6 address only in brackets.
        "MAIL_HOST": "[::1]",
    }


@pytest.mark.parametrize("security", MODES)
def test_symfony_dsn(security: Security) -> None:
    env = {"SMTP_PASSWORD": urllib.parse.quote(NASTY, safe="")}
    for options, config in (
        (NO, make_config(security)),
        (OPTED_IN, make_config(security, password=NASTY)),
    ):
        dsn = parse_env(render("symfony", config, options), env)["MAILER_DSN"]
        parts = urllib.parse.urlsplit(dsn)
        assert parts.scheme == ("smtps" if security is Security.TLS else "smtp")
        assert parts.hostname == "smtp.example.test"
        assert (
            parts.port == {Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[security]
        )
        assert urllib.parse.unquote(parts.username or "") == EMAIL
        assert urllib.parse.unquote(parts.password or "") == NASTY
        assert (parts.query == "auto_tls=false") is (security is Security.NONE)


@pytest.mark.parametrize("security", MODES)
def test_rails(security: Security) -> None:
    values = parse_ruby_smtp_settings(render("rails", make_config(security)))
    expected = {
        "address": "smtp.example.test",
        "port": {Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[security],
        "domain": "example.test",
        "user_name": EMAIL,
        "password": ("env", "SMTP_PASSWORD"),
        "authentication": ":plain",
        "open_timeout": 30,
        "read_timeout": 30,
    }
    expected |= {
        Security.TLS: {"tls": True, "enable_starttls_auto": False},
        Security.STARTTLS: {"enable_starttls": True, "enable_starttls_auto": False},
        Security.NONE: {"enable_starttls_auto": False},
    }[security]
    assert values == expected
    with_pw = parse_ruby_smtp_settings(render("rails", make_config(password=NASTY), OPTED_IN))
    assert with_pw["password"] == NASTY


def _node_options(text: str, env: dict[str, str]) -> dict[str, object]:
    """Runs the exported module in Node with a stand-in nodemailer that returns its options."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the Nodemailer export cannot be run")
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "node_modules" / "nodemailer").mkdir(parents=True)
        (base / "node_modules" / "nodemailer" / "index.js").write_text(
            "exports.createTransport = (options, defaults) => ({ options, defaults });\n"
        )
        (base / "mailer.js").write_text(text, encoding="utf-8")
        run = subprocess.run(
            [
                node,
                "-e",
                "const t = require('./mailer.js');"
                "process.stdout.write(JSON.stringify({...t.options, from: t.defaults.from}))",
            ],
            cwd=base,
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin", **env},
            timeout=60,
            check=False,
        )
    assert run.returncode == 0, run.stderr
    result: dict[str, object] = json.loads(run.stdout)
    return result


@pytest.mark.parametrize("security", MODES)
def test_nodemailer_read_by_node(security: Security) -> None:
    options = _node_options(render("nodemailer", make_config(security)), {"SMTP_PASSWORD": "pw"})
    expected: dict[str, object] = {
        "host": "smtp.example.test",
        "port": {Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[security],
        "secure": security is Security.TLS,
        "auth": {"user": EMAIL, "pass": "pw"},
        "connectionTimeout": 30000,
        "greetingTimeout": 30000,
        "socketTimeout": 30000,
        "from": '"Alice Ångström" <alice@example.test>',
    }
    if security is Security.STARTTLS:
        expected["requireTLS"] = True
    if security is Security.NONE:
        expected["ignoreTLS"] = True
    assert options == expected
    with_pw = _node_options(render("nodemailer", make_config(password=NASTY), OPTED_IN), {})
    assert with_pw["auth"] == {"user": EMAIL, "pass": NASTY}


@pytest.mark.parametrize("security", MODES)
def test_spring_boot(security: Security) -> None:
    values = parse_properties(render("spring-boot", make_config(security)))
    p = "spring.mail.properties.mail.smtp."
    expected = {
        "spring.mail.host": "smtp.example.test",
        "spring.mail.port": str(
            {Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[security]
        ),
        "spring.mail.protocol": "smtp",
        "spring.mail.default-encoding": "UTF-8",
        "spring.mail.username": EMAIL,
        "spring.mail.password": "${SMTP_PASSWORD}",
        p + "auth": "true",
        p + "connectiontimeout": "30000",
        p + "timeout": "30000",
        p + "writetimeout": "30000",
    }
    expected |= {
        Security.TLS: {p + "ssl.enable": "true", p + "ssl.checkserveridentity": "true"},
        Security.STARTTLS: {
            p + "starttls.enable": "true",
            p + "starttls.required": "true",
            p + "ssl.checkserveridentity": "true",
        },
        Security.NONE: {},
    }[security]
    assert values == expected
    with_pw = parse_properties(render("spring-boot", make_config(password=NASTY), OPTED_IN))
    assert with_pw["spring.mail.password"] == NASTY


@pytest.mark.parametrize("security", MODES)
def test_phpmailer(security: Security) -> None:
    values = parse_phpmailer(render("phpmailer", make_config(security)))
    assert values == {
        "Host": "smtp.example.test",
        "Port": {Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[security],
        "SMTPSecure": {Security.TLS: "ssl", Security.STARTTLS: "tls", Security.NONE: ""}[security],
        "SMTPAutoTLS": security is not Security.NONE,
        "SMTPAuth": True,
        "Username": EMAIL,
        "Password": ("env", "SMTP_PASSWORD"),
        "Timeout": 30,
    }
    with_pw = parse_phpmailer(render("phpmailer", make_config(password=NASTY), OPTED_IN))
    assert with_pw["Password"] == NASTY


def test_php_formats_give_an_ipv6_server_in_brackets() -> None:
    # PHPMailer (and WP Mail SMTP through it) never connects to ::1 written bare.
    config = make_config(host="::1")
    assert parse_phpmailer(render("phpmailer", config))["Host"] == "[::1]"
    assert parse_php_defines(render("wp-mail-smtp", config))["WPMS_SMTP_HOST"] == "[::1]"
    assert parse_phpmailer(render("phpmailer", make_config(host="192.0.2.1")))["Host"] == (
        "192.0.2.1"
    )


@pytest.mark.parametrize("security", MODES)
def test_wp_mail_smtp(security: Security) -> None:
    values = parse_php_defines(render("wp-mail-smtp", make_config(security)))
    assert values == {
        "WPMS_ON": True,
        "WPMS_MAILER": "smtp",
        "WPMS_SMTP_HOST": "smtp.example.test",
        "WPMS_SMTP_PORT": {Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[security],
        "WPMS_SSL": {Security.TLS: "ssl", Security.STARTTLS: "tls", Security.NONE: ""}[security],
        "WPMS_SMTP_AUTH": True,
        "WPMS_SMTP_USER": EMAIL,
        "WPMS_SMTP_PASS": ("env", "SMTP_PASSWORD"),
        "WPMS_SMTP_AUTOTLS": security is not Security.NONE,
        "WPMS_MAIL_FROM": EMAIL,
        "WPMS_MAIL_FROM_FORCE": True,
        "WPMS_MAIL_FROM_NAME": "Alice Ångström",
        "WPMS_MAIL_FROM_NAME_FORCE": True,
    }


@pytest.mark.parametrize("security", MODES)
def test_dotenv(security: Security) -> None:
    values = parse_env(render("dotenv", make_config(security)))
    assert values == {
        "SMTP_HOST": "smtp.example.test",
        "SMTP_PORT": str({Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[security]),
        "SMTP_SECURITY": str(security),
        "SMTP_USERNAME": EMAIL,
        "SMTP_FROM": EMAIL,
    }
    text = render("dotenv", make_config(security))
    assert "SmtpClient" in text
    assert KEYRING_GET in text


#: Values that a POSIX shell and python-dotenv read back alike from the generic .env...
ENV_SHARED = [
    "ends in a backslash\\",
    "two\\\\backslashes",
    "it's a \\$ 5",
    'it\'s "quoted" \\',
    "`id` $(id) $HOME $1 \\n",
    "a${X",
    " blanks  at both ends ",
    "#not a comment",
    "a #b ;c &d |e",
    "ß€😀",
    "'",
    "$",
]
#: ...and values no form suits: python-dotenv replaces ${...} in every form, and a shell
#: expands $NAME and `...` in the double quotes a quote or backslash needs for python-dotenv.
ENV_SHELL_ONLY = [
    "it's $HOME and `id` \\",
    "it's a \\$dollar",
    "a${X}b",
    "it's $1",
    "\\\\ and `x`",
    NASTY,
]


@pytest.mark.parametrize("value", ENV_SHARED + ENV_SHELL_ONLY)
def test_dotenv_is_read_exactly_by_a_shell(value: str, tmp_path: Path) -> None:
    path = tmp_path / "smtp.env"
    config = make_config(username=value, password=value, display_name="")
    path.write_text(render("dotenv", config, OPTED_IN), encoding="utf-8")
    values = c.sh_env(path)
    assert (values["SMTP_USERNAME"], values["SMTP_PASSWORD"]) == (value, value)


@pytest.mark.parametrize("value", ENV_SHARED + ENV_SHELL_ONLY)
def test_dotenv_is_read_by_python_dotenv_or_says_it_cannot_be(value: str) -> None:
    dotenv = pytest.importorskip("dotenv", reason="python-dotenv is in the test extra")
    config = make_config(password=value)
    text = render("dotenv", config, OPTED_IN)
    caveats = export_caveats(registry()["dotenv"], config, OPTED_IN)
    read = dotenv.dotenv_values(stream=io.StringIO(text), interpolate=True)
    assert read["SMTP_USERNAME"] == EMAIL
    if value in ENV_SHARED:
        assert read["SMTP_PASSWORD"] == value
        assert caveats == []
    else:
        assert read.get("SMTP_PASSWORD") != value
        [caveat] = caveats
        assert caveat.startswith("SMTP_PASSWORD cannot be written so that both a POSIX shell")
        assert "\n# Warning: SMTP_PASSWORD cannot be" in text


@pytest.mark.parametrize("security", MODES)
def test_json(security: Security) -> None:
    doc = json.loads(render("json", make_config(security)))
    assert doc["smtp"] == {
        "host": "smtp.example.test",
        "port": {Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[security],
        "security": str(security),
        "implicit_tls": security is Security.TLS,
        "starttls": security is Security.STARTTLS,
        "username": EMAIL,
        "auth_mechanism": "PLAIN",
        "ca_file": None,
        "pinned_sha256": None,
        "password_env": "SMTP_PASSWORD",
        "password_keyring": {
            "service": "smtpwizard:smtp.example.test",
            "username": EMAIL,
            "command": KEYRING_GET,
            "stored": None,
        },
    }
    assert doc["incoming"]["host"] == "imap.example.test"
    assert doc["tested"]["from"] == "IPv4 address 192.0.2.7"
    assert doc["tested"]["at_iso"] == "2026-11-22T17:34:40+00:00"
    with_pw = json.loads(render("json", make_config(password=NASTY), OPTED_IN))
    assert with_pw["smtp"]["password"] == NASTY
    assert "password_env" not in with_pw["smtp"]


# --- system tools ----------------------------------------------------------------------------


@pytest.mark.parametrize("security", MODES)
def test_msmtprc(security: Security) -> None:
    accounts = parse_msmtprc(render("msmtp", make_config(security)))
    account = accounts["default"]
    expected = {
        "host": "smtp.example.test",
        "port": str({Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[security]),
        "tls": "off" if security is Security.NONE else "on",
        "from": EMAIL,
        "auth": "on",
        "user": EMAIL,
        "passwordeval": KEYRING_GET + " </dev/null",
        "timeout": "30",
    }
    if security is not Security.NONE:
        expected["tls_starttls"] = "on" if security is Security.STARTTLS else "off"
    assert account == expected
    with_pw = parse_msmtprc(render("msmtp", make_config(password=" " + NASTY), OPTED_IN))
    assert with_pw["default"]["password"] == " " + NASTY
    assert "passwordeval" not in with_pw["default"]


@pytest.mark.parametrize("security", MODES)
def test_postfix(security: Security) -> None:
    text = render("postfix", make_config(security))
    settings = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, sep, value = line.partition(" = ")
            assert sep, line
            settings[key] = value
    port = {Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[security]
    expected = {
        "relayhost": f"[smtp.example.test]:{port}",
        "smtp_sasl_auth_enable": "yes",
        "smtp_sasl_password_maps": "hash:/etc/postfix/sasl_passwd",
        "smtp_sasl_security_options": "noanonymous",
        "smtp_sasl_tls_security_options": "noanonymous",
        "smtp_tls_security_level": "may" if security is Security.NONE else "secure",
    }
    if security is not Security.NONE:
        expected["smtp_tls_CAfile"] = "/etc/ssl/certs/ca-certificates.crt"
    if security is Security.TLS:
        expected["smtp_tls_wrappermode"] = "yes"
    assert settings == expected
    assert f"#   [smtp.example.test]:{port} {EMAIL}:YOUR-PASSWORD" in text
    with_pw = render("postfix", make_config(security, password="pw 1"), OPTED_IN)
    assert f"#   [smtp.example.test]:{port} {EMAIL}:pw 1" in with_pw


@pytest.mark.parametrize(
    ("config", "warning"),
    [
        (make_config(host="127.0.0.1"), "Postfix compares only host names"),
        (make_config(host="::1"), "Postfix compares only host names"),
        (make_config(password="  padded  "), "The password ends in blanks"),
        (make_config(username="a:b"), "The user name holds a colon"),
    ],
)
def test_postfix_says_what_it_would_not_do_as_proven(config: ExportConfig, warning: str) -> None:
    text = render("postfix", config, OPTED_IN)
    assert f"# Warning: {warning}" in text
    [caveat] = export_caveats(registry()["postfix"], config, OPTED_IN)
    assert caveat.startswith(warning)
    fine = make_config(password="  leading blanks are kept")
    assert export_caveats(registry()["postfix"], fine, OPTED_IN) == []
    assert export_caveats(registry()["postfix"], make_config(Security.NONE, host="::1"), NO) == []


@pytest.mark.parametrize("security", MODES)
def test_git_send_email_read_by_git(security: Security, tmp_path: Path) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    config = tmp_path / "gitconfig"
    config.write_text(render("git-send-email", make_config(security, password=NASTY), OPTED_IN))
    run = subprocess.run(
        [git, "config", "--file", str(config), "--list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    values = dict(line.split("=", 1) for line in run.stdout.splitlines())
    assert values == {
        "sendemail.smtpserver": "smtp.example.test",
        "sendemail.smtpserverport": str(
            {Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[security]
        ),
        "sendemail.smtpencryption": {
            Security.TLS: "ssl",
            Security.STARTTLS: "tls",
            Security.NONE: "none",
        }[security],
        "sendemail.smtpuser": EMAIL,
        "sendemail.smtppass": NASTY,
        "sendemail.from": "Alice Ångström <alice@example.test>",
    }


# --- settings sheets -------------------------------------------------------------------------


@pytest.mark.parametrize("security", MODES)
def test_markdown_sheet(security: Security) -> None:
    tables = markdown_tables(render("markdown", make_config(security)))
    outgoing = tables["Outgoing mail (SMTP)"]
    assert outgoing["Server"] == "smtp.example.test"
    assert outgoing["Encryption"].startswith(
        {Security.TLS: "SSL/TLS", Security.STARTTLS: "STARTTLS", Security.NONE: "None"}[security]
    )
    assert outgoing["User name"] == EMAIL
    assert "enter it when your program asks" in outgoing["Password"]
    test = tables["How smtpwizard tested it"]
    assert test["When"] == "2026-11-22 17:34 UTC"
    assert test["From"] == "IPv4 address 192.0.2.7"
    assert test["Result"] == "Use smtp.example.test: it works from here."
    assert test["Login"] == "accepted by the server"
    assert tables["Incoming mail"]["Server"] == "imap.example.test"


def test_markdown_sheet_escapes_table_syntax() -> None:
    config = make_config(username="a|b*c_d")
    tables = markdown_tables(render("markdown", config))
    assert tables["Outgoing mail (SMTP)"]["User name"] == "a|b*c_d"


#: Passwords a page of words would show otherwise: blanks squeezed, entities read as
#: characters, table and code syntax.
SHEET_EDGES = [
    "two  spaces",
    "  padded  ",
    "tab\there",
    "a&amp;b &lt;i&gt;",
    "a|b\\|c",
    "``tick`` `",
    "*not* _emphasis_ \\",
    " ",
]


@pytest.mark.parametrize("value", SHEET_EDGES)
@pytest.mark.parametrize("name", ["markdown", "outlook-sheet"])
def test_markdown_sheets_show_the_exact_value(name: str, value: str) -> None:
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py renders CommonMark")

    config = make_config(username=value, password=value)
    text = render(name, config, OPTED_IN)
    # What a CommonMark renderer (with GitHub's tables) makes of it.
    page = markdown_it.MarkdownIt("commonmark").enable("table").render(text)
    tables, _paragraphs = html_tables(page)
    outgoing = tables["Outgoing mail (SMTP)"]
    assert (outgoing["User name"], outgoing["Password"]) == (value, value)
    assert markdown_tables(text)["Outgoing mail (SMTP)"]["Password"] == value
    if value != value.strip() or "  " in value or "\t" in value:
        assert f"it is exactly {len(value)} characters long" in text


@pytest.mark.parametrize("value", SHEET_EDGES)
def test_html_sheet_shows_the_exact_value(value: str) -> None:
    text = render("html", make_config(username=value, password=value), OPTED_IN)
    tables, _paragraphs = html_tables(text)
    assert tables["Outgoing mail (SMTP)"]["Password"] == value
    # A browser keeps the blanks of an exact value as they are.
    assert f"<td><code>{html.escape(value)}</code></td>" in text
    assert "code{word-break:break-all;white-space:pre-wrap}" in text


def test_html_sheet() -> None:
    config = make_config(Security.TLS, username="<b>&amp;", password="pw<script>", incoming=False)
    text = render("html", config, OPTED_IN)
    assert "<script>" not in text
    tables, paragraphs = html_tables(text)
    assert tables["Outgoing mail (SMTP)"]["User name"] == "<b>&amp;"
    assert tables["Outgoing mail (SMTP)"]["Password"] == "pw<script>"
    assert tables["How smtpwizard tested it"]["When"] == "2026-11-22 17:34 UTC"
    assert any("SmtpClient" in p for p in paragraphs)
    assert "Incoming mail" not in tables


def test_outlook_sheet_asks_for_the_incoming_server_when_unknown() -> None:
    text = render("outlook-sheet", make_config(Security.STARTTLS, incoming=False))
    tables = markdown_tables(text)
    assert "not known" in tables["Incoming mail"]["Server"]
    assert tables["Outgoing mail (SMTP)"]["Encryption"].startswith("STARTTLS")
    assert "New Outlook" in text


def test_msmtp_refuses_a_line_break_it_could_not_hold() -> None:
    with pytest.raises(ExportError, match="line break"):
        render("msmtp", make_config(password="a\nb"), OPTED_IN)


@pytest.mark.parametrize("pattern", ["%U", "%H", "%C", "%M"])
def test_msmtp_refuses_an_address_it_would_rewrite(pattern: str) -> None:
    config = replace(make_config(), email=f"a{pattern}b@example.test")
    with pytest.raises(ExportError, match=f"msmtp would replace “{pattern}”"):
        render("msmtp", config)
    assert "from a%Xb@example.test" in render("msmtp", replace(config, email="a%Xb@example.test"))


def test_git_keeps_control_characters(tmp_path: Path) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    config = tmp_path / "gitconfig"
    secret = 'tab\there "q" back\\slash\nnext line'
    config.write_text(render("git-send-email", make_config(password=secret), OPTED_IN))
    run = subprocess.run(
        [git, "config", "--file", str(config), "--get", "sendemail.smtppass"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert run.stdout == secret + "\n"


def test_symfony_says_it_cannot_check_an_ipv6_servers_certificate() -> None:
    config = make_config(host="::1")
    assert "# Warning: Symfony Mailer cannot check the certificate" in render("symfony", config)
    [caveat] = export_caveats(registry()["symfony"], config, NO)
    assert "host name" in caveat
    for fine in (make_config(host="127.0.0.1"), make_config(Security.NONE, host="::1")):
        assert export_caveats(registry()["symfony"], fine, NO) == []
