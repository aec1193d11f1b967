"""From probe results to plain words: what happened, why, and what to do next.

Written for a person who does not know what TLS is: technical words are explained where they
first appear in a finding, and the technical evidence (stage, reply, exception, certificate)
travels with each finding, one click away. The same findings feed the CLI report, the JSON
``finding`` and ``summary`` fields, and the wizard.

Each cause (:class:`~smtpwizard.core.model.Reason`) has its reading in :data:`READINGS`; a
new cause gets a function here (or in the module of its kind: certificates, network,
replies) and a row in the table. What changes the meaning of a result, and is therefore part
of its :class:`Context`:
- the other results of the run (a port that times out while another port of the same
  server answers is blocked on the way; every port timing out means the server is
  unreachable from here);
- the provider, when known (its own steps and help page; what its replies mean).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from smtpwizard.core.diagnosis.certificates import read_certificate
from smtpwizard.core.diagnosis.common import Context
from smtpwizard.core.diagnosis.common import encrypted_ports
from smtpwizard.core.diagnosis.common import failing_reply
from smtpwizard.core.diagnosis.common import finding
from smtpwizard.core.diagnosis.common import one_line
from smtpwizard.core.diagnosis.common import place
from smtpwizard.core.diagnosis.common import stage_title
from smtpwizard.core.diagnosis.encryption import read_encryption_required
from smtpwizard.core.diagnosis.encryption import read_expects_implicit_tls
from smtpwizard.core.diagnosis.encryption import read_handshake_failed
from smtpwizard.core.diagnosis.encryption import read_handshake_timeout
from smtpwizard.core.diagnosis.encryption import read_plain_port
from smtpwizard.core.diagnosis.encryption import read_protocol_version
from smtpwizard.core.diagnosis.encryption import read_starttls_not_offered
from smtpwizard.core.diagnosis.encryption import read_starttls_refused
from smtpwizard.core.diagnosis.encryption import read_unencrypted
from smtpwizard.core.diagnosis.evidence import evidence
from smtpwizard.core.diagnosis.network import family_note
from smtpwizard.core.diagnosis.network import read_timeout
from smtpwizard.core.diagnosis.replies import read_command_refusal
from smtpwizard.core.diagnosis.replies import read_login_refusal
from smtpwizard.core.diagnosis.sending import SENDING_REASONS
from smtpwizard.core.diagnosis.sending import read_sending
from smtpwizard.core.diagnosis.signin import read_oauth_not_offered
from smtpwizard.core.diagnosis.signin import read_token_refusal
from smtpwizard.core.discovery.providers import Provider
from smtpwizard.core.discovery.providers import Requirement
from smtpwizard.core.i18n import _
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Finding
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Security
from smtpwizard.core.model import Severity
from smtpwizard.core.model import StageName
from smtpwizard.core.probe.refusals import sending_refusal

__all__ = ["READINGS", "Context", "explain"]


def explain(result: ProbeResult, context: Context | None = None) -> Finding:
    """The finding for one result, read in its context."""
    context = context or Context()
    finding = _finding(result, context)
    link = finding.link or _provider_link(result, context.provider)
    headline, explanation, severity = finding.headline, finding.explanation, finding.severity
    note = family_note(result, works=severity is Severity.OK)
    if note is not None:  # IPv4 and IPv6 fared differently: each family's result, in words
        family_headline, sentence = note
        explanation = f"{explanation} {sentence}"
        if family_headline is not None and severity is Severity.OK:
            headline, severity = family_headline, Severity.WARNING
    return Finding(headline, explanation, finding.advice, severity, evidence(result), link)


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


def _no_such_host(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    return finding(
        _("The server name {host} does not exist").format(host=c.host),
        _(
            "The name could not be found in the DNS, the internet's address book. It may be "
            "misspelt, or the domain has no server of that name."
        ),
        _("Check the spelling; your provider's help pages give the exact server name."),
    )


def _no_address(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    return finding(
        _("The name {host} exists but points to no server").format(host=c.host),
        _(
            "The name is registered in the DNS (the internet's address book) but has no "
            "internet address to connect to."
        ),
        _("Check the server name with your provider."),
    )


def _dns_failure(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    return finding(
        _("{host} could not be looked up right now").format(host=c.host),
        _(
            "Your network's name service (DNS, which turns names into internet addresses) "
            "did not answer. This is a problem on your side of the connection, not the mail "
            "server's."
        ),
        _("Check that you are online, then try again."),
    )


def _unreachable(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    return finding(
        _("Your computer has no route to {host}").format(host=c.host),
        _(
            "Your network says there is no way to reach this server's address. Often this is "
            "an IPv6 address on a network without IPv6, or you are offline."
        ),
        _("Check your connection, or try from another network."),
    )


def _connection_refused(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    return finding(
        _("Nothing is listening on port {port} of {host}").format(port=c.port, host=c.host),
        _(
            "The server answered but refused the connection: no mail service runs on this "
            "port, or a firewall at the server rejects it. The network on the way is fine."
        ),
        _("Try the other ports; your provider's help pages say which ones it uses."),
    )


def _http_server(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    return finding(
        _("A web server answers on port {port}, not a mail server").format(port=c.port),
        _("This port belongs to a website. Mail programs need the server's mail ports."),
        _("Use port {ports} on the mail server your provider names.").format(
            ports=encrypted_ports(c.protocol)
        ),
    )


def _not_smtp_reply(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    return finding(
        _("Something other than a mail server answers on port {port}").format(port=c.port),
        _(
            "What came back does not follow the mail protocol ({protocol}). It may be "
            "another service, a broken server, or something on the way that interferes."
        ).format(protocol=c.protocol.name),
        _("Check the server name and port."),
    )


def _greeting_timeout(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    where = place(c)
    return finding(
        _("{where} accepted the connection but never said hello").format(where=where),
        _(
            "A mail server greets first. This one stayed silent: it may be overloaded, or "
            "something on the way holds the connection open without passing anything."
        ),
        _("Try again later, or another port."),
    )


def _closed_before_greeting(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    where = place(c)
    return finding(
        _("{where} hung up straight away").format(where=where),
        _("The connection was accepted and closed again before any greeting."),
        _(
            "Try again later; if it persists, the server may not accept connections from "
            "your network."
        ),
    )


def _greeting_rejected(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    where = place(c)
    reply = one_line(failing_reply(result))
    if result.outcome is Outcome.TEMPORARY:
        return finding(
            _("{where} turned you away for now").format(where=where),
            _(
                "The server said it cannot talk to you at the moment ({reply}). This is "
                "temporary and says nothing against your settings."
            ).format(reply=reply),
            _("Try again in a few minutes."),
            Severity.WARNING,
        )
    if c.protocol is Protocol.SMTP and c.port == 25:
        return finding(
            _("{where} refuses to talk to you").format(where=where),
            _(
                "The server turned the connection down ({reply}). Often your internet "
                "address is on a block list, or in a range the server does not accept: home "
                "connections on port 25 often are."
            ).format(reply=reply),
            _("Use the submission ports (465 or 587) and log in."),
        )
    return finding(
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


def _service_unavailable(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    where = place(c)
    return finding(
        _("{where} is busy or shutting down").format(where=where),
        _(
            "The server said it cannot go on now ({reply}). This is temporary and says "
            "nothing against your settings."
        ).format(reply=one_line(failing_reply(result))),
        _("Try again in a few minutes."),
        Severity.WARNING,
    )


def _reply_timeout(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    where = place(c)
    stage = result.failed_stage
    if result.reason is Reason.REPLY_TIMEOUT and stage is not None and stage.name is StageName.AUTH:
        return finding(
            _("{where} did not answer the login in time").format(where=where),
            _(
                "Servers slow their answers down after failed logins from your address, to stop "
                "password guessing; some also take long to check a login."
            ),
            _("Wait a few minutes, then try once more with the right password."),
        )
    during = stage_title(stage.name) if stage else _("the conversation")
    return finding(
        _("{where} stopped answering while {during}").format(where=where, during=during),
        _("The server went quiet in the middle of the conversation."),
        _("Try again later, or another port."),
    )


def _connection_lost(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    where = place(c)
    stage = result.failed_stage
    during = stage_title(stage.name) if stage else _("the conversation")
    return finding(
        _("{where} hung up while {during}").format(where=where, during=during),
        _("The server closed the connection in the middle of the conversation."),
        _("Try again later, or another port."),
    )


def _login_needed(result: ProbeResult, context: Context) -> Finding:
    """No login was given: for sending, a refused dry run says more; reading mail always
    takes a login, so an incoming server that answers is proven no further."""
    c = result.candidate
    if c.protocol is Protocol.SMTP:
        return read_sending(result, context)
    return finding(
        _("{where} answers; your login was not tested").format(where=place(c)),
        _(
            "The {protocol} server answered, but a mail program can read mail there only after "
            "logging in, and no password was given: nothing shows yet that your login works."
        ).format(protocol=c.protocol.name),
        _("Test again with your password to prove it."),
        Severity.WARNING,
    )


def _preauthenticated(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    return finding(
        _("{where} logs you in without a login; your password was not checked").format(
            where=place(c)
        ),
        _(
            "The {protocol} server greeted with PREAUTH: it treats the connection as logged in "
            "already, typically because it trusts the network you are on or a client "
            "certificate. No login can be tried there, so nothing shows that your username "
            "and password work, and from another network these settings may not let you in."
        ).format(protocol=c.protocol.name),
        _(
            "Use these settings only on this network, or ask your provider or administrator "
            "for a server that asks for your login."
        ),
        Severity.WARNING,
    )


def _auth_not_offered(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    where = place(c)
    if c.protocol is not Protocol.SMTP:
        return finding(
            _("{where} does not offer login").format(where=where),
            _("The server does not let anyone log in on this port."),
            _("Use the port your provider gives for {protocol}, usually {ports}.").format(
                protocol=c.protocol.name, ports=encrypted_ports(c.protocol)
            ),
        )
    if c.port == 25:
        return finding(
            _("Port 25 does not offer login"),
            _(
                "Port 25 is for mail servers passing mail to each other (relay), not for your "
                "own mail program or application, so it offers no login."
            ),
            _("Use port 465 (SSL/TLS) or 587 (STARTTLS)."),
        )
    return finding(
        _("{where} does not offer login").format(where=where),
        _("The server does not let anyone log in on this port."),
        _("Use the port your provider gives for sending with a login (usually 465 or 587)."),
    )


def _oauth_only(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    where = place(c)
    return finding(
        _("{where} accepts only your provider's own sign-in, not a password").format(where=where),
        _(
            "The server takes only OAuth2 sign-in (the provider's web sign-in page), not a "
            "password. Mail programs such as Thunderbird and Outlook can sign in this way."
        ),
        _(
            "Sign in with your provider instead of a password (smtpwizard can test it that "
            "way: in the wizard, or with --auth oauth2 on the command line), or use an app "
            "password if your provider offers one."
        ),
    )


def _no_supported_mechanism(result: ProbeResult, context: Context) -> Finding:
    c = result.candidate
    where = place(c)
    return finding(
        _("{where} offers no login method smtpwizard can use").format(where=where),
        _("The server offers: {mechs}.").format(mechs=" ".join(result.auth.offered) or "-"),
        _("Use another port or server."),
    )


def _stopped(result: ProbeResult, context: Context) -> Finding:
    reason = result.reason
    if reason is Reason.STOPPED_AS_ASKED:
        last = next(
            (s for s in reversed(result.stages) if s.ok and s.name is not StageName.QUIT),
            None,
        )
        return finding(
            _("Stopped after {step}, as you asked").format(
                step=stage_title(last.name) if last else _("the start")
            ),
            _("Everything up to this point worked; the rest was not tried."),
            _("Go on to the next step, or run the whole conversation."),
            Severity.INFO,
        )
    if reason is Reason.LOGIN_STOPPED:
        return finding(
            _("Not tried: the login was refused on another port"),
            _(
                "Your login was refused on a better-ranked server, so smtpwizard tried no "
                "more logins here: providers lock an account after repeated failures."
            ),
            _("Check the username and the password, then test again."),
            Severity.INFO,
        )
    if reason is Reason.SUPERSEDED:
        return finding(
            _("Not needed: a better server already works"),
            _("This test was stopped because a better-ranked server already works."),
            _("Run again with every test finished to see this one."),
            Severity.INFO,
        )
    return finding(
        _("Stopped before it finished"),
        _("The test was cancelled."),
        _("Run it again to see the result."),
        Severity.INFO,
    )


def _unexplained(result: ProbeResult, context: Context) -> Finding:
    where = place(result.candidate)
    outcome = result.outcome
    return finding(
        _("{where} did not work").format(where=where),
        _("The test ended with: {outcome}.").format(outcome=outcome),
        _("See the details for what the server said."),
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
    sent = result.send is not None and result.send.ok
    if status is AuthStatus.OK:
        parts.append(_("your login was accepted"))
    elif status is AuthStatus.NOT_TRIED:
        parts.append(
            _("the login was not tried here because it was refused elsewhere")
            if rejected_elsewhere
            else _(
                "the login was not tried here: smtpwizard logs in as few times as possible, "
                "and did so on another port"
            )
        )
    elif sent:
        parts.append(_("it took your address as sender and recipient without a login"))
    elif result.auth.offered:
        parts.append(_("login offered ({mechs})").format(mechs=" ".join(result.auth.offered)))
    else:
        parts.append(_("no login offered"))
    explanation = "; ".join(parts) + "."
    explanation = explanation[0].upper() + explanation[1:]
    if status is AuthStatus.NOT_TRIED:
        return finding(
            _("{host} port {port} answers; the login was not tried here").format(
                host=c.host, port=c.port
            ),
            explanation,
            _(
                "Fix the login first: smtpwizard tries a refused login only once, so your "
                "provider does not lock the account."
            )
            if rejected_elsewhere
            else _("It may work too, but only the recommended settings were proven."),
            Severity.INFO,
        )
    unproven = c.protocol is Protocol.SMTP and status is AuthStatus.NO_CREDENTIALS and not sent
    if unproven:  # nothing showed that mail goes through: no login, no dry run
        return finding(
            _("{host} port {port} answers; sending was not tested").format(
                host=c.host, port=c.port
            ),
            explanation,
            _("Test again with your password (and the check of your address) to prove it."),
            Severity.INFO,
        )
    return finding(
        _("{host} port {port} works").format(host=c.host, port=c.port),
        explanation,
        _("You can use these settings."),
        Severity.OK,
    )


_CERTIFICATE_REASONS = (
    Reason.CERT_EXPIRED,
    Reason.CERT_NOT_YET_VALID,
    Reason.CERT_NAME_MISMATCH,
    Reason.CERT_SELF_SIGNED,
    Reason.CERT_UNKNOWN_ISSUER,
    Reason.CERT_INVALID,
)


def _certificate(result: ProbeResult, context: Context) -> Finding:
    return read_certificate(result)


Reading = Callable[[ProbeResult, Context], Finding]

#: Which reading explains each cause. A cause missing here is read by its outcome.
READINGS: dict[Reason, Reading] = {
    Reason.UNENCRYPTED: read_unencrypted,
    Reason.PLAINTEXT_LOGIN_REFUSED: read_unencrypted,
    Reason.NO_SUCH_HOST: _no_such_host,
    Reason.NO_ADDRESS: _no_address,
    Reason.DNS_FAILURE: _dns_failure,
    Reason.DNS_TIMEOUT: _dns_failure,
    Reason.CONNECT_TIMEOUT: read_timeout,
    Reason.UNREACHABLE: _unreachable,
    Reason.CONNECTION_REFUSED: _connection_refused,
    Reason.EXPECTS_IMPLICIT_TLS: read_expects_implicit_tls,
    Reason.PLAIN_PORT: read_plain_port,
    Reason.HTTP_SERVER: _http_server,
    Reason.NOT_SMTP_REPLY: _not_smtp_reply,
    Reason.PROTOCOL_ERROR: _not_smtp_reply,
    Reason.REPLY_TOO_LONG: _not_smtp_reply,
    Reason.GREETING_TIMEOUT: _greeting_timeout,
    Reason.CLOSED_BEFORE_GREETING: _closed_before_greeting,
    Reason.GREETING_REJECTED: _greeting_rejected,
    Reason.SERVICE_UNAVAILABLE: _service_unavailable,
    Reason.REPLY_TIMEOUT: _reply_timeout,
    Reason.TIME_LIMIT: _reply_timeout,
    Reason.CONNECTION_LOST: _connection_lost,
    Reason.STARTTLS_NOT_OFFERED: read_starttls_not_offered,
    Reason.STARTTLS_REFUSED: read_starttls_refused,
    Reason.HANDSHAKE_TIMEOUT: read_handshake_timeout,
    Reason.PROTOCOL_VERSION: read_protocol_version,
    Reason.HANDSHAKE_FAILED: read_handshake_failed,
    Reason.HANDSHAKE_EOF: read_handshake_failed,
    **{
        reason: lambda result, _context: read_certificate(result) for reason in _CERTIFICATE_REASONS
    },
    Reason.AUTH_NOT_OFFERED: _auth_not_offered,
    Reason.OAUTH_ONLY: _oauth_only,
    Reason.PREAUTHENTICATED: _preauthenticated,
    Reason.OAUTH_NOT_OFFERED: read_oauth_not_offered,
    Reason.TOKEN_REJECTED: read_token_refusal,
    Reason.TOKEN_SCOPE: read_token_refusal,
    Reason.NO_SUPPORTED_MECHANISM: _no_supported_mechanism,
    Reason.MECHANISM_NOT_OFFERED: _no_supported_mechanism,
    Reason.ENCRYPTION_REQUIRED: read_encryption_required,
    Reason.AUTH_TEMPORARY: read_login_refusal,
    Reason.AUTH_REJECTED: read_login_refusal,
    Reason.AUTH_LOCKED: read_login_refusal,
    Reason.AUTH_COMMAND_REFUSED: read_command_refusal,
    **dict.fromkeys(SENDING_REASONS, read_sending),
    Reason.LOGIN_NEEDED: _login_needed,
    Reason.CANCELLED_BY_USER: _stopped,
    Reason.SUPERSEDED: _stopped,
    Reason.LOGIN_STOPPED: _stopped,
    Reason.STOPPED_AS_ASKED: _stopped,
}


def _finding(result: ProbeResult, context: Context) -> Finding:
    send = result.send
    if result.outcome in (Outcome.OK, Outcome.INSECURE) and send is not None and not send.ok:
        # Never "works" with a refused sender or recipient, however the result was made.
        refusal = sending_refusal(
            send,
            logged_in=result.auth.status is AuthStatus.OK,
            login_offered=bool(result.auth.offered),
        )
        if refusal is not None:
            result = replace(result, outcome=refusal[0], reason=refusal[1])
    if result.outcome in (Outcome.OK, Outcome.INSECURE) and result.reason not in (
        Reason.UNENCRYPTED,
        Reason.PLAINTEXT_LOGIN_REFUSED,
    ):
        return _working(result, context)
    reading = READINGS.get(result.reason) if result.reason is not None else None
    if reading is None:
        reading = _stopped if result.outcome is Outcome.CANCELLED else _unexplained
    return reading(result, context)
