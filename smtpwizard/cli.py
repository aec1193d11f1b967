"""The command line: the same engine as the wizard, without a screen.

Exit status: 0 a working configuration was found, 1 none works, 2 bad usage or input,
130 interrupted.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import ssl
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn, TextIO

from smtpwizard import __version__
from smtpwizard.core.address import (
    EmailAddress,
    InvalidInput,
    check_host,
    check_port,
    parse_email,
)
from smtpwizard.core.channel import CancelToken
from smtpwizard.core.diagnosis import explain, summarize
from smtpwizard.core.i18n import _
from smtpwizard.core.model import (
    DEFAULT_PORTS,
    Candidate,
    MatrixResult,
    Outcome,
    Security,
    Source,
    usual_security,
)
from smtpwizard.core.probe import ProbeOptions, make_tls_context
from smtpwizard.core.prober import CandidateFinished, EventListener, ProbeEvent, Prober, rank
from smtpwizard.core.report import matrix_document
from smtpwizard.core.resolve import Resolver, StaticResolver, SystemResolver

EXIT_OK = 0
EXIT_NONE_WORKS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad usage or input; the message is shown as it is."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see --help)\n")


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a number of seconds") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError("the timeout must be between 0 and 600 seconds")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = _Parser(
        prog="smtpwizard",
        description=_(
            "Find, test and explain a working outgoing mail (SMTP) configuration. "
            "Without a command, the wizard opens."
        ),
    )
    parser.add_argument("--version", action="version", version=f"smtpwizard {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    probe = commands.add_parser(
        "probe",
        help=_("test servers, ports and encryption modes for an address"),
        description=_(
            "Test every port and encryption mode of a server for real and say which works. "
            "Without --port: 465 (SSL/TLS), 587, 2525 and 25 (STARTTLS)."
        ),
    )
    probe.add_argument("email", help=_("your email address"))
    probe.add_argument("--server", required=True, metavar="HOST", help=_("the SMTP server"))
    probe.add_argument(
        "--port",
        action="append",
        default=[],
        metavar="N",
        help=_("a port to test (repeat for several)"),
    )
    probe.add_argument(
        "--security",
        action="append",
        default=[],
        choices=[str(s) for s in Security],
        help=_(
            "encryption: tls (SSL/TLS from the start), starttls or none; once for all "
            "ports or once per --port"
        ),
    )
    probe.add_argument("--username", help=_("login name (default: the email address)"))
    probe.add_argument(
        "--password-stdin",
        action="store_true",
        help=_("read the password from standard input (asks for it on a terminal)"),
    )
    probe.add_argument("--cafile", metavar="FILE", help=_("extra certificate authorities to trust"))
    probe.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=10.0,
        metavar="SECONDS",
        help=_("how long each step may take (default 10)"),
    )
    probe.add_argument(
        "--allow-plaintext",
        action="store_true",
        help=_("allow logging in without encryption (your password travels readable)"),
    )
    probe.add_argument(
        "--send-test",
        action="store_true",
        help=_("send a real test message to your own address through the best server"),
    )
    probe.add_argument(
        "--no-dry-run",
        action="store_true",
        help=_("after logging in, do not check that your address is accepted as sender"),
    )
    probe.add_argument(
        "--all",
        action="store_true",
        help=_("finish every test even once the best server is certain"),
    )
    probe.add_argument(
        "--resolve",
        action="append",
        default=[],
        metavar="HOST=ADDRESS",
        help=_("use ADDRESS for HOST instead of looking it up (repeatable)"),
    )
    probe.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    probe.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help=_("also print each conversation (passwords hidden)"),
    )
    return parser


def _candidates(host: str, ports: Sequence[str], securities: Sequence[str]) -> list[Candidate]:
    modes = [Security(s) for s in securities]
    checked = [check_port(p) for p in ports]
    if not checked:
        if not modes:
            pairs = list(DEFAULT_PORTS)
        else:
            pairs = [(port, mode) for port, _usual in DEFAULT_PORTS for mode in modes]
    elif not modes:
        pairs = [(port, mode) for port in checked for mode in usual_security(port)]
    elif len(modes) == 1:
        pairs = [(port, modes[0]) for port in checked]
    elif len(modes) == len(checked):
        pairs = list(zip(checked, modes, strict=True))
    else:
        raise UsageError(_("give --security once for all ports, or once for each --port"))
    return [Candidate(host, port, mode, Source.USER) for port, mode in pairs]


def _resolver(entries: Sequence[str]) -> Resolver:
    if not entries:
        return SystemResolver()
    table: dict[str, list[str]] = {}
    for entry in entries:
        name, sep, address = entry.partition("=")
        if not sep or not name or not address:
            raise UsageError(_("--resolve wants HOST=ADDRESS, not “{entry}”").format(entry=entry))
        try:
            StaticResolver({name: [address]})
        except ValueError:
            raise UsageError(
                _("--resolve: “{address}” is not an IP address").format(address=address)
            ) from None
        table.setdefault(check_host(name), []).append(address)
    return StaticResolver(table, fallback=SystemResolver())


def _read_password(stdin: TextIO) -> str:
    if stdin.isatty():
        password = getpass.getpass(_("Password: "))
    else:
        line = stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password.removesuffix("\r")
    if not password:
        raise UsageError(_("The password is empty."))
    return password


def _progress_listener(stream: TextIO) -> EventListener:
    """Prints each candidate's outcome as it comes in (for a person watching a terminal)."""
    lock = threading.Lock()

    def listener(event: ProbeEvent) -> None:
        if isinstance(event, CandidateFinished):
            r = event.result
            c = r.candidate
            with lock:
                print(f"  {c.host}:{c.port} {c.security}: {r.outcome}", file=stream, flush=True)

    return listener


def _run_matrix(
    prober: Prober,
    email: EmailAddress,
    candidates: list[Candidate],
    password: str | None,
    usernames: list[str],
    wait_all: bool,
) -> tuple[MatrixResult | None, bool]:
    """Runs the matrix on a worker thread so that Ctrl-C cancels it cleanly."""
    box: dict[str, MatrixResult | BaseException] = {}
    with CancelToken() as cancel:

        def target() -> None:
            try:
                box["result"] = prober.run(
                    email,
                    candidates,
                    password=password,
                    usernames=usernames,
                    cancel=cancel,
                    wait_all=wait_all,
                )
            except BaseException as exc:  # re-raised on the main thread
                box["error"] = exc

        worker = threading.Thread(target=target, name="probe run", daemon=True)
        worker.start()
        interrupted = False
        while worker.is_alive():
            try:
                worker.join(0.2)
            except KeyboardInterrupt:
                interrupted = True
                cancel.cancel()
        error = box.get("error")
        if isinstance(error, BaseException):
            raise error
        result = box.get("result")
        return (result if isinstance(result, MatrixResult) else None), interrupted


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.0f} ms"


def print_report(matrix: MatrixResult, out: TextIO, verbose: bool = False) -> None:
    """The human-readable report."""
    results = matrix.results
    width = max((len(f"{r.candidate.host}:{r.candidate.port}") for r in results), default=10)
    print(
        f"{'':2}{'server':<{width}}  {'encryption':<13}{'result':<20}{'time':>9}  finding", file=out
    )
    for r in results:
        c = r.candidate
        mark = (
            "OK" if r.outcome in (Outcome.OK,) else "--" if r.outcome is Outcome.CANCELLED else "!!"
        )
        finding = explain(r, results)
        time_text = _seconds(r.elapsed_ms) if r.stages else "-"
        print(
            f"{mark:<3}{c.host + ':' + str(c.port):<{width}}  {c.security.label:<13}"
            f"{r.outcome!s:<20}{time_text:>9}  {finding.headline}",
            file=out,
        )
    print(file=out)
    rec = matrix.recommended
    if rec is not None:
        c = rec.candidate
        print(_("Recommended settings:"), file=out)
        print(f"  {_('server')}:      {c.host}", file=out)
        print(f"  {_('port')}:        {c.port}", file=out)
        print(f"  {_('encryption')}:  {c.security.label}", file=out)
        if rec.username:
            print(f"  {_('username')}:    {rec.username}", file=out)
        if rec.auth_mechanism:
            print(f"  {_('login')}:       {rec.auth_mechanism}", file=out)
        print(f"  {_('why')}:         " + "; ".join(rec.reasons), file=out)
        for warning in rec.warnings:
            print(f"  {_('warning')}:     {warning}", file=out)
        print(file=out)
    problems = [
        r
        for r in results
        if r.outcome not in (Outcome.OK, Outcome.CANCELLED)
        or (r.send is not None and not r.send.ok)
    ]
    for r in problems:
        c = r.candidate
        finding = explain(r, results)
        print(f"{c.host}:{c.port} ({c.security.label}): {finding.headline}", file=out)
        print(f"  {finding.explanation}", file=out)
        print(f"  {_('What to do')}: {finding.advice}", file=out)
        stage = r.failed_stage
        if stage is not None:
            print(f"  {_('Evidence')} [{stage.name}]: {stage.detail}", file=out)
        print(file=out)
    if verbose:
        for r in results:
            if not r.transcript:
                continue
            c = r.candidate
            print(f"--- {c.host}:{c.port} ({c.security.label})", file=out)
            for line in r.transcript:
                lock = "🔒" if line.encrypted else "  "
                print(f"{line.at_ms:8.1f} {lock} {line.direction} {line.text}", file=out)
            print(file=out)
    print(summarize(matrix), file=out)


def cmd_probe(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    """``smtpwizard probe``."""
    email = parse_email(args.email)
    host = check_host(args.server)
    candidates = rank(_candidates(host, args.port, args.security))
    resolver = _resolver(args.resolve)
    if args.cafile:
        if not os.path.isfile(args.cafile):
            raise UsageError(_("The CA file {path} does not exist.").format(path=args.cafile))
        try:
            context = make_tls_context(args.cafile)
        except (OSError, ssl.SSLError):
            raise UsageError(
                _("The CA file {path} cannot be read as certificates (PEM).").format(
                    path=args.cafile
                )
            ) from None
    else:
        context = make_tls_context()
    password = _read_password(stdin) if args.password_stdin else None
    usernames = [args.username] if args.username else [str(email)]
    if args.username is not None and not args.username.strip():
        raise UsageError(_("The username is empty."))
    options = ProbeOptions(
        timeout=args.timeout,
        cafile=args.cafile,
        allow_plaintext=args.allow_plaintext,
        dry_run=not args.no_dry_run,
        send_test=args.send_test,
    )
    show_progress = err.isatty()
    listener = _progress_listener(err) if show_progress else None
    prober = Prober(options, resolver=resolver, context=context, listener=listener)
    if show_progress:
        modes = ", ".join(f"{c.port} {c.security.label}" for c in candidates)
        print(_("Testing {host}: {modes}").format(host=host, modes=modes), file=err, flush=True)
    matrix, interrupted = _run_matrix(
        prober, email, candidates, password, usernames, wait_all=args.all
    )
    if matrix is None:
        return EXIT_INTERRUPTED
    if args.json:
        json.dump(matrix_document(matrix), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        print_report(matrix, out, verbose=args.verbose)
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if matrix.recommended is not None else EXIT_NONE_WORKS


def _start_gui() -> int:
    try:
        from smtpwizard.gui.app import run_app
    except ImportError as exc:
        print(_("smtpwizard cannot open its window: {error}").format(error=exc), file=sys.stderr)
        print(
            _("On Debian, run “sh packaging/dev run” once as root to install Qt's libraries."),
            file=sys.stderr,
        )
        return EXIT_USAGE
    return run_app(sys.argv[:1])


def main(argv: Sequence[str] | None = None) -> int:
    """The ``smtpwizard`` command."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list:
        return _start_gui()
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
    try:
        if args.command == "probe":
            return cmd_probe(args, sys.stdin, sys.stdout, sys.stderr)
    except (InvalidInput, UsageError) as exc:
        print(f"smtpwizard {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    parser.print_help()
    return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
