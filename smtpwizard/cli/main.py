"""The command line: the same engine as the wizard, without a screen.

Each command lives in a module of its own (``probe``, ``discover``, ``export``,
``troubleshoot``, ``providers``, ``secret``, ``token``) with an ``add_parser`` that
describes it and a ``run`` that does it; this module only builds the parser and
dispatches. Only the module of the command that runs is imported (all of them only to list
them, for ``--help`` or a usage error; none for ``--version``), and each imports what its
work needs when it starts: a command starts as fast as Python does.
Exit status: see :mod:`smtpwizard.cli.common`.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from smtpwizard import __version__
from smtpwizard.cli.common import EXIT_FAILED
from smtpwizard.cli.common import EXIT_INTERRUPTED
from smtpwizard.cli.common import EXIT_OUTPUT_CLOSED
from smtpwizard.cli.common import EXIT_USAGE
from smtpwizard.cli.common import Parser
from smtpwizard.cli.common import UsageError
from smtpwizard.core.i18n import _

__all__ = ["COMMANDS", "build_parser", "command_module", "main", "wanted_commands"]

#: The commands, in the order ``--help`` lists them: each is the module
#: ``smtpwizard.cli.NAME``, imported by name (so packaging lists them as hidden imports).
COMMANDS = ("probe", "discover", "export", "troubleshoot", "providers", "secret", "token")


def command_module(name: str) -> ModuleType:
    """The module of command ``name``."""
    return importlib.import_module(f"smtpwizard.cli.{name}")


def wanted_commands(args: Sequence[str]) -> tuple[str, ...]:
    """The commands whose parsers reading ``args`` needs: the one named; none for
    ``--version``; all of them to list them (``--help``, no command, an unknown one).

    The top level has flags only, so the first word that is not an option names the command.
    """
    for arg in args:
        if arg in ("-h", "--help"):
            return COMMANDS
        if arg == "--version":
            return ()
        if not arg.startswith("-"):
            return (arg,) if arg in COMMANDS else COMMANDS
    return COMMANDS


def build_parser(commands: Sequence[str] = COMMANDS) -> argparse.ArgumentParser:
    """The argument parser, with the subcommands ``commands`` (default: all of them)."""
    parser = Parser(
        prog="smtpwizard",
        description=_(
            "Find, test and explain a working outgoing mail (SMTP) configuration. "
            "Without a command, the wizard opens."
        ),
    )
    parser.add_argument("--version", action="version", version=f"smtpwizard {__version__}")
    subparsers = parser.add_subparsers(dest="command", parser_class=Parser)
    for name in commands:
        command_module(name).add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The ``smtpwizard`` command line (``argv`` without the program name)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    _stand_in_for_closed_streams()
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    parser = build_parser(wanted_commands(args_list))
    try:
        args = parser.parse_args(args_list)
    except SystemExit as done:  # --help, --version, or a usage error already printed
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from smtpwizard.core.errors import InvalidInput

    command = command_module(args.command)
    try:
        status: int = command.run(args, sys.stdin, sys.stdout, sys.stderr)
    except (InvalidInput, UsageError) as exc:
        print(f"smtpwizard {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``smtpwizard probe ... | head``): nothing more to say to it.
        # What is still buffered would fail again at exit; it goes nowhere instead.
        _silence(sys.stdout)
        return EXIT_OUTPUT_CLOSED
    except OSError as exc:
        if exc.errno not in _OUTPUT_FULL:
            raise
        # Output to a full disk or a failing device (``> /dev/full``): the command's own
        # files are written whole or not at all, so this is what it printed.
        _silence(sys.stdout)
        print(
            _("smtpwizard {command}: cannot write the output: {why}").format(
                command=args.command, why=exc.strerror
            ),
            file=sys.stderr,
        )
        return EXIT_FAILED
    return status


#: What writing to standard output can fail with once the disk or device is full or broken.
_OUTPUT_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def _stand_in_for_closed_streams() -> None:
    """A program started with standard input, output or error closed (``>&-``) has ``None``
    for it; the commands then read nothing and write into nothing instead of failing."""
    for name, mode in (("stdin", "r"), ("stdout", "w"), ("stderr", "w")):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, mode, encoding="utf-8"))  # noqa: SIM115


def _silence(stream: object) -> None:
    fileno = getattr(stream, "fileno", None)
    try:
        if fileno is not None:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, fileno())
            os.close(devnull)
    except (OSError, ValueError):
        pass
