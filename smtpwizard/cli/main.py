"""The command line: the same engine as the wizard, without a screen.

Each command lives in a module of its own (``probe``, ``discover``, ``export``,
``troubleshoot``, ``providers``, ``secret``, ``token``) with an ``add_parser`` that
describes it and a ``run`` that does it; this module only builds the parser and
dispatches. Exit status: see :mod:`smtpwizard.cli.common`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from smtpwizard import __version__
from smtpwizard.cli import discover
from smtpwizard.cli import export
from smtpwizard.cli import probe
from smtpwizard.cli import providers
from smtpwizard.cli import secret
from smtpwizard.cli import token
from smtpwizard.cli import troubleshoot
from smtpwizard.cli.common import EXIT_INTERRUPTED
from smtpwizard.cli.common import EXIT_USAGE
from smtpwizard.cli.common import Parser
from smtpwizard.cli.common import UsageError
from smtpwizard.core.errors import InvalidInput
from smtpwizard.core.i18n import _

__all__ = ["build_parser", "main"]

#: The commands, in the order ``--help`` lists them.
COMMANDS = (probe, discover, export, troubleshoot, providers, secret, token)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = Parser(
        prog="smtpwizard",
        description=_(
            "Find, test and explain a working outgoing mail (SMTP) configuration. "
            "Without a command, the wizard opens."
        ),
    )
    parser.add_argument("--version", action="version", version=f"smtpwizard {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=Parser)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The ``smtpwizard`` command line (``argv`` without the program name)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as done:  # --help, --version, or a usage error already printed
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    command = importlib.import_module(f"smtpwizard.cli.{args.command}")
    try:
        status: int = command.run(args, sys.stdin, sys.stdout, sys.stderr)
    except (InvalidInput, UsageError) as exc:
        print(f"smtpwizard {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return status
