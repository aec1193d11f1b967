"""``smtpwizard secret``: the password smtpwizard keeps in the keyring, for programs that run
a command to get their password (msmtp's ``passwordeval``, git's credential helpers).

    smtpwizard secret alice@example.com --server smtp.example.com
    smtpwizard secret alice@example.com --server smtp.example.com --username alice --store

Passwords are kept per server and login name (the keyring service ``smtpwizard:<server>``
with the login name as its user), so the command needs the server; the login name is the
address unless ``--username`` says otherwise.

Exit status: 0 the password is on standard output (nothing else is), 1 none is stored or
the keyring cannot be used (one line on standard error), 2 bad usage.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING
from typing import Any
from typing import TextIO

from smtpwizard.cli.common import EXIT_FAILED
from smtpwizard.cli.common import EXIT_OK
from smtpwizard.cli.common import UsageError
from smtpwizard.cli.common import read_password
from smtpwizard.core.i18n import _

if TYPE_CHECKING:
    from smtpwizard.core.auth.keyring import CredentialStore

__all__ = ["PROG", "add_parser", "run"]

PROG = "smtpwizard secret"


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Adds ``secret`` to the ``smtpwizard`` subcommands."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "secret",
        help=_("print the password stored in the keyring (for msmtp, git and other programs)"),
        description=_(
            "Print the password smtpwizard stored in the system's keyring for a login on a "
            "server, and nothing else, for programs that run a command to get their "
            "password. Passwords are kept per server and login name: give the server with "
            "--server and, when the login name is not the address, --username. With --store, "
            "keep a password there instead (read from standard input, or asked for on a "
            "terminal)."
        ),
    )
    parser.add_argument("email", help=_("your email address"))
    parser.add_argument(
        "--server", metavar="HOST", help=_("the SMTP server the password is for (required)")
    )
    parser.add_argument(
        "--username", metavar="USER", help=_("the login name (default: the email address)")
    )
    parser.add_argument(
        "--store",
        action="store_true",
        help=_("store the password instead of printing it"),
    )
    return parser


def run(
    args: argparse.Namespace,
    stdin: TextIO,
    out: TextIO,
    err: TextIO,
    *,
    store: CredentialStore | None = None,
) -> int:
    """Runs ``smtpwizard secret``; returns the exit status.

    Args:
        args: the parsed options.
        stdin, out, err: the streams (``stdin`` brings the password for ``--store``).
        store: the keyring (default: the system's).

    Raises:
        UsageError: the server is missing or not a host name.
        InvalidInput: the address is not an address.
    """
    from smtpwizard.core.auth.keyring import CredentialStore
    from smtpwizard.core.errors import CredentialError
    from smtpwizard.core.net.address import check_host
    from smtpwizard.core.net.address import parse_email

    email = str(parse_email(args.email))
    if not (args.server or "").strip():
        raise UsageError(_("name the server with --server HOST: passwords are kept per server."))
    host = check_host(args.server)  # as the probe names it, so both find the same entry
    username = email if args.username is None else args.username
    if not username.strip():
        raise UsageError(_("The username is empty."))
    store = store or CredentialStore()
    try:
        if args.store:
            store.save(host, username, read_password(stdin))
            print(
                _("Stored the password for {user} on {host}.").format(user=username, host=host),
                file=err,
            )
            return EXIT_OK
        secret = store.load(host, username)
        if secret is None:
            status = store.status()
            reason = (
                _(
                    "No stored password can be read: this computer has no password store "
                    "smtpwizard can use ({store})."
                ).format(store=status.name)
                if not status.usable
                else _("No password is stored for {user} on {host}.").format(
                    user=username, host=host
                )
            )
            print(f"{PROG}: {reason}", file=err)
            return EXIT_FAILED
    except CredentialError as exc:
        print(f"{PROG}: {exc}", file=err)
        return EXIT_FAILED
    out.write(secret + "\n")
    out.flush()
    return EXIT_OK
