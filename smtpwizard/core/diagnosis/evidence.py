"""The technical facts behind a result, one click away from its finding."""

from __future__ import annotations

from smtpwizard.core.diagnosis.common import one_line
from smtpwizard.core.i18n import _
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import server_address

__all__ = ["evidence"]


def evidence(result: ProbeResult) -> tuple[tuple[str, str], ...]:
    """The technical facts behind a result, as (label, value) pairs."""
    items: list[tuple[str, str]] = []
    c = result.candidate
    items.append((_("server"), f"{server_address(c.host, c.port)} ({c.security.label})"))
    if c.source_detail or c.source:
        items.append((_("found in"), c.source_detail or str(c.source)))
    items.append(
        (_("outcome"), f"{result.outcome}" + (f" ({result.reason})" if result.reason else ""))
    )
    if result.addresses:
        items.append((_("addresses"), ", ".join(result.addresses)))
    if result.connected_to:
        items.append((_("connected to"), result.connected_to))
    stage = result.failed_stage
    if stage is not None:
        items.append((_("failed step"), f"{stage.name} ({stage.ms:g} ms)"))
        items.append((_("detail"), stage.detail))
        if stage.reply is not None:
            items.append((_("server reply"), one_line(stage.reply)))
        if stage.error:
            items.append((_("error"), stage.error))
    tls = result.tls
    if tls is not None:
        if tls.version:
            items.append((_("encryption"), f"{tls.version} {tls.cipher or ''}".strip()))
        if tls.error:
            code = f" (code {tls.verify_code})" if tls.verify_code is not None else ""
            items.append((_("encryption error"), f"{tls.error}{code}"))
        cert = tls.cert
        if cert is not None:
            items.extend(
                [
                    (_("certificate for"), ", ".join(cert.names) or cert.subject),
                    (_("issued by"), cert.issuer),
                    (
                        _("valid"),
                        f"{cert.not_before:%Y-%m-%d %H:%M} – {cert.not_after:%Y-%m-%d %H:%M} UTC",
                    ),
                    (_("fingerprint (SHA-256)"), cert.fingerprint_sha256),
                ]
            )
    if result.auth.offered:
        items.append((_("login methods"), " ".join(result.auth.offered)))
    if result.auth.reply is not None and (stage is None or stage.reply != result.auth.reply):
        items.append((_("login reply"), one_line(result.auth.reply)))
    return tuple(items)
