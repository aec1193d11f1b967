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
from typing import Any

from smtpwizard.core.exporters.base import ExportConfig
from smtpwizard.core.exporters.base import Exporter
from smtpwizard.core.exporters.base import ExportOptions
from smtpwizard.core.exporters.base import Render
from smtpwizard.core.exporters.base import register
from smtpwizard.core.exporters.common import TIMEOUT
from smtpwizard.core.exporters.common import comment
from smtpwizard.core.exporters.common import env_name
from smtpwizard.core.exporters.common import env_value
from smtpwizard.core.exporters.common import from_address
from smtpwizard.core.exporters.common import header
from smtpwizard.core.exporters.common import js_str
from smtpwizard.core.exporters.common import keyring_entry
from smtpwizard.core.exporters.common import keyring_lookup
from smtpwizard.core.exporters.common import one_line
from smtpwizard.core.exporters.common import properties_value
from smtpwizard.core.exporters.common import py_str
from smtpwizard.core.exporters.common import quoted_single
from smtpwizard.core.exporters.common import secret_hint
from smtpwizard.core.exporters.common import url_part
from smtpwizard.core.exporters.common import when
from smtpwizard.core.exporters.common import written_password
from smtpwizard.core.model import Security

__all__ = [
    "EMAIL_URL_SCHEME",
    "RAILS_AUTH",
    "render_django",
    "render_dotenv",
    "render_email_url",
    "render_flask",
    "render_json",
    "render_laravel",
    "render_nodemailer",
    "render_phpmailer",
    "render_rails",
    "render_spring",
    "render_symfony",
    "render_wordpress",
]

_DOTNET = [
    ".NET: System.Net.Mail.SmtpClient's EnableSsl means STARTTLS only; it cannot use",
    "implicit TLS (SSL/TLS, port 465). Use MailKit there (SecureSocketOptions.SslOnConnect).",
]


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
    url = f"{EMAIL_URL_SCHEME[smtp.security]}://{userinfo}{_url_host(smtp.host)}:{smtp.port}"
    notes = [
        'For django-environ: in settings.py, vars().update(env.email_url("EMAIL_URL")).',
        "smtp+ssl is implicit TLS (SSL/TLS) and smtp+tls is STARTTLS. Careful: to",
        "django-environ smtps:// means STARTTLS, while Symfony, Laravel and Nodemailer read",
        "smtps:// as implicit TLS, so it is not used here.",
        "User name and password are percent-encoded in the URL.",
    ]
    if password is None and smtp.username:
        notes += [
            "The password is not in the URL: after the line above, add",
            f'EMAIL_HOST_PASSWORD = env("{env_name(options)}")',
        ]
        notes += secret_hint(config, options)[1:]
    lines = [comment([*header(config, "django-environ EMAIL_URL"), *notes]), ""]
    lines.append(f"EMAIL_URL={env_value(url)}")
    return "\n".join(lines) + "\n"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


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
    return _python_settings(config, options, "Flask-Mail settings", notes, keys)


def _env_password(config: ExportConfig, options: ExportOptions, null: str = "") -> str:
    """A .env password value, or a reference to the variable that holds it."""
    password = written_password(config, options)
    if password is not None:
        return env_value(password)
    if not config.smtp.username:
        return null
    return '"${' + env_name(options) + '}"'


def render_laravel(config: ExportConfig, options: ExportOptions) -> str:
    """Laravel ``.env`` lines: ``MAIL_SCHEME`` (current) and ``MAIL_ENCRYPTION`` (10 and 11)."""
    smtp = config.smtp
    scheme = "smtps" if smtp.security is Security.TLS else "smtp"
    notes = [
        "MAIL_SCHEME (Laravel 11.x with the current config/mail.php, and 12): smtps is",
        "implicit TLS (SSL/TLS); smtp starts plain and switches to STARTTLS when the server",
        "offers it.",
        "MAIL_ENCRYPTION is what older apps (Laravel 10 and 11 configs) read instead: tls",
        "turns encryption on and the port decides the kind (465 implicit TLS, else STARTTLS).",
    ]
    if smtp.security is Security.TLS and smtp.port != 465:
        notes += [
            f"On port {smtp.port} only MAIL_SCHEME=smtps gives implicit TLS: an app that",
            "reads only MAIL_ENCRYPTION would try STARTTLS there and fail.",
        ]
    if smtp.security is Security.STARTTLS:
        notes += [
            "The server offered STARTTLS when tested; Laravel uses it whenever offered, but",
            "a .env cannot make it mandatory.",
        ]
    if smtp.security is Security.NONE:
        notes += ["Tested without encryption: Laravel will still use STARTTLS if offered."]
    if smtp.username and written_password(config, options) is None:
        notes.append(f"MAIL_PASSWORD is taken from the variable {env_name(options)} (phpdotenv).")
    lines = [
        comment([*header(config, "Laravel mail settings"), *notes, *secret_hint(config, options)]),
        "",
        "MAIL_MAILER=smtp",
        f"MAIL_SCHEME={scheme}",
        f"MAIL_HOST={env_value(smtp.host)}",
        f"MAIL_PORT={smtp.port}",
        f"MAIL_USERNAME={env_value(smtp.username) if smtp.username else 'null'}",
        f"MAIL_PASSWORD={_env_password(config, options, 'null')}",
        f"MAIL_ENCRYPTION={'null' if smtp.security is Security.NONE else 'tls'}",
        f"MAIL_FROM_ADDRESS={env_value(config.email)}",
    ]
    name = one_line(config.display_name)
    lines.append(f"MAIL_FROM_NAME={env_value(name)}" if name else 'MAIL_FROM_NAME="${APP_NAME}"')
    return "\n".join(lines) + "\n"


def render_symfony(config: ExportConfig, options: ExportOptions) -> str:
    """Symfony Mailer ``MAILER_DSN`` for ``.env``."""
    smtp = config.smtp
    password = written_password(config, options)
    scheme = "smtps" if smtp.security is Security.TLS else "smtp"
    userinfo = ""
    if smtp.username:
        userinfo = url_part(smtp.username)
        if password is not None:
            userinfo += ":" + url_part(password)
        else:
            userinfo += ":${" + env_name(options) + "}"
        userinfo += "@"
    query = "?auto_tls=false" if smtp.security is Security.NONE else ""
    dsn = f"{scheme}://{userinfo}{_url_host(smtp.host)}:{smtp.port}{query}"
    notes = [
        "smtps:// is implicit TLS (SSL/TLS); smtp:// starts plain and switches to STARTTLS",
        "when the server offers it (it did when tested).",
        "User name and password are percent-encoded in the DSN.",
    ]
    if smtp.security is Security.NONE:
        notes.append("auto_tls=false (Symfony 7.1+) keeps it unencrypted, as tested.")
    if smtp.username and password is None:
        notes += [
            f"The password comes from the variable {env_name(options)} (Symfony Dotenv",
            "expands it); it must hold the password percent-encoded if it contains",
            "characters such as @ : / % or spaces.",
        ]
    lines = [
        comment([*header(config, "Symfony Mailer DSN"), *notes, *secret_hint(config, options)]),
        "",
        f'MAILER_DSN="{dsn}"' if "$" in dsn else f"MAILER_DSN={dsn}",
    ]
    return "\n".join(lines) + "\n"


#: Rails authentication symbols for the mechanisms the probe uses.
RAILS_AUTH = {"PLAIN": ":plain", "LOGIN": ":login", "CRAM-MD5": ":cram_md5"}


def render_rails(config: ExportConfig, options: ExportOptions) -> str:
    """ActionMailer ``smtp_settings`` (``config/environments/production.rb``)."""
    smtp = config.smtp
    password = written_password(config, options)
    entries: list[tuple[str, str]] = [
        ("address", quoted_single(smtp.host)),
        ("port", str(smtp.port)),
        ("domain", quoted_single(config.email.rpartition("@")[2])),
    ]
    if smtp.username:
        secret = (
            quoted_single(password)
            if password is not None
            else f"ENV.fetch({quoted_single(env_name(options))})"
        )
        entries += [
            ("user_name", quoted_single(smtp.username)),
            ("password", secret),
            ("authentication", RAILS_AUTH.get((smtp.mechanism or "").upper(), ":plain")),
        ]
    if smtp.security is Security.TLS:
        entries += [("tls", "true"), ("enable_starttls_auto", "false")]
    elif smtp.security is Security.STARTTLS:
        entries += [("enable_starttls", "true")]
    else:
        entries += [("enable_starttls_auto", "false")]
    entries += [("open_timeout", str(TIMEOUT)), ("read_timeout", str(TIMEOUT))]
    notes = [
        "tls: true is implicit TLS (SSL/TLS). enable_starttls: true (Rails 7+) insists on",
        "STARTTLS; on older Rails use enable_starttls_auto: true instead.",
    ]
    width = max(len(key) for key, _value in entries)
    body = [f"  {key + ':':<{width + 1}} {value}," for key, value in entries]
    lines = [
        comment([*header(config, "Rails ActionMailer"), *notes, *secret_hint(config, options)]),
        "config.action_mailer.delivery_method = :smtp",
        "config.action_mailer.smtp_settings = {",
        *body,
        "}",
    ]
    return "\n".join(lines) + "\n"


def render_nodemailer(config: ExportConfig, options: ExportOptions) -> str:
    """Nodemailer ``createTransport`` options (CommonJS module)."""
    smtp = config.smtp
    password = written_password(config, options)
    body = [f"  host: {js_str(smtp.host)},", f"  port: {smtp.port},"]
    if smtp.security is Security.TLS:
        body.append("  secure: true, // implicit TLS (SSL/TLS) from the first byte")
    elif smtp.security is Security.STARTTLS:
        body += [
            "  secure: false, // not implicit TLS: the connection starts plain...",
            "  requireTLS: true, // ...and must switch to STARTTLS, or Nodemailer gives up",
        ]
    else:
        body += ["  secure: false,", "  ignoreTLS: true, // tested without encryption"]
    if smtp.username:
        secret = js_str(password) if password is not None else f"process.env.{env_name(options)}"
        body += ["  auth: {", f"    user: {js_str(smtp.username)},", f"    pass: {secret},", "  },"]
    body += [
        f"  connectionTimeout: {TIMEOUT * 1000},",
        f"  greetingTimeout: {TIMEOUT * 1000},",
        f"  socketTimeout: {TIMEOUT * 1000},",
    ]
    lines = [
        comment([*header(config, "Nodemailer transport"), *secret_hint(config, options)], "//"),
        'const nodemailer = require("nodemailer");',
        "",
        "const transporter = nodemailer.createTransport({",
        *body,
        "});",
        "",
        f"transporter.defaults = {{ from: {js_str(from_address(config))} }};",
        "",
        "module.exports = transporter;",
    ]
    return "\n".join(lines) + "\n"


def render_spring(config: ExportConfig, options: ExportOptions) -> str:
    """Spring Boot ``application.properties`` (Jakarta Mail underneath)."""
    smtp = config.smtp
    password = written_password(config, options)
    props: list[tuple[str, str]] = [
        ("spring.mail.host", properties_value(smtp.host)),
        ("spring.mail.port", str(smtp.port)),
        ("spring.mail.protocol", "smtp"),
        ("spring.mail.default-encoding", "UTF-8"),
    ]
    if smtp.username:
        secret = (
            properties_value(password) if password is not None else "${" + env_name(options) + "}"
        )
        props += [
            ("spring.mail.username", properties_value(smtp.username)),
            ("spring.mail.password", secret),
            ("spring.mail.properties.mail.smtp.auth", "true"),
        ]
    if smtp.security is Security.TLS:
        props.append(("spring.mail.properties.mail.smtp.ssl.enable", "true"))
    elif smtp.security is Security.STARTTLS:
        props += [
            ("spring.mail.properties.mail.smtp.starttls.enable", "true"),
            ("spring.mail.properties.mail.smtp.starttls.required", "true"),
        ]
    props += [
        ("spring.mail.properties.mail.smtp.connectiontimeout", str(TIMEOUT * 1000)),
        ("spring.mail.properties.mail.smtp.timeout", str(TIMEOUT * 1000)),
        ("spring.mail.properties.mail.smtp.writetimeout", str(TIMEOUT * 1000)),
    ]
    notes = [
        "mail.smtp.ssl.enable is implicit TLS (SSL/TLS); mail.smtp.starttls.* is STARTTLS.",
    ]
    if password is not None and "${" in password:
        notes.append("The password contains ${: Spring may read it as a placeholder.")
    lines = [
        comment([*header(config, "Spring Boot mail"), *notes, *secret_hint(config, options)]),
        *(f"{key}={value}" for key, value in props),
    ]
    return "\n".join(lines) + "\n"


def render_phpmailer(config: ExportConfig, options: ExportOptions) -> str:
    """PHPMailer set-up code."""
    smtp = config.smtp
    password = written_password(config, options)
    secure = {
        Security.TLS: "'ssl'; // PHPMailer::ENCRYPTION_SMTPS: implicit TLS (SSL/TLS)",
        Security.STARTTLS: "'tls'; // PHPMailer::ENCRYPTION_STARTTLS: STARTTLS, not implicit TLS",
        Security.NONE: "''; // tested without encryption",
    }[smtp.security]
    lines = [
        "<?php",
        comment([*header(config, "PHPMailer"), *secret_hint(config, options)], "//"),
        "use PHPMailer\\PHPMailer\\PHPMailer;",
        "",
        "$mail = new PHPMailer(true);",
        "$mail->isSMTP();",
        f"$mail->Host = {quoted_single(smtp.host)};",
        f"$mail->Port = {smtp.port};",
        f"$mail->SMTPSecure = {secure}",
        f"$mail->SMTPAutoTLS = {'false' if smtp.security is Security.NONE else 'true'};",
        f"$mail->SMTPAuth = {'true' if smtp.username else 'false'};",
    ]
    if smtp.username:
        secret = (
            quoted_single(password)
            if password is not None
            else f"getenv({quoted_single(env_name(options))})"
        )
        lines += [
            f"$mail->Username = {quoted_single(smtp.username)};",
            f"$mail->Password = {secret};",
        ]
    lines += [
        f"$mail->Timeout = {TIMEOUT};",
        f"$mail->setFrom({quoted_single(config.email)}, "
        f"{quoted_single(one_line(config.display_name))});",
    ]
    return "\n".join(lines) + "\n"


def render_wordpress(config: ExportConfig, options: ExportOptions) -> str:
    """WP Mail SMTP constants for ``wp-config.php``."""
    smtp = config.smtp
    password = written_password(config, options)
    ssl = {Security.TLS: "ssl", Security.STARTTLS: "tls", Security.NONE: ""}[smtp.security]
    consts: list[tuple[str, str]] = [
        ("WPMS_ON", "true"),
        ("WPMS_MAILER", "'smtp'"),
        ("WPMS_SMTP_HOST", quoted_single(smtp.host)),
        ("WPMS_SMTP_PORT", str(smtp.port)),
        ("WPMS_SSL", quoted_single(ssl)),
        ("WPMS_SMTP_AUTH", "true" if smtp.username else "false"),
    ]
    if smtp.username:
        secret = (
            quoted_single(password)
            if password is not None
            else f"getenv( {quoted_single(env_name(options))} )"
        )
        consts += [("WPMS_SMTP_USER", quoted_single(smtp.username)), ("WPMS_SMTP_PASS", secret)]
    consts += [
        ("WPMS_SMTP_AUTOTLS", "false" if smtp.security is Security.NONE else "true"),
        ("WPMS_MAIL_FROM", quoted_single(config.email)),
        ("WPMS_MAIL_FROM_FORCE", "true"),
    ]
    name = one_line(config.display_name)
    if name:
        consts += [
            ("WPMS_MAIL_FROM_NAME", quoted_single(name)),
            ("WPMS_MAIL_FROM_NAME_FORCE", "true"),
        ]
    notes = [
        'Put these lines in wp-config.php above "That\'s all, stop editing!".',
        "WPMS_SSL: 'ssl' is implicit TLS (SSL/TLS) and 'tls' is STARTTLS (the plugin hands",
        "them to PHPMailer, whose 'tls' means STARTTLS).",
    ]
    lines = [
        comment([*header(config, "WP Mail SMTP"), *notes, *secret_hint(config, options)], "//"),
        *(f"define( '{key}', {value} );" for key, value in consts),
    ]
    return "<?php\n" + "\n".join(lines) + "\n"


def render_dotenv(config: ExportConfig, options: ExportOptions) -> str:
    """A generic ``.env`` with ``SMTP_*`` variables."""
    smtp = config.smtp
    password = written_password(config, options)
    notes = [
        "SMTP_SECURITY: tls = implicit TLS (SSL/TLS, encrypted from the first byte),",
        "starttls = plain first, then STARTTLS (must succeed), none = no encryption.",
        *_DOTNET,
    ]
    lines = [
        comment([*header(config, "SMTP settings"), *notes, *secret_hint(config, options)]),
        f"SMTP_HOST={env_value(smtp.host)}",
        f"SMTP_PORT={smtp.port}",
        f"SMTP_SECURITY={smtp.security}",
        f"SMTP_USERNAME={env_value(smtp.username or '')}",
        f"SMTP_FROM={env_value(config.email)}",
    ]
    if password is not None:
        lines.append(f"{env_name(options)}={env_value(password)}")
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
    if password is not None:
        server["password"] = password
    elif smtp.username:
        server["password_env"] = env_name(options)
        entry = keyring_entry(config)
        if entry is not None:
            server["password_keyring"] = {
                "service": entry[0],
                "username": entry[1],
                "command": keyring_lookup(config),
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
            "summary": config.summary or None,
            "warnings": list(config.warnings),
        },
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _app(name: str, title: str, filename: str, render: Render, description: str) -> None:
    register(
        Exporter(
            name=name,
            title=title,
            filename=filename,
            family="application",
            needs_incoming=False,
            render=render,
            description=description,
        )
    )


_app("django", "Django settings", "mail_settings.py", render_django, "Lines for settings.py.")
_app(
    "django-email-url",
    "Django EMAIL_URL (django-environ)",
    "email_url.env",
    render_email_url,
    "One URL for env.email_url().",
)
_app("flask-mail", "Flask-Mail settings", "mail_config.py", render_flask, "Flask config lines.")
_app("laravel", "Laravel .env", "laravel-mail.env", render_laravel, "MAIL_* lines for .env.")
_app("rails", "Rails ActionMailer smtp_settings", "smtp_settings.rb", render_rails, "Ruby code.")
_app(
    "nodemailer",
    "Nodemailer transport",
    "mailer.js",
    render_nodemailer,
    "A createTransport module.",
)
_app(
    "spring-boot",
    "Spring Boot application.properties",
    "mail.properties",
    render_spring,
    "spring.mail.* properties.",
)
_app("phpmailer", "PHPMailer", "mailer.php", render_phpmailer, "PHPMailer set-up code.")
_app("symfony", "Symfony MAILER_DSN", "mailer.env", render_symfony, "MAILER_DSN for .env.")
_app(
    "wp-mail-smtp",
    "WordPress WP Mail SMTP constants",
    "wp-mail-smtp.php",
    render_wordpress,
    "define() lines for wp-config.php.",
)
_app("dotenv", "Generic .env (SMTP_*)", "smtp.env", render_dotenv, "SMTP_* variables.")
_app("json", "JSON", "smtp.json", render_json, "The settings as JSON for scripts.")
