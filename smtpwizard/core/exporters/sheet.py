"""Settings sheets: the configuration for a person to read, in Markdown or HTML.

A sheet serves every program without an import format (new Outlook, Outlook for Mac, phones,
printers, scanners...). It says when, from which network and with what result the settings
were tested, because "it worked from the office on Monday" is part of the evidence.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from smtpwizard.core.discovery.providers import Protocol
from smtpwizard.core.exporters.base import ExportConfig
from smtpwizard.core.exporters.base import Exporter
from smtpwizard.core.exporters.base import ExportOptions
from smtpwizard.core.exporters.base import register
from smtpwizard.core.exporters.common import keyring_lines
from smtpwizard.core.exporters.common import no_pin_lines
from smtpwizard.core.exporters.common import system_ca_hint
from smtpwizard.core.exporters.common import token_lookup
from smtpwizard.core.exporters.common import when
from smtpwizard.core.exporters.common import written_password
from smtpwizard.core.login import SignInRecord
from smtpwizard.core.model import Security
from smtpwizard.core.model import ServerSettings

__all__ = [
    "ENCRYPTION",
    "LOGIN",
    "Section",
    "md_code",
    "md_escape",
    "render_html",
    "render_markdown",
    "render_outlook_sheet",
    "sections",
]

ENCRYPTION = {
    Security.TLS: "SSL/TLS (implicit TLS: encrypted from the first byte)",
    Security.STARTTLS: "STARTTLS (starts plain, then switches to encryption)",
    Security.NONE: "None (nothing is encrypted)",
}

LOGIN = {
    "PLAIN": "normal password (PLAIN)",
    "LOGIN": "normal password (LOGIN)",
    "CRAM-MD5": "encrypted password (CRAM-MD5)",
    "OAUTHBEARER": "OAuth2: sign in with your provider (OAUTHBEARER), no password",
    "XOAUTH2": "OAuth2: sign in with your provider (XOAUTH2), no password",
}


@dataclass(frozen=True)
class Section:
    """A titled table of label/value rows, with notes below it."""

    title: str
    rows: tuple[tuple[str, str], ...]
    notes: tuple[str, ...] = ()
    exact: frozenset[str] = frozenset()
    """The labels whose values are to be typed exactly as shown (a server, a password):
    shown as code, every character kept, never as words."""


def _server_rows(server: ServerSettings, email: str) -> list[tuple[str, str]]:
    rows = [
        ("Server", server.host),
        ("Port", str(server.port)),
        ("Encryption", ENCRYPTION[server.security]),
    ]
    if server.protocol is Protocol.SMTP:
        if server.username:
            rows.append(("User name", server.username))
            mechanism = (server.mechanism or "").upper()
            rows.append(("Login", LOGIN.get(mechanism, "normal password")))
        else:
            rows.append(("Login", "none (the server takes no login)"))
    else:
        rows.append(("User name", server.username or email))
    return rows


def _issuer(record: SignInRecord) -> str:
    for url in (record.issuer, record.authorization_endpoint, record.token_endpoint):
        if url:
            return url
    return "your provider's"


def sections(config: ExportConfig, options: ExportOptions, for_outlook: bool) -> list[Section]:
    """What a sheet says, independent of how it is laid out."""
    smtp = config.smtp
    password = written_password(config, options)
    out_rows = _server_rows(smtp, config.email)
    record = config.sign_in
    out_notes = []
    if smtp.username and record is not None:
        out_rows.append(("Password", "none: choose OAuth2 (or “Modern Authentication”)"))
        out_rows.append(("Sign-in server", _issuer(record)))
        out_notes.append(
            "The server takes only your provider's sign-in (OAuth2), not a password: in your "
            "program choose OAuth2 as the authentication method, and it opens your "
            "provider's sign-in page. Scripts get a fresh token with: " + token_lookup(config)
        )
    elif smtp.username:
        if password is not None:
            out_rows.append(("Password", password))
        else:
            out_rows.append(("Password", "not written here: enter it when your program asks"))
    if password is None and smtp.username and record is None:
        out_notes.append(" ".join(line.strip() for line in keyring_lines(config)))
    if smtp.security is not Security.NONE:
        out_notes.append(
            "Both SSL/TLS and STARTTLS encrypt everything; what matters is choosing the one "
            "that goes with the port."
        )
        if config.pinned_sha256:
            out_rows.append(("Certificate", f"trusted by hand: SHA-256 {config.pinned_sha256}"))
            out_notes.append(" ".join(no_pin_lines(config, "A program that cannot pin it")))
        elif config.ca_file:
            out_rows.append(("Certificate authority", config.ca_file))
            out_notes.append(
                f"The server's certificate needed the CA file {config.ca_file} when tested: "
                "tell your program to trust it. " + system_ca_hint(config.ca_file) + "."
            )
    if not for_outlook:
        out_notes += [
            "Thunderbird and Outlook call these modes “SSL/TLS” and “STARTTLS”. Apple Mail has "
            "one switch for both kinds (use TLS/SSL).",
            "Django and Flask: implicit TLS is EMAIL_USE_SSL / MAIL_USE_SSL, STARTTLS is "
            "EMAIL_USE_TLS / MAIL_USE_TLS. .NET's SmtpClient (EnableSsl) only does STARTTLS "
            "and cannot use implicit TLS.",
        ]
    exact = {"Server", "User name", "Certificate authority"}
    if password is not None:
        exact.add("Password")
        if _squeezable(password):
            out_notes.append(
                "The password has spaces at an end, several in a row, or tabs, which some "
                f"viewers do not show: it is exactly {len(password)} characters long."
            )
    result = [Section("Outgoing mail (SMTP)", tuple(out_rows), tuple(out_notes), frozenset(exact))]
    incoming = config.incoming
    if incoming is not None:
        rows = [("Type", "IMAP" if incoming.protocol is Protocol.IMAP else "POP3")]
        rows += _server_rows(incoming, config.email)
        rows.append(("Tested", "yes" if incoming.tested else "no (only the outgoing server was)"))
        result.append(Section("Incoming mail", tuple(rows), exact=frozenset(exact)))
    elif for_outlook:
        result.append(
            Section(
                "Incoming mail",
                (("Server", "not known: ask your provider for the IMAP or POP3 server"),),
            )
        )
    test_rows = [("Tested", "yes" if smtp.tested else "no")]
    if config.tested_at is not None:
        test_rows.append(("When", when(config.tested_at)))
    if config.tested_from:
        test_rows.append(("From", config.tested_from))
    test_rows.append(
        (
            "Login",
            "accepted by the server" + (" (signed in with OAuth2)" if record else "")
            if config.login_tested
            else "not tried (no password given)",
        )
    )
    if config.cert_issuer:
        test_rows.append(("Certificate issued by", config.cert_issuer))
    if config.summary:
        test_rows.append(("Result", config.summary))
    test_notes = (
        *(f"Warning: {w}" for w in config.warnings),
        "A test shows what worked from that network at that time; another network (a hotel, "
        "a company) may block ports that worked here.",
    )
    result.append(Section("How smtpwizard tested it", tuple(test_rows), test_notes))
    return result


def _squeezable(text: str) -> bool:
    """Whether a page that lays ``text`` out as words may show it otherwise."""
    return text != text.strip() or "  " in text or "\t" in text


def _title(config: ExportConfig, for_outlook: bool) -> str:
    if for_outlook:
        return f"Outlook settings for {config.email}"
    return f"Mail settings for {config.email}"


def _intro(for_outlook: bool) -> list[str]:
    if not for_outlook:
        return []
    return [
        "New Outlook for Windows and Outlook for Mac cannot import a settings file. Add the "
        "account by hand: enter your address, choose IMAP (or POP) when Outlook asks for the "
        "account type or offers advanced settings, and copy the values below.",
    ]


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md_escape(text: str) -> str:
    """Text for a Markdown table cell or paragraph: punctuation escaped, one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def md_code(text: str) -> str:
    """An exact value for a Markdown table cell: a code span, in which every character stands
    for itself (``&amp;`` and blanks included); only ``|`` is escaped, for the table."""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    body = text.replace("|", "\\|")
    if text.strip(" "):
        # CommonMark takes one space off both ends of a code span: these two, not the value's.
        body = f" {body} "
    return f"{fence}{body}{fence}"


def render_markdown(config: ExportConfig, options: ExportOptions, for_outlook: bool = False) -> str:
    """The sheet in Markdown."""
    lines = [f"# {md_escape(_title(config, for_outlook))}", ""]
    for paragraph in _intro(for_outlook):
        lines += [md_escape(paragraph), ""]
    for section in sections(config, options, for_outlook):
        lines += [f"## {md_escape(section.title)}", "", "| Setting | Value |", "| --- | --- |"]
        lines += [
            f"| {md_escape(k)} | {md_code(v) if k in section.exact else md_escape(v)} |"
            for k, v in section.rows
        ]
        lines.append("")
        for note in section.notes:
            lines += [md_escape(note), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def render_outlook_sheet(config: ExportConfig, options: ExportOptions) -> str:
    """The sheet for new Outlook and Outlook for Mac, in Outlook's words."""
    return render_markdown(config, options, for_outlook=True)


def render_html(config: ExportConfig, options: ExportOptions) -> str:
    """The sheet as a standalone HTML page (prints well)."""
    e = html.escape
    title = _title(config, False)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:46em;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #999;"
        "padding:.3em .6em;text-align:left;vertical-align:top}th{background:#eee}"
        # Exact values keep every blank (a browser would squeeze them).
        "code{word-break:break-all;white-space:pre-wrap}</style>",
        "</head>",
        "<body>",
        f"<h1>{e(title)}</h1>",
    ]
    for section in sections(config, options, False):
        parts.append(f"<h2>{e(section.title)}</h2>")
        parts.append("<table>")
        parts += [
            f"<tr><th>{e(k)}</th><td>"
            + (f"<code>{e(v)}</code>" if k in section.exact else e(v))
            + "</td></tr>"
            for k, v in section.rows
        ]
        parts.append("</table>")
        parts += [f"<p>{e(note)}</p>" for note in section.notes]
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


for _exporter in (
    Exporter(
        name="markdown",
        title="Settings sheet (Markdown)",
        filename="mail-settings.md",
        family="settings sheet",
        needs_incoming=False,
        render=render_markdown,
        carries_oauth=True,
        description="Every setting in words, for any program.",
    ),
    Exporter(
        name="html",
        title="Settings sheet (HTML, printable)",
        filename="mail-settings.html",
        family="settings sheet",
        needs_incoming=False,
        render=render_html,
        carries_oauth=True,
        description="Every setting in words, to print or open in a browser.",
    ),
    Exporter(
        name="outlook-sheet",
        title="Settings sheet for new Outlook and Outlook for Mac",
        filename="outlook-settings.md",
        family="settings sheet",
        needs_incoming=False,
        render=render_outlook_sheet,
        carries_oauth=True,
        description="These Outlooks have no import format: the values to type in.",
    ),
):
    register(_exporter)
