"""From probe results to plain words: what happened, why, and what to do next.

Written for a person who does not know what TLS is. The technical evidence (stage, reply,
exception) stays in the result, one click away; these sentences never need it to make sense.
"""

from __future__ import annotations

from collections.abc import Sequence

from smtpwizard.core.certs import name_matches
from smtpwizard.core.i18n import _
from smtpwizard.core.model import (
    AuthStatus,
    Finding,
    MatrixResult,
    Outcome,
    ProbeResult,
    Reason,
    Recommendation,
    Security,
    Severity,
    Source,
    StageName,
)

#: Issuer names of products that intercept encrypted connections (DIAGNOSIS-FACTS.md §4a).
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


def _stage_title(name: StageName) -> str:
    return {
        StageName.RESOLVE: _("looking up the server"),
        StageName.CONNECT: _("connecting"),
        StageName.TLS: _("setting up encryption"),
        StageName.GREETING: _("waiting for the greeting"),
        StageName.EHLO: _("introducing ourselves"),
        StageName.STARTTLS: _("asking for encryption"),
        StageName.EHLO_TLS: _("introducing ourselves again"),
        StageName.AUTH_MECHANISMS: _("reading the login methods"),
        StageName.AUTH: _("logging in"),
        StageName.MAIL_FROM: _("giving the sender"),
        StageName.RCPT_TO: _("giving the recipient"),
        StageName.RSET: _("resetting"),
        StageName.DATA: _("sending the test message"),
        StageName.QUIT: _("saying goodbye"),
    }[name]


def _reply(result: ProbeResult) -> str:
    stage = result.failed_stage
    if stage is not None and stage.reply is not None:
        return str(stage.reply).replace("\n", " ")
    return ""


def explain(result: ProbeResult, others: Sequence[ProbeResult] = ()) -> Finding:
    """The finding for one result; ``others`` (the rest of the matrix) give context."""
    c = result.candidate
    where = f"{c.host} port {c.port}"
    reason = result.reason
    outcome = result.outcome
    stage = result.failed_stage

    if outcome in (Outcome.OK, Outcome.INSECURE) and reason not in (
        Reason.UNENCRYPTED,
        Reason.PLAINTEXT_LOGIN_REFUSED,
    ):
        return _working(result, others)
    if reason in (Reason.UNENCRYPTED, Reason.PLAINTEXT_LOGIN_REFUSED):
        advice = (
            _("This server offers STARTTLS: choose STARTTLS for port {port} instead.").format(
                port=c.port
            )
            if result.starttls_offered
            else _("Use an encrypted port instead: 465 with SSL/TLS, or 587 with STARTTLS.")
        )
        return Finding(
            _("{where} works only without encryption").format(where=where),
            _(
                "Everything sent this way, your password included, crosses the network "
                "readable by anyone on the way. smtpwizard does not log in like this unless "
                "you allow it."
            ),
            advice,
            Severity.WARNING,
        )

    if reason is Reason.NO_SUCH_HOST:
        return Finding(
            _("The server name {host} does not exist").format(host=c.host),
            _(
                "The name could not be found in the internet's address book (DNS). It may "
                "be misspelt, or the domain has no server of that name."
            ),
            _("Check the spelling; your provider's help pages give the exact server name."),
            Severity.ERROR,
        )
    if reason is Reason.NO_ADDRESS:
        return Finding(
            _("The name {host} exists but points to no server").format(host=c.host),
            _("The name is registered, but it has no internet address to connect to."),
            _("Check the server name with your provider."),
            Severity.ERROR,
        )
    if reason in (Reason.DNS_FAILURE, Reason.DNS_TIMEOUT):
        return Finding(
            _("The server name could not be looked up right now"),
            _(
                "Your network's name service (DNS) did not give an answer. This is a "
                "problem on your side of the connection, not the mail server's."
            ),
            _("Check that you are online, then try again."),
            Severity.ERROR,
        )
    if reason is Reason.CONNECT_TIMEOUT:
        answered = [
            o
            for o in others
            if o.candidate.host == c.host
            and o is not result
            and any(s.name is StageName.CONNECT and s.ok for s in o.stages)
        ]
        if answered:
            ports = ", ".join(sorted({str(o.candidate.port) for o in answered}))
            return Finding(
                _("Port {port} is blocked on the way").format(port=c.port),
                _(
                    "Other ports of this server ({ports}) answer, but port {port} does not: "
                    "something between you and the server silently drops these connections. "
                    "Internet providers, company firewalls and cloud hosts do this, above all "
                    "to port 25."
                ).format(ports=ports, port=c.port),
                _("Use one of the ports that answer."),
                Severity.WARNING,
            )
        return Finding(
            _("{host} does not answer on port {port}").format(host=c.host, port=c.port),
            _(
                "No answer came within the time allowed. Either the server is down, or your "
                "network blocks outgoing mail connections on this port."
            ),
            _(
                "Check that you are online. Trying from another network (a phone hotspot) "
                "tells the two apart."
            ),
            Severity.ERROR,
        )
    if reason is Reason.UNREACHABLE:
        return Finding(
            _("Your computer has no route to {host}").format(host=c.host),
            _(
                "Your network says there is no way to reach this server's address. Often "
                "this is an IPv6 address on a network without IPv6, or you are offline."
            ),
            _("Check your connection, or try from another network."),
            Severity.ERROR,
        )
    if reason is Reason.CONNECTION_REFUSED:
        return Finding(
            _("Nothing is listening on port {port}").format(port=c.port),
            _(
                "The server answered but refused the connection: no mail service runs on "
                "this port, or a firewall at the server rejects it."
            ),
            _("Try the other ports; your provider's help pages say which ones it uses."),
            Severity.ERROR,
        )
    if reason is Reason.EXPECTS_IMPLICIT_TLS:
        return Finding(
            _("Port {port} expects SSL/TLS from the start").format(port=c.port),
            _(
                "This port wants encryption from the very first byte, so it stays silent "
                "when a program starts in plain text as STARTTLS does."
            ),
            _("Choose SSL/TLS (sometimes called SSL) for port {port}.").format(port=c.port),
            Severity.ERROR,
        )
    if reason is Reason.PLAIN_PORT:
        return Finding(
            _("Port {port} starts without encryption: use STARTTLS").format(port=c.port),
            _(
                "This port begins in plain text and switches to encryption with the "
                "STARTTLS command, so encryption from the first byte (SSL/TLS) cannot work."
            ),
            _("Choose STARTTLS for port {port}.").format(port=c.port),
            Severity.ERROR,
        )
    if reason is Reason.HTTP_SERVER:
        return Finding(
            _("A web server answers on port {port}, not a mail server").format(port=c.port),
            _("This port belongs to a website. Mail programs need the server's mail ports."),
            _("Use port 465 or 587 on the mail server your provider names."),
            Severity.ERROR,
        )
    if reason in (Reason.NOT_SMTP_REPLY, Reason.PROTOCOL_ERROR, Reason.REPLY_TOO_LONG):
        return Finding(
            _("Something other than a mail server answers on port {port}").format(port=c.port),
            _(
                "What came back does not follow the mail protocol (SMTP). It may be another "
                "service, or a broken server."
            ),
            _("Check the server name and port."),
            Severity.ERROR,
        )
    if reason is Reason.GREETING_TIMEOUT:
        return Finding(
            _("{where} accepted the connection but never said hello").format(where=where),
            _(
                "A mail server greets first. This one stayed silent: it may be overloaded, or "
                "something on the way holds the connection open without passing anything."
            ),
            _("Try again later, or another port."),
            Severity.ERROR,
        )
    if reason is Reason.CLOSED_BEFORE_GREETING:
        return Finding(
            _("{where} hung up straight away").format(where=where),
            _("The connection was accepted and closed before any greeting."),
            _(
                "Try again later; if it persists, the server may not accept connections "
                "from your network."
            ),
            Severity.ERROR,
        )
    if reason is Reason.GREETING_REJECTED:
        return Finding(
            _("{where} refuses to talk to you").format(where=where),
            _(
                "The server turned the connection down: {reply}. Often your internet address "
                "is on a block list or in a range the server does not accept (home "
                "connections on port 25 often are)."
            ).format(reply=_reply(result)),
            _("Use the submission ports (465 or 587) and log in."),
            Severity.ERROR,
        )
    if reason is Reason.SERVICE_UNAVAILABLE:
        return Finding(
            _("{where} is busy or shutting down").format(where=where),
            _("The server said it cannot take the connection now: {reply}.").format(
                reply=_reply(result)
            ),
            _("Try again in a few minutes."),
            Severity.ERROR,
        )
    if reason in (Reason.REPLY_TIMEOUT, Reason.TIME_LIMIT):
        during = _stage_title(stage.name) if stage else _("the conversation")
        return Finding(
            _("{where} stopped answering while {during}").format(where=where, during=during),
            _("The server went quiet in the middle of the conversation."),
            _("Try again later, or another port."),
            Severity.ERROR,
        )
    if reason is Reason.CONNECTION_LOST:
        during = _stage_title(stage.name) if stage else _("the conversation")
        return Finding(
            _("{where} hung up while {during}").format(where=where, during=during),
            _("The server closed the connection in the middle of the conversation."),
            _("Try again later, or another port."),
            Severity.ERROR,
        )
    if reason is Reason.STARTTLS_NOT_OFFERED:
        return Finding(
            _("{where} cannot encrypt the connection").format(where=where),
            _(
                "The server does not offer STARTTLS here, so your password would travel "
                "readable. Sometimes a firewall or antivirus removes STARTTLS on the way."
            ),
            _("Use another port: 465 with SSL/TLS, or 587 with STARTTLS."),
            Severity.ERROR,
        )
    if reason is Reason.STARTTLS_REFUSED:
        return Finding(
            _("{where} offered encryption, then refused it").format(where=where),
            _("The server answered STARTTLS with: {reply}.").format(reply=_reply(result)),
            _("Try again later, or use port 465 with SSL/TLS."),
            Severity.ERROR,
        )
    if reason is Reason.HANDSHAKE_TIMEOUT:
        return Finding(
            _("{where} did not answer the encryption request").format(where=where),
            _("The server never replied to the start of the encrypted connection."),
            _("Check that this port uses SSL/TLS; otherwise try STARTTLS or another port."),
            Severity.ERROR,
        )
    if reason is Reason.PROTOCOL_VERSION:
        return Finding(
            _("{where} only speaks an outdated kind of encryption").format(where=where),
            _(
                "The server and this computer have no encryption version in common; the "
                "server's is too old to be safe (before TLS 1.2)."
            ),
            _("Ask the server's administrator to update it, or use another server."),
            Severity.ERROR,
        )
    if reason in (Reason.HANDSHAKE_FAILED, Reason.HANDSHAKE_EOF):
        return Finding(
            _("The encryption with {where} could not be set up").format(where=where),
            _("The encrypted connection broke off before it was established ({error}).").format(
                error=result.tls.error if result.tls else ""
            ),
            _("Try the other encryption mode or another port."),
            Severity.ERROR,
        )
    if reason in (
        Reason.CERT_EXPIRED,
        Reason.CERT_NOT_YET_VALID,
        Reason.CERT_NAME_MISMATCH,
        Reason.CERT_SELF_SIGNED,
        Reason.CERT_UNKNOWN_ISSUER,
        Reason.CERT_INVALID,
    ):
        return _certificate(result)
    if reason in (Reason.AUTH_NOT_OFFERED,):
        if c.port == 25:
            return Finding(
                _("Port 25 does not offer login"),
                _(
                    "Port 25 is for mail servers passing mail to each other, not for your "
                    "own mail program or application, so it offers no login."
                ),
                _("Use port 465 (SSL/TLS) or 587 (STARTTLS)."),
                Severity.ERROR,
            )
        return Finding(
            _("{where} does not offer login").format(where=where),
            _("The server does not let anyone log in on this port."),
            _("Use the port your provider gives for sending with a login (usually 465 or 587)."),
            Severity.ERROR,
        )
    if reason is Reason.OAUTH_ONLY:
        return Finding(
            _("{where} only accepts sign-in through your provider's web page").format(where=where),
            _(
                "The server accepts only OAuth2 sign-in, not a password. Mail programs such "
                "as Thunderbird and Outlook can sign in this way; a password cannot."
            ),
            _("Use a program with OAuth2 sign-in, or an app password if your provider offers one."),
            Severity.ERROR,
        )
    if reason in (Reason.NO_SUPPORTED_MECHANISM, Reason.MECHANISM_NOT_OFFERED):
        return Finding(
            _("{where} offers no login method smtpwizard can use").format(where=where),
            _("The server offers: {mechs}.").format(mechs=" ".join(result.auth.offered) or "-"),
            _("Use another port or server."),
            Severity.ERROR,
        )
    if reason is Reason.ENCRYPTION_REQUIRED:
        return Finding(
            _("{where} takes logins only over an encrypted connection").format(where=where),
            _("The server refused a login without encryption: {reply}.").format(
                reply=_reply(result)
            ),
            _("Choose STARTTLS or SSL/TLS."),
            Severity.ERROR,
        )
    if reason is Reason.AUTH_TEMPORARY:
        return Finding(
            _("The login failed for now"),
            _("The server could not check your login at this moment: {reply}.").format(
                reply=_reply(result)
            ),
            _("Wait a few minutes and try again."),
            Severity.ERROR,
        )
    if reason is Reason.AUTH_REJECTED:
        return _rejected(result)
    if outcome is Outcome.CANCELLED:
        if reason is Reason.SUPERSEDED:
            return Finding(
                _("Not needed: a better server already works"),
                _("This test was stopped because a better-ranked server already works."),
                _("Run again with all servers tested to see its result."),
                Severity.INFO,
            )
        return Finding(
            _("Stopped before it finished"),
            _("The test was cancelled."),
            _("Run it again to see the result."),
            Severity.INFO,
        )
    return Finding(
        _("{where} did not work").format(where=where),
        _("The test ended with: {outcome}.").format(outcome=outcome),
        _("See the details for what the server said."),
        Severity.ERROR,
    )


def _working(result: ProbeResult, others: Sequence[ProbeResult]) -> Finding:
    c = result.candidate
    parts: list[str] = []
    if c.security is Security.TLS:
        parts.append(_("encrypted from the first byte (SSL/TLS)"))
    elif c.security is Security.STARTTLS:
        parts.append(_("encrypted with STARTTLS"))
    if result.tls is not None and result.tls.verified:
        parts.append(_("the certificate is valid"))
    status = result.auth.status
    if status is AuthStatus.OK:
        parts.append(_("your login was accepted"))
    elif status is AuthStatus.NOT_TRIED:
        rejected = any(o.auth.status is AuthStatus.REJECTED for o in others)
        parts.append(
            _("the login was not tried here because it was refused elsewhere")
            if rejected
            else _("the login was not needed here: another server already accepted it")
        )
    elif result.auth.offered:
        parts.append(_("login offered ({mechs})").format(mechs=" ".join(result.auth.offered)))
    else:
        parts.append(_("no login offered"))
    explanation = "; ".join(parts) + "."
    explanation = explanation[0].upper() + explanation[1:]
    advice = _("You can use these settings.")
    severity = Severity.OK
    if result.send is not None and not result.send.ok:
        refused = (
            result.send.recipient
            if result.send.sender and result.send.sender.code == 250
            else result.send.sender
        )
        explanation += " " + _("But the server refused your address: {reply}.").format(
            reply=str(refused).replace("\n", " ") if refused else "-"
        )
        advice = _(
            "The server does not let this login send as this address. Check that the address "
            "belongs to the account you log in with."
        )
        severity = Severity.WARNING
    elif status is AuthStatus.NOT_TRIED and any(
        o.auth.status is AuthStatus.REJECTED for o in others
    ):
        severity = Severity.INFO
        advice = _("Fix the login first.")
    return Finding(
        _("{host} port {port} works").format(host=c.host, port=c.port),
        explanation,
        advice,
        severity,
    )


def _certificate(result: ProbeResult) -> Finding:
    c = result.candidate
    tls = result.tls
    cert = tls.cert if tls else None
    reason = result.reason
    if reason is Reason.CERT_EXPIRED:
        when = f"{cert.not_after:%-d %B %Y}" if cert else _("some time ago")
        return Finding(
            _("The server's certificate expired on {when}").format(when=when),
            _(
                "A certificate proves you are talking to the real server, and an expired "
                "one can no longer prove it; usually its renewal was forgotten. If this date "
                "is still to come, your computer's clock is wrong."
            ),
            _(
                "Tell the server's administrator. Until it is renewed, do not send your "
                "password there."
            ),
            Severity.ERROR,
        )
    if reason is Reason.CERT_NOT_YET_VALID:
        when = f"{cert.not_before:%-d %B %Y}" if cert else _("a later date")
        return Finding(
            _("The server's certificate is only valid from {when}").format(when=when),
            _("Almost always this means your computer's date or time is wrong."),
            _("Check your computer's date, time and time zone, then try again."),
            Severity.ERROR,
        )
    if reason is Reason.CERT_NAME_MISMATCH:
        names = ", ".join(cert.names[:6]) if cert else _("other names")
        better = None
        if cert is not None:
            better = next(
                (n for n in cert.names if "*" not in n and not name_matches(cert, c.host)),
                None,
            )
        advice = (
            _("Use {better} as the server name: the certificate is made out to it.").format(
                better=better
            )
            if better
            else _("Use the server name your provider documents.")
        )
        return Finding(
            _("The certificate belongs to {names}, not to {host}").format(names=names, host=c.host),
            _(
                "The server proved an identity, but for another name than the one you "
                "used. Often the provider wants its own server name rather than your domain."
            ),
            advice,
            Severity.ERROR,
        )
    issuer = cert.issuer_name if cert else _("an unknown issuer")
    product = interceptor(cert.issuer) if cert else None
    if product:
        return Finding(
            _("{product} is inspecting your encrypted mail connection").format(product=product),
            _(
                "The certificate was issued by “{issuer}”, not by the mail server's own "
                "authority: {product} decrypts and re-encrypts your connection to scan it."
            ).format(issuer=issuer, product=product),
            _(
                "Turn off the mail or SSL scanning in {product} (or ask your IT department), "
                "then test again."
            ).format(product=product),
            Severity.ERROR,
        )
    self_signed = reason is Reason.CERT_SELF_SIGNED
    return Finding(
        _("The server's certificate is not trusted (issued by {issuer})").format(issuer=issuer),
        (
            _("The server made its own certificate, which your computer cannot check.")
            if self_signed
            else _(
                "It was issued by an authority your computer does not trust. The server may "
                "use a private certificate, or something on your network intercepts the "
                "connection."
            )
        ),
        _(
            "If this is your own or your company's server, give smtpwizard its CA "
            "certificate file; otherwise, do not send your password there."
        ),
        Severity.ERROR,
    )


def _rejected(result: ProbeResult) -> Finding:
    reply = result.auth.reply
    text = str(reply).replace("\n", " ") if reply else ""
    enhanced = reply.enhanced if reply else None
    lowered = text.lower()
    if (reply and reply.code == 534) or enhanced == "5.7.9" or "application-specific" in lowered:
        return Finding(
            _("This account needs an app password"),
            _(
                "The server refused your normal password for mail programs: {reply}. "
                "Accounts with two-step verification need a separate app password."
            ).format(reply=text),
            _("Create an app password in your account's security settings and use it here."),
            Severity.ERROR,
        )
    if enhanced in ("5.7.139", "5.7.3") or "smtpclientauthentication is disabled" in lowered:
        return Finding(
            _("Logging in to send mail is turned off for this mailbox"),
            _(
                "The password may be right, but the organisation has switched off SMTP "
                "login for this mailbox: {reply}."
            ).format(reply=text),
            _("Ask your administrator to enable SMTP AUTH for the mailbox."),
            Severity.ERROR,
        )
    return Finding(
        _("Your username or password was not accepted"),
        _("The server said: {reply}.").format(reply=text),
        _(
            "Check the username (often your full email address) and the password. If your "
            "account uses two-step verification, you need an app password."
        ),
        Severity.ERROR,
    )


def recommend(result: ProbeResult, email: str) -> Recommendation:
    """The settings to use from a working result, with the reasons that make it good."""
    candidate = result.candidate
    reasons: list[str] = [_("it works from here")]
    if candidate.security is Security.TLS:
        reasons.append(_("encrypted from the first byte (SSL/TLS)"))
    elif candidate.security is Security.STARTTLS:
        reasons.append(_("encrypted with STARTTLS"))
    if result.tls is not None and result.tls.verified:
        reasons.append(_("the server's certificate is valid"))
    if result.auth.status is AuthStatus.OK:
        reasons.append(_("your login was accepted"))
    warnings: list[str] = []
    send = result.send
    if send is not None and send.ok:
        reasons.append(_("the server accepts your address as sender"))
    elif send is not None:
        refused = next(
            (
                r
                for r in (send.sender, send.recipient, send.message)
                if r is not None and not 200 <= r.code < 300
            ),
            None,
        )
        warnings.append(
            _("but the server refused a test with your address: {reply}").format(
                reply=str(refused).replace("\n", " ") if refused else "-"
            )
        )
    if candidate.security is Security.NONE:
        warnings.append(_("not encrypted: anyone on the way can read your password and mail"))
    if candidate.source is Source.USER:
        reasons.append(_("it is the server you entered"))
    username = result.auth.username or (email if result.auth.offered else None)
    mechanism = result.auth.mechanism
    if mechanism is None:
        mechanism = next(
            (m for m in ("PLAIN", "LOGIN", "CRAM-MD5") if m in result.auth.offered), None
        )
    return Recommendation(candidate, username, mechanism, tuple(reasons), tuple(warnings))


def summarize(matrix: MatrixResult) -> str:
    """One or two sentences: the verdict for the whole run."""
    rec = matrix.recommended
    if rec is not None:
        c = rec.candidate
        text = _("Use {host}, port {port}, {mode}").format(
            host=c.host, port=c.port, mode=c.security.label
        )
        if rec.username:
            text += _(", username {user}").format(user=rec.username)
        text += ": " + "; ".join(rec.reasons) + "."
        if rec.warnings:
            text += " " + _("Warning: {warnings}.").format(warnings="; ".join(rec.warnings))
        return text
    if matrix.cancelled and not matrix.complete:
        return _("Stopped before a verdict.")
    if matrix.credentials_rejected:
        rejected = next((r for r in matrix.results if r.auth.status is AuthStatus.REJECTED), None)
        headline = explain(rejected, matrix.results).headline if rejected else ""
        return _("Your login was refused: {headline}.").format(headline=headline)
    if matrix.best is not None:
        return explain(matrix.best, matrix.results).headline + "."
    failures = [r for r in matrix.results if r.outcome is not Outcome.CANCELLED]
    if not failures:
        return _("Nothing was tested.")
    first = explain(failures[0], matrix.results)
    return _("No working configuration found. {headline}.").format(headline=first.headline)
