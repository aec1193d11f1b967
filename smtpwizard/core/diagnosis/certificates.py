"""Certificate failures in words: expired, not yet valid, another name, untrusted, intercepted."""

from __future__ import annotations

from smtpwizard.core.diagnosis.common import finding
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Finding
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Reason
from smtpwizard.core.net.certs import name_matches

__all__ = ["INTERCEPTORS", "interceptor", "read_certificate"]


#: Issuer names of products that inspect encrypted connections (DIAGNOSIS-FACTS.md §4a).
INTERCEPTORS: tuple[tuple[str, str], ...] = (
    ("avast", "Avast antivirus (Mail Shield)"),
    ("avg ", "AVG antivirus (Mail Shield)"),
    ("norton", "Norton antivirus"),
    ("kaspersky", "Kaspersky antivirus"),
    ("eset", "ESET antivirus"),
    ("bitdefender", "Bitdefender antivirus"),
    ("sophos", "a Sophos firewall"),
    ("fortigate", "a Fortinet FortiGate firewall"),
    ("fortinet", "a Fortinet FortiGate firewall"),
    ("zscaler", "Zscaler (company network security)"),
    ("cisco umbrella", "Cisco Umbrella (company network security)"),
    ("netskope", "Netskope (company network security)"),
    ("watchguard", "a WatchGuard firewall"),
    ("superfish", "Superfish adware"),
)


def interceptor(issuer: str) -> str | None:
    """The product whose certificate authority this is, if it is a known interceptor."""
    text = f"{issuer.lower()} "
    for needle, product in INTERCEPTORS:
        if needle in text:
            return product
    return None


def read_certificate(result: ProbeResult) -> Finding:
    c = result.candidate
    tls = result.tls
    cert = tls.cert if tls else None
    reason = result.reason
    if reason is Reason.CERT_EXPIRED:
        when = f"{cert.not_after:%-d %B %Y}" if cert else _("some time ago")
        return finding(
            _("The server's certificate expired on {when}").format(when=when),
            _(
                "A certificate is the server's proof of identity, and an expired one proves "
                "nothing any more; usually its renewal was forgotten. If this date is still to "
                "come, your computer's clock is wrong."
            ),
            _(
                "Tell the server's administrator. Until it is renewed, do not send your "
                "password there."
            ),
        )
    if reason is Reason.CERT_NOT_YET_VALID:
        when = f"{cert.not_before:%-d %B %Y}" if cert else _("a later date")
        return finding(
            _("The server's certificate is only valid from {when}").format(when=when),
            _(
                "A certificate is the server's proof of identity, valid between two dates. One "
                "that is not valid yet almost always means your computer's date or time is "
                "wrong."
            ),
            _("Check your computer's date, time and time zone, then try again."),
        )
    if reason is Reason.CERT_NAME_MISMATCH:
        names = ", ".join(cert.names[:6]) if cert else _("other names")
        better = None
        if cert is not None:
            better = next(
                (n for n in cert.names if "*" not in n and not name_matches(cert, c.host)),
                None,
            )
        return finding(
            _("The certificate belongs to {names}, not to {host}").format(names=names, host=c.host),
            _(
                "The server proved an identity (with its certificate), but for another name than "
                "the one you used. Often the provider wants its own server name rather than your "
                "domain."
            ),
            (
                _("Use {better} as the server name: the certificate is made out to it.").format(
                    better=better
                )
                if better
                else _("Use the server name your provider documents.")
            ),
        )
    issuer = cert.issuer_name if cert else _("an unknown issuer")
    product = interceptor(cert.issuer) if cert else None
    if product:
        return finding(
            _("{product} is inspecting your encrypted mail connection").format(product=product),
            _(
                "The server's certificate (its proof of identity) was issued by “{issuer}”, not by "
                "the mail server's own authority: {product} decrypts and re-encrypts your "
                "connection to scan it."
            ).format(issuer=issuer, product=product),
            _(
                "Turn off the mail or SSL scanning in {product} (or ask your IT department), then "
                "test again."
            ).format(product=product),
        )
    self_signed = reason is Reason.CERT_SELF_SIGNED or (cert is not None and cert.self_signed)
    return finding(
        _("The server's certificate is not trusted (issued by {issuer})").format(issuer=issuer),
        (
            _(
                "A certificate is a server's proof of identity. This server made its own, which "
                "your computer cannot check."
            )
            if self_signed
            else _(
                "A certificate is a server's proof of identity. This one was issued by an "
                "authority your computer does not trust: the server may use a private "
                "certificate, or something on your network intercepts the connection."
            )
        ),
        _(
            "If this is your own or your company's server, give smtpwizard its CA certificate "
            "file; otherwise, do not send your password there."
        ),
    )
