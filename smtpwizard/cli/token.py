"""``smtpwizard token EMAIL``: a fresh OAuth 2.0 access token from the stored sign-in, on
standard output, for programs that run a command for their secret (msmtp's ``passwordeval``,
git's credential helpers, aerc, mutt).

Nothing is asked: without a stored sign-in, or when the provider refuses it, the command
says so on standard error and exits with 1 (sign in again with ``smtpwizard probe EMAIL
--auth oauth2`` or the wizard).
"""

from __future__ import annotations

import argparse
from typing import Any
from typing import TextIO

from smtpwizard.cli.common import EXIT_FAILED
from smtpwizard.cli.common import EXIT_INTERRUPTED
from smtpwizard.cli.common import EXIT_OK
from smtpwizard.cli.common import positive_seconds
from smtpwizard.cli.common import run_interruptibly
from smtpwizard.core.i18n import _

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Adds ``token`` to the ``smtpwizard`` subcommands."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "token",
        help=_("print a fresh OAuth 2.0 access token for an address's stored sign-in"),
        description=_(
            "Print a fresh access token from the sign-in stored in your keyring (by the wizard "
            "or smtpwizard probe --auth oauth2), for mail programs that run a command for their "
            "password, such as msmtp's passwordeval. Nothing is asked: without a usable "
            "stored sign-in the command fails."
        ),
    )
    parser.add_argument("email", help=_("the address you signed in for"))
    parser.add_argument(
        "--cafile",
        metavar="FILE",
        help=_("extra certificate authorities to trust (default: the ones of the sign-in)"),
    )
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        default=20.0,
        metavar="SECONDS",
        help=_("how long the sign-in server may take (default 20)"),
    )
    parser.add_argument(
        "--forget",
        action="store_true",
        help=_("forget the stored sign-in instead (the next sign-in asks you again)"),
    )
    return parser


def run(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    """Runs ``smtpwizard token``."""
    from smtpwizard.cli.wiring import engine_for
    from smtpwizard.core.auth.signin import SignInRequest
    from smtpwizard.core.errors import SignInError
    from smtpwizard.core.net.address import parse_email
    from smtpwizard.core.net.channel import CancelToken
    from smtpwizard.core.probe.options import ProbeOptions

    account = str(parse_email(args.email))
    keeper = engine_for(args, ProbeOptions(timeout=args.timeout)).token_keeper()
    if args.forget:
        if keeper.forget(account):
            print(_("Forgot the stored sign-in of {account}.").format(account=account), file=err)
        else:
            print(_("There was no stored sign-in for {account}.").format(account=account), file=err)
        return EXIT_OK
    stored = keeper.stored(account)
    unreadable = keeper.unreadable(account) if stored is None else None
    if unreadable is not None:
        print(
            _("No token for {account}: {reason}").format(
                account=account, reason=_sentence(unreadable)
            ),
            file=err,
        )
        return EXIT_FAILED
    if stored is None:
        print(
            _(
                "There is no stored sign-in for {account}. Sign in once with: smtpwizard probe "
                "{account} --auth oauth2 (or in the wizard)."
            ).format(account=account),
            file=err,
        )
        return EXIT_FAILED
    cafile = args.cafile or stored.cafile
    engine = engine_for(args, ProbeOptions(timeout=args.timeout, cafile=cafile))
    request = SignInRequest(account, stored.settings, stored.scopes, cafile=cafile)

    def work(cancel: CancelToken) -> str:
        signed = engine.token_keeper().token(request, cancel=cancel, interactive=False)
        return signed.token.access_token

    try:
        token, interrupted = run_interruptibly(work)
    except SignInError as exc:
        print(
            _(
                "No token for {account}: {reason} Sign in again with: smtpwizard probe "
                "{account} --auth oauth2 (or in the wizard)."
            ).format(account=account, reason=_sentence(exc)),
            file=err,
        )
        return EXIT_FAILED
    if interrupted or token is None:
        return EXIT_INTERRUPTED
    out.write(token + "\n")
    out.flush()
    return EXIT_OK


def _sentence(error: Exception | str) -> str:
    text = str(error).strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."
