"""Signing in with OAuth 2.0 on the command line: which way to log in, the sign-in itself
(the browser or a code to type elsewhere, told on standard error), and a failed sign-in in
words."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import TextIO

from smtpwizard.cli.common import UsageError
from smtpwizard.core.i18n import _

if TYPE_CHECKING:
    from smtpwizard.core.auth.flows import DeviceCode
    from smtpwizard.core.auth.signin import SignedIn
    from smtpwizard.core.auth.signin import SignInRequest
    from smtpwizard.core.discovery.providers import Provider
    from smtpwizard.core.discovery.signin import SignInPlan
    from smtpwizard.core.engine import Engine
    from smtpwizard.core.errors import SignInError
    from smtpwizard.core.login import SignIn
    from smtpwizard.core.login import SignInRecord
    from smtpwizard.core.model import Protocol
    from smtpwizard.core.net.address import EmailAddress
    from smtpwizard.core.net.channel import CancelToken

__all__ = [
    "SignInStep",
    "add_sign_in_options",
    "failure_record",
    "plan_sign_in_step",
    "print_sign_in",
    "sign_in",
    "sign_in_method",
]


def add_sign_in_options(parser: argparse.ArgumentParser) -> None:
    """``--auth`` and the ``--oauth2-*`` options."""
    parser.add_argument(
        "--auth",
        choices=["password", "oauth2"],
        help=_(
            "log in with a password, or sign in with your provider (oauth2) and log in with "
            "the token it gives (default: what the server or provider wants)"
        ),
    )
    parser.add_argument(
        "--oauth2-client-id",
        metavar="ID",
        help=_(
            "the application registration to sign in with (your organisation's own; "
            "remembered for the provider once it works)"
        ),
    )
    parser.add_argument(
        "--oauth2-client-secret",
        metavar="SECRET",
        help=_("the registration's client secret, for providers that give desktop apps one"),
    )
    parser.add_argument(
        "--oauth2-issuer",
        metavar="URL",
        help=_("the sign-in server (its metadata says the rest), when no source names it"),
    )
    parser.add_argument(
        "--oauth2-flow",
        choices=["browser", "device"],
        help=_(
            "sign in in a browser here, or with a code typed on another device "
            "(default: the browser when one opens)"
        ),
    )


def sign_in_method(args: argparse.Namespace, plan: SignInPlan | None) -> tuple[SignIn, bool]:
    """How to log in, and whether the person asked for it (rather than the sources).

    Raises:
        UsageError: a password and OAuth 2.0 asked for at once.
    """
    from smtpwizard.core.login import SignIn

    if args.oauth2_issuer is not None:
        _check_issuer(args.oauth2_issuer)
    oauth_options = bool(args.oauth2_client_id or args.oauth2_issuer or args.oauth2_flow)
    if args.auth == "oauth2" or (args.auth is None and oauth_options):
        if args.password_stdin:
            raise UsageError(
                _("--password-stdin logs in with a password; it does not go with --auth oauth2.")
            )
        return SignIn.OAUTH2, True
    if args.auth == "password":
        if oauth_options:
            raise UsageError(_("The --oauth2 options need --auth oauth2, not --auth password."))
        return SignIn.PASSWORD, True
    if args.password_stdin or plan is None or not plan.oauth_only:
        return SignIn.PASSWORD, False
    return SignIn.OAUTH2, False


def _check_issuer(issuer: str) -> None:
    """Checks ``--oauth2-issuer`` (sign-in servers are used only over HTTPS).

    Raises:
        UsageError: it is not an https:// address.
    """
    from smtpwizard.core.auth.oauth import https_url

    if https_url(issuer) is None:
        raise UsageError(
            _("--oauth2-issuer wants the sign-in server's https:// address, not “{value}”.").format(
                value=issuer
            )
        )


@dataclass(frozen=True, slots=True)
class SignInStep:
    """The sign-in a command will do before testing.

    Attributes:
        request: what to sign in to (``None``: it cannot even start, see ``failed``).
        failed: why it cannot start, when it cannot.
        asked: the person asked for OAuth 2.0 (otherwise the sources said it).
    """

    request: SignInRequest | None
    failed: SignInRecord | None
    asked: bool


def failure_record(error: SignInError, request: SignInRequest | None = None) -> SignInRecord:
    """A failed sign-in for the report."""
    from smtpwizard.core.login import SignInRecord

    if request is not None:
        return request.record(error=error)
    return SignInRecord(
        problem=error.problem,
        message=str(error),
        code=error.code or None,
        description=error.description or None,
    )


def plan_sign_in_step(
    args: argparse.Namespace,
    engine: Engine,
    email: EmailAddress,
    plan: SignInPlan | None,
    protocols: Iterable[Protocol],
    *,
    asked: bool,
    username: str | None = None,
) -> SignInStep:
    """The sign-in the options and the sources describe (the issuer's metadata is read now)."""
    from smtpwizard.core.errors import SignInError

    try:
        request = engine.prepare_sign_in(
            email,
            plan,
            protocols,
            issuer=args.oauth2_issuer,
            client_id=args.oauth2_client_id,
            client_secret=args.oauth2_client_secret,
            flow="device" if args.oauth2_flow == "device" else "browser",
            login_hint=username,
        )
    except SignInError as exc:
        return SignInStep(None, failure_record(exc), asked)
    problem = request.problem()
    if problem is not None:
        return SignInStep(request, failure_record(problem, request), asked)
    return SignInStep(request, None, asked)


def sign_in(
    engine: Engine,
    request: SignInRequest,
    provider: Provider | None,
    cancel: CancelToken,
    err: TextIO,
) -> SignedIn:
    """Signs in (on a worker thread): the stored sign-in first, else the browser or the
    device code, with what the person must do said on ``err``.

    Raises:
        SignInError: no token.
    """
    where = provider.name if provider is not None else _host_of(request)

    def opened(url: str) -> None:
        print(
            _(
                "Sign in with {where} in your browser (waiting up to 5 minutes; Ctrl-C "
                "cancels). If no browser window opened, visit:\n  {url}"
            ).format(where=where, url=url),
            file=err,
            flush=True,
        )

    def show_code(code: DeviceCode) -> None:
        print(
            _(
                "To sign in with {where}, open {uri} on any device and enter the code "
                "{code} (valid for {minutes} minutes; Ctrl-C cancels)."
            ).format(
                where=where,
                uri=code.verification_uri,
                code=code.user_code,
                minutes=max(1, round(code.expires_in / 60)),
            ),
            file=err,
            flush=True,
        )
        if code.verification_uri_complete:
            print(
                _("Or open this address, which holds the code:\n  {uri}").format(
                    uri=code.verification_uri_complete
                ),
                file=err,
                flush=True,
            )

    keeper = engine.token_keeper()
    signed = keeper.token(request, cancel=cancel, show_code=show_code, opened=opened)
    for note in signed.notes:
        print(note, file=err, flush=True)
    return signed


def _host_of(request: SignInRequest) -> str:
    from urllib.parse import urlsplit

    for url in (request.settings.issuer, request.settings.authorization_endpoint):
        if url:
            return urlsplit(url).hostname or url
    return _("your provider")


def print_sign_in(record: SignInRecord, provider: Provider | None, out: TextIO) -> None:
    """The sign-in in the human report: how it went, or why not and what to do."""
    if record.signed_in:
        how = {
            "stored": _("with the sign-in stored in your keyring"),
            "device": _("with a code on another device"),
        }.get(record.flow, _("in the browser"))
        line = _("Signed in with OAuth 2.0 {how}").format(how=how)
        if record.account:
            line += _(" as {account}").format(account=record.account)
        print(line + ".", file=out)
        if record.stored and record.flow != "stored":
            print(_("  The sign-in is kept in your keyring for next time."), file=out)
        for note in record.notes:
            print(f"  {note}", file=out)
        print(file=out)
        return
    from smtpwizard.core.diagnosis.signin import explain_record

    finding = explain_record(record, provider)
    print(
        _("Signing in with OAuth 2.0 did not work: {headline}").format(headline=finding.headline),
        file=out,
    )
    if finding.explanation:
        print(f"  {finding.explanation}", file=out)
    if finding.advice:
        print(f"  {_('what to do')}: {finding.advice}", file=out)
    print(file=out)
