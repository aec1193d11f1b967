"""Silence on the network in words: a port blocked on the way, or a server out of reach."""

from __future__ import annotations

from collections.abc import Sequence

from smtpwizard.core.diagnosis.common import Context
from smtpwizard.core.diagnosis.common import finding
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Finding
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Severity
from smtpwizard.core.model import StageName

__all__ = ["COMMONLY_BLOCKED", "blocked_on_the_way", "read_timeout"]


#: Ports that networks commonly block on the way out, and who does (DIAGNOSIS-FACTS.md §5).
COMMONLY_BLOCKED = {
    25: _(
        "Port 25 is meant for mail servers talking to each other; most home internet "
        "providers and cloud hosts (Google Cloud, Azure, AWS, DigitalOcean…) block it to "
        "stop spam. That is normal and not a fault of yours."
    ),
    465: _("Some cloud hosts (Linode, Hetzner Cloud) block port 465 for new accounts."),
    587: _("Some cloud hosts (Linode, for new accounts) block port 587 as well."),
}


def _same_host(result: ProbeResult, others: Sequence[ProbeResult]) -> list[ProbeResult]:
    return [o for o in others if o.candidate.host == result.candidate.host and o is not result]


def _answered(result: ProbeResult) -> bool:
    return any(s.name is StageName.CONNECT and s.ok for s in result.stages)


def blocked_on_the_way(result: ProbeResult, others: Sequence[ProbeResult]) -> bool:
    """Whether a connect timeout is a block on the way: another port of the server answered."""
    return result.reason is Reason.CONNECT_TIMEOUT and any(
        _answered(o) for o in _same_host(result, others)
    )


def read_timeout(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    siblings = _same_host(result, context.others)
    answered = [o for o in siblings if _answered(o)]
    note = COMMONLY_BLOCKED.get(c.port, "")
    if answered:
        ports = ", ".join(sorted({str(o.candidate.port) for o in answered}, key=int))
        return finding(
            _("Port {port} is blocked on the way").format(port=c.port),
            (
                _(
                    "Other ports of this server ({ports}) answer, but port {port} does not: "
                    "something between you and the server silently drops these connections."
                ).format(ports=ports, port=c.port)
                + (" " + note if note else "")
            ),
            _("Use one of the ports that answer."),
            Severity.WARNING,
        )
    silent = [o for o in siblings if o.reason is Reason.CONNECT_TIMEOUT]
    if silent:
        ports = ", ".join(sorted({str(o.candidate.port) for o in [*silent, result]}, key=int))
        return finding(
            _("{host} cannot be reached from here").format(host=c.host),
            _(
                "None of the ports tried ({ports}) answered. Either the server is down, or your "
                "network blocks mail connections altogether (company and hotel networks "
                "often do)."
            ).format(ports=ports),
            _(
                "Check that you are online. Trying from another network (a phone hotspot) tells "
                "the two apart."
            ),
        )
    return finding(
        _("{host} does not answer on port {port}").format(host=c.host, port=c.port),
        (
            _(
                "No answer came within the time allowed: the server is down, or your network "
                "drops connections to this port."
            )
            + (" " + note if note else "")
        ),
        _("Try another port, or another network (a phone hotspot) to tell the two apart."),
    )
