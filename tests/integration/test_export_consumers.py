"""Real consumers send mail to a loopback server using only what an export wrote.

The chain is the one a person follows: ``smtpwizard probe --json`` against a real server,
``smtpwizard export`` of that result, then a program that reads nothing but the exported
file. The servers only accept a login over TLS, so a delivered message also proves the
consumer encrypted the connection the way the export said.

The test CA is not in the system's trust store. Each consumer is told to trust it the way
an administrator would for a private CA, outside the export: Python's ``cafile``, OpenSSL's
``SSL_CERT_FILE`` for Django, and a ``tls_trust_file`` line appended to the msmtp file.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import smtplib
import ssl
import subprocess
import sys
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from smtpwizard.cli import export as export_cli
from smtpwizard.core.auth.keyring import keyring_service
from smtpwizard.core.exporters.base import ExportOptions
from smtpwizard.core.exporters.base import registry
from smtpwizard.core.model import Security
from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.support.cli import probe_args
from tests.support.cli import smtpwizard
from tests.support.exportconfig import make_config
from tests.support.exportparse import parse_env
from tests.support.exportparse import parse_msmtprc
from tests.support.secrets import leaks
from tests.support.smtpd import SmtpServer

StartSmtp = Callable[..., SmtpServer]
RECIPIENT = "bob@example.test"
MODES = ["tls", "starttls"]
#: Python's smtplib (3.11) sends the login as ASCII, so its consumers get an ASCII password;
#: msmtp gets the suite's non-ASCII one.
ASCII_PASSWORD = "correct horse battery 9!"


def probe(
    server: SmtpServer, mode: str, ca_file: Path, tmp_path: Path, password: str = PASSWORD
) -> Path:
    """Runs the real probe against ``server`` and saves its JSON document."""
    run = smtpwizard(
        *probe_args(server.port, "--security", mode, "--cafile", str(ca_file), server=server.host),
        *("--password-stdin", "--json"),
        stdin=password + "\n",
    )
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert document["recommended"]["security"] == mode
    path = tmp_path / "result.json"
    path.write_text(run.stdout, encoding="utf-8")
    # From here on the server sees only the consumer.
    with server.seen.lock:
        server.seen.attempts.clear()
        server.seen.messages.clear()
    return path


def export(
    result: Path, name: str, target: Path, password: bool = False, secret: str = PASSWORD
) -> str:
    """``smtpwizard export`` into ``target``; returns what it wrote."""
    parser = argparse.ArgumentParser()
    export_cli.add_parser(parser.add_subparsers())
    argv = ["export", "--format", name, "--input", str(result), "-o", str(target)]
    if password:
        argv += ["--include-password", "--password-stdin"]
    err = io.StringIO()
    code = export_cli.run(parser.parse_args(argv), io.StringIO(secret + "\n"), io.StringIO(), err)
    assert code == 0, err.getvalue()
    text = target.read_text(encoding="utf-8")
    if not password:
        assert leaks(text, secret, USER) == []
    return text


def delivered(server: SmtpServer, subject: str) -> None:
    """The server accepted exactly one message, after a successful login, with ``subject``."""
    seen = server.seen
    assert [(a.login, a.success) for a in seen.attempts] == [(USER, True)]
    [message] = seen.messages
    assert message.mail_from == USER
    assert message.rcpt_tos == [RECIPIENT]
    content = message.content
    assert isinstance(content, bytes)
    assert f"Subject: {subject}".encode() in content


def message(subject: str, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = RECIPIENT
    msg["Subject"] = subject
    msg.set_content("sent with an exported configuration\n")
    return msg


def send_with_smtplib(settings: dict[str, Any], password: str, ca_file: Path, subject: str) -> None:
    """A small program that knows only the generic SMTP_* settings, as FORMATS describes."""
    context = ssl.create_default_context(cafile=str(ca_file))
    host, port, security = settings["host"], int(settings["port"]), settings["security"]
    client: smtplib.SMTP
    if security == "tls":
        client = smtplib.SMTP_SSL(host, port, context=context, timeout=30)
    else:
        client = smtplib.SMTP(host, port, timeout=30)
        if security == "starttls":
            client.starttls(context=context)
    with client:
        client.login(settings["username"], password)
        client.send_message(message(subject, settings["from"]))


@pytest.mark.parametrize("mode", MODES)
def test_smtplib_with_the_dotenv_export(
    mode: str, smtp_server: StartSmtp, ca_file: Path, tmp_path: Path
) -> None:
    server = smtp_server(mode=mode, users={USER: ASCII_PASSWORD})
    result = probe(server, mode, ca_file, tmp_path, ASCII_PASSWORD)
    text = export(result, "dotenv", tmp_path / "smtp.env", password=True, secret=ASCII_PASSWORD)
    values = parse_env(text)
    settings = {
        "host": values["SMTP_HOST"],
        "port": values["SMTP_PORT"],
        "security": values["SMTP_SECURITY"],
        "username": values["SMTP_USERNAME"],
        "from": values["SMTP_FROM"],
    }
    send_with_smtplib(settings, values["SMTP_PASSWORD"], ca_file, f"dotenv {mode}")
    delivered(server, f"dotenv {mode}")


@pytest.mark.parametrize("mode", MODES)
def test_smtplib_with_the_json_export_and_the_password_from_the_environment(
    mode: str, smtp_server: StartSmtp, ca_file: Path, tmp_path: Path
) -> None:
    server = smtp_server(mode=mode, users={USER: ASCII_PASSWORD})
    result = probe(server, mode, ca_file, tmp_path, ASCII_PASSWORD)
    doc = json.loads(export(result, "json", tmp_path / "smtp.json", secret=ASCII_PASSWORD))
    smtp = doc["smtp"]
    environment = {smtp["password_env"]: ASCII_PASSWORD}  # where the export says the secret lives
    settings = {**smtp, "from": doc["email"]}
    send_with_smtplib(settings, environment[smtp["password_env"]], ca_file, f"json {mode}")
    delivered(server, f"json {mode}")


@pytest.mark.parametrize("mode", MODES)
def test_django_smtp_backend_with_the_django_export(
    mode: str, smtp_server: StartSmtp, ca_file: Path, tmp_path: Path
) -> None:
    pytest.importorskip("django", reason="Django is in the test extra: pip install -e .[test]")
    server = smtp_server(mode=mode, users={USER: ASCII_PASSWORD})
    result = probe(server, mode, ca_file, tmp_path, ASCII_PASSWORD)
    # The export is the whole settings module; the password comes from the environment.
    export(result, "django", tmp_path / "exported_mail_settings.py", secret=ASCII_PASSWORD)
    script = (
        "from django.core.mail import send_mail\n"
        "from django.core.mail.utils import DNS_NAME\n"
        # The EHLO name, fixed so that Django does not look up this machine's name in DNS.
        "DNS_NAME._fqdn = 'localhost'\n"
        f"sent = send_mail('django {mode}', 'body', None, [{RECIPIENT!r}])\n"
        "assert sent == 1, sent\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={
            **os.environ,
            "PYTHONPATH": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "exported_mail_settings",
            "SMTP_PASSWORD": ASCII_PASSWORD,
            # OpenSSL's default trust store, which Django's ssl.create_default_context() uses.
            "SSL_CERT_FILE": str(ca_file),
        },
        check=False,
    )
    assert run.returncode == 0, run.stderr
    delivered(server, f"django {mode}")
    [envelope] = server.seen.messages
    assert b"From: alice@example.test" in envelope.content  # type: ignore[operator]


def _msmtp() -> str:
    binary = shutil.which("msmtp")
    if binary is None:
        pytest.skip("msmtp is not installed (Debian: apt-get install msmtp; packaging/dev test)")
    return binary


def send_with_msmtp(
    config: Path, subject: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    msg = message(subject, USER)
    return subprocess.run(
        [_msmtp(), "-C", str(config), RECIPIENT],
        input=msg.as_string(),
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HOME": str(config.parent), **(env or {})},
        check=False,
    )


@pytest.mark.parametrize("mode", MODES)
def test_msmtp_with_the_msmtp_export(
    mode: str, smtp_server: StartSmtp, ca_file: Path, tmp_path: Path
) -> None:
    _msmtp()
    server = smtp_server(mode=mode)
    result = probe(server, mode, ca_file, tmp_path)
    config = tmp_path / "msmtprc"
    text = export(result, "msmtp", config, password=True)
    assert parse_msmtprc(text)["default"]["tls_starttls"] == ("on" if mode == "starttls" else "off")
    assert "tls_trust_file" not in text
    with config.open("a", encoding="utf-8") as stream:
        stream.write(f"tls_trust_file {ca_file}\n")
    run = send_with_msmtp(config, f"msmtp {mode}")
    assert run.returncode == 0, run.stderr
    delivered(server, f"msmtp {mode}")


@pytest.mark.parametrize(
    "password", [' "quoted\\ and spaced" ', '"enclosed"', '"half', "#not a comment;"]
)
def test_msmtp_reads_awkward_passwords_as_written(
    password: str, smtp_server: StartSmtp, ca_file: Path, tmp_path: Path
) -> None:
    _msmtp()
    server = smtp_server(mode="starttls", users={USER: password})
    config_value = make_config(
        Security.STARTTLS,
        host=server.host,
        port=server.port,
        username=USER,
        password=password,
        incoming=False,
    )
    text = registry()["msmtp"].render(config_value, ExportOptions(include_password=True))
    assert isinstance(text, str)
    config = tmp_path / "msmtprc"
    config.write_text(text + f"tls_trust_file {ca_file}\n", encoding="utf-8")
    config.chmod(0o600)
    run = send_with_msmtp(config, "awkward")
    assert run.returncode == 0, run.stderr
    delivered(server, "awkward")


@pytest.mark.parametrize("mode", MODES)
def test_msmtp_takes_the_password_from_the_keyring_lookup_the_export_names(
    mode: str, smtp_server: StartSmtp, ca_file: Path, tmp_path: Path
) -> None:
    _msmtp()
    server = smtp_server(mode=mode)
    result = probe(server, mode, ca_file, tmp_path)
    config = tmp_path / "msmtprc"
    text = export(result, "msmtp", config)
    account = parse_msmtprc(text)["default"]
    assert "password" not in account
    assert account["passwordeval"].startswith("python3 -m keyring get ")
    with config.open("a", encoding="utf-8") as stream:
        stream.write(f"tls_trust_file {ca_file}\n")
    # The entry smtpwizard stores (credentials.keyring_service), in a keyring that the
    # exported command reads through the real keyring command line.
    entry = {f"{keyring_service(server.host)} {USER}": PASSWORD}
    venv_bin = Path(sys.executable).parent
    run = send_with_msmtp(
        config,
        f"keyring {mode}",
        env={
            "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
            "PYTHON_KEYRING_BACKEND": "tests.support.envkeyring.EnvKeyring",
            "SMTPWIZARD_TEST_KEYRING": json.dumps(entry),
        },
    )
    assert run.returncode == 0, run.stderr
    delivered(server, f"keyring {mode}")
