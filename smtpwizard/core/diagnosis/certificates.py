"""Certificate failures in words: expired, not yet valid, another name, untrusted, intercepted."""

from __future__ import annotations

from smtpwizard.core.diagnosis.common import finding
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Finding
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Severity

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
        # Never advise following the certificate to another name: whoever answers here could
        # have a certificate for any name, and the password would go to that machine.
        return finding(
            _("The certificate belongs to {names}, not to {host}").format(names=names, host=c.host),
            _(
                "The server proved an identity (with its certificate), but for another name than "
                "the one you chose. Either {host} is not the name your provider documents, or "
                "something on the way answers in the server's place. smtpwizard does not send "
                "your password there."
            ).format(host=c.host),
            _(
                "Check the server name in your provider's own help pages and type it exactly as "
                "written there. Do not switch to a name only because the certificate shows it: "
                "your password would go to whatever machine that is. If {host} is right, tell "
                "the server's administrator that its certificate does not cover it."
            ).format(host=c.host),
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
    chain = _chain_gap(result)
    if chain is not None and not self_signed:
        return chain
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


#: OpenSSL's "unable to get local issuer certificate" and "unable to verify the first
#: certificate": the issuer of a certificate was found neither in what the server sent nor
#: among the trusted authorities.
_ISSUER_MISSING = (20, 21)


def _chain_gap(result: ProbeResult) -> Finding | None:
    """The reading of a server that sent only its own certificate, whose issuer nothing
    trusted knows: its chain is incomplete (certain when the certificate names where its
    issuer lives, as public authorities do), or it comes from a private authority."""
    tls = result.tls
    cert = tls.cert if tls else None
    if tls is None or cert is None or tls.verify_code not in _ISSUER_MISSING or not tls.chain:
        return None  # without the certificates the server sent, there is nothing to tell
    sent = tls.chain[1:]
    if any(c.subject == cert.issuer for c in sent):
        return None  # the issuer was sent: it is the authority above it that is unknown
    issuer = cert.issuer_name
    fix = _(
        "Only the server's administrator can fix this: the server must send the intermediate "
        "certificate of {issuer} along with its own (configure the full chain, such as "
        "fullchain.pem, instead of the certificate alone). Until then, do not send your "
        "password there, and do not switch off the certificate check."
    ).format(issuer=issuer)
    if cert.issuer_urls:
        return finding(
            _("The server sends an incomplete certificate chain"),
            _(
                "A certificate is the server's proof of identity. The server sent its own, but "
                "not the intermediate certificate of “{issuer}” that links it to an authority "
                "your computer trusts, so it cannot be checked. This is a mistake in the "
                "server's set-up, not on your side: browsers often hide it by fetching the "
                "missing piece themselves, mail programs do not."
            ).format(issuer=issuer),
            fix,
            Severity.ERROR,
        )
    return finding(
        _(
            "The server's certificate is not trusted (issued by {issuer}): part of its chain "
            "may be missing"
        ).format(issuer=issuer),
        _(
            "A certificate is the server's proof of identity. The server sent only its own, "
            "issued by “{issuer}”, which your computer does not know. Most often the server "
            "leaves out the intermediate certificate that links its own to a trusted authority "
            "(an incomplete chain, a mistake in the server's set-up); otherwise “{issuer}” is "
            "a private authority, such as a company's own."
        ).format(issuer=issuer),
        fix
        + " "
        + _(
            "If it is your own or your company's server with a private authority, give "
            "smtpwizard that authority's certificate file instead."
        ),
        Severity.ERROR,
    )
