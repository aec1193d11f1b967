"""``smtpwizard export``: turn a probe result into the file a program or application reads.

    smtpwizard probe alice@example.com --server smtp.example.com --json > result.json
    smtpwizard export --format msmtp --input result.json -o ~/.msmtprc
    smtpwizard probe ... --json | smtpwizard export --format django
    smtpwizard export --list

Exit status: 0 written, 2 bad usage or input (one line on standard error, never a
traceback), 130 interrupted.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import warnings
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any
from typing import TextIO

from smtpwizard.cli.common import EXIT_INTERRUPTED
from smtpwizard.cli.common import EXIT_OK
from smtpwizard.cli.common import EXIT_USAGE
from smtpwizard.cli.common import Parser
from smtpwizard.cli.common import UsageError
from smtpwizard.cli.common import checked_password
from smtpwizard.cli.common import password_line
from smtpwizard.core.discovery.providers import Protocol
from smtpwizard.core.errors import ExportError
from smtpwizard.core.errors import WriteError
from smtpwizard.core.exporters.base import ExportConfig
from smtpwizard.core.exporters.base import Exporter
from smtpwizard.core.exporters.base import ExportOptions
from smtpwizard.core.exporters.base import config_from_document
from smtpwizard.core.exporters.base import export_caveats
from smtpwizard.core.exporters.base import oauth_refusal
from smtpwizard.core.exporters.base import registry
from smtpwizard.core.exporters.base import trust_notice
from smtpwizard.core.exporters.base import unwritable
from smtpwizard.core.i18n import _
from smtpwizard.core.model import INCOMING_PORTS
from smtpwizard.core.model import Security
from smtpwizard.core.model import ServerSettings
from smtpwizard.core.store.files import write_atomic

if TYPE_CHECKING:
    from smtpwizard.core.auth.keyring import CredentialStore

__all__ = [
    "FAMILIES",
    "PROG",
    "AskPassword",
    "add_arguments",
    "add_parser",
    "build_parser",
    "main",
    "run",
]

PROG = "smtpwizard export"

#: The order of the families in --list.
FAMILIES = ("mail program", "application", "system", "settings sheet")

AskPassword = Callable[[str], str]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``smtpwizard export``."""
    parser.add_argument(
        "--format", "-f", dest="format_name", metavar="NAME", help=_("the format (see --list)")
    )
    parser.add_argument("--list", action="store_true", help=_("name the formats and stop"))
    parser.add_argument(
        "--input",
        "-i",
        metavar="RESULT.json",
        help=_("the result of “smtpwizard probe --json” (default: standard input)"),
    )
    parser.add_argument(
        "--output", "-o", metavar="FILE", help=_("the file to write (default: standard output)")
    )
    parser.add_argument(
        "--force", action="store_true", help=_("replace the output file if it exists")
    )
    parser.add_argument(
        "--include-password",
        action="store_true",
        help=_("write the password into the export (asks for it on the terminal)"),
    )
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help=_(
            "with --input and --include-password: read the password to include from standard input"
        ),
    )
    parser.add_argument(
        "--password-env",
        default=ExportOptions().password_env,
        metavar="VARIABLE",
        help=_(
            "the environment variable applications read the password from (default %(default)s)"
        ),
    )
    parser.add_argument("--name", metavar="NAME", help=_("your name, as recipients see it"))
    parser.add_argument(
        "--incoming-server", metavar="HOST", help=_("the incoming (IMAP or POP3) server")
    )
    parser.add_argument(
        "--incoming-protocol",
        choices=[str(Protocol.IMAP), str(Protocol.POP3)],
        default=str(Protocol.IMAP),
        help=_("imap (default) or pop3"),
    )
    parser.add_argument(
        "--incoming-port", type=int, metavar="N", help=_("default: 993 for IMAP, 995 for POP3")
    )
    parser.add_argument(
        "--incoming-security",
        choices=[str(s) for s in Security],
        default=str(Security.TLS),
        help=_("tls (SSL/TLS, default), starttls or none"),
    )
    parser.add_argument(
        "--incoming-username", metavar="USER", help=_("default: your email address")
    )


def add_parser(subcommands: Any) -> argparse.ArgumentParser:
    """Adds ``export`` to the ``smtpwizard`` subcommands (``parser.add_subparsers()``)."""
    parser: argparse.ArgumentParser = subcommands.add_parser(
        "export",
        help=_("write a tested configuration in a program's format"),
        description=_(
            "Write the configuration a probe proved working in the format a mail program, "
            "application or system tool reads. The password is only written with "
            "--include-password."
        ),
    )
    add_arguments(parser)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """A parser for ``export`` alone (``python -m smtpwizard.cli.export``)."""
    parser = Parser(prog=PROG, description=_("Write a tested configuration in a program's format."))
    add_arguments(parser)
    return parser


def run(
    args: argparse.Namespace,
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO,
    *,
    ask_password: AskPassword | None = None,
    store: CredentialStore | None = None,
) -> int:
    """Runs ``smtpwizard export``; returns the exit status.

    Args:
        args: the parsed options.
        stdin, stdout, stderr: the streams (stdin holds the document without --input).
        ask_password: asks for the password on a terminal (default: getpass on /dev/tty).
        store: the keyring, asked whether it holds the password (default: the system's).
    """
    try:
        return _run(args, stdin, stdout, stderr, ask_password or _ask_on_terminal, store)
    except (UsageError, ExportError, WriteError) as exc:
        print(f"{PROG}: {exc}", file=stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _run(
    args: argparse.Namespace,
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO,
    ask_password: AskPassword,
    store: CredentialStore | None,
) -> int:
    if args.list:
        _print_list(stdout)
        return EXIT_OK
    exporter = _exporter(args.format_name)
    if args.password_stdin and not args.include_password:
        raise UsageError(
            _(
                "--password-stdin reads the password to write into the file: add "
                "--include-password to say you want it there."
            )
        )
    if args.password_stdin and not args.input:
        raise UsageError(
            _(
                "--password-stdin needs --input: standard input already brings the probe "
                "result. Leave it out to be asked for the password."
            )
        )
    document = _read_document(args.input, stdin)
    config = _with_overrides(config_from_document(document), args)
    refusal = oauth_refusal(exporter, config)
    if refusal is not None:
        raise ExportError(refusal)
    if exporter.needs_incoming and config.incoming is None:
        raise UsageError(
            _(
                "{title} describes a whole mail account and needs the incoming server: add "
                "--incoming-server HOST (and --incoming-protocol, --incoming-port, "
                "--incoming-security when they differ from IMAP on 993 with SSL/TLS)."
            ).format(title=exporter.title)
        )
    password = None
    if config.sign_in is not None and args.include_password:
        raise UsageError(
            _("The login was proven with OAuth 2.0 sign-in: there is no password to include.")
        )
    if args.include_password:
        password = _password(exporter, config, args, stdin, stderr, ask_password)
    if password is not None:
        config = replace(config, password=password)
    elif config.sign_in is None:
        config = replace(config, password_stored=_stored(config, store))
    options = ExportOptions(include_password=password is not None, password_env=args.password_env)
    data = exporter.render(config, options)
    notice = trust_notice(exporter, config)
    for note in ([] if notice is None else [notice]) + export_caveats(exporter, config, options):
        print(_("note: {notice}").format(notice=note), file=stderr)
    if args.output and args.output != "-":
        path = write_atomic(
            Path(args.output).expanduser(),
            data,
            overwrite=args.force,
            private=password is not None,
        )
        message = _("Wrote {path} ({title}).").format(path=path, title=exporter.title)
        if password is not None:
            message += " " + _("It holds your password and only you can read it.")
        print(message, file=stderr)
    else:
        _write_stdout(stdout, data)
    return EXIT_OK


def _stored(config: ExportConfig, store: CredentialStore | None) -> bool | None:
    """Whether the keyring holds the password for the exported login (``None``: no login,
    or the keyring cannot say), so that the file tells the truth about it."""
    from smtpwizard.core.auth.keyring import CredentialStore
    from smtpwizard.core.errors import CredentialError

    if not config.smtp.username:
        return None
    store = store or CredentialStore()
    try:
        if not store.status().usable:
            return None
        return store.load(config.smtp.host, config.smtp.username) is not None
    except CredentialError:
        return None


def _print_list(out: TextIO) -> None:
    exporters = sorted(
        registry().values(),
        key=lambda e: (
            FAMILIES.index(e.family) if e.family in FAMILIES else len(FAMILIES),
            e.name,
        ),
    )
    width = max(len(e.name) for e in exporters)
    for e in exporters:
        extra = "  " + _("(needs the incoming server)") if e.needs_incoming else ""
        print(f"{e.name:<{width}}  {e.title}{extra}", file=out)


def _exporter(name: str | None) -> Exporter:
    known = registry()
    if not name:
        raise UsageError(_("choose a format with --format NAME; --list names them."))
    exporter = known.get(name.strip().lower())
    if exporter is None:
        raise UsageError(
            _("there is no format “{name}”; the formats are: {names}.").format(
                name=name, names=", ".join(sorted(known))
            )
        )
    return exporter


def _read_document(source: str | None, stdin: TextIO) -> Mapping[str, Any]:
    if source and source != "-":
        path = Path(source).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UsageError(_("the file {path} does not exist.").format(path=path)) from None
        except IsADirectoryError:
            raise UsageError(_("{path} is a folder, not a file.").format(path=path)) from None
        except PermissionError:
            raise UsageError(_("you may not read {path}.").format(path=path)) from None
        except UnicodeDecodeError:
            raise UsageError(_("{path} is not a text file.").format(path=path)) from None
        except OSError as exc:
            raise UsageError(
                _("{path} cannot be read ({reason}).").format(path=path, reason=exc.strerror)
            ) from None
        where = str(path)
    else:
        if stdin.isatty():
            raise UsageError(
                _(
                    "give the probe result with --input FILE, or pipe "
                    "“smtpwizard probe ... --json” into this command."
                )
            )
        try:
            text = stdin.read()
        except UnicodeDecodeError:
            raise UsageError(_("standard input is not text.")) from None
        where = _("standard input")
    if not text.strip():
        raise UsageError(_("{where} is empty: expected a probe result.").format(where=where))
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            _("{where} is not JSON (line {line}: {reason}).").format(
                where=where, line=exc.lineno, reason=exc.msg
            )
        ) from None
    except RecursionError:  # nested deeper than any probe result is
        raise UsageError(
            _("{where} is not a probe result (nested too deeply).").format(where=where)
        ) from None
    if not isinstance(document, dict):
        raise UsageError(_("{where} is not a probe result.").format(where=where))
    return document


def _with_overrides(config: ExportConfig, args: argparse.Namespace) -> ExportConfig:
    if args.name is not None:
        config = replace(config, display_name=" ".join(args.name.split()))
    if args.incoming_server:
        host = args.incoming_server.strip()
        if not host or any(c.isspace() for c in host):
            raise UsageError(_("--incoming-server wants a host name."))
        protocol = Protocol(args.incoming_protocol)
        security = Security(args.incoming_security)
        # The usual port: the SSL/TLS one, else the one that starts in plain text.
        usual = {mode: number for number, mode in INCOMING_PORTS[protocol]}
        port = args.incoming_port or usual.get(security, usual[Security.STARTTLS])
        if args.incoming_username and unwritable(args.incoming_username):
            raise UsageError(_("--incoming-username wants a user name on one line."))
        if not 0 < port < 65536:
            raise UsageError(_("--incoming-port must be between 1 and 65535."))
        incoming = ServerSettings(
            protocol=protocol,
            host=host,
            port=port,
            security=security,
            username=args.incoming_username or config.email,
        )
        config = replace(config, incoming=incoming)
    elif args.incoming_port or args.incoming_username:
        raise UsageError(_("--incoming-port and --incoming-username go with --incoming-server."))
    return config


def _password(
    exporter: Exporter,
    config: ExportConfig,
    args: argparse.Namespace,
    stdin: TextIO,
    stderr: TextIO,
    ask_password: AskPassword,
) -> str | None:
    """The password to include, or ``None`` with a note when the export cannot hold one."""
    if not exporter.carries_password:
        print(
            _("note: {title} cannot hold a password; the program asks for it.").format(
                title=exporter.title
            ),
            file=stderr,
        )
        return None
    if not config.smtp.username:
        print(_("note: the server takes no login, so there is no password."), file=stderr)
        return None
    if args.password_stdin:
        password = password_line(stdin)
    else:
        password = ask_password(
            _("Password for {user} on {host}: ").format(
                user=config.smtp.username, host=config.smtp.host
            )
        )
    if not password:
        raise UsageError(_("the password is empty."))
    return checked_password(password)


def _ask_on_terminal(prompt: str) -> str:
    """Asks on the controlling terminal; never reads the password from a pipe by mistake."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", getpass.GetPassWarning)
        try:
            return getpass.getpass(prompt)
        except getpass.GetPassWarning:
            raise UsageError(
                _(
                    "--include-password asks for the password on a terminal, and there is "
                    "none; use --input FILE with --password-stdin."
                )
            ) from None
        except EOFError:
            raise UsageError(_("no password was given.")) from None


def _write_stdout(stdout: TextIO, data: str | bytes) -> None:
    if isinstance(data, str):
        stdout.write(data)
        stdout.flush()
        return
    buffer = getattr(stdout, "buffer", None)
    if buffer is not None:
        stdout.flush()
        buffer.write(data)
        buffer.flush()
    else:
        stdout.write(data.decode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    """``python -m smtpwizard.cli.export``: the export command on its own."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    return run(args, sys.stdin, sys.stdout, sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
