"""From a proven result to the settings we advise, and how safe they are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from smtpwizard.core.diagnosis.network import family_note
from smtpwizard.core.diagnosis.sending import explain_sending
from smtpwizard.core.discovery.providers import Provider
from smtpwizard.core.i18n import _
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import MatrixResult
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Recommendation
from smtpwizard.core.model import Security
from smtpwizard.core.model import SecurityLevel
from smtpwizard.core.model import Source

__all__ = ["conclude", "level_label", "recommend", "security_level"]


def security_level(result: ProbeResult) -> SecurityLevel:
    """How well a working result protects the password and the mail."""
    if result.candidate.security is Security.NONE or not result.encrypted:
        return SecurityLevel.NONE
    if result.tls is not None and result.tls.verified:
        return SecurityLevel.VERIFIED
    return SecurityLevel.ACCEPTED


def level_label(level: SecurityLevel) -> str:
    """The security level as the person sees it."""
    return {
        SecurityLevel.VERIFIED: _("encrypted and verified"),
        SecurityLevel.ACCEPTED: _("encrypted, certificate accepted by you"),
        SecurityLevel.NONE: _("NOT encrypted"),
    }[level]


def recommend(
    result: ProbeResult,
    email: str,
    alternatives: Sequence[ProbeResult] = (),
    provider: Provider | None = None,
) -> Recommendation:
    """The settings to use from a working result, with the reasons that make it good."""
    candidate = result.candidate
    level = security_level(result)
    reasons: list[str] = [_("it works from here")]
    if candidate.security is Security.TLS:
        reasons.append(_("encrypted from the first byte (SSL/TLS)"))
    elif candidate.security is Security.STARTTLS:
        reasons.append(_("encrypted with STARTTLS"))
    if level is SecurityLevel.VERIFIED:
        reasons.append(_("the server's certificate is valid"))
    logged_in = result.auth.status is AuthStatus.OK
    sent = result.send is not None and result.send.ok
    if logged_in:
        reasons.append(_("your login was accepted"))
    if sent and logged_in:
        reasons.append(_("the server accepts your address as sender"))
    elif sent:
        reasons.append(_("the server took your address as sender and recipient without a login"))
    if candidate.source is Source.USER:
        reasons.append(_("it is the server you entered"))
    elif candidate.source in (
        Source.PROVIDER,
        Source.AUTOCONFIG,
        Source.ISPDB,
        Source.AUTODISCOVER,
    ):
        name = provider.name if provider is not None else _("your provider")
        reasons.append(_("{name} documents it").format(name=name))
    elif candidate.source is Source.SRV:
        reasons.append(_("your domain announces it in the DNS"))
    warnings: list[str] = []
    sending = explain_sending(result)
    if sending is not None:
        warnings.append(f"{sending.headline}. {sending.explanation}")
    if sent and not logged_in and result.auth.offered:
        warnings.append(
            _(
                "tested without a login: the server took mail from and to your own address "
                "without one, but mail to other people may still need a login; test again with "
                "your password to be sure"
            )
        )
    note = family_note(result, works=True)
    if note is not None:
        warnings.append(note[1].rstrip("."))
    if level is SecurityLevel.NONE:
        warnings.append(_("not encrypted: anyone on the way can read your password and mail"))
    elif level is SecurityLevel.ACCEPTED:
        warnings.append(_("the certificate could not be verified; you chose to trust it"))
    # Only what was proven: the login that was accepted, or none when none was needed.
    username = result.auth.username if logged_in else None
    mechanism = result.auth.mechanism if logged_in else None
    return Recommendation(
        candidate,
        username,
        mechanism,
        tuple(reasons),
        tuple(warnings),
        level,
        tuple(a.candidate for a in alternatives if a is not result),
    )


def conclude(matrix: MatrixResult, provider: Provider | None = None) -> MatrixResult:
    """The run with its recommendation: the proven best result, with the reasons that make it
    good and the alternatives that also work (``recommended`` stays ``None`` when nothing is
    proven to work)."""
    if not matrix.proven or matrix.best is None:
        return matrix
    recommended = recommend(matrix.best, matrix.email, matrix.alternatives, provider)
    return replace(matrix, recommended=recommended)
