"""Silence on the network in words: a port blocked on the way, or a server out of reach."""

from __future__ import annotations

from collections.abc import Sequence

from smtpwizard.core.diagnosis.common import Context
from smtpwizard.core.diagnosis.common import finding
from smtpwizard.core.i18n import _
from smtpwizard.core.model import AddressResult
from smtpwizard.core.model import Finding
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Severity
from smtpwizard.core.model import StageName

__all__ = [
    "COMMONLY_BLOCKED",
    "blocked_on_the_way",
    "families",
    "family_note",
    "read_timeout",
]


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


def families(result: ProbeResult) -> dict[str, str]:
    """How each address family ended, in the JSON document's words: the candidate's outcome
    for the family the conversation used, ``connected`` for another that answered, and
    ``refused``, ``timeout`` or ``cancelled`` for one that did not (empty when the name has
    only one family)."""
    words: dict[str, str] = {}
    for address in result.address_results:
        if address.used:
            word = str(result.outcome)
        elif address.connected:
            word = "connected"
        elif address.reason is Reason.CONNECTION_REFUSED:
            word = str(Outcome.REFUSED)
        elif address.reason is None:
            word = str(Outcome.CANCELLED)
        else:
            word = str(Outcome.TIMEOUT)
        if words.get(address.family) not in ("connected", str(result.outcome)):
            words[address.family] = word
    return words


def _failure(address: AddressResult) -> str:
    if address.reason is Reason.CONNECTION_REFUSED:
        return _("refused over {family}").format(family=address.family)
    if address.reason is Reason.UNREACHABLE:
        return _("not reachable over {family}").format(family=address.family)
    return _("blocked over {family}").format(family=address.family)


def _sentence(address: AddressResult) -> str:
    where = f"{address.family} ({address.address})"
    if address.reason is Reason.CONNECTION_REFUSED:
        return _(
            "Over {where} the server refused the connection: nothing listens there on this "
            "port, or a firewall at the server rejects it."
        ).format(where=where)
    if address.reason is Reason.UNREACHABLE:
        return _("Over {where} your computer has no route to the server.").format(where=where)
    return _(
        "Over {where} nothing answered in time: something between you and the server drops "
        "those connections."
    ).format(where=where)


def family_note(result: ProbeResult, works: bool) -> tuple[str | None, str] | None:
    """When the server's IPv4 and IPv6 addresses fared differently: a headline for a result
    shown to work ("works over IPv6, blocked over IPv4"; ``None`` for others) and the
    sentences that say what each family did. ``None`` when they fared the same."""
    addresses = result.address_results
    good = [a for a in addresses if a.connected]
    bad = [a for a in addresses if not a.connected and a.reason is not None]
    if not good:
        # Nothing answered: worth telling only when the families failed differently.
        first = {a.family: a for a in bad}
        if len({a.reason for a in first.values()}) < 2:
            return None
        return None, " ".join(_sentence(a) for a in first.values())
    if not bad:
        return None
    good_families = sorted({a.family for a in good})
    bad = [a for a in bad if a.family not in good_families]
    if not bad:
        return None
    c = result.candidate
    used = next((a for a in good if a.used), good[0])
    failures = ", ".join(dict.fromkeys(_failure(a) for a in bad))
    headline = (
        _("{host} port {port} works over {good}, {failures}").format(
            host=c.host, port=c.port, good=used.family, failures=failures
        )
        if works
        else None
    )
    sentences = [_sentence(a) for a in {a.family: a for a in bad}.values()]
    if works:
        lost = ", ".join(sorted({a.family for a in bad}))
        sentences.append(
            _(
                "It works over {good}; programs that use only {lost} cannot send from here, "
                "and programs that try {lost} first may wait a long time before they try {good}."
            ).format(good=used.family, lost=lost)
        )
    else:
        sentences.append(
            _("Over {family} ({address}) the server accepts connections.").format(
                family=used.family, address=used.address
            )
        )
    return headline, " ".join(sentences)
