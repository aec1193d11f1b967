"""Every export with a runnable consumer is proven by it: the program sends a real message to
a loopback server using only the exported file (and the password where the format needs it).

The chain is the one a person follows: ``smtpwizard probe --json`` against a real server,
``smtpwizard export`` of that result, then the program. The test servers' certificates come
from a private CA, given to the probe with ``--cafile``, as for a company's or a self-hosted
server: the exports carry that CA where their format can name one, and where it cannot, the
test does what the file tells the person to do (and nothing more).

What arrived is checked: the login (and only one), the envelope sender, the From header,
the recipient, and that the message came encrypted. Then each consumer meets a server on the
same address whose certificate names another host, and must refuse it before it logs in.
"""

from __future__ import annotations

import argparse
import email
import io
import json
import smtplib
import ssl
import sys
import time
import urllib.parse
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from smtpwizard.cli import export as export_cli
from smtpwizard.core.auth.keyring import CredentialStore
from smtpwizard.core.auth.keyring import keyring_service
from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.support import consumers as c
from tests.support.certs import CertSet
from tests.support.cli import probe_args
from tests.support.cli import smtpwizard
from tests.support.exportparse import parse_msmtprc
from tests.support.keyrings import MemoryKeyring
from tests.support.postfix import Postfix
from tests.support.secrets import leaks
from tests.support.smtpd import SmtpServer

RECIPIENT = "bob@example.test"
MODES = ["tls", "starttls"]
#: Python's smtplib sends the login as ASCII, so Python consumers get this password (their
#: exports warn about any other); every other consumer gets the suite's non-ASCII one.
#: Its quote, dollar, backquote and backslash are what shells and .env readers treat
#: specially.
ASCII_PASSWORD = "correct horse battery 9! it's $HOME `id` \\"
BODY = "sent with an exported configuration\n"


@dataclass
class Site:
    """A server and the probe result that proved it."""

    server: SmtpServer
    result: Path
    password: str
    host: str

    def clear(self) -> None:
        with self.server.seen.lock:
            self.server.seen.attempts.clear()
            self.server.seen.messages.clear()
            self.server.seen.encrypted.clear()


def probe(
    server: SmtpServer, mode: str, ca_file: Path, folder: Path, password: str, host: str
) -> Path:
    """Runs the real probe against ``server``, named ``host``, and saves its document."""
    resolve = [] if host == server.host else ["--resolve", f"{host}={server.host}"]
    run = smtpwizard(
        *probe_args(server.port, "--security", mode, "--cafile", str(ca_file), server=host),
        *resolve,
        *("--password-stdin", "--json"),
        stdin=password + "\n",
    )
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert document["recommended"]["security"] == mode
    assert document["trust"]["cafile_needed"] is True
    path = folder / "result.json"
    path.write_text(run.stdout, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sites(certs: CertSet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """``sites(mode, password)``: a server proven by the probe (one per mode, password and
    name, kept for the module); ``sites(mode, password, impostor=True)``: the same, then
    replaced on the same address by a server whose certificate names another host.
    ``host`` is the name the probe (and so the export) gives the server: its address, or
    ``localhost`` for consumers that only match names on certificates."""
    made: dict[tuple[str, str, bool, str], Site] = {}

    def get(mode: str, password: str, impostor: bool = False, host: str = "127.0.0.1") -> Site:
        key = (mode, password, impostor, host)
        if key not in made:
            folder = tmp_path_factory.mktemp("site")
            server = SmtpServer(mode=mode, cert=certs.good, users={USER: password}).start()
            result = probe(server, mode, certs.ca_file, folder, password, host)
            if impostor:
                port = server.port
                server.stop()
                server = SmtpServer(
                    mode=mode, cert=certs.wrong_name, users={USER: password}, port=port
                ).start()
            made[key] = Site(server, result, password, host)
        site = made[key]
        site.clear()
        return site

    yield get
    for site in made.values():
        site.server.stop()


def export(site: Site, name: str, target: Path, *, include_password: bool = False) -> str:
    """``smtpwizard export`` into ``target``, with smtpwizard's keyring entry for the login;
    returns what it wrote."""
    parser = argparse.ArgumentParser()
    export_cli.add_parser(parser.add_subparsers())
    argv = ["export", "--format", name, "--input", str(site.result), "-o", str(target)]
    if include_password:
        argv += ["--include-password", "--password-stdin"]
    backend = MemoryKeyring()
    backend.set_password(keyring_service(site.host), USER, site.password)
    err = io.StringIO()
    code = export_cli.run(
        parser.parse_args(argv),
        io.StringIO(site.password + "\n"),
        io.StringIO(),
        err,
        store=CredentialStore(backend),
    )
    assert code == 0, err.getvalue()
    text = target.read_text(encoding="utf-8")
    if not include_password:
        assert leaks(text, site.password, USER) == []
    return text


def keyring_env(site: Site) -> dict[str, str]:
    """What a consumer process needs for ``smtpwizard secret`` to find the stored password."""
    entry = {f"{keyring_service(site.host)} {USER}": site.password}
    return {
        "PATH": c.smtpwizard_path(),
        "PYTHONPATH": str(c.ROOT),
        "PYTHON_KEYRING_BACKEND": c.KEYRING_BACKEND,
        "SMTPWIZARD_TEST_KEYRING": json.dumps(entry),
    }


def delivered(site: Site, subject: str) -> None:
    """Exactly one message arrived, encrypted, after one successful login, from the
    address (envelope and From header) to the recipient."""
    seen = site.server.seen
    assert [(a.login, a.success) for a in seen.attempts] == [(USER, True)]
    [envelope] = seen.messages
    assert seen.encrypted == [True]
    assert envelope.mail_from == USER
    assert envelope.rcpt_tos == [RECIPIENT]
    content = envelope.content
    assert isinstance(content, bytes)
    message = email.message_from_bytes(content)
    assert message["Subject"] == subject
    assert USER in str(message["From"])


def refused(site: Site, run: Any) -> None:
    """The consumer failed, and the server saw no login and no message."""
    assert run.returncode != 0, run.stdout + run.stderr
    assert site.server.seen.attempts == []
    assert site.server.seen.messages == []


def message(subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = USER
    msg["To"] = RECIPIENT
    msg["Subject"] = subject
    msg.set_content(BODY)
    return msg


# --- the consumers ----------------------------------------------------------------------------
#
# Each takes a site, a folder and a subject, exports its format, runs its program and returns
# the finished process.

Send = Callable[[Site, Path, str], Any]


def send_msmtp(site: Site, folder: Path, subject: str) -> Any:
    """msmtp with its exported file alone: the CA file and the keyring's password through
    ``smtpwizard secret`` come from the file."""
    binary = c.need("msmtp", "msmtp")
    config = folder / "msmtprc"
    account = parse_msmtprc(export(site, "msmtp", config))["default"]
    assert account["passwordeval"].startswith("smtpwizard secret ")
    config.chmod(0o600)
    return c.run(
        [binary, "-C", str(config), RECIPIENT],
        env={"HOME": str(folder), **keyring_env(site)},
        stdin=message(subject).as_string(),
    )


def send_git(site: Site, folder: Path, subject: str) -> Any:
    """git send-email with the exported section as its whole configuration; the password
    comes from the credential helper the export sets up."""
    git = c.need("git", "git")
    c.need_file("/usr/lib/git-core/git-send-email", "git-email")
    config = folder / "gitconfig"
    export(site, "git-send-email", config)
    patch = folder / "0001-note.patch"
    patch.write_text(message(subject).as_string(), encoding="utf-8")
    return c.run(
        [
            git,
            "send-email",
            "--confirm=never",
            "--quiet",
            "--no-validate",
            "--suppress-cc=all",  # a note, not a patch: no copy to its author
            f"--to={RECIPIENT}",
            # The EHLO name, without asking DNS for this machine's.
            "--smtp-domain=localhost",
            str(patch),
        ],
        env={
            "HOME": str(folder),
            "GIT_CONFIG_GLOBAL": str(config),
            "GIT_CONFIG_NOSYSTEM": "1",
            # git wants to know who runs it (the exported From is the sender).
            "GIT_COMMITTER_NAME": "Alice",
            "GIT_COMMITTER_EMAIL": USER,
            "GIT_AUTHOR_NAME": "Alice",
            "GIT_AUTHOR_EMAIL": USER,
            **keyring_env(site),
        },
        cwd=folder,
    )


def send_smtplib(settings: dict[str, Any], password: str, subject: str) -> None:
    """A small program that knows only the generic settings, including the CA file."""
    context = ssl.create_default_context(cafile=settings.get("ca_file"))
    host, port, security = settings["host"], int(settings["port"]), settings["security"]
    client: smtplib.SMTP
    if security == "tls":
        client = smtplib.SMTP_SSL(host, port, local_hostname="localhost", context=context)
    else:
        client = smtplib.SMTP(host, port, local_hostname="localhost")
        if security == "starttls":
            client.starttls(context=context)
    with client:
        client.login(settings["username"], password)
        client.send_message(message(subject))


@dataclass
class Done:
    """A finished in-process consumer, shaped like a finished process."""

    returncode: int
    stdout: str = ""
    stderr: str = ""


def in_process(work: Callable[[], None]) -> Done:
    try:
        work()
    except (OSError, smtplib.SMTPException) as exc:
        return Done(1, stderr=repr(exc))
    return Done(0)


def send_dotenv(site: Site, folder: Path, subject: str) -> Any:
    """The generic .env (with the password, as the person may ask), read by a POSIX shell
    (``set -a; . ./smtp.env``)."""
    path = folder / "smtp.env"
    export(site, "dotenv", path, include_password=True)
    values = c.sh_env(path)
    settings = {
        "host": values["SMTP_HOST"],
        "port": values["SMTP_PORT"],
        "security": values["SMTP_SECURITY"],
        "username": values["SMTP_USERNAME"],
        "ca_file": values["SMTP_CA_FILE"],
    }
    return in_process(lambda: send_smtplib(settings, values["SMTP_PASSWORD"], subject))


def send_json(site: Site, folder: Path, subject: str) -> Any:
    """The JSON export; the password from the variable it names."""
    smtp = json.loads(export(site, "json", folder / "smtp.json"))["smtp"]
    environment = {smtp["password_env"]: site.password}
    return in_process(lambda: send_smtplib(smtp, environment[smtp["password_env"]], subject))


#: Python programs take Django's and Flask-Mail's names for this machine from DNS; a fixed
#: one keeps the tests off the resolver.
NO_DNS = "import socket; socket.getfqdn = lambda name='': 'localhost'\n"


def python_env(site: Site, folder: Path, **more: str) -> dict[str, str]:
    return {"PYTHONPATH": str(folder), "SMTP_PASSWORD": site.password, **more}


def send_django(site: Site, folder: Path, subject: str) -> Any:
    """Django's SMTP backend with the exported settings module. Django cannot name a CA
    file; the export says to start it with SSL_CERT_FILE, and so the test does."""
    pytest.importorskip("django", reason="Django is in the test extra: pip install -e .[test]")
    text = export(site, "django", folder / "exported_mail_settings.py")
    assert f"SSL_CERT_FILE={c.ROOT}" not in text  # the path named is the probe's CA file
    script = NO_DNS + (
        "from django.core.mail import send_mail\n"
        f"assert send_mail({subject!r}, 'body', None, [{RECIPIENT!r}]) == 1\n"
    )
    ca_file = _named_ca(text)
    return c.run(
        [sys.executable, "-c", script],
        env=python_env(
            site,
            folder,
            DJANGO_SETTINGS_MODULE="exported_mail_settings",
            SSL_CERT_FILE=ca_file,
        ),
        cwd=folder,
    )


def send_email_url(site: Site, folder: Path, subject: str) -> Any:
    """django-environ reading the exported EMAIL_URL (with the password in it), then
    Django's backend."""
    pytest.importorskip("environ", reason="django-environ is in the test extra")
    text = export(site, "django-email-url", folder / "email.env", include_password=True)
    (folder / "url_settings.py").write_text(
        "import environ\n"
        f"env = environ.Env()\nenviron.Env.read_env({str(folder / 'email.env')!r})\n"
        "vars().update(env.email_url('EMAIL_URL'))\n"
        f"DEFAULT_FROM_EMAIL = {USER!r}\n",
        encoding="utf-8",
    )
    script = NO_DNS + (
        "from django.core.mail import send_mail\n"
        f"assert send_mail({subject!r}, 'body', None, [{RECIPIENT!r}]) == 1\n"
    )
    return c.run(
        [sys.executable, "-c", script],
        env=python_env(
            site, folder, DJANGO_SETTINGS_MODULE="url_settings", SSL_CERT_FILE=_named_ca(text)
        ),
        cwd=folder,
    )


def send_flask(site: Site, folder: Path, subject: str) -> Any:
    """Flask-Mail with the exported configuration file."""
    pytest.importorskip("flask_mail", reason="Flask-Mail is in the test extra")
    export(site, "flask-mail", folder / "mail_config.py")
    script = NO_DNS + (
        "from flask import Flask\nfrom flask_mail import Mail, Message\n"
        "app = Flask('consumer')\n"
        f"app.config.from_pyfile({str(folder / 'mail_config.py')!r})\n"
        "with app.app_context():\n"
        f"    Mail(app).send(Message({subject!r}, recipients=[{RECIPIENT!r}], body='body'))\n"
    )
    return c.run([sys.executable, "-c", script], env=python_env(site, folder), cwd=folder)


def _named_ca(text: str) -> str:
    """The CA file an export tells the person to give the program (SSL_CERT_FILE=...)."""
    marker = "SSL_CERT_FILE="
    assert marker in text, "the export must say how to trust the CA the server needed"
    return text.split(marker, 1)[1].split()[0]


def _php_ca(text: str) -> str:
    """The CA file a PHP export tells the person to set as openssl.cafile in php.ini."""
    marker = "openssl.cafile = "
    assert marker in text, "the export must say how to trust the CA the server needed"
    return text.split(marker, 1)[1].split()[0]


def send_phpmailer(site: Site, folder: Path, subject: str) -> Any:
    """PHPMailer running the exported set-up code (its SMTPOptions name the CA file)."""
    c.need_file("/usr/share/php/libphp-phpmailer/autoload.php", "libphp-phpmailer")
    path = folder / "mailer.php"
    export(site, "phpmailer", path)
    return c.php(
        "phpmailer.php", str(path), RECIPIENT, subject, env={"SMTP_PASSWORD": site.password}
    )


def send_wordpress(site: Site, folder: Path, subject: str) -> Any:
    """The WP Mail SMTP constants, applied to PHPMailer as the plugin does; php.ini's
    openssl.cafile as the export says."""
    c.need_file("/usr/share/php/libphp-phpmailer/autoload.php", "libphp-phpmailer")
    path = folder / "wp-mail-smtp.php"
    text = export(site, "wp-mail-smtp", path)
    return c.php(
        "wordpress.php",
        str(path),
        RECIPIENT,
        subject,
        cafile=_php_ca(text),
        env={"SMTP_PASSWORD": site.password},
    )


def send_symfony(site: Site, folder: Path, subject: str) -> Any:
    """Symfony Mailer with the exported MAILER_DSN; the password percent-encoded in the
    variable, and php.ini's openssl.cafile, as the export says."""
    c.need_file("/usr/share/php/Symfony/Component/Mailer/autoload.php", "php-symfony-mailer")
    c.need_file("/usr/share/php/Symfony/Component/Dotenv/autoload.php", "php-symfony-dotenv")
    path = folder / "mailer.env"
    text = export(site, "symfony", path)
    return c.php(
        "symfony.php",
        str(path),
        USER,
        RECIPIENT,
        subject,
        cafile=_php_ca(text),
        env={"SMTP_PASSWORD": urllib.parse.quote(site.password, safe="")},
    )


def send_laravel(site: Site, folder: Path, subject: str) -> Any:
    """Laravel 8 (Debian's) with the exported .env; php.ini's openssl.cafile as it says."""
    c.need_file("/usr/share/php/Illuminate/Mail/autoload.php", "php-laravel-framework")
    path = folder / "laravel-mail.env"
    text = export(site, "laravel", path)
    return c.php(
        "laravel.php",
        str(path),
        RECIPIENT,
        subject,
        cafile=_php_ca(text),
        env={"SMTP_PASSWORD": site.password, "APP_NAME": "consumer"},
    )


def send_nodemailer(site: Site, folder: Path, subject: str) -> Any:
    """Nodemailer with the exported module (From and CA file included)."""
    path = folder / "mailer.js"
    export(site, "nodemailer", path)
    return c.node(str(path), RECIPIENT, subject, env={"SMTP_PASSWORD": site.password})


def send_rails(site: Site, folder: Path, subject: str) -> Any:
    """ActionMailer (Debian's Rails 6.1) with the exported settings."""
    path = folder / "smtp_settings.rb"
    export(site, "rails", path)
    return c.ruby(str(path), USER, RECIPIENT, subject, env={"SMTP_PASSWORD": site.password})


@pytest.fixture(scope="module")
def java_classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return c.compile_java(tmp_path_factory.mktemp("java"))


def send_spring(site: Site, folder: Path, subject: str, classes: Path) -> Any:
    """Jakarta Mail with the exported properties, bound as Spring Boot binds them."""
    path = folder / "mail.properties"
    export(site, "spring-boot", path)
    return c.java(
        classes, str(path), USER, RECIPIENT, subject, env={"SMTP_PASSWORD": site.password}
    )


CONSUMERS: dict[str, tuple[Send, str]] = {
    "msmtp": (send_msmtp, PASSWORD),
    "git-send-email": (send_git, PASSWORD),
    "dotenv": (send_dotenv, ASCII_PASSWORD),
    "json": (send_json, ASCII_PASSWORD),
    "django": (send_django, ASCII_PASSWORD),
    "django-email-url": (send_email_url, ASCII_PASSWORD),
    "flask-mail": (send_flask, ASCII_PASSWORD),
    "phpmailer": (send_phpmailer, PASSWORD),
    "wp-mail-smtp": (send_wordpress, PASSWORD),
    "symfony": (send_symfony, PASSWORD),
    "laravel": (send_laravel, PASSWORD),
    "nodemailer": (send_nodemailer, PASSWORD),
    "rails": (send_rails, PASSWORD),
}
#: Consumers that send without checking the certificate, as their export warns.
UNCHECKED = {"flask-mail"}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(CONSUMERS))
def test_consumer_sends_with_the_export(name: str, mode: str, sites: Any, tmp_path: Path) -> None:
    send, password = CONSUMERS[name]
    site = sites(mode, password)
    subject = f"{name} {mode}"
    run = send(site, tmp_path, subject)
    assert run.returncode == 0, run.stdout + run.stderr
    delivered(site, subject)


@pytest.mark.parametrize("name", sorted(set(CONSUMERS) - UNCHECKED))
def test_consumer_refuses_a_certificate_for_another_host(
    name: str, sites: Any, tmp_path: Path
) -> None:
    send, password = CONSUMERS[name]
    site = sites("starttls", password, impostor=True)
    refused(site, send(site, tmp_path, f"{name} impostor"))


def test_flask_mail_takes_any_certificate_as_its_export_warns(sites: Any, tmp_path: Path) -> None:
    site = sites("starttls", ASCII_PASSWORD, impostor=True)
    run = send_flask(site, tmp_path, "flask-mail impostor")
    assert run.returncode == 0, run.stderr
    text = (tmp_path / "mail_config.py").read_text(encoding="utf-8")
    assert "accepts any certificate" in text


@pytest.mark.parametrize("mode", MODES)
def test_spring_boot_properties_through_jakarta_mail(
    mode: str, sites: Any, java_classes: Path, tmp_path: Path
) -> None:
    site = sites(mode, PASSWORD, host="localhost")
    run = send_spring(site, tmp_path, f"spring {mode}", java_classes)
    assert run.returncode == 0, run.stdout + run.stderr
    delivered(site, f"spring {mode}")


def test_spring_boot_refuses_a_certificate_for_another_host(
    sites: Any, java_classes: Path, tmp_path: Path
) -> None:
    site = sites("starttls", PASSWORD, impostor=True, host="localhost")
    refused(site, send_spring(site, tmp_path, "spring impostor", java_classes))


# --- Postfix as a relay client ----------------------------------------------------------------


#: What Postfix logs when a certificate does not pass the check the export asks for.
REFUSALS = ("certificate verification failed", "Server certificate not verified")


def relay_through_postfix(site: Site, folder: Path, subject: str) -> Postfix:
    """Applies the exported main.cf lines to a throwaway Postfix, fills its password map as
    the export says, hands it one message and waits until it is delivered or refused."""
    text = export(site, "postfix", folder / "main.cf.smtpwizard")
    postfix = Postfix()
    try:
        lines = text.replace("/etc/postfix/", f"{postfix.folder}/")
        postfix.configure(lines)
        # The map's line, as the export shows it, with the password in it.
        [entry] = [line[4:] for line in lines.splitlines() if line.startswith("#   [")]
        table = postfix.folder / "sasl_passwd"
        table.write_text(entry.replace("YOUR-PASSWORD", site.password) + "\n", encoding="utf-8")
        table.chmod(0o600)
        postfix.postmap(table)
        postfix.start()
        postfix.submit(message(subject).as_string(), USER, RECIPIENT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not site.server.seen.messages:
            if any(refusal in postfix.log() for refusal in REFUSALS):
                break
            time.sleep(0.1)
    except BaseException:
        postfix.stop()
        raise
    return postfix


@pytest.mark.parametrize("mode", MODES)
def test_postfix_relays_with_the_export(mode: str, sites: Any, tmp_path: Path) -> None:
    site = sites(mode, PASSWORD, host="localhost")
    postfix = relay_through_postfix(site, tmp_path, f"postfix {mode}")
    try:
        log = postfix.log()
    finally:
        postfix.stop()
    assert site.server.seen.messages, log
    delivered(site, f"postfix {mode}")


def test_postfix_refuses_a_certificate_for_another_host(sites: Any, tmp_path: Path) -> None:
    site = sites("starttls", PASSWORD, impostor=True, host="localhost")
    postfix = relay_through_postfix(site, tmp_path, "postfix impostor")
    try:
        log = postfix.log()
    finally:
        postfix.stop()
    assert site.server.seen.attempts == []
    assert site.server.seen.messages == []
    assert any(refusal in log for refusal in REFUSALS), log
