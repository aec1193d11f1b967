"""Applications: the settings each framework or library reads, in its own words.

The ecosystems disagree on names. Implicit TLS (SSL/TLS, usually port 465) is "SSL" to
Django, Flask-Mail, PHPMailer and WP Mail SMTP, ``smtps://`` to Symfony and Laravel, and
``secure: true`` to Nodemailer; STARTTLS is their "TLS". ``smtps://`` means STARTTLS to
django-environ, so that export uses the unambiguous ``smtp+ssl``/``smtp+tls``. Each file says
which word it uses where a reader could be misled.

Passwords are written only when the person asked for it; otherwise each file reads the
password from an environment variable (``ExportOptions.password_env``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from smtpwizard.core.exporters.base import Caveats
from smtpwizard.core.exporters.base import ExportConfig
from smtpwizard.core.exporters.base import Exporter
from smtpwizard.core.exporters.base import ExportOptions
from smtpwizard.core.exporters.base import Render
from smtpwizard.core.exporters.base import register
from smtpwizard.core.exporters.common import TIMEOUT
from smtpwizard.core.exporters.common import caveat_lines
from smtpwizard.core.exporters.common import comment
from smtpwizard.core.exporters.common import env_exact
from smtpwizard.core.exporters.common import env_name
from smtpwizard.core.exporters.common import env_value
from smtpwizard.core.exporters.common import from_address
from smtpwizard.core.exporters.common import header
from smtpwizard.core.exporters.common import keyring_entry
from smtpwizard.core.exporters.common import keyring_lookup
from smtpwizard.core.exporters.common import no_pin_lines
from smtpwizard.core.exporters.common import no_trust_lines
from smtpwizard.core.exporters.common import py_str
from smtpwizard.core.exporters.common import python_caveats
from smtpwizard.core.exporters.common import secret_hint
from smtpwizard.core.exporters.common import token_lookup
from smtpwizard.core.exporters.common import url_part
from smtpwizard.core.exporters.common import when
from smtpwizard.core.exporters.common import written_password
from smtpwizard.core.model import Security
from smtpwizard.core.model import url_host

__all__ = [
    "EMAIL_URL_SCHEME",
    "app",
    "dotenv_caveats",
    "env_password",
    "python_trust_lines",
    "render_django",
    "render_dotenv",
    "render_email_url",
    "render_flask",
    "render_json",
]

_DOTNET = [
    ".NET: System.Net.Mail.SmtpClient's EnableSsl means STARTTLS only; it cannot use",
    "implicit TLS (SSL/TLS, port 465). Use MailKit there (SecureSocketOptions.SslOnConnect).",
]


def python_trust_lines(config: ExportConfig, program: str) -> list[str]:
    """What a Python program needs to check the certificate as the probe did, when its
    settings cannot say it: the CA file through OpenSSL's SSL_CERT_FILE, and no pins."""
    if config.smtp.security is Security.NONE:
        return []
    instead = (
        f"start the program with the environment variable SSL_CERT_FILE={config.ca_file}"
        " (Python's ssl module then trusts that file)"
    )
    return no_trust_lines(config, program, instead) + no_pin_lines(config, program)


def _python_settings(
    config: ExportConfig, options: ExportOptions, title: str, notes: list[str], keys: dict[str, str]
) -> str:
    """A Python settings block (Django, Flask): one ``NAME = literal`` per line."""
    smtp = config.smtp
    password = written_password(config, options)
    lines = [comment([*header(config, title), *notes, *secret_hint(config, options)]), ""]
    if password is None and smtp.username:
        lines += ["import os", ""]
    for name, value in keys.items():
        lines.append(f"{name} = {value}")
    return "\n".join(lines) + "\n"


def _python_password(config: ExportConfig, options: ExportOptions) -> str:
    password = written_password(config, options)
    if password is not None:
        return py_str(password)
    if not config.smtp.username:
        return py_str("")
    return f"os.environ[{py_str(env_name(options))}]"


def render_django(config: ExportConfig, options: ExportOptions) -> str:
    """Django ``settings.py`` lines for ``django.core.mail.backends.smtp.EmailBackend``."""
    smtp = config.smtp
    notes = [
        "EMAIL_USE_SSL is implicit TLS (SSL/TLS) and EMAIL_USE_TLS is STARTTLS; Django",
        "refuses both at once, so exactly one is True (neither without encryption).",
    ]
    keys = {
        "EMAIL_BACKEND": py_str("django.core.mail.backends.smtp.EmailBackend"),
        "EMAIL_HOST": py_str(smtp.host),
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_SSL": str(smtp.security is Security.TLS),
        "EMAIL_USE_TLS": str(smtp.security is Security.STARTTLS),
        "EMAIL_HOST_USER": py_str(smtp.username or ""),
        "EMAIL_HOST_PASSWORD": _python_password(config, options),
        "EMAIL_TIMEOUT": str(TIMEOUT),
        "DEFAULT_FROM_EMAIL": py_str(from_address(config)),
        "SERVER_EMAIL": py_str(config.email),
    }
    notes += python_trust_lines(config, "Django") + caveat_lines(python_caveats(config, "Django"))
    return _python_settings(config, options, "Django mail settings", notes, keys)


#: django-environ's schemes. Not ``smtps``: it means STARTTLS there but implicit TLS elsewhere.
EMAIL_URL_SCHEME = {Security.TLS: "smtp+ssl", Security.STARTTLS: "smtp+tls", Security.NONE: "smtp"}


def render_email_url(config: ExportConfig, options: ExportOptions) -> str:
    """``EMAIL_URL`` for django-environ (``env.email_url()``)."""
    smtp = config.smtp
    password = written_password(config, options)
    userinfo = ""
    if smtp.username:
        userinfo = url_part(smtp.username)
        if password is not None:
            userinfo += ":" + url_part(password)
        userinfo += "@"
    url = f"{EMAIL_URL_SCHEME[smtp.security]}://{userinfo}{url_host(smtp.host)}:{smtp.port}"
    notes = [
        'For django-environ: in settings.py, vars().update(env.email_url("EMAIL_URL")).',
        "smtp+ssl is implicit TLS (SSL/TLS) and smtp+tls is STARTTLS. Careful: to",
        "django-environ smtps:// means STARTTLS, while Symfony, Laravel and Nodemailer read",
        "smtps:// as implicit TLS, so it is not used here.",
        "User name and password are percent-encoded in the URL.",
    ]
    notes += python_trust_lines(config, "Django") + caveat_lines(python_caveats(config, "Django"))
    if password is None and smtp.username:
        notes += [
            "The password is not in the URL: after the line above, add",
            f'EMAIL_HOST_PASSWORD = env("{env_name(options)}")',
        ]
        notes += secret_hint(config, options)[1:]
    lines = [comment([*header(config, "django-environ EMAIL_URL"), *notes]), ""]
    lines.append(f"EMAIL_URL={env_value(url)}")
    return "\n".join(lines) + "\n"


def render_flask(config: ExportConfig, options: ExportOptions) -> str:
    """Flask-Mail configuration lines (``app.config.from_pyfile``)."""
    smtp = config.smtp
    notes = [
        "MAIL_USE_SSL is implicit TLS (SSL/TLS) and MAIL_USE_TLS is STARTTLS. Flask-Mail",
        "does not stop you setting both, but that breaks the connection: exactly one is True.",
    ]
    keys = {
        "MAIL_SERVER": py_str(smtp.host),
        "MAIL_PORT": str(smtp.port),
        "MAIL_USE_SSL": str(smtp.security is Security.TLS),
        "MAIL_USE_TLS": str(smtp.security is Security.STARTTLS),
        "MAIL_USERNAME": py_str(smtp.username) if smtp.username else "None",
        "MAIL_PASSWORD": _python_password(config, options) if smtp.username else "None",
        "MAIL_DEFAULT_SENDER": py_str(from_address(config)),
    }
    if smtp.security is not Security.NONE:
        notes += [
            "Warning: Flask-Mail (0.10 and older) asks Python's smtplib for encryption",
            "without a certificate check, so it accepts any certificate, even one made out",
            "to another server: the check smtpwizard made cannot be kept with Flask-Mail.",
            "Where that matters, send with a library that checks it (Django's mail backend",
            "does).",
        ]
    notes += caveat_lines(python_caveats(config, "Flask-Mail"))
    return _python_settings(config, options, "Flask-Mail settings", notes, keys)


def env_password(
    config: ExportConfig,
    options: ExportOptions,
    null: str = "",
    quote: Callable[[str], str] = env_value,
) -> str:
    """A .env password value (``quote`` writes it for the file's reader), or a reference to
    the variable that holds it."""
    password = written_password(config, options)
    if password is not None:
        return quote(password)
    if not config.smtp.username:
        return null
    return '"${' + env_name(options) + '}"'


def _dotenv_values(config: ExportConfig, options: ExportOptions) -> list[tuple[str, str]]:
    """The generic .env's variables and their values, unquoted."""
    smtp = config.smtp
    password = written_password(config, options)
    values = [
        ("SMTP_HOST", smtp.host),
        ("SMTP_PORT", str(smtp.port)),
        ("SMTP_SECURITY", str(smtp.security)),
        ("SMTP_USERNAME", smtp.username or ""),
        ("SMTP_FROM", config.email),
    ]
    if smtp.security is not Security.NONE and config.pinned_sha256:
        values.append(("SMTP_TLS_FINGERPRINT_SHA256", config.pinned_sha256))
    elif smtp.security is not Security.NONE and config.ca_file:
        values.append(("SMTP_CA_FILE", config.ca_file))
    if password is not None:
        values.append((env_name(options), password))
    return values


def dotenv_caveats(config: ExportConfig, options: ExportOptions) -> list[str]:
    """The generic .env's values that a shell and python-dotenv cannot both read back."""
    inexact = [key for key, value in _dotenv_values(config, options) if not env_exact(value)]
    if not inexact:
        return []
    return [
        f"{', '.join(inexact)} cannot be written so that both a POSIX shell and python-dotenv "
        "read it back unchanged (python-dotenv replaces ${...} everywhere and reads "
        "backslashes and quotes its own way). It is written as a shell reads it exactly; "
        "python-dotenv, phpdotenv and similar readers read something else or nothing, so "
        "give such programs this value another way."
    ]


def render_dotenv(config: ExportConfig, options: ExportOptions) -> str:
    """A generic ``.env`` with ``SMTP_*`` variables."""
    smtp = config.smtp
    notes = [
        "SMTP_SECURITY: tls = implicit TLS (SSL/TLS, encrypted from the first byte),",
        "starttls = plain first, then STARTTLS (must succeed), none = no encryption.",
        *_DOTNET,
    ]
    if smtp.security is not Security.NONE and config.pinned_sha256:
        notes += [
            "SMTP_TLS_FINGERPRINT_SHA256: the server's certificate could not be verified and",
            "you chose to trust this exact one by hand; accept no other.",
        ]
    elif smtp.security is not Security.NONE and config.ca_file:
        notes += [
            "SMTP_CA_FILE: check the server's certificate against this CA file (it needed it",
            "when tested); otherwise against the system's trusted authorities.",
        ]
    notes += caveat_lines(dotenv_caveats(config, options))
    lines = [
        comment([*header(config, "SMTP settings"), *notes, *secret_hint(config, options)]),
        *(f"{key}={env_value(value)}" for key, value in _dotenv_values(config, options)),
    ]
    return "\n".join(lines) + "\n"


def render_json(config: ExportConfig, options: ExportOptions) -> str:
    """The settings as a JSON document for scripts."""
    smtp = config.smtp
    password = written_password(config, options)
    server: dict[str, Any] = {
        "host": smtp.host,
        "port": smtp.port,
        "security": str(smtp.security),
        "implicit_tls": smtp.security is Security.TLS,
        "starttls": smtp.security is Security.STARTTLS,
        "username": smtp.username,
        "auth_mechanism": smtp.mechanism,
    }
    server["ca_file"] = config.ca_file if smtp.security is not Security.NONE else None
    server["pinned_sha256"] = config.pinned_sha256 if smtp.security is not Security.NONE else None
    record = config.sign_in
    if record is not None and smtp.username:
        server["sign_in"] = {
            "method": "oauth2",
            "issuer": record.issuer,
            "authorization_endpoint": record.authorization_endpoint,
            "token_endpoint": record.token_endpoint,
            "client_id": record.client_id,
            "scopes": list(record.scopes),
            "token_command": token_lookup(config),
        }
    elif password is not None:
        server["password"] = password
    elif smtp.username:
        server["password_env"] = env_name(options)
        entry = keyring_entry(config)
        if entry is not None:
            server["password_keyring"] = {
                "service": entry[0],
                "username": entry[1],
                "command": keyring_lookup(config),
                "stored": config.password_stored,
            }
    incoming = config.incoming
    doc: dict[str, Any] = {
        "format": "smtpwizard-settings",
        "version": 1,
        "email": config.email,
        "display_name": config.display_name or None,
        "smtp": server,
        "incoming": None
        if incoming is None
        else {
            "protocol": str(incoming.protocol),
            "host": incoming.host,
            "port": incoming.port,
            "security": str(incoming.security),
            "username": incoming.username,
            "tested": incoming.tested,
        },
        "tested": {
            "ok": smtp.tested,
            "at": when(config.tested_at) if config.tested_at else None,
            "at_iso": config.tested_at.isoformat() if config.tested_at else None,
            "from": config.tested_from or None,
            "login_tested": config.login_tested,
            "certificate_issuer": config.cert_issuer or None,
            "password_ascii": config.password_ascii,
            "summary": config.summary or None,
            "warnings": list(config.warnings),
        },
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def app(
    name: str,
    title: str,
    filename: str,
    render: Render,
    description: str,
    *,
    ca: bool = False,
    pin: bool = False,
    oauth: bool = False,
    caveats: Caveats | None = None,
) -> None:
    """Registers an application format (``ca``, ``pin``: what of the trust it can carry;
    ``oauth``: whether it can sign in with an OAuth 2.0 token; ``caveats``: see
    ``Exporter.caveats``)."""
    register(
        Exporter(
            name=name,
            title=title,
            filename=filename,
            family="application",
            needs_incoming=False,
            render=render,
            description=description,
            carries_ca=ca,
            carries_pin=pin,
            carries_oauth=oauth,
            caveats=caveats,
        )
    )


def _python(program: str) -> Caveats:
    return lambda config, _options: python_caveats(config, program)


app(
    "django",
    "Django settings",
    "mail_settings.py",
    render_django,
    "Lines for settings.py.",
    caveats=_python("Django"),
)
app(
    "django-email-url",
    "Django EMAIL_URL (django-environ)",
    "email_url.env",
    render_email_url,
    "One URL for env.email_url().",
    caveats=_python("Django"),
)
app(
    "flask-mail",
    "Flask-Mail settings",
    "mail_config.py",
    render_flask,
    "Flask config lines.",
    caveats=_python("Flask-Mail"),
)
app(
    "dotenv",
    "Generic .env (SMTP_*)",
    "smtp.env",
    render_dotenv,
    "SMTP_* variables.",
    ca=True,
    pin=True,
    caveats=dotenv_caveats,
)
app(
    "json",
    "JSON",
    "smtp.json",
    render_json,
    "The settings as JSON for scripts.",
    ca=True,
    pin=True,
    oauth=True,
)
