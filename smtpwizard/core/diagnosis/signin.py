"""Signing in with OAuth 2.0, in words: why a sign-in gave no token, why a server refused the
token it gave, and how an organisation registers its own application (client ID)."""

from __future__ import annotations

from smtpwizard.core.auth.sasl import OAUTH_MECHANISMS
from smtpwizard.core.diagnosis.common import Context
from smtpwizard.core.diagnosis.common import finding
from smtpwizard.core.diagnosis.common import one_line
from smtpwizard.core.diagnosis.common import place
from smtpwizard.core.discovery.providers import Provider
from smtpwizard.core.errors import SignInError
from smtpwizard.core.i18n import _
from smtpwizard.core.login import SignInProblem
from smtpwizard.core.login import SignInRecord
from smtpwizard.core.model import Finding
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Severity

__all__ = [
    "account_mismatch",
    "explain_record",
    "explain_sign_in",
    "read_oauth_not_offered",
    "read_token_refusal",
    "registration_advice",
    "signed_in_with_token",
]

_MICROSOFT = {"outlook-com", "microsoft-365"}
_GOOGLE = {"gmail", "google-workspace"}


def signed_in_with_token(result: ProbeResult) -> bool:
    """Whether the login of a result used an OAuth 2.0 token."""
    return (result.auth.mechanism or "") in OAUTH_MECHANISMS


def account_mismatch(account: str | None, username: str) -> str | None:
    """Why a token will be refused when the person signed in with another account than the
    login name ("" or ``None`` when they match or the provider did not say who signed in)."""
    if not account or not username or account.strip().lower() == username.strip().lower():
        return None
    return _(
        "You signed in as {account}, but the login name is {username}: the server takes the "
        "token only for the account that signed in."
    ).format(account=account, username=username)


def registration_advice(provider: Provider | None) -> str:
    """How an organisation registers its own application for mail sign-in."""
    name = provider.name if provider is not None else _("the provider")
    provider_id = provider.id if provider is not None else ""
    if provider_id in _MICROSOFT:
        steps = _(
            "In the Microsoft Entra admin center, register an application (App registrations, "
            "New registration), add the platform “Mobile and desktop applications” with the "
            "redirect URI http://localhost, allow public client flows, and grant the delegated "
            "permissions SMTP.Send (and IMAP.AccessAsUser.All or POP.AccessAsUser.All) and "
            "offline_access."
        )
    elif provider_id in _GOOGLE:
        steps = _(
            "In the Google Cloud console, create an OAuth client of the type “Desktop app” and "
            "allow it the scope https://mail.google.com/ on its consent screen."
        )
    else:
        steps = _(
            "Register a public application (a native or desktop app) with {name}, allowing a "
            "redirect to http://127.0.0.1 on any port and the mail scopes."
        ).format(name=name)
    return (
        steps
        + " "
        + _(
            "Then give its client ID to smtpwizard: in the Client ID field of the sign-in "
            "page, or with --oauth2-client-id on the command line."
        )
    )


def _app_passwords(provider: Provider | None) -> str:
    if provider is not None and provider.app_password_url:
        return " " + _(
            "Where {name} still allows app passwords, one works with a password login "
            "instead: {url}"
        ).format(name=provider.name, url=provider.app_password_url)
    return ""


def explain_sign_in(error: SignInError, provider: Provider | None = None) -> Finding:
    """The finding for a sign-in that gave no token."""
    name = provider.name if provider is not None else _("the provider")
    said = error.description or error.code
    if error.problem is SignInProblem.NO_METADATA:
        said = str(error).rstrip(".")  # what was tried and how it failed
    evidence = tuple(
        (label, value)
        for label, value in ((_("error"), error.code), (_("description"), error.description))
        if value
    )
    problem = error.problem
    words = _WORDS.get(problem)
    if words is None:
        headline = _("Signing in with {name} did not work").format(name=name)
        explanation = str(error)
        advice = _("Try again in a few minutes.")
    else:
        headline, explanation, advice = (_fill(w, name, said) for w in words)
        if problem is SignInProblem.PROVIDER_ERROR and not error.code:
            # No OAuth 2.0 error: smtpwizard's own reading of the answer says it best.
            explanation = str(error)
    headline = headline[:1].upper() + headline[1:]
    if problem in (
        SignInProblem.NO_CLIENT_ID,
        SignInProblem.CLIENT_DISABLED,
        SignInProblem.CLIENT_UNKNOWN,
        SignInProblem.REDIRECT_MISMATCH,
        SignInProblem.SCOPE_REFUSED,
    ):
        advice = f"{advice} {registration_advice(provider)}{_app_passwords(provider)}"
    severity = Severity.INFO if problem is SignInProblem.CANCELLED else Severity.ERROR
    return Finding(headline, explanation, advice, severity, evidence)


def _fill(template: str, name: str, said: str) -> str:
    """A template of :data:`_WORDS` filled in; without the server's words, no empty
    parentheses."""
    if not said:
        template = template.replace(" ({said})", "")
    return template.format(name=name, said=said)


def explain_record(record: SignInRecord, provider: Provider | None = None) -> Finding:
    """The finding for a recorded sign-in that gave no token (see :func:`explain_sign_in`)."""
    problem = record.problem or SignInProblem.PROVIDER_ERROR
    error = SignInError(problem, record.message, record.code or "", record.description or "")
    return explain_sign_in(error, provider)


#: Headline, explanation and advice for each cause ({name}: the provider; {said}: its words).
_WORDS: dict[SignInProblem, tuple[str, str, str]] = {
    SignInProblem.NO_CLIENT_ID: (
        _("smtpwizard needs a client ID to sign in with {name}"),
        _(
            "Signing in with {name} goes through an application registered with {name}, named "
            "by its client ID. {name} publishes none that every program may use, and "
            "smtpwizard never borrows another program's."
        ),
        _("Ask your administrator for the client ID your organisation uses, or register one."),
    ),
    SignInProblem.NO_ENDPOINTS: (
        _("Nothing says where to sign in with {name}"),
        _(
            "Neither smtpwizard's provider list nor the domain's settings name the sign-in "
            "server for this account."
        ),
        _("Give the sign-in server's address (--oauth2-issuer), as your administrator names it."),
    ),
    SignInProblem.NO_METADATA: (
        _("The sign-in server could not be asked where to sign in"),
        _(
            "smtpwizard asks the sign-in server for its description, which says where to sign "
            "in and where tokens come from. {said}."
        ),
        _(
            "Check the sign-in server's address (--oauth2-issuer) and that this computer "
            "reaches it; your administrator or provider names it."
        ),
    ),
    SignInProblem.NO_BROWSER: (
        _("No web browser could be opened here"),
        _("Signing in in the browser needs a browser on this computer."),
        _("Sign in with a code on another device instead (--oauth2-flow device)."),
    ),
    SignInProblem.DEVICE_UNSUPPORTED: (
        _("{name} does not allow signing in with a code for mail"),
        _("Signing in with a code on another device is not offered for mail accounts here."),
        _("Sign in in the browser on this computer instead."),
    ),
    SignInProblem.DENIED: (
        _("The sign-in was refused"),
        _(
            "The sign-in was declined on {name}'s page ({said}): by you, or by a rule of your "
            "organisation (for example one that allows signing in only from its own devices)."
        ),
        _(
            "Sign in again and accept; if your organisation blocks it, ask its administrator to "
            "allow this program."
        ),
    ),
    SignInProblem.CONSENT_REQUIRED: (
        _("Your organisation must approve this application first"),
        _(
            "{name} asks for an administrator's consent before this application may read or "
            "send mail for your account ({said})."
        ),
        _("Ask your administrator to grant consent for the application, then sign in again."),
    ),
    SignInProblem.CLIENT_DISABLED: (
        _("The application (client ID) is switched off"),
        _(
            "{name} knows the application but has disabled it ({said}), so nobody can sign in "
            "with it any more. This happens to client IDs borrowed from other programs."
        ),
        _("Use a client ID that your organisation registered and looks after."),
    ),
    SignInProblem.CLIENT_UNKNOWN: (
        _("{name} does not know this client ID"),
        _(
            "{name} has no application with this ID, or it is registered for another kind of "
            "account ({said})."
        ),
        _(
            "Check the client ID for typing mistakes, and that the application accepts your "
            "kind of account."
        ),
    ),
    SignInProblem.REDIRECT_MISMATCH: (
        _("The application is not registered for signing in from a desktop program"),
        _(
            "{name} will not send the browser back to smtpwizard on this computer, because "
            "the application does not allow that address ({said})."
        ),
        _("The application's registration must allow the address http://localhost."),
    ),
    SignInProblem.SCOPE_REFUSED: (
        _("{name} refused this application access to mail"),
        _("The application may not ask for access to mail accounts ({said})."),
        _("The application must be allowed the mail permissions."),
    ),
    SignInProblem.EXPIRED: (
        _("Nobody signed in in time"),
        _("The sign-in was not finished before it expired ({said})."),
        _("Start again, and finish signing in within a few minutes."),
    ),
    SignInProblem.REFRESH_REFUSED: (
        _("Your stored sign-in is no longer accepted"),
        _(
            "{name} refused the sign-in smtpwizard kept ({said}): it was revoked, it expired "
            "(Google ends them after 7 days for applications still in testing), or your "
            "password changed."
        ),
        _("Sign in again."),
    ),
    SignInProblem.CODE_REFUSED: (
        _("The sign-in code was not accepted"),
        _(
            "{name} refused the code this sign-in ended with ({said}): it expired or was "
            "already used before smtpwizard could exchange it for a token."
        ),
        _("Sign in again, and finish within a few minutes."),
    ),
    SignInProblem.STATE_MISMATCH: (
        _("The sign-in answer was not for this sign-in"),
        _(
            "The browser brought back an answer that belongs to no sign-in smtpwizard started. "
            "It was not used: another page may have tried to slip in its own answer."
        ),
        _("Close the other sign-in pages and start again."),
    ),
    SignInProblem.ISSUER_MISMATCH: (
        _("The sign-in answer came from another sign-in server"),
        _(
            "The answer did not come from the sign-in server smtpwizard asked ({said}), so it "
            "was not used."
        ),
        _("Start again; if it happens again, check the sign-in server's address."),
    ),
    SignInProblem.ISSUER_MISSING: (
        _("The sign-in answer did not say where it came from"),
        _(
            "The sign-in server promised to name itself in every answer, and this answer names "
            "no sign-in server, so it was not used: another page may have tried to slip in its "
            "own answer."
        ),
        _("Start again; if it happens again, check the sign-in server's address."),
    ),
    SignInProblem.PROVIDER_ERROR: (
        _("{name}'s sign-in had a problem"),
        _("The sign-in server answered with an error ({said})."),
        _("Try again in a few minutes."),
    ),
    SignInProblem.UNREACHABLE: (
        _("{name}'s sign-in server could not be reached"),
        _("The connection to the sign-in server failed ({said})."),
        _("Check that you are online, then try again."),
    ),
    SignInProblem.CANCELLED: (
        _("Sign-in stopped"),
        _("The sign-in was stopped before it finished."),
        _("Start it again when you are ready."),
    ),
}


def read_token_refusal(result: ProbeResult, context: Context) -> Finding:
    """A server refused the token of a sign-in (expired, revoked, another account, or not
    covering mail)."""
    where = place(result.candidate)
    if result.reason is Reason.TOKEN_SCOPE:
        return finding(
            _("Your sign-in does not cover sending mail at {where}").format(where=where),
            _(
                "The server took the sign-in but says it does not give access to this kind "
                "of mail use ({challenge})."
            ).format(challenge=result.auth.challenge or "-"),
            _(
                "Sign in again; if it happens again, the application must be allowed the "
                "mail permissions."
            ),
        )
    if result.outcome is Outcome.TEMPORARY:
        reply = result.auth.reply
        return finding(
            _("{where} could not check your sign-in just now").format(where=where),
            _(
                "The server answered that it cannot check sign-ins at the moment ({reply}): "
                "a failure on its side, not a verdict on your sign-in."
            ).format(reply=one_line(reply) if reply is not None else "-"),
            _("Try again in a few minutes; your sign-in stays as it is."),
        )
    # The first name tried is the one the sign-in was for; later ones are variants
    # (the part before the @) tried after the refusal.
    tried = result.auth.usernames or ((result.auth.username,) if result.auth.username else ())
    username = tried[0] if tried else "-"
    return finding(
        _("{where} did not accept your sign-in").format(where=where),
        _(
            "The server refused the token from your sign-in ({challenge}). It has expired or "
            "was revoked, or it belongs to another account than {username}."
        ).format(challenge=result.auth.challenge or "-", username=username),
        _(
            "Sign in again, as {username}: the login name must be the account you sign in with."
        ).format(username=username),
    )


def read_oauth_not_offered(result: ProbeResult, context: Context) -> Finding:
    """A server that offers no token sign-in (XOAUTH2, OAUTHBEARER)."""
    return finding(
        _("{where} does not offer signing in with {name}").format(
            where=place(result.candidate),
            name=context.provider.name if context.provider else _("your provider"),
        ),
        _("The server offers: {mechs}; none of them takes a sign-in token.").format(
            mechs=" ".join(result.auth.offered) or "-"
        ),
        _("Use a password (or an app password) here, or the server your provider names."),
    )
