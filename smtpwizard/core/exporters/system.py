"""System tools: msmtp, Postfix as a relay client, and git send-email."""

from __future__ import annotations

import re
import shlex

from smtpwizard.core.errors import ExportError
from smtpwizard.core.exporters.base import ExportConfig
from smtpwizard.core.exporters.base import Exporter
from smtpwizard.core.exporters.base import ExportOptions
from smtpwizard.core.exporters.base import register
from smtpwizard.core.exporters.common import caveat_lines
from smtpwizard.core.exporters.common import comment
from smtpwizard.core.exporters.common import header
from smtpwizard.core.exporters.common import keyring_lines
from smtpwizard.core.exporters.common import keyring_lookup
from smtpwizard.core.exporters.common import no_pin_lines
from smtpwizard.core.exporters.common import one_line
from smtpwizard.core.exporters.common import sign_in_lines
from smtpwizard.core.exporters.common import token_lookup
from smtpwizard.core.exporters.common import token_mechanism
from smtpwizard.core.exporters.common import written_password
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Security
from smtpwizard.core.net.address import is_ip

__all__ = ["SYSTEM_BUNDLE", "postfix_caveats", "render_git", "render_msmtp", "render_postfix"]


def _msmtp_arg(text: str) -> str:
    """An msmtp argument: the rest of the line, taken literally.

    msmtp knows no escapes: it only strips one pair of enclosing double quotes. So a value
    is enclosed when blanks at its ends would otherwise be lost, or when it is itself
    enclosed in quotes.
    """
    if "\n" in text or "\r" in text:
        raise ExportError(_("msmtp cannot hold a value with a line break in it."))
    if text != text.strip() or (text.startswith('"') and text.endswith('"')):
        return f'"{text}"'
    return text


def _msmtp_from(address: str) -> str:
    """msmtp's ``from``, which replaces %U, %H, %C and %M with names of the machine it runs
    on; it has no escape for them, so an address holding one cannot be written."""
    found = re.search("%[UHCM]", address)
    if found is not None:
        raise ExportError(
            _(
                "msmtp would replace “{pattern}” in the address {address} with a name of the "
                "machine it runs on, and it has no way to write it as it is: send through "
                "this server with another program."
            ).format(pattern=found.group(0), address=address)
        )
    return _msmtp_arg(address)


def _account_name(config: ExportConfig) -> str:
    """An msmtp account name: no blanks or colons, which the syntax reserves."""
    name = "".join(c if c.isalnum() or c in "@._-" else "-" for c in config.email)
    return name or "smtpwizard"


def _msmtp_trust(config: ExportConfig) -> tuple[list[str], list[str]]:
    """The msmtp lines that check the certificate as the probe did, and their comment."""
    if config.pinned_sha256:
        return [f"tls_fingerprint {config.pinned_sha256}"], [
            "tls_fingerprint: msmtp accepts only the certificate you chose to trust by hand",
            "(it could not be verified), exactly as smtpwizard did when it tested it.",
        ]
    if config.ca_file:
        return [f"tls_trust_file {_msmtp_arg(config.ca_file)}"], [
            f"tls_trust_file: the certificate is checked against {config.ca_file}, the CA",
            "file the server needed when tested (msmtp then trusts only that file).",
        ]
    return [], ["Certificates are checked against the system's trusted authorities."]


def render_msmtp(config: ExportConfig, options: ExportOptions) -> str:
    """An msmtp configuration (``~/.msmtprc`` or ``~/.config/msmtp/config``)."""
    smtp = config.smtp
    password = written_password(config, options)
    account = _account_name(config)
    notes: list[str] = []
    body = [
        f"account {account}",
        f"host {smtp.host}",
        f"port {smtp.port}",
        f"tls {'off' if smtp.security is Security.NONE else 'on'}",
    ]
    if smtp.security is not Security.NONE:
        notes.append(
            "tls on + tls_starttls off = implicit TLS (SSL/TLS); tls_starttls on = STARTTLS."
        )
        body.append(f"tls_starttls {'on' if smtp.security is Security.STARTTLS else 'off'}")
        trust, words = _msmtp_trust(config)
        body += trust
        notes += words
    body.append(f"from {_msmtp_from(config.email)}")
    if smtp.username and config.sign_in is not None:
        body += [
            f"auth {token_mechanism(config).lower()}",
            f"user {_msmtp_arg(smtp.username)}",
            # msmtp hands the command to the shell; </dev/null keeps it off msmtp's input.
            f'passwordeval "{token_lookup(config)} </dev/null"',
        ]
        notes += sign_in_lines(config, "msmtp")
    elif smtp.username:
        body += ["auth on", f"user {_msmtp_arg(smtp.username)}"]
        if password is not None:
            body.append(f"password {_msmtp_arg(password)}")
            notes.append("This file holds the password: msmtp wants it readable only by you.")
        else:
            command = keyring_lookup(config)
            notes += [
                "The password is not in this file: msmtp runs the passwordeval command",
                "(smtpwizard must be on msmtp's PATH).",
                *keyring_lines(config, "msmtp"),
            ]
            # msmtp hands the command to the shell; </dev/null keeps it off msmtp's input.
            body.append(f'passwordeval "{command} </dev/null"')
    else:
        body.append("auth off")
    body += ["timeout 30", "", f"account default : {account}"]
    return (
        comment([*header(config, "msmtp configuration"), *notes]) + "\n\n" + "\n".join(body) + "\n"
    )


#: Debian's bundle of the system's trusted authorities, for Postfix (it reads no default).
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def _postfix_tls(config: ExportConfig) -> list[str]:
    """The TLS lines: insist on encryption and check the certificate as the probe did."""
    smtp = config.smtp
    if smtp.security is Security.NONE:
        return ["# Tested without encryption.", "smtp_tls_security_level = may"]
    lines = []
    if smtp.security is Security.TLS:
        lines += [
            "# Implicit TLS (SSL/TLS): Postfix calls it wrapper mode.",
            "smtp_tls_wrappermode = yes",
        ]
    else:
        lines.append("# STARTTLS, and refuse to send if it fails.")
    if config.pinned_sha256:
        return [
            *lines,
            "# Only the certificate you chose to trust by hand (it could not be verified),",
            "# as smtpwizard did when it tested it.",
            "smtp_tls_security_level = fingerprint",
            "smtp_tls_fingerprint_digest = sha256",
            f"smtp_tls_fingerprint_cert_match = {config.pinned_sha256}",
        ]
    if config.ca_file:
        where = [
            f"# The certificate must name the server and chain to {config.ca_file},",
            "# the CA file it needed when smtpwizard tested it.",
        ]
        bundle = config.ca_file
    else:
        where = [
            "# The certificate must name the server and chain to an authority the system",
            f"# trusts ({SYSTEM_BUNDLE} is Debian's bundle of them; other systems keep",
            "# theirs elsewhere).",
        ]
        bundle = SYSTEM_BUNDLE
    return [
        *lines,
        *where,
        "smtp_tls_security_level = secure",
        f"smtp_tls_CAfile = {bundle}",
    ]


def postfix_caveats(config: ExportConfig, options: ExportOptions) -> list[str]:
    """What Postfix would not do as proven: check the certificate of a server given as an
    address, or log in with a name or password its password map cannot hold."""
    smtp = config.smtp
    caveats = []
    if smtp.security is not Security.NONE and not config.pinned_sha256 and is_ip(smtp.host):
        caveats.append(
            "Postfix compares only host names with the server's certificate, never IP "
            "addresses: with the server given as an address, it refuses the certificate "
            "(hostname mismatch). Give the server's host name (one its certificate names) in "
            "relayhost and sasl_passwd instead, or that name in smtp_tls_secure_cert_match."
        )
    if smtp.username and ":" in smtp.username:
        caveats.append(
            "The user name holds a colon, where Postfix's password map ends the user name: "
            "Postfix would log in with a wrong name."
        )
    password = written_password(config, options)
    if password is not None and password != password.rstrip():
        caveats.append(
            "The password ends in blanks, which postmap drops from the password map (it "
            "has no quoting): Postfix would log in with a wrong password."
        )
    return caveats


def render_postfix(config: ExportConfig, options: ExportOptions) -> str:
    """``main.cf`` lines for Postfix relaying through the server, and its password map."""
    smtp = config.smtp
    password = written_password(config, options)
    relay = f"[{smtp.host}]:{smtp.port}"
    lines = [
        comment(
            [
                *header(config, "Postfix relay (main.cf)"),
                "Add to /etc/postfix/main.cf (replacing an existing relayhost line).",
                "Brackets in relayhost: send to this host itself, without an MX lookup.",
                *caveat_lines(postfix_caveats(config, options)),
            ]
        ),
        f"relayhost = {relay}",
        *_postfix_tls(config),
    ]
    if smtp.username:
        lines += [
            "smtp_sasl_auth_enable = yes",
            "smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd",
            "smtp_sasl_security_options = noanonymous",
            "smtp_sasl_tls_security_options = noanonymous",
            "",
            "# The password map: /etc/postfix/sasl_passwd holds one line, whose first field",
            "# must be exactly the relayhost value above:",
        ]
        if password is not None:
            lines.append(f"#   {relay} {smtp.username}:{password}")
            fill = (
                f"#   printf '%s %s:%s\\n' {shlex.quote(relay)} {shlex.quote(smtp.username)} "
                f"{shlex.quote(password)} > /etc/postfix/sasl_passwd"
            )
        else:
            lines.append(f"#   {relay} {smtp.username}:YOUR-PASSWORD")
            command = keyring_lookup(config)
            fill = (
                f"#   printf '%s %s:%s\\n' {shlex.quote(relay)} {shlex.quote(smtp.username)} "
                f'"$({command})" > /etc/postfix/sasl_passwd'
            )
        lines += [
            "# Create it, keep it private, build the map and reload (as root):",
            "#   umask 077",
            fill,
            "#   postmap /etc/postfix/sasl_passwd",
            "#   postfix reload",
        ]
        if password is None:
            lines += [f"# {line}" for line in keyring_lines(config)]
    else:
        lines += [
            "",
            "# The server took no login: no password map is needed.",
            "#   postfix reload",
        ]
    return "\n".join(lines) + "\n"


def _git_value(text: str) -> str:
    """A git-config value: quoted, with backslash, quote and control characters escaped."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\t", "\\t")
        .replace("\b", "\\b")
    )
    return f'"{escaped}"'


def _credential_helper(command: str) -> str:
    """A git credential helper (shell) that answers ``get`` with the stored password and
    answers nothing when none is stored, so that git asks instead."""
    return (
        '!f() { test "$1" = get || return 0; secret=$(' + command + " </dev/null) && "
        "printf 'password=%s\\n' \"$secret\"; }; f"
    )


def render_git(config: ExportConfig, options: ExportOptions) -> str:
    """A ``[sendemail]`` section for ``~/.gitconfig`` (or ``git config --file``)."""
    smtp = config.smtp
    password = written_password(config, options)
    encryption = {Security.TLS: "ssl", Security.STARTTLS: "tls", Security.NONE: "none"}
    notes = [
        "Add to ~/.gitconfig, or to .git/config of one repository.",
        "smtpEncryption: ssl = implicit TLS (SSL/TLS), tls = STARTTLS; any other value,",
        "such as none, means no encryption.",
    ]
    command = keyring_lookup(config)
    if config.sign_in is not None and smtp.username:
        password = None
        command = token_lookup(config)
        notes += [
            *sign_in_lines(config, "git's credential helper below"),
            f"smtpAuth {token_mechanism(config)}: git send-email needs Perl's Authen::SASL",
            "2.1700 or later for it (Debian 13, or from CPAN); older ones cannot sign in so.",
        ]
    elif smtp.username and password is None and command is not None:
        notes += [
            "No password here: git send-email asks git's credential helpers, and the one",
            "below runs smtpwizard secret (smtpwizard must be on git's PATH); when it has",
            "nothing, git send-email asks you.",
            *keyring_lines(config),
        ]
    elif password is not None:
        notes.append("This file holds the password: keep it readable only by you.")
    values = [
        ("smtpServer", smtp.host),
        ("smtpServerPort", str(smtp.port)),
        ("smtpEncryption", encryption[smtp.security]),
    ]
    if smtp.security is not Security.NONE and config.ca_file and not config.pinned_sha256:
        notes += [
            f"smtpSSLCertPath: the certificate is checked against {config.ca_file}, the CA",
            "file the server needed when tested.",
        ]
        values.append(("smtpSSLCertPath", config.ca_file))
    if smtp.security is not Security.NONE:
        notes += no_pin_lines(config, "git send-email")
    if smtp.username:
        values.append(("smtpUser", smtp.username))
    if smtp.username and config.sign_in is not None:
        values.append(("smtpAuth", token_mechanism(config)))
    if password is not None:
        values.append(("smtpPass", password))
    name = one_line(config.display_name)
    values.append(("from", f"{name} <{config.email}>" if name else config.email))
    lines = [
        comment([*header(config, "git send-email"), *notes]),
        "[sendemail]",
        *(f"\t{key} = {_git_value(value)}" for key, value in values),
    ]
    if smtp.username and password is None and command is not None:
        lines += [
            f'[credential "smtp://{smtp.host}:{smtp.port}"]',
            f"\thelper = {_git_value(_credential_helper(command))}",
        ]
    return "\n".join(lines) + "\n"


for _exporter in (
    Exporter(
        name="msmtp",
        title="msmtp (msmtprc)",
        filename="msmtprc",
        family="system",
        needs_incoming=False,
        render=render_msmtp,
        description="For ~/.msmtprc; sendmail-compatible sending from scripts and cron.",
        carries_ca=True,
        carries_pin=True,
        carries_oauth=True,
    ),
    Exporter(
        name="postfix",
        title="Postfix relay client (main.cf)",
        filename="main.cf.smtpwizard",
        family="system",
        needs_incoming=False,
        render=render_postfix,
        description="Relay a server's mail through this SMTP server.",
        carries_ca=True,
        carries_pin=True,
        caveats=postfix_caveats,
    ),
    Exporter(
        name="git-send-email",
        title="git send-email (git config)",
        filename="gitconfig-sendemail",
        family="system",
        needs_incoming=False,
        render=render_git,
        description="A [sendemail] section for git config.",
        carries_ca=True,
        carries_oauth=True,
    ),
):
    register(_exporter)
