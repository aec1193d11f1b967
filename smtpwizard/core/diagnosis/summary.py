"""One paragraph on a whole run: what works, what does not and why, what to do."""

from __future__ import annotations

from collections.abc import Sequence

from smtpwizard.core.diagnosis.common import Context
from smtpwizard.core.diagnosis.findings import explain
from smtpwizard.core.diagnosis.network import blocked_on_the_way
from smtpwizard.core.diagnosis.recommend import level_label
from smtpwizard.core.discovery.providers import Provider
from smtpwizard.core.i18n import _
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import MatrixResult
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reason
from smtpwizard.core.model import SecurityLevel

__all__ = ["summarize"]


def port_list(results: Sequence[ProbeResult]) -> str:
    ports = sorted({r.candidate.port for r in results})
    words = [str(p) for p in ports]
    if len(words) <= 1:
        return "".join(words)
    return _("{first} and {last}").format(first=", ".join(words[:-1]), last=words[-1])


def _refused_login(results: Sequence[ProbeResult]) -> ProbeResult | None:
    """The result whose login refusal stopped the logging in (a refusal before a lockout)."""
    judged = [r for r in results if r.auth.status is AuthStatus.REJECTED]
    judged += [r for r in results if r.reason is Reason.AUTH_LOCKED and r not in judged]
    return judged[0] if judged else None


def _plainly_failed(result: ProbeResult) -> bool:
    """A port that never answered, or answered something else: no verdict on the settings."""
    return result.reason in (
        Reason.CONNECT_TIMEOUT,
        Reason.CONNECTION_REFUSED,
        Reason.UNREACHABLE,
        Reason.NO_SUCH_HOST,
        Reason.NO_ADDRESS,
    )


def summarize(matrix: MatrixResult, provider: Provider | None = None) -> str:
    """One paragraph on the whole run: what works, what does not and why, what to do."""
    results = list(matrix.results)
    context = Context(results, provider)
    sentences: list[str] = []
    rec = matrix.recommended
    if rec is not None:
        c = rec.candidate
        sentences.append(
            _("{host} port {port} with {mode} works ({level}).").format(
                host=c.host, port=c.port, mode=c.security.label, level=level_label(rec.level)
            )
        )
        if rec.alternatives:
            alt = ", ".join(
                f"{a.port} ({a.security.label})"
                if a.protocol is Protocol.SMTP
                else f"{a.port} ({a.protocol.name}, {a.security.label})"
                for a in rec.alternatives[:3]
            )
            sentences.append(_("Also working: {alt}.").format(alt=alt))
        for warning in rec.warnings:
            sentences.append(_("Note: {warning}.").format(warning=warning))
    elif matrix.cancelled and not matrix.complete:
        sentences.append(_("Stopped before a verdict."))
    elif matrix.credentials_rejected and _refused_login(results) is not None:
        rejected = _refused_login(results)
        assert rejected is not None
        finding = explain(rejected, context)
        sentences.append(
            _("The servers can be reached, but the login was refused: {headline}.").format(
                headline=finding.headline
            )
        )
        sentences.append(finding.advice)
    else:
        tested = [r for r in results if r.outcome is not Outcome.CANCELLED]
        if not tested:
            return _("Nothing was tested.")
        answered = [r for r in tested if not _plainly_failed(r)]
        unsure = (Outcome.LOGIN_NEEDED, Outcome.TEMPORARY)
        sentences.append(
            _("Nothing is proven to work yet, and nothing is broken for certain.")
            if answered and all(r.outcome in unsure for r in answered)
            else _("No working configuration found.")
        )
        seen: set[str] = set()
        for failed in tested:
            if blocked_on_the_way(failed, results) or failed.outcome is Outcome.INSECURE:
                continue  # said below, once for all such ports
            finding = explain(failed, context)
            if finding.headline in seen or len(seen) == 3:
                continue
            seen.add(finding.headline)
            sentences.append(f"{finding.headline}. {finding.advice}")

    blocked = [r for r in results if blocked_on_the_way(r, results)]
    if blocked:
        sentences.append(
            _("Port {ports} is blocked by your network on the way to the server").format(
                ports=port_list(blocked)
            )
            + (
                ", " + _("which is normal for home and cloud connections") + "."
                if all(r.candidate.port == 25 for r in blocked)
                else "."
            )
        )
    certs = [
        r
        for r in results
        if r.outcome in (Outcome.CERT_EXPIRED, Outcome.CERT_UNTRUSTED, Outcome.CERT_NAME_MISMATCH)
    ]
    if certs and rec is not None:
        sentences.append(explain(certs[0], context).headline + ".")
    insecure = [r for r in results if r.outcome is Outcome.INSECURE]
    if insecure and (rec is None or rec.level is not SecurityLevel.NONE):
        only_plain = [r for r in insecure if not r.starttls_offered]
        can_encrypt = [r for r in insecure if r.starttls_offered]
        if only_plain:
            sentences.append(
                _("Port {ports} works only without encryption and is not recommended.").format(
                    ports=port_list(only_plain)
                )
            )
        if can_encrypt:
            sentences.append(
                _(
                    "Port {ports} was tested without encryption; it offers STARTTLS, so choose "
                    "STARTTLS there."
                ).format(ports=port_list(can_encrypt))
            )
    return " ".join(s.strip() for s in sentences if s.strip())
