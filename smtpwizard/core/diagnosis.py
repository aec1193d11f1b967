"""From probe results to plain words: what happened, why, and what to do next.

Written for a person who does not know what TLS is: technical words are explained where they
first appear in a finding, and the technical evidence (stage, reply, exception, certificate)
travels with each finding, one click away. The same findings feed the CLI report, the JSON
``finding`` and ``summary`` fields, and the wizard.

What changes the meaning of a result, and is therefore part of its :class:`Context`:
- the other results of the run (a port that times out while another port of the same
  server answers is blocked on the way; every port timing out means the server is
  unreachable from here);
- the provider, when known (its own steps and help page; what its replies mean).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from smtpwizard.core.certs import name_matches
from smtpwizard.core.i18n import _
from smtpwizard.core.model import (
    INCOMING_PORTS,
    AuthStatus,
    Finding,
    MatrixResult,
    Outcome,
    ProbeResult,
    Protocol,
    Reason,
    Recommendation,
    Reply,
    Security,
    SecurityLevel,
    Severity,
    Source,
    StageName,
)
from smtpwizard.core.providers import Provider, Requirement


def _standard_ports(protocol: Protocol) -> tuple[int, int]:
    """The protocol's standard ports for SSL/TLS and for STARTTLS."""
    if protocol is Protocol.SMTP:
        return 465, 587
    modes = {security: port for port, security in INCOMING_PORTS[protocol]}
    return modes[Security.TLS], modes[Security.STARTTLS]


def _encrypted_ports(protocol: Protocol) -> str:
    tls, starttls = _standard_ports(protocol)
    return _("{tls} with SSL/TLS, or {starttls} with STARTTLS").format(tls=tls, starttls=starttls)


@dataclass(frozen=True, slots=True)
class Context:
    """What else is known when reading one result."""

    others: Sequence[ProbeResult] = ()
    provider: Provider | None = None


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


def interceptor(issuer: str) -> str | None:
    """The product whose certificate authority this is, if it is a known interceptor."""
    text = f"{issuer.lower()} "
    for needle, product in INTERCEPTORS:
        if needle in text:
            return product
    return None


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


def _stage_title(name: StageName) -> str:
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


def _one_line(reply: Reply | None) -> str:
    return str(reply).replace("\n", " ") if reply is not None else ""


def _failing_reply(result: ProbeResult) -> Reply | None:
    stage = result.failed_stage
    return stage.reply if stage is not None else None


# -- evidence ---------------------------------------------------------------------------------


def evidence(result: ProbeResult) -> tuple[tuple[str, str], ...]:
    """The technical facts behind a result, as (label, value) pairs."""
    items: list[tuple[str, str]] = []
    c = result.candidate
    items.append((_("server"), f"{c.host}:{c.port} ({c.security.label})"))
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
            items.append((_("server reply"), _one_line(stage.reply)))
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
        items.append((_("login reply"), _one_line(result.auth.reply)))
    return tuple(items)


# -- provider-specific replies (PROVIDERS.md §6) ----------------------------------------------


@dataclass(frozen=True, slots=True)
class _ReplyRule:
    """A reading of a login reply: matched on code, enhanced code and a text fragment."""

    match: Callable[[Reply, Provider | None], bool]
    headline: str
    explanation: str
    advice: str


def _text(pattern: str) -> Callable[[Reply, Provider | None], bool]:
    regex = re.compile(pattern, re.IGNORECASE)
    return lambda reply, _provider: bool(regex.search(str(reply)))


def _provider_and(ids: set[str], pattern: str) -> Callable[[Reply, Provider | None], bool]:
    regex = re.compile(pattern, re.IGNORECASE)
    return lambda reply, p: p is not None and p.id in ids and bool(regex.search(str(reply)))


_GOOGLE = {"gmail", "google-workspace", "google-smtp-relay"}
_YAHOO = {"yahoo", "aol", "att"}

_LOGIN_RULES: tuple[_ReplyRule, ...] = (
    _ReplyRule(
        _text(r"\b5\.7\.14\b|log ?in via your web browser"),
        _("Google blocked this sign-in as suspicious"),
        _("Google wants you to confirm the sign-in in a web browser before it lets a program in."),
        _(
            "Sign in to your Google account in a browser, confirm it was you, then use an app "
            "password here."
        ),
    ),
    _ReplyRule(
        _text(r"\b5\.7\.9\b|application-specific password|\b534\b"),
        _("This account needs an app password"),
        _(
            "The server refused your normal password for mail programs. Accounts with two-step "
            "verification need a separate app password: a password made only for one program."
        ),
        _("Create an app password in your account's security settings and use it here."),
    ),
    _ReplyRule(
        _provider_and(_GOOGLE, r"\b5\.7\.8\b|not accepted"),
        _("Google does not accept your normal password here"),
        _(
            "Google no longer lets mail programs sign in with the account password. It takes an "
            "app password (which needs two-step verification switched on) or Google's own "
            "sign-in (OAuth2)."
        ),
        _("Turn on two-step verification, create an app password, and use it here."),
    ),
    _ReplyRule(
        _text(r"#AUTH005|too many bad auth"),
        _("The provider refused the password (it wants an app password)"),
        _(
            "Yahoo and AOL answer “too many bad attempts” even on the first try when the normal "
            "account password is used for a mail program."
        ),
        _("Create an app password in your account security settings and use it here."),
    ),
    _ReplyRule(
        _text(r"5\.7\.139.*security defaults"),
        _("Your organisation's security defaults block password sign-in for mail"),
        _("Microsoft 365 “security defaults” switch off password sign-in for mail programs."),
        _(
            "Ask your administrator to allow SMTP login for this mailbox, or use a program that "
            "signs in with Microsoft (OAuth2)."
        ),
    ),
    _ReplyRule(
        _text(r"5\.7\.139.*basic authentication is disabled|\b5\.7\.30\b"),
        _("Password sign-in is switched off for this account"),
        _(
            "Microsoft no longer accepts a password here: Outlook.com accounts since September "
            "2024, and organisations that turned it off. Only Microsoft's own sign-in (OAuth2) "
            "works."
        ),
        _(
            "Use a mail program that signs in with Microsoft (Thunderbird, Outlook), or ask "
            "your administrator."
        ),
    ),
    _ReplyRule(
        _text(r"\b5\.7\.139\b|smtpclientauthentication is disabled"),
        _("Logging in to send mail is turned off for this mailbox"),
        _(
            "The password may be right, but the organisation has switched off SMTP login "
            "(“Authenticated SMTP”) for the mailbox or the whole organisation."
        ),
        _("Ask your administrator to turn on Authenticated SMTP for your mailbox."),
    ),
    _ReplyRule(
        _text(r"\b5\.7\.3\b"),
        _("Microsoft refused the login"),
        _(
            "Microsoft says only “authentication unsuccessful”: the password may be wrong, the "
            "account may need an app password, or SMTP login may be switched off for it."
        ),
        _(
            "Check the password; if it is right, ask your administrator whether Authenticated "
            "SMTP is on for your mailbox."
        ),
    ),
    _ReplyRule(
        _text(r"too many (login|auth|failed)|try again later"),
        _("Too many login attempts: the server is refusing logins for a while"),
        _(
            "After several failed logins, servers pause logins from your connection to protect "
            "the account."
        ),
        _(
            "Wait a while (often 15 minutes to an hour) before trying again, with the right "
            "password."
        ),
    ),
    _ReplyRule(
        _provider_and({"sendgrid"}, r"."),
        _("SendGrid refused the login"),
        _(
            "SendGrid's username is literally “apikey”, and the password is an API key with "
            "permission to send mail."
        ),
        _("Use the username apikey and paste a current API key as the password."),
    ),
    _ReplyRule(
        _provider_and({"amazon-ses"}, r"."),
        _("Amazon SES refused the login"),
        _(
            "SES needs its own SMTP credentials, made in the SES console for this region; your "
            "AWS access keys do not work as they are."
        ),
        _(
            "Create SMTP credentials in the SES console (for the same region as the server) and "
            "use those."
        ),
    ),
    _ReplyRule(
        _provider_and({"mailgun-us", "mailgun-eu"}, r"."),
        _("Mailgun refused the login"),
        _(
            "Mailgun wants the SMTP credentials of your sending domain, and the right region "
            "(US or EU)."
        ),
        _("Check the domain's SMTP login in Mailgun, and use smtp.eu.mailgun.org for EU domains."),
    ),
    _ReplyRule(
        _provider_and({"brevo"}, r"."),
        _("Brevo refused the login"),
        _("Brevo wants its SMTP login and an SMTP key, not the account password or an API key."),
        _("Copy the SMTP login and create an SMTP key under SMTP & API in Brevo."),
    ),
)


# -- findings ---------------------------------------------------------------------------------


def explain(result: ProbeResult, context: Context | None = None) -> Finding:
    """The finding for one result, read in its context."""
    context = context or Context()
    finding = _finding(result, context)
    link = finding.link or _provider_link(result, context.provider)
    return Finding(
        finding.headline,
        finding.explanation,
        finding.advice,
        finding.severity,
        evidence(result),
        link,
    )


def _provider_link(result: ProbeResult, provider: Provider | None) -> str | None:
    if provider is None:
        return None
    login_trouble = result.outcome in (Outcome.AUTH_FAILED, Outcome.AUTH_UNAVAILABLE)
    if (
        login_trouble
        and provider.app_password_url
        and (provider.requirements & {Requirement.APP_PASSWORD, Requirement.APP_PASSWORD_WITH_2FA})
    ):
        return provider.app_password_url
    if result.outcome is not Outcome.OK:
        return provider.help_url
    return None


def _f(
    headline: str, explanation: str, advice: str, severity: Severity = Severity.ERROR
) -> Finding:
    return Finding(headline, explanation, advice, severity)


def _finding(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    where = f"{c.host} port {c.port}"
    reason = result.reason
    outcome = result.outcome
    stage = result.failed_stage

    if outcome in (Outcome.OK, Outcome.INSECURE) and reason not in (
        Reason.UNENCRYPTED,
        Reason.PLAINTEXT_LOGIN_REFUSED,
    ):
        return _working(result, context)
    if reason in (Reason.UNENCRYPTED, Reason.PLAINTEXT_LOGIN_REFUSED):
        advice = (
            _("This server offers STARTTLS: choose STARTTLS for port {port} instead.").format(
                port=c.port
            )
            if result.starttls_offered
            else _("Use an encrypted port instead: {ports}.").format(
                ports=_encrypted_ports(c.protocol)
            )
        )
        return _f(
            _("{where} works only without encryption: unsafe").format(where=where),
            _(
                "Everything sent this way, your password included, crosses the network readable "
                "by anyone on the way. smtpwizard does not log in like this unless you allow it."
            ),
            advice,
            Severity.WARNING,
        )

    if reason is Reason.NO_SUCH_HOST:
        return _f(
            _("The server name {host} does not exist").format(host=c.host),
            _(
                "The name could not be found in the DNS, the internet's address book. It may be "
                "misspelt, or the domain has no server of that name."
            ),
            _("Check the spelling; your provider's help pages give the exact server name."),
        )
    if reason is Reason.NO_ADDRESS:
        return _f(
            _("The name {host} exists but points to no server").format(host=c.host),
            _(
                "The name is registered in the DNS (the internet's address book) but has no "
                "internet address to connect to."
            ),
            _("Check the server name with your provider."),
        )
    if reason in (Reason.DNS_FAILURE, Reason.DNS_TIMEOUT):
        return _f(
            _("{host} could not be looked up right now").format(host=c.host),
            _(
                "Your network's name service (DNS, which turns names into internet addresses) "
                "did not answer. This is a problem on your side of the connection, not the mail "
                "server's."
            ),
            _("Check that you are online, then try again."),
        )
    if reason is Reason.CONNECT_TIMEOUT:
        return _timeout(result, context)
    if reason is Reason.UNREACHABLE:
        return _f(
            _("Your computer has no route to {host}").format(host=c.host),
            _(
                "Your network says there is no way to reach this server's address. Often this is "
                "an IPv6 address on a network without IPv6, or you are offline."
            ),
            _("Check your connection, or try from another network."),
        )
    if reason is Reason.CONNECTION_REFUSED:
        return _f(
            _("Nothing is listening on port {port} of {host}").format(port=c.port, host=c.host),
            _(
                "The server answered but refused the connection: no mail service runs on this "
                "port, or a firewall at the server rejects it. The network on the way is fine."
            ),
            _("Try the other ports; your provider's help pages say which ones it uses."),
        )
    if reason is Reason.EXPECTS_IMPLICIT_TLS:
        return _f(
            _("Port {port} expects SSL/TLS from the start").format(port=c.port),
            _(
                "This port wants encryption from the very first byte (SSL/TLS), so it stays silent "
                "when a program starts in plain text, as STARTTLS does."
            ),
            _("Choose SSL/TLS (sometimes called SSL) for port {port}.").format(port=c.port),
        )
    if reason is Reason.PLAIN_PORT and c.security is Security.STARTTLS:
        return _f(
            _("{where} agreed to encrypt, then went on without encryption").format(where=where),
            _(
                "The server said yes to STARTTLS (the switch to encryption) but then answered in "
                "plain text instead of setting up encryption. The server is broken, or something "
                "on the way (a firewall or antivirus) interferes. smtpwizard never continues "
                "without encryption."
            ),
            _("Use port {port} with SSL/TLS, or try from another network.").format(
                port=_standard_ports(c.protocol)[0]
            ),
        )
    if reason is Reason.PLAIN_PORT:
        return _f(
            _("Port {port} starts without encryption: use STARTTLS").format(port=c.port),
            _(
                "This port begins in plain text and then switches to encryption with the STARTTLS "
                "command, so encryption from the first byte (SSL/TLS) cannot work here."
            ),
            _("Choose STARTTLS for port {port}.").format(port=c.port),
        )
    if reason is Reason.HTTP_SERVER:
        return _f(
            _("A web server answers on port {port}, not a mail server").format(port=c.port),
            _("This port belongs to a website. Mail programs need the server's mail ports."),
            _("Use port {ports} on the mail server your provider names.").format(
                ports=_encrypted_ports(c.protocol)
            ),
        )
    if reason in (Reason.NOT_SMTP_REPLY, Reason.PROTOCOL_ERROR, Reason.REPLY_TOO_LONG):
        return _f(
            _("Something other than a mail server answers on port {port}").format(port=c.port),
            _(
                "What came back does not follow the mail protocol ({protocol}). It may be "
                "another service, a broken server, or something on the way that interferes."
            ).format(protocol=c.protocol.name),
            _("Check the server name and port."),
        )
    if reason is Reason.GREETING_TIMEOUT:
        return _f(
            _("{where} accepted the connection but never said hello").format(where=where),
            _(
                "A mail server greets first. This one stayed silent: it may be overloaded, or "
                "something on the way holds the connection open without passing anything."
            ),
            _("Try again later, or another port."),
        )
    if reason is Reason.CLOSED_BEFORE_GREETING:
        return _f(
            _("{where} hung up straight away").format(where=where),
            _("The connection was accepted and closed again before any greeting."),
            _(
                "Try again later; if it persists, the server may not accept connections from "
                "your network."
            ),
        )
    if reason is Reason.GREETING_REJECTED:
        reply = _one_line(_failing_reply(result))
        if c.protocol is Protocol.SMTP and c.port == 25:
            return _f(
                _("{where} refuses to talk to you").format(where=where),
                _(
                    "The server turned the connection down ({reply}). Often your internet "
                    "address is on a block list, or in a range the server does not accept: home "
                    "connections on port 25 often are."
                ).format(reply=reply),
                _("Use the submission ports (465 or 587) and log in."),
            )
        return _f(
            _("{where} refuses to talk to you").format(where=where),
            _(
                "The server turned the connection down ({reply}). Your internet address may be "
                "on a block list or in a range the server does not accept, or the server may "
                "be out of service."
            ).format(reply=reply),
            _(
                "Try again later; if it persists, ask your provider whether they block your "
                "network (trying from another network, such as a phone hotspot, tells)."
            ),
        )
    if reason is Reason.SERVICE_UNAVAILABLE:
        return _f(
            _("{where} is busy or shutting down").format(where=where),
            _("The server said it cannot take the connection now ({reply}).").format(
                reply=_one_line(_failing_reply(result))
            ),
            _("Try again in a few minutes."),
        )
    if reason is Reason.REPLY_TIMEOUT and stage is not None and stage.name is StageName.AUTH:
        return _f(
            _("{where} did not answer the login in time").format(where=where),
            _(
                "Servers slow their answers down after failed logins from your address, to stop "
                "password guessing; some also take long to check a login."
            ),
            _("Wait a few minutes, then try once more with the right password."),
        )
    if reason in (Reason.REPLY_TIMEOUT, Reason.TIME_LIMIT):
        stage = result.failed_stage
        during = _stage_title(stage.name) if stage else _("the conversation")
        return _f(
            _("{where} stopped answering while {during}").format(where=where, during=during),
            _("The server went quiet in the middle of the conversation."),
            _("Try again later, or another port."),
        )
    if reason is Reason.CONNECTION_LOST:
        stage = result.failed_stage
        during = _stage_title(stage.name) if stage else _("the conversation")
        return _f(
            _("{where} hung up while {during}").format(where=where, during=during),
            _("The server closed the connection in the middle of the conversation."),
            _("Try again later, or another port."),
        )
    if reason is Reason.STARTTLS_NOT_OFFERED:
        stripped = any("XXXX" in feature.upper() for feature in result.features)
        return _f(
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
            _("Use another port: {ports}.").format(ports=_encrypted_ports(c.protocol)),
        )
    if reason is Reason.STARTTLS_REFUSED:
        return _f(
            _("{where} offered encryption, then refused it").format(where=where),
            _(
                "The server answered STARTTLS (the switch to encryption) with: {reply}. "
                "smtpwizard never continues without encryption."
            ).format(reply=_one_line(_failing_reply(result))),
            _("Try again later, or use port {port} with SSL/TLS.").format(
                port=_standard_ports(c.protocol)[0]
            ),
        )
    if reason is Reason.HANDSHAKE_TIMEOUT:
        return _f(
            _("{where} did not answer the encryption request").format(where=where),
            _("The server never replied to the start of the encrypted connection."),
            _("Check that this port uses SSL/TLS; otherwise try STARTTLS or another port."),
        )
    if reason is Reason.PROTOCOL_VERSION:
        return _f(
            _("{where} only speaks an outdated kind of encryption").format(where=where),
            _(
                "The server and this computer have no encryption version in common; the "
                "server's is too old to be safe (older than TLS 1.2)."
            ),
            _("Ask the server's administrator to update it, or use another server."),
        )
    if reason in (Reason.HANDSHAKE_FAILED, Reason.HANDSHAKE_EOF):
        return _f(
            _("The encryption with {where} could not be set up").format(where=where),
            _("The encrypted connection broke off before it was established ({error}).").format(
                error=result.tls.error if result.tls else "-"
            ),
            _("Try the other encryption mode or another port."),
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
    if reason is Reason.AUTH_NOT_OFFERED:
        if c.protocol is not Protocol.SMTP:
            return _f(
                _("{where} does not offer login").format(where=where),
                _("The server does not let anyone log in on this port."),
                _("Use the port your provider gives for {protocol}, usually {ports}.").format(
                    protocol=c.protocol.name, ports=_encrypted_ports(c.protocol)
                ),
            )
        if c.port == 25:
            return _f(
                _("Port 25 does not offer login"),
                _(
                    "Port 25 is for mail servers passing mail to each other (relay), not for your "
                    "own mail program or application, so it offers no login."
                ),
                _("Use port 465 (SSL/TLS) or 587 (STARTTLS)."),
            )
        return _f(
            _("{where} does not offer login").format(where=where),
            _("The server does not let anyone log in on this port."),
            _("Use the port your provider gives for sending with a login (usually 465 or 587)."),
        )
    if reason is Reason.OAUTH_ONLY:
        return _f(
            _("{where} accepts only your provider's own sign-in, not a password").format(
                where=where
            ),
            _(
                "The server takes only OAuth2 sign-in (the provider's web sign-in page), not a "
                "password. Mail programs such as Thunderbird and Outlook can sign in this way."
            ),
            _("Use a program with OAuth2 sign-in, or an app password if your provider offers one."),
        )
    if reason in (Reason.NO_SUPPORTED_MECHANISM, Reason.MECHANISM_NOT_OFFERED):
        return _f(
            _("{where} offers no login method smtpwizard can use").format(where=where),
            _("The server offers: {mechs}.").format(mechs=" ".join(result.auth.offered) or "-"),
            _("Use another port or server."),
        )
    if reason is Reason.ENCRYPTION_REQUIRED:
        return _f(
            _("{where} takes logins only over an encrypted connection").format(where=where),
            _(
                "The server refused a login without encryption ({reply}). It wants STARTTLS first."
            ).format(reply=_one_line(result.auth.reply)),
            _("Choose STARTTLS or SSL/TLS."),
        )
    if reason in (Reason.AUTH_TEMPORARY, Reason.AUTH_REJECTED):
        return _login_refused(result, context)
    if outcome is Outcome.CANCELLED:
        if reason is Reason.STOPPED_AS_ASKED:
            last = next(
                (s for s in reversed(result.stages) if s.ok and s.name is not StageName.QUIT),
                None,
            )
            return _f(
                _("Stopped after {step}, as you asked").format(
                    step=_stage_title(last.name) if last else _("the start")
                ),
                _("Everything up to this point worked; the rest was not tried."),
                _("Go on to the next step, or run the whole conversation."),
                Severity.INFO,
            )
        if reason is Reason.SUPERSEDED:
            return _f(
                _("Not needed: a better server already works"),
                _("This test was stopped because a better-ranked server already works."),
                _("Run again with every test finished to see this one."),
                Severity.INFO,
            )
        return _f(
            _("Stopped before it finished"),
            _("The test was cancelled."),
            _("Run it again to see the result."),
            Severity.INFO,
        )
    return _f(
        _("{where} did not work").format(where=where),
        _("The test ended with: {outcome}.").format(outcome=outcome),
        _("See the details for what the server said."),
    )


def _same_host(result: ProbeResult, others: Sequence[ProbeResult]) -> list[ProbeResult]:
    return [o for o in others if o.candidate.host == result.candidate.host and o is not result]


def _answered(result: ProbeResult) -> bool:
    return any(s.name is StageName.CONNECT and s.ok for s in result.stages)


def blocked_on_the_way(result: ProbeResult, others: Sequence[ProbeResult]) -> bool:
    """Whether a connect timeout is a block on the way: another port of the server answered."""
    return result.reason is Reason.CONNECT_TIMEOUT and any(
        _answered(o) for o in _same_host(result, others)
    )


def _timeout(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    siblings = _same_host(result, context.others)
    answered = [o for o in siblings if _answered(o)]
    note = COMMONLY_BLOCKED.get(c.port, "")
    if answered:
        ports = ", ".join(sorted({str(o.candidate.port) for o in answered}, key=int))
        return _f(
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
        return _f(
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
    return _f(
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


def _working(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    parts: list[str] = []
    if c.security is Security.TLS:
        parts.append(_("encrypted from the first byte (SSL/TLS)"))
    elif c.security is Security.STARTTLS:
        parts.append(_("encrypted after connecting (STARTTLS)"))
    if result.tls is not None and result.tls.verified:
        parts.append(_("the server proved its identity with a valid certificate"))
    elif result.tls is not None and result.tls.pinned:
        parts.append(
            _(
                "its certificate cannot be verified, but it is the exact one you chose to "
                "trust for this server"
            )
        )
    status = result.auth.status
    rejected_elsewhere = any(o.auth.status is AuthStatus.REJECTED for o in context.others)
    if status is AuthStatus.OK:
        parts.append(_("your login was accepted"))
    elif status is AuthStatus.NOT_TRIED:
        parts.append(
            _("the login was not tried here because it was refused elsewhere")
            if rejected_elsewhere
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
    sending = explain_sending(result)
    if sending is not None:
        explanation += " " + sending.explanation
        advice = sending.advice
        severity = Severity.WARNING
        headline = _("{host} port {port} works, but refused your address").format(
            host=c.host, port=c.port
        )
        return _f(headline, explanation, advice, severity)
    if status is AuthStatus.NOT_TRIED and rejected_elsewhere:
        return _f(
            _("{host} port {port} answers; the login was not tried here").format(
                host=c.host, port=c.port
            ),
            explanation,
            _(
                "Fix the login first: smtpwizard tries a refused login only once, so your "
                "provider does not lock the account."
            ),
            Severity.INFO,
        )
    return _f(
        _("{host} port {port} works").format(host=c.host, port=c.port),
        explanation,
        advice,
        severity,
    )


def explain_sending(result: ProbeResult) -> Finding | None:
    """What a refused dry run (MAIL FROM, RCPT TO) or test message usually means."""
    send = result.send
    if send is None or send.ok:
        return None
    for step, reply in (
        ("sender", send.sender),
        ("recipient", send.recipient),
        ("message", send.message),
    ):
        if reply is None or 200 <= reply.code < 300:
            continue
        text = _one_line(reply)
        lowered = text.lower()
        if "5.7.57" in text or reply.code == 530 or "authentication required" in lowered:
            return _f(
                _("The server wants a login before sending"),
                _("The server refused to take mail without a login ({reply}).").format(reply=text),
                _("Give your username and password."),
                Severity.WARNING,
            )
        if "5.7.60" in text or "send as" in lowered:
            return _f(
                _("This login may not send as this address"),
                _(
                    "The server refused the sender ({reply}): the account you log in with has no "
                    "right to send as this address."
                ).format(reply=text),
                _(
                    "Send from the account's own address, or ask the administrator for “Send As” "
                    "rights."
                ),
                Severity.WARNING,
            )
        if step == "sender":
            return _f(
                _("The server refused your address as sender"),
                _(
                    "The server refused {reply}. Usually the address does not belong to the "
                    "account you log in with, or its domain is not verified with the sending "
                    "service."
                ).format(reply=text),
                _(
                    "Check that the address belongs to the account you log in with (or is verified "
                    "as a sender with your sending service)."
                ),
                Severity.WARNING,
            )
        if step == "recipient":
            if "relay" in lowered:
                return _f(
                    _("The server will not pass mail on for you"),
                    _(
                        "The server refused to relay ({reply}): it only delivers to its own "
                        "addresses unless you are logged in."
                    ).format(reply=text),
                    _("Log in, or use the port meant for sending (465 or 587)."),
                    Severity.WARNING,
                )
            return _f(
                _("The server refused your own address as recipient"),
                _(
                    "The server refused {reply}. The address may not exist on this server, or the "
                    "server checks recipients strictly."
                ).format(reply=text),
                _("Check the address; sending to other people may still work."),
                Severity.WARNING,
            )
        return _f(
            _("The server refused the test message"),
            _(
                "The server refused the message itself ({reply}), often a spam or size filter."
            ).format(reply=text),
            _(
                "Try sending a normal message from your mail program; if it fails too, contact "
                "the provider."
            ),
            Severity.WARNING,
        )
    return None


def _certificate(result: ProbeResult) -> Finding:
    c = result.candidate
    tls = result.tls
    cert = tls.cert if tls else None
    reason = result.reason
    if reason is Reason.CERT_EXPIRED:
        when = f"{cert.not_after:%-d %B %Y}" if cert else _("some time ago")
        return _f(
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
        return _f(
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
        return _f(
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
        return _f(
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
    return _f(
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


def _login_refused(result: ProbeResult, context: Context) -> Finding:
    reply = result.auth.reply or Reply(0, "")
    text = _one_line(reply)
    provider = context.provider
    if result.reason is not Reason.AUTH_TEMPORARY or re.search(r"too many", text, re.I):
        for rule in _LOGIN_RULES:
            if rule.match(reply, provider):
                return _f(rule.headline, rule.explanation, rule.advice)
    if provider is not None and Requirement.OAUTH2_ONLY in provider.requirements:
        return _f(
            _("{name} accepts only its own sign-in, not a password").format(name=provider.name),
            _(
                "{name} switched off password sign-in for mail programs; only its own sign-in "
                "page (OAuth2) works ({reply})."
            ).format(name=provider.name, reply=text),
            _("Use a mail program that signs in with {name} (Thunderbird, Outlook).").format(
                name=provider.name
            ),
        )
    if result.reason is Reason.AUTH_TEMPORARY:
        return _f(
            _("The login failed for now"),
            _("The server could not check your login at this moment ({reply}).").format(reply=text),
            _("Wait a few minutes and try again."),
        )
    advice = _(
        "Check the username (often your full email address) and the password. If your "
        "account uses two-step verification, you need an app password."
    )
    if provider is not None:
        advice = _provider_login_advice(provider) or advice
    return _f(
        _("Your username or password was not accepted"),
        _("The server said: {reply}.").format(reply=text),
        advice,
    )


def _provider_login_advice(provider: Provider) -> str:
    parts: list[str] = []
    requirements = provider.requirements
    if Requirement.APP_PASSWORD in requirements:
        parts.append(
            _("{name} needs an app password here, not your account password.").format(
                name=provider.name
            )
        )
    elif Requirement.APP_PASSWORD_WITH_2FA in requirements:
        parts.append(
            _("With two-step verification on, {name} needs an app password.").format(
                name=provider.name
            )
        )
    if Requirement.ENABLE_ACCESS in requirements:
        parts.append(
            _("Access for mail programs must be switched on once in {name}'s web settings.").format(
                name=provider.name
            )
        )
    if Requirement.ADMIN_ENABLE_SMTP_AUTH in requirements:
        parts.append(
            _("An administrator must allow SMTP login (Authenticated SMTP) for your mailbox.")
        )
    if Requirement.API_KEY in requirements and provider.password_hint:
        parts.append(provider.password_hint)
    if provider.username_hint:
        parts.append(provider.username_hint)
    return " ".join(parts)


# -- recommendation and summary ----------------------------------------------------------------


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
    if result.auth.status is AuthStatus.OK:
        reasons.append(_("your login was accepted"))
    if result.send is not None and result.send.ok:
        reasons.append(_("the server accepts your address as sender"))
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
    if level is SecurityLevel.NONE:
        warnings.append(_("not encrypted: anyone on the way can read your password and mail"))
    elif level is SecurityLevel.ACCEPTED:
        warnings.append(_("the certificate could not be verified; you chose to trust it"))
    username = result.auth.username or (email if result.auth.offered else None)
    mechanism = result.auth.mechanism
    if mechanism is None:
        mechanism = next(
            (m for m in ("PLAIN", "LOGIN", "CRAM-MD5") if m in result.auth.offered), None
        )
    return Recommendation(
        candidate,
        username,
        mechanism,
        tuple(reasons),
        tuple(warnings),
        level,
        tuple(a.candidate for a in alternatives if a is not result),
    )


def _ports(results: Sequence[ProbeResult]) -> str:
    ports = sorted({r.candidate.port for r in results})
    words = [str(p) for p in ports]
    if len(words) <= 1:
        return "".join(words)
    return _("{first} and {last}").format(first=", ".join(words[:-1]), last=words[-1])


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
    elif matrix.credentials_rejected:
        rejected = next(r for r in results if r.auth.status is AuthStatus.REJECTED)
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
        sentences.append(_("No working configuration found."))
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
                ports=_ports(blocked)
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
        sentences.append(
            _("Port {ports} works only without encryption and is not recommended.").format(
                ports=_ports(insecure)
            )
        )
    return " ".join(s.strip() for s in sentences if s.strip())


__all__ = [
    "COMMONLY_BLOCKED",
    "INTERCEPTORS",
    "Context",
    "blocked_on_the_way",
    "evidence",
    "explain",
    "explain_sending",
    "interceptor",
    "level_label",
    "login_hints",
    "recommend",
    "security_level",
    "summarize",
]


def login_hints(provider: Provider) -> list[str]:
    """What a person must know about signing in to this provider, in plain sentences."""
    name = provider.name
    hints: list[str] = []
    requirements = provider.requirements
    if Requirement.NO_SMTP in requirements:
        hints.append(
            _(
                "{name} does not let other programs send mail through it at all; use a "
                "sending service instead."
            ).format(name=name)
        )
    if Requirement.OAUTH2_ONLY in requirements:
        hints.append(
            _(
                "{name} no longer accepts passwords from programs like this one, only its "
                "own sign-in page (OAuth2). smtpwizard can still test the servers without "
                "signing in; your mail program signs in with {name} itself."
            ).format(name=name)
        )
    if Requirement.APP_PASSWORD in requirements:
        hints.append(
            _(
                "{name} needs an app password here: a separate password you create in "
                "your account's security settings, not your normal one."
            ).format(name=name)
        )
    elif Requirement.APP_PASSWORD_WITH_2FA in requirements:
        hints.append(
            _(
                "If two-step verification is on, {name} needs an app password instead "
                "of your normal password."
            ).format(name=name)
        )
    if Requirement.ENABLE_ACCESS in requirements:
        hints.append(
            _("Access for mail programs must be switched on once in {name}'s web settings.").format(
                name=name
            )
        )
    if Requirement.ADMIN_ENABLE_SMTP_AUTH in requirements:
        hints.append(
            _(
                "An administrator must allow sending from programs (Authenticated SMTP) "
                "for your mailbox."
            )
        )
    if Requirement.LOCAL_BRIDGE in requirements:
        hints.append(
            _("{name} runs on your own computer: start the Bridge app first.").format(name=name)
        )
    if Requirement.VERIFIED_SENDER in requirements:
        hints.append(_("Your sender address must be verified with {name} first.").format(name=name))
    if provider.username_hint:
        hints.append(_("Username: {hint}").format(hint=provider.username_hint))
    if provider.password_hint:
        hints.append(_("Password: {hint}").format(hint=provider.password_hint))
    return hints
