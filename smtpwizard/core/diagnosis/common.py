"""The pieces every reading shares: its context, and the words for ports, stages and replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from smtpwizard.core.discovery.providers import Provider
from smtpwizard.core.i18n import _
from smtpwizard.core.model import INCOMING_PORTS
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Finding
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reply
from smtpwizard.core.model import Security
from smtpwizard.core.model import Severity
from smtpwizard.core.model import StageName

__all__ = [
    "Context",
    "encrypted_ports",
    "encrypted_ways",
    "failing_reply",
    "finding",
    "one_line",
    "place",
    "stage_title",
    "standard_ports",
]


def standard_ports(protocol: Protocol) -> tuple[int, int]:
    """The protocol's standard ports for SSL/TLS and for STARTTLS."""
    if protocol is Protocol.SMTP:
        return 465, 587
    modes = {security: port for port, security in INCOMING_PORTS[protocol]}
    return modes[Security.TLS], modes[Security.STARTTLS]


def encrypted_ports(protocol: Protocol) -> str:
    tls, starttls = standard_ports(protocol)
    return _("{tls} with SSL/TLS, or {starttls} with STARTTLS").format(tls=tls, starttls=starttls)


@dataclass(frozen=True, slots=True)
class Context:
    """What else is known when reading one result."""

    others: Sequence[ProbeResult] = ()
    provider: Provider | None = None


def stage_title(name: StageName) -> str:
    return {
        StageName.RESOLVE: _("looking up the server"),
        StageName.CONNECT: _("connecting"),
        StageName.TLS: _("setting up encryption"),
        StageName.GREETING: _("waiting for the greeting"),
        StageName.EHLO: _("introducing ourselves"),
        StageName.CAPABILITIES: _("asking what it can do"),
        StageName.STARTTLS: _("asking for encryption"),
        StageName.EHLO_TLS: _("introducing ourselves again"),
        StageName.CAPABILITIES_TLS: _("asking again what it can do"),
        StageName.AUTH_MECHANISMS: _("reading the login methods"),
        StageName.AUTH: _("logging in"),
        StageName.MAIL_FROM: _("giving the sender"),
        StageName.RCPT_TO: _("giving the recipient"),
        StageName.RSET: _("resetting"),
        StageName.DATA: _("sending the test message"),
        StageName.QUIT: _("saying goodbye"),
    }[name]


def one_line(reply: Reply | None) -> str:
    return str(reply).replace("\n", " ") if reply is not None else ""


def failing_reply(result: ProbeResult) -> Reply | None:
    stage = result.failed_stage
    return stage.reply if stage is not None else None


def finding(
    headline: str, explanation: str, advice: str, severity: Severity = Severity.ERROR
) -> Finding:
    return Finding(headline, explanation, advice, severity)


def place(candidate: Candidate) -> str:
    """``host port N``, as findings name a server."""
    return f"{candidate.host} port {candidate.port}"


def encrypted_ways(result: ProbeResult, context: Context) -> str:
    """Advice towards an encrypted way to the same server, from what the run saw: one that
    works, else the standard ports not yet shown to fail there, else nothing to suggest."""
    c = result.candidate
    same = [
        o
        for o in context.others
        if o.candidate.host == c.host and o.candidate.protocol is c.protocol and o is not result
    ]
    working = [
        o for o in same if o.outcome is Outcome.OK and o.candidate.security is not Security.NONE
    ]
    if working:
        w = working[0].candidate
        return _("Use port {port} with {mode}: it works.").format(
            port=w.port, mode=w.security.label
        )
    tls, starttls = standard_ports(c.protocol)
    failed = {(o.candidate.port, o.candidate.security) for o in same}
    failed.add((c.port, c.security))
    if c.security is Security.NONE:
        failed.add((c.port, Security.STARTTLS))
    untried = [
        (port, mode)
        for port, mode in ((tls, Security.TLS), (starttls, Security.STARTTLS))
        if (port, mode) not in failed
    ]
    if untried:
        ways = _(" or ").join(
            _("port {port} with {mode}").format(port=port, mode=mode.label)
            for port, mode in untried
        )
        return _("Try {ways}.").format(ways=ways)
    return _(
        "No port tried on this server offers encryption: ask your provider for its encrypted "
        "settings. Only if you accept that your password travels readable, allow logging in "
        "without encryption."
    )
