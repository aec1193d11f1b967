"""Property tests for reading settings files.

Whatever the input, reading either gives accounts or fails with :class:`ImportFailed` and a
one-line message; and any configuration an exporter writes comes back from the file.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import assume
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from smtpwizard.core.discovery.providers import Protocol
from smtpwizard.core.errors import ExportError
from smtpwizard.core.errors import ImportFailed
from smtpwizard.core.exporters.base import ExportConfig
from smtpwizard.core.exporters.base import ExportOptions
from smtpwizard.core.exporters.base import registry
from smtpwizard.core.importers.reader import ImportResult
from smtpwizard.core.importers.reader import parse_settings
from smtpwizard.core.importers.reader import read_settings
from smtpwizard.core.model import Security
from smtpwizard.core.model import ServerSettings
from tests.support.exportconfig import EMAIL
from tests.support.exportconfig import TESTED_AT

NAMES = [
    "",
    ".env",
    "prefs.js",
    "user.js",
    "msmtprc",
    "settings.py",
    "probe.json",
    "config-v1.1.xml",
    ".gitconfig",
    "main.cf",
    "notes.txt",
]

#: Pieces of every format, so that random text reaches deep into each reader.
SNIPPETS = [
    'user_pref("mail.smtpserver.smtp1.hostname", "h.example");',
    'user_pref("mail.smtpserver.smtp1.port", 0);',
    'user_pref("mail.smtpserver.smtp1.try_ssl", 9);',
    'user_pref("mail.smtpservers", "smtp1,,smtp2");',
    'user_pref("mail.smtp.defaultserver", "smtp2");',
    "user_pref('mail.smtpserver.smtp2.hostname', '\\x41\\u00e9\\uD83D');",
    'pref("mail.smtpserver.default.authMethod", 10, locked);',
    "/* comment",
    "defaults",
    "account a",
    "account b : a, c",
    "account default : a",
    "host smtp.example.org",
    "port 0x24B",
    "tls",
    "tls_starttls off",
    "auth plain",
    "user joe",
    "passwordeval pass show mail",
    "MAIL_MAILER=smtp",
    "MAIL_HOST=${SMTP_HOST}",
    "MAIL_PORT=465",
    "MAIL_SCHEME=smtps",
    "MAIL_ENCRYPTION=tls",
    "MAIL_URL=smtp://u:p@h.example",
    'MAIL_PASSWORD="a\\"b',
    "EMAIL_URL=smtps://u%40x:p@[::1]:99999",
    "EMAIL_URL=smtp+ssl://",
    "EMAIL_HOST=h.example",
    "EMAIL_USE_TLS=maybe",
    "MAILER_DSN=smtp://h.example?auto_tls=false",
    "SMTP_HOST=h.example",
    "SMTP_SECURE=tls",
    "SMTP_PORT=0",
    "export SMTP_USER='x",
    "EMAIL_HOST = os.environ.get('X', 'h.example')",
    "EMAIL_PORT = int(env('P', default='x'))",
    "vars().update(env.email_url('E', default='smtp+tls://h:1'))",
    "EMAIL_USE_SSL = config('S', default='on', cast=bool) == True",
    "[sendemail]",
    '[sendemail "x"]',
    "\tsmtpServer = /usr/sbin/sendmail",
    "\tsmtpServerPort = smtps",
    '{"schema": 1, "recommended": {"host": "h", "port": "x"}}',
    '{"format": "smtpwizard-settings", "smtp": []}',
    "<clientConfig><outgoingServer type='smtp'><port>x</port></outgoingServer></clientConfig>",
    "# Tested by smtpwizard on 2026-13-45 99:99 UTC: login accepted.",
    "# Outgoing server x port 1, none.",
    "relayhost = [smtp.example.org]:587",
    "relayhost = smtp.example.org:smtps",
    "relayhost = [ipv6:::1]:x",
    "relayhost = $relay",
    "relayhost = [",
    "relay = ${relayhost}",
    "  [b.example.org]:25,",
    "smtp_tls_wrappermode = yes",
    "smtp_tls_security_level = fingerprint",
    "smtp_tls_fingerprint_cert_match = AB:CD",
    "smtp_sasl_auth_enable = yes",
    "smtp_sasl_password_maps = hash:/dev/null",
    "smtp_sasl_password_maps = texthash:/proc",
    "#   [smtp.example.org]:587 joe:",
]

fragments = st.lists(st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=30)), max_size=25).map(
    "\n".join
)


def check(result: ImportResult) -> None:
    assert result.accounts
    assert 0 <= result.default_index < len(result.accounts)
    for account in result.accounts:
        assert account.host
        assert not any(c.isspace() for c in account.host)
        assert account.port is None or 0 < account.port < 65536
    for line in (*result.read, *result.missing, *result.warnings):
        assert isinstance(line, str)
        assert line


def check_failure(failure: ImportFailed) -> None:
    message = str(failure)
    assert message
    assert "\n" not in message


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=2000), fragments), name=st.sampled_from(NAMES))
def test_any_text_gives_accounts_or_a_plain_failure(text: str, name: str) -> None:
    try:
        result = parse_settings(text, name)
    except ImportFailed as exc:
        check_failure(exc)
    else:
        check(result)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("importers")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(st.binary(max_size=2000), fragments.map(str.encode)),
    name=st.sampled_from([n for n in NAMES if n]),
)
def test_any_bytes_give_accounts_or_a_plain_failure(folder: Path, data: bytes, name: str) -> None:
    path = folder / name
    path.write_bytes(data)
    try:
        result = read_settings(path)
    except ImportFailed as exc:
        check_failure(exc)
    else:
        check(result)


# --- generated configurations come back -----------------------------------------------------

#: Words Laravel's env() turns into null, so no value can be spelled like them there.
LARAVEL_NULLS = {"null", "(null)", "empty", "(empty)"}

hosts = (
    st.lists(
        st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=10),
        min_size=1,
        max_size=4,
    )
    .map(".".join)
    .filter(lambda h: h not in LARAVEL_NULLS)
)

logins = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Zl", "Zp"]),
    min_size=1,
    max_size=20,
).filter(lambda u: u == u.strip() and u.lower() not in LARAVEL_NULLS)

passwords = st.text(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Zl", "Zp"]),
        st.sampled_from("\n\t"),
    ),
    min_size=8,
    max_size=30,
).filter(lambda p: p.lower() not in LARAVEL_NULLS and "•" not in p)

#: Exporters whose files are read back.
READABLE = [
    "msmtp",
    "django",
    "django-email-url",
    "flask-mail",
    "laravel",
    "symfony",
    "dotenv",
    "thunderbird-userjs",
    "thunderbird-xml",
    "git-send-email",
    "json",
]


def config_for(
    host: str, port: int, security: Security, username: str | None, password: str | None = None
) -> ExportConfig:
    return ExportConfig(
        email=EMAIL,
        smtp=ServerSettings(
            host,
            port,
            security,
            username,
            mechanism="PLAIN" if username else None,
            protocol=Protocol.SMTP,
            tested=True,
        ),
        incoming=ServerSettings("imap." + host, 993, Security.TLS, EMAIL, protocol=Protocol.IMAP),
        tested_at=TESTED_AT,
        tested_from="IPv4 address 192.0.2.7",
        password=password,
        login_tested=True,
    )


def expected_security(name: str, port: int, security: Security) -> Security:
    """What the program reading that file would do, which is not always what was tested."""
    if name in ("laravel", "symfony") and port == 465:
        # Symfony Mailer (under Laravel too) always uses implicit TLS on port 465.
        return Security.TLS
    if name == "laravel" and security is Security.NONE:
        # Laravel cannot be told not to use STARTTLS when the server offers it.
        return Security.STARTTLS
    return security


def render(name: str, config: ExportConfig, options: ExportOptions) -> str | None:
    try:
        out = registry()[name].render(config, options)
    except ExportError:
        return None  # a value the format cannot hold, such as a line break for msmtp
    assert isinstance(out, str)
    return out


@settings(max_examples=60, deadline=None)
@given(
    host=hosts,
    port=st.integers(1, 65535),
    security=st.sampled_from(Security),
    username=st.none() | logins,
)
# A word Laravel's env() turns into a truth value, which its export quotes once more.
@example(host="true", port=1, security=Security.TLS, username=None)
def test_generated_configurations_come_back(
    host: str, port: int, security: Security, username: str | None
) -> None:
    config = config_for(host, port, security, username)
    for name in READABLE:
        if name == "thunderbird-xml" and username and "%" in username:
            continue  # % starts Thunderbird's placeholders there
        text = render(name, config, ExportOptions())
        if text is None:
            continue
        result = parse_settings(text, registry()[name].filename)
        account = result.default_account
        assert account.host == host, name
        assert account.port == port, name
        assert account.security is expected_security(name, port, security), name
        assert account.username == username, name
        assert result.tested_at is not None, name


@settings(max_examples=60, deadline=None)
@given(host=hosts, security=st.sampled_from(Security), username=logins, password=passwords)
def test_written_passwords_come_back_and_stay_out_of_the_words(
    host: str, security: Security, username: str, password: str
) -> None:
    # The account's own fields are shown; a password spelled like one of them cannot hide.
    assume(all(password not in shown for shown in (username, host, EMAIL)))
    config = config_for(host, 587, security, username, password)
    for name in READABLE:
        if not registry()[name].carries_password:
            continue
        text = render(name, config, ExportOptions(include_password=True))
        if text is None:
            continue
        result = parse_settings(text, registry()[name].filename)
        assert result.default_account.password == password, name
        shown = "\n".join([*result.read, *result.missing, *result.warnings])
        assert password not in shown, name
        assert "password=" not in repr(result).replace("password_source=", ""), name


@settings(max_examples=60, deadline=None)
@given(
    accounts=st.lists(
        st.tuples(
            st.text(string.ascii_letters + string.digits + "_-.@", min_size=1, max_size=8),
            hosts,
            st.integers(1, 65535),
            st.sampled_from(Security),
        ),
        min_size=1,
        max_size=4,
        unique_by=lambda a: a[0],
    ),
    default=st.integers(0, 3),
)
def test_generated_msmtp_files_with_several_accounts(
    accounts: list[tuple[str, str, int, Security]], default: int
) -> None:
    assume(all(name != "default" for name, *_rest in accounts))
    lines = ["defaults", "tls on", "auth on"]
    for name, host, port, security in accounts:
        lines += [f"account {name}", f"host {host}", f"port {port}"]
        lines.append("tls off" if security is Security.NONE else "tls on")
        lines.append(f"tls_starttls {'off' if security is Security.TLS else 'on'}")
    chosen = accounts[default % len(accounts)]
    lines.append(f"account default : {chosen[0]}")
    result = parse_settings("\n".join(lines), "msmtprc")
    for name, host, port, security in accounts:
        account = next(a for a in result.accounts if a.name == name)
        assert (account.host, account.port, account.security) == (host, port, security)
    assert result.default_account.name == "default"
    assert (result.default_account.host, result.default_account.port) == (chosen[1], chosen[2])


@settings(max_examples=60, deadline=None)
@given(
    servers=st.lists(
        st.tuples(hosts, st.integers(0, 65535), st.sampled_from([0, 2, 3]), st.none() | logins),
        min_size=1,
        max_size=4,
    ),
    default=st.integers(0, 3),
)
def test_generated_thunderbird_prefs(
    servers: list[tuple[str, int, int, str | None]], default: int
) -> None:
    from smtpwizard.core.exporters.common import js_str

    keys = [f"smtp{i + 1}" for i in range(len(servers))]
    lines = [f'user_pref("mail.smtpservers", {js_str(",".join(keys))});']
    lines.append(f'user_pref("mail.smtp.defaultserver", "{keys[default % len(keys)]}");')
    for key, (host, port, try_ssl, username) in zip(keys, servers, strict=True):
        prefix = f"mail.smtpserver.{key}."
        lines.append(f'user_pref("{prefix}hostname", {js_str(host)});')
        lines.append(f'user_pref("{prefix}port", {port});')
        lines.append(f'user_pref("{prefix}try_ssl", {try_ssl});')
        if username:
            lines.append(f'user_pref("{prefix}username", {js_str(username)});')
    result = parse_settings("\n".join(reversed(lines)), "prefs.js")
    assert [a.name for a in result.accounts] == keys
    assert result.default_account.name == keys[default % len(keys)]
    modes = {0: Security.NONE, 2: Security.STARTTLS, 3: Security.TLS}
    for account, (host, port, try_ssl, username) in zip(result.accounts, servers, strict=True):
        assert account.host == host
        assert account.security is modes[try_ssl]
        assert account.port == (port or (465 if try_ssl == 3 else 587))  # as Thunderbird
        assert account.username == username
