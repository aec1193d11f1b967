"""Encryption in words: a port that expects SSL/TLS or plain text, STARTTLS missing or
refused, a handshake that fails, a login or mail refused without encryption, and a server
that works only without it."""

from __future__ import annotations

from smtpwizard.core.diagnosis.common import Context
from smtpwizard.core.diagnosis.common import encrypted_ways
from smtpwizard.core.diagnosis.common import failing_reply
from smtpwizard.core.diagnosis.common import finding
from smtpwizard.core.diagnosis.common import one_line
from smtpwizard.core.diagnosis.common import place
from smtpwizard.core.diagnosis.common import standard_ports
from smtpwizard.core.i18n import _
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Finding
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Security
from smtpwizard.core.model import Severity

__all__ = [
    "read_encryption_required",
    "read_expects_implicit_tls",
    "read_handshake_failed",
    "read_handshake_timeout",
    "read_plain_port",
    "read_protocol_version",
    "read_starttls_not_offered",
    "read_starttls_refused",
    "read_unencrypted",
]


def read_unencrypted(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    where = place(c)
    advice = (
        _("This server offers STARTTLS: choose STARTTLS for port {port} instead.").format(
            port=c.port
        )
        if result.starttls_offered
        else encrypted_ways(result, context)
    )
    if result.starttls_offered:
        # Tested without encryption (as asked), not "works only without": it can encrypt.
        logged_in = result.auth.status is AuthStatus.OK
        headline = (
            _("{where} was tested without encryption (UNSAFE); it offers STARTTLS")
            if logged_in
            else _("{where} was tested without encryption (unsafe); it offers STARTTLS")
        )
        return finding(
            headline.format(where=where),
            (
                _(
                    "You allowed it, so smtpwizard logged in without encryption, and the server "
                    "accepted: your password crossed the network readable by anyone on the way."
                )
                if logged_in
                else _(
                    "Without encryption everything sent, your password included, crosses the "
                    "network readable by anyone on the way."
                )
            )
            + " "
            + _("This server can encrypt the same connection (STARTTLS): use that."),
            advice,
            Severity.WARNING,
        )
    if result.auth.status is AuthStatus.OK:
        return finding(
            _("{where} works only without encryption: UNSAFE").format(where=where),
            _(
                "You allowed it, so smtpwizard logged in without encryption, and the server "
                "accepted: your password crossed the network readable by anyone on the way, and "
                "so will every message sent this way."
            ),
            advice,
            Severity.WARNING,
        )
    return finding(
        _("{where} works only without encryption: unsafe").format(where=where),
        _(
            "Everything sent this way, your password included, crosses the network readable "
            "by anyone on the way. smtpwizard does not log in like this unless you allow it."
        ),
        advice,
        Severity.WARNING,
    )


def read_expects_implicit_tls(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    return finding(
        _("Port {port} expects SSL/TLS from the start").format(port=c.port),
        _(
            "This port wants encryption from the very first byte (SSL/TLS), so it stays silent "
            "when a program starts in plain text, as STARTTLS does."
        ),
        _("Choose SSL/TLS (sometimes called SSL) for port {port}.").format(port=c.port),
    )


def read_plain_port(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    if c.security is Security.STARTTLS:
        where = place(c)
        return finding(
            _("{where} agreed to encrypt, then went on without encryption").format(where=where),
            _(
                "The server said yes to STARTTLS (the switch to encryption) but then answered in "
                "plain text instead of setting up encryption. The server is broken, or something "
                "on the way (a firewall or antivirus) interferes. smtpwizard never continues "
                "without encryption."
            ),
            _("Use port {port} with SSL/TLS, or try from another network.").format(
                port=standard_ports(c.protocol)[0]
            ),
        )
    return finding(
        _("Port {port} starts without encryption: use STARTTLS").format(port=c.port),
        _(
            "This port begins in plain text and then switches to encryption with the STARTTLS "
            "command, so encryption from the first byte (SSL/TLS) cannot work here."
        ),
        _("Choose STARTTLS for port {port}.").format(port=c.port),
    )


def read_starttls_not_offered(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    where = place(c)
    stripped = any("XXXX" in feature.upper() for feature in result.features)
    return finding(
        _("{where} cannot encrypt the connection").format(where=where),
        (
            _(
                "The server's list of features was masked on the way (“XXXX”): a firewall "
                "(Cisco ASA does this) removes STARTTLS, the command that switches to "
                "encryption."
            )
            if stripped
            else _(
                "The server does not offer STARTTLS, the command that switches a connection "
                "to encryption, so your password would travel readable. Sometimes a firewall "
                "or antivirus removes STARTTLS on the way."
            )
        ),
        encrypted_ways(result, context),
    )


def read_starttls_refused(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    where = place(c)
    if result.outcome is Outcome.TEMPORARY:
        return finding(
            _("{where} cannot encrypt the connection right now").format(where=where),
            _(
                "The server answered STARTTLS (the switch to encryption) with: {reply}, a "
                "temporary problem on its side. smtpwizard never continues without encryption."
            ).format(reply=one_line(failing_reply(result))),
            _("Try again in a few minutes, or use port {port} with SSL/TLS.").format(
                port=standard_ports(c.protocol)[0]
            ),
            Severity.WARNING,
        )
    return finding(
        _("{where} offered encryption, then refused it").format(where=where),
        _(
            "The server answered STARTTLS (the switch to encryption) with: {reply}. "
            "smtpwizard never continues without encryption."
        ).format(reply=one_line(failing_reply(result))),
        _("Try again later, or use port {port} with SSL/TLS.").format(
            port=standard_ports(c.protocol)[0]
        ),
    )


def read_handshake_timeout(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    where = place(c)
    return finding(
        _("{where} did not answer the encryption request").format(where=where),
        _("The server never replied to the start of the encrypted connection."),
        _("Check that this port uses SSL/TLS; otherwise try STARTTLS or another port."),
    )


def read_protocol_version(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    where = place(c)
    return finding(
        _("{where} only speaks an outdated kind of encryption").format(where=where),
        _(
            "The server and this computer have no encryption version in common; the "
            "server's is too old to be safe (older than TLS 1.2)."
        ),
        _("Ask the server's administrator to update it, or use another server."),
    )


def read_handshake_failed(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    where = place(c)
    return finding(
        _("The encryption with {where} could not be set up").format(where=where),
        _("The encrypted connection broke off before it was established ({error}).").format(
            error=result.tls.error if result.tls else "-"
        ),
        _("Try the other encryption mode or another port."),
    )


def read_encryption_required(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    where = place(c)
    if result.auth.reply is None and result.send is not None:
        return finding(
            _("{where} takes mail only over an encrypted connection").format(where=where),
            _("The server refused to take mail without encryption ({reply}).").format(
                reply=one_line(failing_reply(result))
            ),
            _("Choose STARTTLS or SSL/TLS."),
        )
    return finding(
        _("{where} takes logins only over an encrypted connection").format(where=where),
        _(
            "The server refused a login without encryption ({reply}). It wants STARTTLS first."
        ).format(reply=one_line(result.auth.reply)),
        _("Choose STARTTLS or SSL/TLS."),
    )
