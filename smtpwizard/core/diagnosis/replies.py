"""What providers mean by their login replies (PROVIDERS.md §6, OAUTH.md §5), and what a person
must know before signing in to one."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import replace

from smtpwizard.core.diagnosis.common import Context
from smtpwizard.core.diagnosis.common import finding
from smtpwizard.core.diagnosis.common import one_line
from smtpwizard.core.diagnosis.signin import read_token_refusal
from smtpwizard.core.diagnosis.signin import signed_in_with_token
from smtpwizard.core.discovery.providers import Provider
from smtpwizard.core.discovery.providers import Requirement
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Finding
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Reply
from smtpwizard.core.model import Severity
from smtpwizard.core.probe.refusals import mailbox_in_use

__all__ = ["login_hints", "read_command_refusal", "read_login_refusal"]


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


_WITH_OAUTH = _(
    "smtpwizard can test that sign-in too (in the wizard, or with --auth oauth2 on the command "
    "line), as Thunderbird and Outlook use it."
)

_SMTP_AUTH_OFF = _ReplyRule(
    _text(r"\b5\.7\.139\b|smtpclientauthentication is disabled"),
    _("Logging in to send mail is turned off for this mailbox"),
    _(
        "The login may be right, but the organisation has switched off SMTP login "
        "(“Authenticated SMTP”) for the mailbox or the whole organisation. This holds for "
        "Microsoft's own sign-in (OAuth2) as much as for a password."
    ),
    _("Ask your administrator to turn on Authenticated SMTP for your mailbox."),
)

#: Readings of a refused token: the login worked as a sign-in, so the reply is about the
#: mailbox, the account the token is for, or what it may do.
_TOKEN_RULES: tuple[_ReplyRule, ...] = (
    _SMTP_AUTH_OFF,
    _ReplyRule(
        _text(r"\b5\.7\.3\b|\b5\.7\.8\b"),
        _("The server did not accept the token of your sign-in"),
        _(
            "The sign-in worked, but the mail server refused its token: it belongs to another "
            "account than the login name, or it does not give permission to send mail (for "
            "Microsoft: SMTP.Send), or the mailbox has no licence for mail."
        ),
        _(
            "Sign in again as the account of this mailbox and use that address as the login "
            "name; if it still fails, ask your administrator whether the application may send "
            "mail for you."
        ),
    ),
)

_YAHOO_TOO_MANY = _ReplyRule(
    _text(r"#AUTH005|too many bad auth"),
    _("The provider refused the password (it wants an app password)"),
    _(
        "Yahoo and AOL answer “too many bad attempts” even on the first try when the normal "
        "account password is used for a mail program."
    ),
    _("Create an app password in your account security settings and use it here."),
)

_TOO_MANY = _ReplyRule(
    _text(r"too many (login|auth|failed)|try again later"),
    _("Too many login attempts: the server is refusing logins for a while"),
    _(
        "After several failed logins, servers pause logins from your connection to protect "
        "the account."
    ),
    _("Wait a while (often 15 minutes to an hour) before trying again, with the right password."),
)

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
    _YAHOO_TOO_MANY,
    _ReplyRule(
        _text(r"5\.7\.139.*security defaults"),
        _("Your organisation's security defaults block password sign-in for mail"),
        _("Microsoft 365 “security defaults” switch off password sign-in for mail programs."),
        _(
            "Sign in with Microsoft (OAuth2) instead of a password, or ask your administrator "
            "to allow SMTP login for this mailbox."
        )
        + " "
        + _WITH_OAUTH,
    ),
    _ReplyRule(
        _text(r"5\.7\.139.*basic authentication is disabled|\b5\.7\.30\b"),
        _("Password sign-in is switched off for this account"),
        _(
            "Microsoft no longer accepts a password here: Outlook.com accounts since September "
            "2024, and organisations that turned it off. Only Microsoft's own sign-in (OAuth2) "
            "works."
        ),
        _("Sign in with Microsoft (OAuth2) instead of a password; an app password will not help.")
        + " "
        + _WITH_OAUTH,
    ),
    _SMTP_AUTH_OFF,
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
    _TOO_MANY,
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


def read_login_refusal(result: ProbeResult, context: Context) -> Finding:
    found = _read_login_refusal(result, context)
    names = result.auth.usernames
    if len(names) < 2 or signed_in_with_token(result):
        return found
    tried = _("The server refused the login as {names} alike.").format(
        names=_(" and as ").join(names)
    )
    return replace(found, explanation=f"{found.explanation} {tried}")


def _read_login_refusal(result: ProbeResult, context: Context) -> Finding:
    reply = result.auth.reply or Reply(0, "")
    text = one_line(reply)
    provider = context.provider
    if signed_in_with_token(result):
        if result.reason not in (Reason.TOKEN_REJECTED, Reason.TOKEN_SCOPE):
            for rule in _TOKEN_RULES:
                if rule.match(reply, provider):
                    return finding(rule.headline, rule.explanation, rule.advice)
        return read_token_refusal(result, context)
    if result.reason is Reason.AUTH_LOCKED:
        # Yahoo's "too many" means an app password; any other lockout is no verdict on it.
        for rule in (_YAHOO_TOO_MANY, _TOO_MANY):
            if rule.match(reply, provider):
                return finding(rule.headline, rule.explanation, rule.advice)
        return _locked(result, text)
    if result.reason is Reason.AUTH_TEMPORARY and mailbox_in_use(reply):
        return finding(
            _("The mailbox is in use by another session"),
            _(
                "The server said another session has the mailbox open ({reply}): usually "
                "another mail program, or a phone, reading this mailbox right now. This is not "
                "a lockout of logins and says nothing against your password, but the login "
                "could not be finished here."
            ).format(reply=text),
            _(
                "Close the other mail program (or wait until it has fetched the mail), then "
                "test again."
            ),
            Severity.WARNING,
        )
    if result.reason is not Reason.AUTH_TEMPORARY or re.search(r"too many", text, re.I):
        for rule in _LOGIN_RULES:
            if rule.match(reply, provider):
                return finding(rule.headline, rule.explanation, rule.advice)
    if provider is not None and Requirement.OAUTH2_ONLY in provider.requirements:
        return finding(
            _("{name} accepts only its own sign-in, not a password").format(name=provider.name),
            _(
                "{name} switched off password sign-in for mail programs; only its own sign-in "
                "page (OAuth2) works ({reply})."
            ).format(name=provider.name, reply=text),
            _("Sign in with {name} instead of a password.").format(name=provider.name)
            + " "
            + _WITH_OAUTH,
        )
    if result.reason is Reason.AUTH_TEMPORARY:
        return finding(
            _("The login failed for now"),
            _(
                "The server could not check your login at this moment ({reply}). This is "
                "temporary and says nothing against your password or your settings."
            ).format(reply=text),
            _("Wait a few minutes and try again."),
            Severity.WARNING,
        )
    advice = _(
        "Check the username (often your full email address) and the password. If your "
        "account uses two-step verification, you need an app password."
    )
    if provider is not None:
        advice = _provider_login_advice(provider) or advice
    return finding(
        _("Your username or password was not accepted"),
        _("The server said: {reply}.").format(reply=text),
        advice,
    )


def _locked(result: ProbeResult, text: str) -> Finding:
    """A lockout that names no other cause: the account, not the password."""
    return finding(
        _("The account is locked: the server refuses logins for now"),
        _(
            "The server said the account is locked ({reply}), so it did not judge your "
            "password. Servers lock an account for a while after several failed logins, or "
            "an administrator locked it; smtpwizard stopped logging in so that the lock does "
            "not last longer."
        ).format(reply=text),
        _(
            "Wait a while (often 15 minutes to an hour), then test again with the right "
            "password; if it stays locked, unlock it on your provider's website or ask your "
            "provider."
        ),
        Severity.WARNING if result.outcome is Outcome.TEMPORARY else Severity.ERROR,
    )


_TOO_LONG = re.compile(r"too long|line length|exceed", re.IGNORECASE)


def read_command_refusal(result: ProbeResult, context: Context) -> Finding:
    """The server refused the login command itself, before judging the credentials: the
    line was too long (500, 5.5.6), could not be read (501), or came at a wrong moment."""
    reply = result.auth.reply or Reply(0, "")
    text = one_line(reply) or _("no reply text")
    secret = _("token") if signed_in_with_token(result) else _("password")
    before = _(
        "The server answered as a mail server, but refused the login command itself "
        "({reply}), before it judged your username and {secret}."
    ).format(reply=text, secret=secret)
    if reply.code == 500 or reply.enhanced == "5.5.6" or _TOO_LONG.search(reply.text):
        return finding(
            _("The server could not accept the login: the login line was too long"),
            before
            + " "
            + _("A {secret} that long cannot be used on this server.").format(secret=secret),
            _(
                "Check that the {secret} is the right one (not a whole file or key pasted by "
                "mistake); if it is, choose a shorter one with your provider."
            ).format(secret=secret),
        )
    if reply.code == 501:
        return finding(
            _("The server could not accept the login: it could not read the login line"),
            before
            + " "
            + _(
                "A {secret} with characters the login cannot carry (such as a NUL or a line "
                "break) cannot be used there."
            ).format(secret=secret),
            _(
                "Check the {secret} for stray characters (copy it again, without the line "
                "end); if it really holds such characters, change it to one without them."
            ).format(secret=secret),
        )
    return finding(
        _("The server could not accept the login"),
        before,
        _("Try another login method, or ask the server's administrator."),
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
