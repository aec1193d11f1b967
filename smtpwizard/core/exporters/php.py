"""PHP applications: Laravel's ``.env``, Symfony Mailer's DSN, PHPMailer, WP Mail SMTP.

All four end in PHP's own TLS streams, which check the certificate against the system's
authorities, or against ``openssl.cafile`` of php.ini when that is set. Only PHPMailer takes
stream options in its set-up code (a CA file, one exact certificate); the others are told
how the person keeps the check where their file cannot say it.
"""

from __future__ import annotations

import re

from smtpwizard.core.exporters.applications import app
from smtpwizard.core.exporters.applications import env_password
from smtpwizard.core.exporters.base import ExportConfig
from smtpwizard.core.exporters.base import ExportOptions
from smtpwizard.core.exporters.common import TIMEOUT
from smtpwizard.core.exporters.common import caveat_lines
from smtpwizard.core.exporters.common import comment
from smtpwizard.core.exporters.common import env_name
from smtpwizard.core.exporters.common import header
from smtpwizard.core.exporters.common import no_pin_lines
from smtpwizard.core.exporters.common import no_trust_lines
from smtpwizard.core.exporters.common import one_line
from smtpwizard.core.exporters.common import quoted_single
from smtpwizard.core.exporters.common import secret_hint
from smtpwizard.core.exporters.common import url_part
from smtpwizard.core.exporters.common import written_password
from smtpwizard.core.model import Security
from smtpwizard.core.model import url_host

__all__ = [
    "LARAVEL_ENCRYPTION",
    "laravel_value",
    "php_trust_lines",
    "render_laravel",
    "render_phpmailer",
    "render_symfony",
    "render_wordpress",
    "symfony_caveats",
]

#: MAIL_ENCRYPTION: ``ssl`` is implicit TLS in every Laravel (SwiftMailer's word up to 8,
#: and no STARTTLS from 9 on, where port 465 means implicit TLS); ``tls`` is STARTTLS up to
#: Laravel 8 but "implicit TLS on 465" from 9 on, so it is never written for port 465.
LARAVEL_ENCRYPTION = {Security.TLS: "ssl", Security.STARTTLS: "tls", Security.NONE: "null"}


_PHPDOTENV_PLAIN = re.compile(r"[A-Za-z0-9_.@%+/:,=\-]+")
#: What Laravel's env() turns into true, false, "" or null, whatever the case.
_LARAVEL_WORDS = frozenset(
    ("true", "(true)", "false", "(false)", "empty", "(empty)", "null", "(null)")
)
#: A value env() takes one pair of enclosing quotes off.
_LARAVEL_QUOTED = re.compile(r"(['\"]).*\1")


def laravel_value(text: str) -> str:
    """A ``.env`` value that Laravel's ``env()`` returns unchanged, as phpdotenv reads it.

    ``env()`` turns words such as ``null`` or ``(true)`` into other types and takes one
    pair of enclosing quotes off a value, so such a value is handed to it in an extra pair
    of double quotes, which it takes off again. phpdotenv keeps single quotes literal and
    knows ``\\``, ``\"`` and ``\\$`` (no ``${NAME}`` then) in double quotes.
    """
    if text.lower() in _LARAVEL_WORDS or _LARAVEL_QUOTED.fullmatch(text):
        text = f'"{text}"'
    if _PHPDOTENV_PLAIN.fullmatch(text):
        return text
    if "'" not in text:
        return f"'{text}'"
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'"{escaped}"'


def php_trust_lines(config: ExportConfig, program: str) -> list[str]:
    """For PHP files that cannot name a CA file or pin a certificate: how to keep the check."""
    if config.smtp.security is Security.NONE:
        return []
    instead = (
        f"set openssl.cafile = {config.ca_file} in php.ini (PHP then checks certificates "
        "against that file instead of the system's authorities)"
    )
    return no_trust_lines(config, program, instead) + no_pin_lines(config, program)


def render_laravel(config: ExportConfig, options: ExportOptions) -> str:
    """Laravel ``.env`` lines: ``MAIL_SCHEME`` (11 and 12) and ``MAIL_ENCRYPTION`` (8 to 11)."""
    smtp = config.smtp
    scheme = "smtps" if smtp.security is Security.TLS else "smtp"
    notes = [
        "MAIL_SCHEME (Laravel 11 with the current config/mail.php, and 12): smtps is",
        "implicit TLS (SSL/TLS); smtp starts plain and switches to STARTTLS when the server",
        "offers it.",
        "MAIL_ENCRYPTION is what older apps (Laravel 8 to 11 configs) read instead: ssl is",
        "implicit TLS; tls is STARTTLS in Laravel 8 and older.",
    ]
    if smtp.security is Security.TLS and smtp.port != 465:
        notes += [
            "Laravel 9 to 11 without MAIL_SCHEME take implicit TLS only on port 465: on port",
            f"{smtp.port} they would try STARTTLS and fail; MAIL_SCHEME=smtps is needed there.",
        ]
    if smtp.security is Security.STARTTLS:
        notes += [
            "The server offered STARTTLS when tested. Laravel 8 insists on it; Laravel 9 and",
            "newer use it whenever it is offered, but a .env cannot make it mandatory there.",
        ]
    if smtp.security is Security.NONE:
        notes += ["Tested without encryption: Laravel will still use STARTTLS if offered."]
    notes += php_trust_lines(config, "Laravel's .env")
    if smtp.username and written_password(config, options) is None:
        notes.append(f"MAIL_PASSWORD is taken from the variable {env_name(options)} (phpdotenv).")
    lines = [
        comment([*header(config, "Laravel mail settings"), *notes, *secret_hint(config, options)]),
        "",
        "MAIL_MAILER=smtp",
        f"MAIL_SCHEME={scheme}",
        f"MAIL_HOST={laravel_value(url_host(smtp.host))}",
        f"MAIL_PORT={smtp.port}",
        f"MAIL_USERNAME={laravel_value(smtp.username) if smtp.username else 'null'}",
        f"MAIL_PASSWORD={env_password(config, options, 'null', laravel_value)}",
        f"MAIL_ENCRYPTION={LARAVEL_ENCRYPTION[smtp.security]}",
        f"MAIL_FROM_ADDRESS={laravel_value(config.email)}",
    ]
    name = one_line(config.display_name)
    lines.append(
        f"MAIL_FROM_NAME={laravel_value(name)}" if name else 'MAIL_FROM_NAME="${APP_NAME}"'
    )
    return "\n".join(lines) + "\n"


def symfony_caveats(config: ExportConfig, options: ExportOptions) -> list[str]:
    """What Symfony Mailer would not do as proven: check the certificate of a server given
    as an IPv6 address (PHP compares the certificate with the address in its brackets, which
    no certificate names, and a DSN cannot name the peer)."""
    smtp = config.smtp
    if smtp.security is Security.NONE or config.pinned_sha256 or ":" not in smtp.host:
        return []
    return [
        "Symfony Mailer cannot check the certificate of a server given as an IPv6 address "
        "(PHP compares the address in its brackets with the certificate, which never "
        "matches): give the server's host name in the DSN instead."
    ]


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
    dsn = f"{scheme}://{userinfo}{url_host(smtp.host)}:{smtp.port}{query}"
    notes = [
        "smtps:// is implicit TLS (SSL/TLS); smtp:// starts plain and switches to STARTTLS",
        "when the server offers it (it did when tested).",
        "User name and password are percent-encoded in the DSN.",
    ]
    if smtp.security is Security.NONE:
        notes.append("auto_tls=false (Symfony 7.1+) keeps it unencrypted, as tested.")
    notes += php_trust_lines(config, "a Symfony DSN")
    notes += caveat_lines(symfony_caveats(config, options))
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


def _stream_options(config: ExportConfig) -> tuple[list[str], list[str]]:
    """PHPMailer's SMTPOptions for the check the probe made, and their comment."""
    if config.smtp.security is Security.NONE:
        return [], []
    if config.pinned_sha256:
        digest = config.pinned_sha256.replace(":", "").lower()
        return [
            "$mail->SMTPOptions = ['ssl' => [",
            "    'verify_peer' => false,",
            "    'verify_peer_name' => false,",
            f"    'peer_fingerprint' => ['sha256' => '{digest}'],",
            "]];",
        ], [
            "SMTPOptions: the server's certificate could not be verified; PHP accepts only",
            "the exact one you chose to trust by hand (peer_fingerprint), as smtpwizard did.",
        ]
    if config.ca_file:
        return [
            f"$mail->SMTPOptions = ['ssl' => ['cafile' => {quoted_single(config.ca_file)}]];"
        ], [
            f"SMTPOptions: the certificate is checked against {config.ca_file}, the CA file",
            "the server needed when tested (PHP then trusts only that file).",
        ]
    return [], []


def render_phpmailer(config: ExportConfig, options: ExportOptions) -> str:
    """PHPMailer set-up code."""
    smtp = config.smtp
    password = written_password(config, options)
    secure = {
        Security.TLS: "'ssl'; // PHPMailer::ENCRYPTION_SMTPS: implicit TLS (SSL/TLS)",
        Security.STARTTLS: "'tls'; // PHPMailer::ENCRYPTION_STARTTLS: STARTTLS, not implicit TLS",
        Security.NONE: "''; // tested without encryption",
    }[smtp.security]
    stream, notes = _stream_options(config)
    lines = [
        "<?php",
        comment([*header(config, "PHPMailer"), *notes, *secret_hint(config, options)], "//"),
        "use PHPMailer\\PHPMailer\\PHPMailer;",
        "",
        "$mail = new PHPMailer(true);",
        "$mail->isSMTP();",
        # PHPMailer takes an IPv6 address only in brackets (without, it never connects).
        f"$mail->Host = {quoted_single(url_host(smtp.host))};",
        f"$mail->Port = {smtp.port};",
        f"$mail->SMTPSecure = {secure}",
        f"$mail->SMTPAutoTLS = {'false' if smtp.security is Security.NONE else 'true'};",
        *stream,
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
        ("WPMS_SMTP_HOST", quoted_single(url_host(smtp.host))),
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
        *php_trust_lines(config, "WP Mail SMTP's constants"),
    ]
    lines = [
        comment([*header(config, "WP Mail SMTP"), *notes, *secret_hint(config, options)], "//"),
        *(f"define( '{key}', {value} );" for key, value in consts),
    ]
    return "<?php\n" + "\n".join(lines) + "\n"


app("laravel", "Laravel .env", "laravel-mail.env", render_laravel, "MAIL_* lines for .env.")
app(
    "phpmailer",
    "PHPMailer",
    "mailer.php",
    render_phpmailer,
    "PHPMailer set-up code.",
    ca=True,
    pin=True,
)
app(
    "symfony",
    "Symfony MAILER_DSN",
    "mailer.env",
    render_symfony,
    "MAILER_DSN for .env.",
    caveats=symfony_caveats,
)
app(
    "wp-mail-smtp",
    "WordPress WP Mail SMTP constants",
    "wp-mail-smtp.php",
    render_wordpress,
    "define() lines for wp-config.php.",
)
