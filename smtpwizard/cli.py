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
from collections.abc import Callable, Sequence
from typing import NoReturn, TextIO, TypeVar

from smtpwizard import __version__, export_cli, troubleshoot_cli
from smtpwizard.core.address import (
    EmailAddress,
    InvalidInput,
    check_host,
    check_port,
    incoming_to_test,
    parse_email,
)
from smtpwizard.core.channel import CancelToken
from smtpwizard.core.diagnosis import Context, explain, level_label, login_hints, summarize
from smtpwizard.core.discovery import (
    ISPDB_URL,
    Discoverer,
    DiscoveryEvent,
    DiscoveryResult,
    DiscoverySettings,
    SourceFinished,
)
from smtpwizard.core.dnsclient import parse_nameserver
from smtpwizard.core.i18n import _
from smtpwizard.core.model import (
    DEFAULT_PORTS,
    AuthStatus,
    Candidate,
    MatrixResult,
    Outcome,
    Protocol,
    Security,
    Source,
    usual_security,
)
from smtpwizard.core.probe import ProbeOptions, make_tls_context
from smtpwizard.core.prober import (
    CandidateFinished,
    EventListener,
    ProbeEvent,
    Prober,
    rank,
    run_account,
)
from smtpwizard.core.providers import Provider, ProviderKind
from smtpwizard.core.providers import load as load_knowledge_base
from smtpwizard.core.report import discovery_document, matrix_document, provider_document
from smtpwizard.core.resolve import Resolver, StaticResolver, SystemResolver

T = TypeVar("T")

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
    probe.add_argument(
        "--server",
        metavar="HOST",
        help=_("the SMTP server (default: find the candidates for the address first)"),
    )
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
    probe.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=10.0,
        metavar="SECONDS",
        help=_("how long each step may take (default 10)"),
    )
    _discovery_options(probe)
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
    probe.add_argument(
        "--incoming",
        action="store_true",
        help=_("test the incoming mail servers (IMAP, POP3) too, as mail programs need both"),
    )
    probe.add_argument(
        "--incoming-server",
        action="append",
        default=[],
        metavar="SERVER",
        help=_(
            "an incoming server to test, as imaps://HOST[:PORT], imap://…, pop3s://…, "
            "pop3://… or a bare HOST for all four (repeatable; default: the ones found, "
            "or the --server host)"
        ),
    )
    probe.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    probe.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help=_("also print each conversation (passwords hidden)"),
    )

    discover = commands.add_parser(
        "discover",
        help=_("find the candidate servers for an address, without testing them"),
        description=_(
            "Find every plausible outgoing server for an address and say where each came "
            "from: smtpwizard's provider list (by domain and by the domain's MX), the "
            "domain's autoconfig document, Thunderbird's ISPDB, Exchange Autodiscover, "
            "DNS SRV records, and guesses."
        ),
    )
    discover.add_argument("email", help=_("your email address"))
    discover.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=5.0,
        metavar="SECONDS",
        help=_("how long each lookup may take (default 5)"),
    )
    _discovery_options(discover)
    discover.add_argument("--json", action="store_true", help=_("print the result as JSON"))

    export_cli.add_parser(commands)
    troubleshoot_cli.add_parser(commands)

    providers = commands.add_parser(
        "providers", help=_("list the providers and sending services smtpwizard knows")
    )
    providers.add_argument("--json", action="store_true", help=_("print the list as JSON"))
    return parser


def _discovery_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cafile", metavar="FILE", help=_("extra certificate authorities to trust")
    )
    parser.add_argument(
        "--nameserver",
        action="append",
        default=[],
        metavar="IP[:PORT]",
        help=_("ask this DNS server instead of the system's (repeatable)"),
    )
    parser.add_argument(
        "--provider",
        metavar="ID",
        help=_("use this provider or sending service (see: smtpwizard providers)"),
    )
    parser.add_argument(
        "--choice",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=_("a choice the provider needs, such as region=eu-west-1 for Amazon SES"),
    )
    parser.add_argument(
        "--no-ispdb", action="store_true", help=_("do not ask Thunderbird's central ISPDB")
    )
    parser.add_argument(
        "--ispdb-url",
        metavar="URL",
        default=ISPDB_URL,
        help=_("the ISPDB to ask (default: Thunderbird's)"),
    )
    parser.add_argument(
        "--send-address",
        action="store_true",
        help=_("send the full address, not only the domain, to autoconfig servers and the ISPDB"),
    )
    parser.add_argument(
        "--no-http",
        action="store_true",
        help=_("never fetch an autoconfig document without encryption"),
    )
    parser.add_argument(
        "--no-autodiscover", action="store_true", help=_("do not ask Exchange Autodiscover")
    )
    # Where https:// and http:// go: for tests and networks that redirect these ports.
    parser.add_argument("--https-port", type=int, default=443, help=argparse.SUPPRESS)
    parser.add_argument("--http-port", type=int, default=80, help=argparse.SUPPRESS)


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


def _resolver(entries: Sequence[str], base: Resolver | None = None) -> Resolver:
    base = base or SystemResolver()
    if not entries:
        return base
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
    return StaticResolver(table, fallback=base)


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


def run_interruptibly(work: Callable[[CancelToken], T]) -> tuple[T | None, bool]:
    """Runs ``work`` on a worker thread so that Ctrl-C cancels it cleanly: returns its
    result (``None`` if it raised nothing and returned nothing) and whether Ctrl-C came."""
    box: dict[str, object] = {}
    with CancelToken() as cancel:

        def target() -> None:
            try:
                box["result"] = work(cancel)
            except BaseException as exc:  # re-raised on the main thread
                box["error"] = exc

        worker = threading.Thread(target=target, name="smtpwizard run", daemon=True)
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
    return box.get("result"), interrupted  # type: ignore[return-value]


def _run_matrix(
    prober: Prober,
    email: EmailAddress,
    candidates: list[Candidate],
    password: str | None,
    usernames: list[str],
    wait_all: bool,
    provider: Provider | None = None,
    incoming: Sequence[Candidate] = (),
) -> tuple[MatrixResult | None, MatrixResult | None, bool]:
    """Runs the matrices (outgoing, and incoming when given), Ctrl-C cancelling them."""

    def work(cancel: CancelToken) -> tuple[MatrixResult, MatrixResult | None]:
        return run_account(
            prober,
            email,
            candidates,
            incoming,
            password=password,
            usernames=usernames,
            cancel=cancel,
            wait_all=wait_all,
            provider=provider,
        )

    result, interrupted = run_interruptibly(work)
    if result is None:
        return None, None, interrupted
    return result[0], result[1], interrupted


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.0f} ms"


def print_report(
    matrix: MatrixResult, out: TextIO, verbose: bool = False, provider: Provider | None = None
) -> None:
    """The human-readable report: a table, the recommendation, each problem explained, and a
    summary paragraph."""
    results = matrix.results
    context = Context(results, provider)
    width = max((len(f"{r.candidate.host}:{r.candidate.port}") for r in results), default=10)
    print(
        f"{'':3}{_('server'):<{width}}  {_('encryption'):<16}{_('result'):<20}"
        f"{_('time'):>9}  {_('finding')}",
        file=out,
    )
    for r in results:
        c = r.candidate
        usable = r.outcome is Outcome.OK or (
            r.outcome is Outcome.INSECURE and r.auth.status is AuthStatus.OK
        )
        if matrix.credentials_rejected and r.auth.status is not AuthStatus.OK:
            usable = False
        mark = "OK" if usable else "--" if r.outcome in (Outcome.CANCELLED, Outcome.OK) else "!!"
        finding = explain(r, context)
        time_text = _seconds(r.elapsed_ms) if r.stages else "-"
        mode = c.security.label
        if c.protocol is not Protocol.SMTP:
            mode = f"{c.protocol.name}, {mode}"
        print(
            f"{mark:<3}{c.host + ':' + str(c.port):<{width}}  {mode:<16}"
            f"{r.outcome!s:<20}{time_text:>9}  {finding.headline}",
            file=out,
        )
    print(file=out)
    rec = matrix.recommended
    if rec is not None:
        c = rec.candidate
        print(_("Recommended settings ({level}):").format(level=level_label(rec.level)), file=out)
        if c.protocol is not Protocol.SMTP:
            print(f"  {_('kind'):<12}{c.protocol.name}", file=out)
        print(f"  {_('server'):<12}{c.host}", file=out)
        print(f"  {_('port'):<12}{c.port}", file=out)
        print(f"  {_('encryption'):<12}{c.security.label}", file=out)
        if rec.username:
            print(f"  {_('username'):<12}{rec.username}", file=out)
        if rec.auth_mechanism:
            print(f"  {_('login'):<12}{rec.auth_mechanism}", file=out)
        print(f"  {_('why'):<12}" + "; ".join(rec.reasons), file=out)
        for warning in rec.warnings:
            print(f"  {_('warning'):<12}{warning}", file=out)
        if rec.alternatives:
            also = ", ".join(a.label() for a in rec.alternatives)
            print(f"  {_('also works'):<12}{also}", file=out)
        print(file=out)
    problems = [
        r
        for r in results
        if r.outcome not in (Outcome.OK, Outcome.CANCELLED)
        or (r.send is not None and not r.send.ok)
    ]
    for r in problems:
        c = r.candidate
        finding = explain(r, context)
        print(f"{c.label()}: {finding.headline}", file=out)
        print(f"  {finding.explanation}", file=out)
        print(f"  {_('What to do')}: {finding.advice}", file=out)
        if finding.link:
            print(f"  {_('Help')}: {finding.link}", file=out)
        shown = dict(finding.evidence)
        keys = (
            list(shown)
            if verbose
            else [k for k in (_("failed step"), _("detail"), _("server reply")) if k in shown]
        )
        for key in keys:
            print(f"  {key}: {shown[key]}", file=out)
        print(file=out)
    if verbose:
        for r in results:
            if not r.transcript:
                continue
            c = r.candidate
            print(f"--- {c.label()}", file=out)
            for line in r.transcript:
                lock = "🔒" if line.encrypted else "  "
                print(f"{line.at_ms:8.1f} {lock} {line.direction} {line.text}", file=out)
            print(file=out)
    print(_("Summary: {text}").format(text=summarize(matrix, provider)), file=out)


def _context(cafile: str | None) -> ssl.SSLContext:
    if cafile is None:
        return make_tls_context()
    if not cafile.strip():
        raise UsageError(_("--cafile needs the name of a file."))
    if os.path.isdir(cafile):
        raise UsageError(_("The CA file {path} is a folder, not a file.").format(path=cafile))
    if not os.path.isfile(cafile):
        raise UsageError(_("The CA file {path} does not exist.").format(path=cafile))
    try:
        return make_tls_context(cafile)
    except PermissionError:
        raise UsageError(_("You may not read the CA file {path}.").format(path=cafile)) from None
    except (OSError, ssl.SSLError):
        raise UsageError(
            _("The CA file {path} cannot be read as certificates (PEM).").format(path=cafile)
        ) from None


def _discoverer(
    args: argparse.Namespace,
    context: ssl.SSLContext,
    listener: Callable[[DiscoveryEvent], None] | None = None,
) -> Discoverer:
    try:
        nameservers = tuple(parse_nameserver(text) for text in args.nameserver)
    except ValueError as exc:
        raise UsageError(f"--nameserver: {exc}") from None
    for port in (args.https_port, args.http_port):
        check_port(port)
    settings = DiscoverySettings(
        timeout=min(args.timeout, 10.0),
        nameservers=nameservers,
        cafile=args.cafile,
        ispdb_url=None if args.no_ispdb else args.ispdb_url,
        send_address=args.send_address,
        allow_http=not args.no_http,
        https_port=args.https_port,
        http_port=args.http_port,
        autodiscover=not args.no_autodiscover,
    )
    return Discoverer(settings, context=context, listener=listener)


def _choices(entries: Sequence[str]) -> dict[str, str]:
    choices = {}
    for entry in entries:
        name, sep, value = entry.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise UsageError(_("--choice wants NAME=VALUE, not “{entry}”").format(entry=entry))
        choices[name.strip()] = value.strip()
    return choices


def _discover(
    args: argparse.Namespace, email: EmailAddress, discoverer: Discoverer
) -> DiscoveryResult:
    choices = _choices(args.choice)
    if choices and not args.provider:
        raise UsageError(_("--choice needs --provider"))
    with CancelToken() as cancel:
        try:
            return discoverer.run(email, cancel=cancel, provider_id=args.provider, choices=choices)
        except KeyboardInterrupt:
            cancel.cancel()
            raise


def _discovery_progress(stream: TextIO) -> Callable[[DiscoveryEvent], None]:
    """Prints each source's answer as it comes in (for a person watching a terminal)."""
    lock = threading.Lock()

    def listener(event: DiscoveryEvent) -> None:
        if isinstance(event, SourceFinished):
            report = event.report
            with lock:
                print(f"  {report.name}: {report.status}", file=stream, flush=True)

    return listener


def _usernames(
    args: argparse.Namespace, email: EmailAddress, discovery: DiscoveryResult | None
) -> list[str]:
    if args.username is not None:
        if not args.username.strip():
            raise UsageError(_("The username is empty."))
        return [args.username]
    if discovery is not None and discovery.usernames:
        return list(discovery.usernames)
    provider = discovery.provider if discovery is not None else None
    if provider is not None and not provider.username:
        raise UsageError(
            _("{provider} gives you a login name ({hint}); pass it with --username.").format(
                provider=provider.name, hint=provider.username_hint
            )
        )
    return [str(email)]


def cmd_probe(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    """``smtpwizard probe``."""
    email = parse_email(args.email)
    context = _context(args.cafile)
    show_progress = err.isatty()
    discovery: DiscoveryResult | None = None
    if args.server is not None:  # given, even if empty: never a search instead
        if args.provider:
            raise UsageError(_("give either --server or --provider, not both"))
        discoverer = _discoverer(args, context)
        host = check_host(args.server)
        candidates = rank(_candidates(host, args.port, args.security))
    else:
        if args.port or args.security:
            raise UsageError(_("--port and --security need --server"))
        discoverer = _discoverer(args, context, _discovery_progress(err) if show_progress else None)
        if show_progress:
            print(
                _("Looking for the servers of {domain}…").format(domain=email.domain),
                file=err,
                flush=True,
            )
        discovery = _discover(args, email, discoverer)
        candidates = rank(discovery.candidates)
        if not candidates:
            if args.json:
                json.dump(discovery_document(discovery), out, indent=2, ensure_ascii=False)
                out.write("\n")
            else:
                _print_discovery(discovery, out)
            print(_("No outgoing server found for {domain}.").format(domain=email.domain), file=err)
            return EXIT_NONE_WORKS
    provider = (
        discovery.provider
        if discovery is not None
        else load_knowledge_base().for_address(email.domain, [(c.host, c.port) for c in candidates])
    )
    base = discoverer.resolver if args.nameserver else None
    resolver = _resolver(args.resolve, base)
    usernames = _usernames(args, email, discovery)
    password = _read_password(stdin) if args.password_stdin else None
    options = ProbeOptions(
        timeout=args.timeout,
        cafile=args.cafile,
        allow_plaintext=args.allow_plaintext,
        dry_run=not args.no_dry_run,
        send_test=args.send_test,
    )
    listener = _progress_listener(err) if show_progress else None
    prober = Prober(options, resolver=resolver, context=context, listener=listener)
    if show_progress:
        modes = ", ".join(f"{c.host}:{c.port} {c.security.label}" for c in candidates)
        print(_("Testing {modes}").format(modes=modes), file=err, flush=True)
    incoming_candidates = _incoming_candidates(args, discovery, candidates)
    matrix, incoming_matrix, interrupted = _run_matrix(
        prober,
        email,
        candidates,
        password,
        usernames,
        wait_all=args.all,
        provider=provider,
        incoming=incoming_candidates,
    )
    if matrix is None:
        return EXIT_INTERRUPTED
    incoming = discovery.incoming if discovery is not None else ()
    if args.json:
        document = matrix_document(matrix, incoming, discovery, provider, incoming_matrix)
        json.dump(document, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        if discovery is not None:
            _print_discovery(discovery, out, candidates=False)
        if discovery is None and provider is not None:
            print(_("Provider: {name}").format(name=provider.name), file=out)
        if incoming_matrix is not None:
            print(_("Outgoing mail (SMTP):"), file=out)
        print_report(matrix, out, verbose=args.verbose, provider=provider)
        if incoming_matrix is not None:
            print(file=out)
            print(_("Incoming mail (IMAP, POP3):"), file=out)
            print_report(incoming_matrix, out, verbose=args.verbose, provider=provider)
    if interrupted:
        return EXIT_INTERRUPTED
    works = matrix.recommended is not None and (
        incoming_matrix is None or incoming_matrix.recommended is not None
    )
    return EXIT_OK if works else EXIT_NONE_WORKS


def _incoming_candidates(
    args: argparse.Namespace, discovery: DiscoveryResult | None, outgoing: Sequence[Candidate]
) -> list[Candidate]:
    """What ``--incoming`` tests: the given server, the ones found, or the outgoing host."""
    if not args.incoming and not args.incoming_server:
        return []
    found = discovery.incoming if discovery is not None else ()
    return incoming_to_test(args.incoming_server, found, outgoing)


def provider_advice(provider: Provider) -> list[str]:
    """The provider's login requirements, links and notes in plain words."""
    lines = login_hints(provider)
    if provider.app_password_url:
        lines.append(_("App passwords: {url}").format(url=provider.app_password_url))
    lines.extend(provider.notes)
    return lines


def _print_discovery(result: DiscoveryResult, out: TextIO, candidates: bool = True) -> None:
    provider = result.provider
    if provider is not None:
        how = {
            "domain": _("recognised by its domain"),
            "mx": _("recognised by the domain's mail servers (MX)"),
            "chosen": _("as you chose"),
        }.get(result.provider_match or "", "")
        print(_("Provider: {name} ({how})").format(name=provider.name, how=how), file=out)
        for line in provider_advice(provider):
            print(f"  {line}", file=out)
        print(f"  {_('Help')}: {provider.help_url}", file=out)
    if candidates:
        print(_("Outgoing servers for {email}:").format(email=result.email), file=out)
        if not result.candidates:
            print("  " + _("none found"), file=out)
        width = max((len(f"{c.host}:{c.port}") for c in result.candidates), default=10)
        for c in result.candidates:
            print(
                f"  {c.host + ':' + str(c.port):<{width}}  {c.security.label:<15}"
                f"{c.source_detail or c.source}",
                file=out,
            )
        if result.incoming:
            print(_("Incoming servers:"), file=out)
            for server in result.incoming:
                print(
                    f"  {server.protocol.name:<5} {server.host}:{server.port}  "
                    f"{server.security.label:<15}{server.source_detail or server.source}",
                    file=out,
                )
        if result.usernames:
            print(_("Username: {names}").format(names=", ".join(result.usernames)), file=out)
    print(_("Sources asked:"), file=out)
    for report in result.reports:
        print(f"  {report.name:<13}{report.status:<9}{report.message}", file=out)
        for warning in report.warnings:
            print(f"  {'':<22}{_('warning')}: {warning}", file=out)
    print(file=out)


def cmd_discover(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``smtpwizard discover``."""
    email = parse_email(args.email)
    context = _context(args.cafile)
    show_progress = err.isatty() and not args.json
    discoverer = _discoverer(args, context, _discovery_progress(err) if show_progress else None)
    result = _discover(args, email, discoverer)
    if args.json:
        json.dump(discovery_document(result), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        _print_discovery(result, out)
    return EXIT_OK if result.candidates else EXIT_NONE_WORKS


def cmd_providers(args: argparse.Namespace, out: TextIO) -> int:
    """``smtpwizard providers``."""
    knowledge = load_knowledge_base()
    if args.json:
        listing = [provider_document(p, None, "user@example.com") for p in knowledge.providers]
        json.dump(listing, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return EXIT_OK
    sections = (
        (ProviderKind.MAILBOX, _("Mailbox providers")),
        (ProviderKind.SERVICE, _("Sending services")),
    )
    for kind, title in sections:
        print(f"{title}:", file=out)
        for p in sorted((p for p in knowledge.providers if p.kind is kind), key=lambda p: p.id):
            extra = "; ".join(f"{n}: {', '.join(v.values)}" for n, v in p.variables.items())
            print(f"  {p.id:<24}{p.name}" + (f"  ({extra})" if extra else ""), file=out)
    return EXIT_OK


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
        if args.command == "discover":
            return cmd_discover(args, sys.stdout, sys.stderr)
        if args.command == "providers":
            return cmd_providers(args, sys.stdout)
        if args.command == "export":
            return export_cli.run(args, sys.stdin, sys.stdout, sys.stderr)
        if args.command == "troubleshoot":
            return troubleshoot_cli.run(args, sys.stdin, sys.stdout, sys.stderr)
    except (InvalidInput, UsageError) as exc:
        print(f"smtpwizard {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    parser.print_help()
    return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
