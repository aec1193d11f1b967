"""Rails ActionMailer, Nodemailer and Spring Boot: settings that are code or properties.

Each keeps the checks the probe made in its own words: the server's name on its certificate
(Jakarta Mail only checks it when told to), a CA file the server needed (``ca_file``,
``tls.ca``, an SSL bundle), and STARTTLS that must succeed.
"""

from __future__ import annotations

from smtpwizard.core.exporters.applications import app
from smtpwizard.core.exporters.base import ExportConfig
from smtpwizard.core.exporters.base import ExportOptions
from smtpwizard.core.exporters.common import TIMEOUT
from smtpwizard.core.exporters.common import comment
from smtpwizard.core.exporters.common import env_name
from smtpwizard.core.exporters.common import from_address
from smtpwizard.core.exporters.common import header
from smtpwizard.core.exporters.common import js_str
from smtpwizard.core.exporters.common import no_pin_lines
from smtpwizard.core.exporters.common import properties_value
from smtpwizard.core.exporters.common import quoted_single
from smtpwizard.core.exporters.common import secret_hint
from smtpwizard.core.exporters.common import sign_in_lines
from smtpwizard.core.exporters.common import token_mechanism
from smtpwizard.core.exporters.common import written_password
from smtpwizard.core.model import Security
from smtpwizard.core.net.address import is_ip

__all__ = ["RAILS_AUTH", "SSL_BUNDLE", "render_nodemailer", "render_rails", "render_spring"]

#: Rails authentication symbols for the mechanisms the probe uses.
RAILS_AUTH = {"PLAIN": ":plain", "LOGIN": ":login", "CRAM-MD5": ":cram_md5"}

#: The name of the Spring Boot SSL bundle that holds the CA file.
SSL_BUNDLE = "smtpwizard"


def _ca_lines(config: ExportConfig, what: str) -> list[str]:
    if config.smtp.security is Security.NONE or not config.ca_file or config.pinned_sha256:
        return []
    return [
        f"{what}: the certificate is checked against {config.ca_file}, the CA file the",
        "server needed when tested (it must be at that path where the program runs).",
    ]


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
    guard: list[str] = []
    if smtp.security is Security.TLS:
        entries += [("tls", "true"), ("enable_starttls_auto", "false")]
    elif smtp.security is Security.STARTTLS:
        entries += [("enable_starttls", "true"), ("enable_starttls_auto", "false")]
        # A mail gem without enable_starttls would ignore it and send unencrypted.
        guard = [
            'require "mail"',
            "unless Mail::SMTP::DEFAULTS.key?(:enable_starttls)",
            '  raise "The mail gem #{Mail::VERSION::STRING} cannot insist on STARTTLS: " \\',
            '        "update it (2.8 or newer) before sending through this server"',
            "end",
        ]
    else:
        entries += [("enable_starttls_auto", "false")]
    if smtp.security is not Security.NONE and config.ca_file and not config.pinned_sha256:
        entries.append(("ca_file", quoted_single(config.ca_file)))
    entries += [("open_timeout", str(TIMEOUT)), ("read_timeout", str(TIMEOUT))]
    notes = ["tls: true is implicit TLS (SSL/TLS)."]
    if smtp.security is Security.STARTTLS:
        notes += [
            "enable_starttls: true insists on STARTTLS (enable_starttls_auto would quietly go",
            "on without it when the server, or something in between, does not offer it). A",
            "mail gem that does not know enable_starttls would ignore it, so the lines above",
            "the settings stop the app from starting with one.",
        ]
    notes += _ca_lines(config, "ca_file")
    if smtp.security is not Security.NONE:
        notes += no_pin_lines(config, "ActionMailer")
    width = max(len(key) for key, _value in entries)
    body = [f"  {key + ':':<{width + 1}} {value}," for key, value in entries]
    lines = [
        comment([*header(config, "Rails ActionMailer"), *notes, *secret_hint(config, options)]),
        *guard,
        "config.action_mailer.delivery_method = :smtp",
        "config.action_mailer.smtp_settings = {",
        *body,
        "}",
    ]
    return "\n".join(lines) + "\n"


def _js_list(items: list[str]) -> str:
    return "[" + ", ".join(js_str(item) for item in items) + "]"


def render_nodemailer(config: ExportConfig, options: ExportOptions) -> str:
    """Nodemailer ``createTransport`` options and message defaults (CommonJS module)."""
    smtp = config.smtp
    password = written_password(config, options)
    body = [f"    host: {js_str(smtp.host)},", f"    port: {smtp.port},"]
    if smtp.security is Security.TLS:
        body.append("    secure: true, // implicit TLS (SSL/TLS) from the first byte")
    elif smtp.security is Security.STARTTLS:
        body += [
            "    secure: false, // not implicit TLS: the connection starts plain...",
            "    requireTLS: true, // ...and must switch to STARTTLS, or Nodemailer gives up",
        ]
    else:
        body += ["    secure: false,", "    ignoreTLS: true, // tested without encryption"]
    use_ca = smtp.security is not Security.NONE and bool(config.ca_file)
    use_ca = use_ca and not config.pinned_sha256
    if use_ca:
        body.append(f"    tls: {{ ca: [fs.readFileSync({js_str(config.ca_file or '')})] }},")
    oauth = config.sign_in is not None and bool(smtp.username)
    if oauth:
        body += [
            "    auth: {",
            '      type: "OAuth2",',
            f"      user: {js_str(smtp.username or '')},",
            "      // Nodemailer asks for a token whenever it needs one (renew: the last failed).",
            "      provisionCallback: (user, renew, callback) =>",
            f"        execFile({js_str('smtpwizard')}, {_js_list(['token', config.email])}, "
            "(error, stdout) =>",
            "          callback(error, error ? undefined : stdout.trim()),",
            "        ),",
            "    },",
        ]
    elif smtp.username:
        secret = js_str(password) if password is not None else f"process.env.{env_name(options)}"
        body += [
            "    auth: {",
            f"      user: {js_str(smtp.username)},",
            f"      pass: {secret},",
            "    },",
        ]
    body += [
        f"    connectionTimeout: {TIMEOUT * 1000},",
        f"    greetingTimeout: {TIMEOUT * 1000},",
        f"    socketTimeout: {TIMEOUT * 1000},",
    ]
    notes = [
        "The second argument of createTransport holds the defaults of every message:",
        "the From header and the envelope sender.",
        *_ca_lines(config, "tls.ca"),
    ]
    if smtp.security is not Security.NONE:
        notes += no_pin_lines(config, "Nodemailer")
    if oauth:
        notes += [
            *sign_in_lines(config, "Nodemailer"),
            "Nodemailer logs in with XOAUTH2 (smtpwizard proved "
            + token_mechanism(config)
            + "). On a machine without smtpwizard,",
            "give auth clientId, refreshToken and accessUrl (the token endpoint) instead.",
        ]
    else:
        notes += secret_hint(config, options)
    lines = [
        comment([*header(config, "Nodemailer transport"), *notes], "//"),
        *(['const { execFile } = require("child_process");'] if oauth else []),
        *(['const fs = require("fs");'] if use_ca else []),
        'const nodemailer = require("nodemailer");',
        "",
        "const transporter = nodemailer.createTransport(",
        "  {",
        *body,
        "  },",
        f"  {{ from: {js_str(from_address(config))} }},",
        ");",
        "",
        "module.exports = transporter;",
    ]
    return "\n".join(lines) + "\n"


def render_spring(config: ExportConfig, options: ExportOptions) -> str:
    """Spring Boot ``application.properties`` (Jakarta Mail underneath)."""
    smtp = config.smtp
    password = written_password(config, options)
    mail = "spring.mail.properties.mail.smtp."
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
            (mail + "auth", "true"),
        ]
    if smtp.security is Security.TLS:
        props.append((mail + "ssl.enable", "true"))
    elif smtp.security is Security.STARTTLS:
        props += [(mail + "starttls.enable", "true"), (mail + "starttls.required", "true")]
    notes = ["mail.smtp.ssl.enable is implicit TLS (SSL/TLS); mail.smtp.starttls.* is STARTTLS."]
    if smtp.security is not Security.NONE:
        # Jakarta Mail before 2.1 (Angus Mail) does not compare the certificate's names with
        # the server's by default.
        props.append((mail + "ssl.checkserveridentity", "true"))
        notes += [
            "mail.smtp.ssl.checkserveridentity: the certificate must name the server (older",
            "Jakarta Mail and JavaMail do not check that unless told to).",
        ]
        if is_ip(smtp.host.strip("[]")):
            notes += [
                "Jakarta Mail 2.0 and older compare only host names with the certificate: with",
                "the server given as an address, they refuse it. Give its host name instead.",
            ]
        if config.ca_file and not config.pinned_sha256:
            props += [
                (
                    f"spring.ssl.bundle.pem.{SSL_BUNDLE}.truststore.certificate",
                    "file:" + properties_value(config.ca_file),
                ),
                ("spring.mail.ssl.bundle", SSL_BUNDLE),
            ]
            notes += _ca_lines(config, f"The SSL bundle {SSL_BUNDLE} (Spring Boot 3.1+)")
        notes += no_pin_lines(config, "Spring Boot")
    props += [
        (mail + "connectiontimeout", str(TIMEOUT * 1000)),
        (mail + "timeout", str(TIMEOUT * 1000)),
        (mail + "writetimeout", str(TIMEOUT * 1000)),
    ]
    if password is not None and "${" in password:
        notes.append("The password contains ${: Spring may read it as a placeholder.")
    lines = [
        comment([*header(config, "Spring Boot mail"), *notes, *secret_hint(config, options)]),
        *(f"{key}={value}" for key, value in props),
    ]
    return "\n".join(lines) + "\n"


app(
    "rails",
    "Rails ActionMailer smtp_settings",
    "smtp_settings.rb",
    render_rails,
    "Ruby code.",
    ca=True,
)
app(
    "nodemailer",
    "Nodemailer transport",
    "mailer.js",
    render_nodemailer,
    "A createTransport module.",
    ca=True,
    oauth=True,
)
app(
    "spring-boot",
    "Spring Boot application.properties",
    "mail.properties",
    render_spring,
    "spring.mail.* properties.",
    ca=True,
)
