"""``smtpwizard probe``: every port and encryption mode of an address's servers, tested for
real, explained, with the best one recommended."""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING
from typing import Any
from typing import TextIO

from smtpwizard.cli.common import EXIT_FAILED
from smtpwizard.cli.common import EXIT_INTERRUPTED
from smtpwizard.cli.common import EXIT_OK
from smtpwizard.cli.common import UsageError
from smtpwizard.cli.common import positive_seconds
from smtpwizard.cli.common import read_password
from smtpwizard.cli.common import run_interruptibly
from smtpwizard.cli.signin import SignInStep
from smtpwizard.cli.signin import add_sign_in_options
from smtpwizard.cli.signin import failure_record
from smtpwizard.cli.signin import plan_sign_in_step
from smtpwizard.cli.signin import print_sign_in
from smtpwizard.cli.signin import sign_in
from smtpwizard.cli.signin import sign_in_method
from smtpwizard.cli.wiring import add_discovery_options
from smtpwizard.cli.wiring import add_login_options
from smtpwizard.cli.wiring import add_resolve_option
from smtpwizard.cli.wiring import engine_for
from smtpwizard.cli.wiring import resolver_for
from smtpwizard.core.i18n import _

# What a run needs is imported when it runs: ``probe --help`` costs what Python's start does.
if TYPE_CHECKING:
    from smtpwizard.core.auth.signin import SignedIn
    from smtpwizard.core.auth.signin import SignInRequest
    from smtpwizard.core.discovery.providers import Provider
    from smtpwizard.core.discovery.results import DiscoveryResult
    from smtpwizard.core.login import SignInRecord
    from smtpwizard.core.model import Candidate
    from smtpwizard.core.model import MatrixResult
    from smtpwizard.core.net.address import EmailAddress
    from smtpwizard.core.net.channel import CancelToken
    from smtpwizard.core.probe.matrix import EventListener

    #: What a probe run gives: the outgoing and incoming results (``None``: no token, so
    #: nothing was tested) and the sign-in, when there was one.
    Outcomes = tuple[MatrixResult | None, MatrixResult | None, SignInRecord | None]

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Adds ``probe`` to the ``smtpwizard`` subcommands."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "probe",
        help=_("test servers, ports and encryption modes for an address"),
        description=_(
            "Test every port and encryption mode of a server for real and say which works. "
            "Without --port: 465 (SSL/TLS), 587, 2525 and 25 (STARTTLS)."
        ),
    )
    parser.add_argument("email", help=_("your email address"))
    parser.add_argument(
        "--server",
        metavar="HOST",
        help=_("the SMTP server (default: find the candidates for the address first)"),
    )
    parser.add_argument(
        "--port",
        action="append",
        default=[],
        metavar="N",
        help=_("a port to test (repeat for several)"),
    )
    parser.add_argument(
        "--security",
        action="append",
        default=[],
        choices=["tls", "starttls", "none"],
        help=_(
            "encryption: tls (SSL/TLS from the start), starttls or none; once for all "
            "ports or once per --port"
        ),
    )
    add_login_options(parser, _("login name (default: the email address)"))
    add_sign_in_options(parser)
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        default=10.0,
        metavar="SECONDS",
        help=_("how long each step may take (default 10)"),
    )
    add_discovery_options(parser)
    parser.add_argument(
        "--send-test",
        action="store_true",
        help=_("send a real test message to your own address through the best server"),
    )
    parser.add_argument(
        "--no-dry-run",
        action="store_true",
        help=_("after logging in, do not check that your address is accepted as sender"),
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help=_("finish every test even once the best server is certain"),
    )
    add_resolve_option(parser)
    parser.add_argument(
        "--incoming",
        action="store_true",
        help=_("test the incoming mail servers (IMAP, POP3) too, as mail programs need both"),
    )
    parser.add_argument(
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
    parser.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    parser.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help=_("also print each conversation (passwords hidden)"),
    )
    return parser


def run(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    """Runs ``smtpwizard probe``."""
    from smtpwizard.cli.discover import discover
    from smtpwizard.cli.discover import print_discovery
    from smtpwizard.cli.discover import progress
    from smtpwizard.core.discovery.signin import plan_sign_in
    from smtpwizard.core.discovery.typed import outgoing_candidates
    from smtpwizard.core.errors import SignInError
    from smtpwizard.core.login import SignIn
    from smtpwizard.core.model import Protocol
    from smtpwizard.core.model import server_address
    from smtpwizard.core.net.address import check_host
    from smtpwizard.core.net.address import parse_email
    from smtpwizard.core.probe.matrix import rank
    from smtpwizard.core.probe.options import ProbeOptions

    email = parse_email(args.email)
    options = ProbeOptions(
        timeout=args.timeout,
        cafile=args.cafile,
        allow_plaintext=args.allow_plaintext,
        dry_run=not args.no_dry_run,
        send_test=args.send_test,
    )
    engine = engine_for(args, options)
    show_progress = err.isatty()
    discovery: DiscoveryResult | None = None
    if args.server is not None:  # given, even if empty: never a search instead
        if args.provider:
            raise UsageError(_("give either --server or --provider, not both"))
        host = check_host(args.server)
        candidates = rank(outgoing_candidates(host, args.port, args.security))
    else:
        if args.port or args.security:
            raise UsageError(_("--port and --security need --server"))
        discoverer = engine.discoverer(listener=progress(err) if show_progress else None)
        if show_progress:
            print(
                _("Looking for the servers of {domain}…").format(domain=email.domain),
                file=err,
                flush=True,
            )
        discovery = discover(args, email, discoverer)
        candidates = rank(discovery.candidates)
        if not candidates:
            if args.json:
                from smtpwizard.core.document import discovery_document

                json.dump(discovery_document(discovery), out, indent=2, ensure_ascii=False)
                out.write("\n")
            else:
                print_discovery(discovery, out)
            print(_("No outgoing server found for {domain}.").format(domain=email.domain), file=err)
            return EXIT_FAILED
    provider = (
        discovery.provider
        if discovery is not None
        else engine.knowledge.for_address(email.domain, [(c.host, c.port) for c in candidates])
    )
    engine.resolver = resolver_for(engine, args.resolve)
    usernames = _usernames(args, email, discovery, provider)
    incoming_candidates = _incoming_candidates(args, discovery, candidates)
    plan = discovery.sign_in if discovery is not None else plan_sign_in(provider)
    method, asked = sign_in_method(args, plan)
    step: SignInStep | None = None
    not_started: SignInRecord | None = None
    if method is SignIn.OAUTH2:
        protocols = {Protocol.SMTP, *(c.protocol for c in incoming_candidates)}
        step = plan_sign_in_step(
            args, engine, email, plan, protocols, asked=asked, username=usernames[0]
        )
        if step.failed is not None:
            if asked:
                return _sign_in_failed(args, email, step.failed, discovery, provider, out)
            # The sources want OAuth 2.0 but it cannot start: test without logging in.
            not_started, step = step.failed, None
        else:
            engine.probe = replace(engine.probe, sign_in=SignIn.OAUTH2)
    password = read_password(stdin) if args.password_stdin else None
    listener = _progress(err if show_progress else None, None if args.json else out)
    assessor = engine.assessor(listener=listener)

    def work(cancel: CancelToken) -> Outcomes:
        token: str | None = None
        record = not_started
        if step is not None and step.request is not None:
            try:
                signed = sign_in(engine, step.request, provider, cancel, err)
            except SignInError as exc:
                return None, None, failure_record(exc, step.request)
            token = signed.token.access_token
            record = _signed_in_record(step.request, signed, usernames[0])
            if args.oauth2_client_id:
                engine.remember_client_id(step.request.settings)
        if show_progress:
            modes = ", ".join(
                f"{server_address(c.host, c.port)} {c.security.label}" for c in candidates
            )
            print(_("Testing {modes}").format(modes=modes), file=err, flush=True)
        smtp, mailbox = assessor.run_account(
            email,
            candidates,
            incoming_candidates,
            password=password,
            access_token=token,
            usernames=usernames,
            cancel=cancel,
            wait_all=args.all,
            provider=provider,
        )
        return (
            replace(smtp, sign_in=record),
            replace(mailbox, sign_in=record) if mailbox is not None else None,
            record,
        )

    result, interrupted = run_interruptibly(
        work, meanwhile=lambda: _load_report_modules(as_json=args.json)
    )
    if result is None:
        return EXIT_INTERRUPTED
    matrix, incoming_matrix, record = result
    if matrix is None:
        if interrupted:
            return EXIT_INTERRUPTED
        assert record is not None
        return _sign_in_failed(args, email, record, discovery, provider, out)
    incoming = discovery.incoming if discovery is not None else ()
    _warn_plaintext_logins(matrix, incoming_matrix, err)
    if args.json:
        from smtpwizard.core.document import matrix_document

        document = matrix_document(
            matrix,
            incoming,
            discovery,
            provider,
            incoming_matrix,
            password_ascii=password.isascii() if password else None,
        )
        json.dump(document, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        from smtpwizard.cli.report import print_report

        if discovery is not None:
            print_discovery(discovery, out, candidates=False)
        if discovery is None and provider is not None:
            print(_("Provider: {name}").format(name=provider.name), file=out)
        if record is not None:
            print_sign_in(record, provider, out)
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
    return EXIT_OK if works else EXIT_FAILED


def _load_report_modules(*, as_json: bool) -> None:
    """Imports what concluding and showing the result use (while the servers answer)."""
    import smtpwizard.core.diagnosis.recommend

    if as_json:
        import smtpwizard.core.document
    else:
        import smtpwizard.cli.report  # noqa: F401


def _warn_plaintext_logins(
    matrix: MatrixResult, incoming: MatrixResult | None, err: TextIO
) -> None:
    """Says it out loud, whatever the output format, where the password went unencrypted."""
    from smtpwizard.core.model import AuthStatus
    from smtpwizard.core.model import Security

    results = [*matrix.results, *(incoming.results if incoming is not None else ())]
    for r in results:
        if r.candidate.security is Security.NONE and r.auth.status is AuthStatus.OK:
            print(
                _(
                    "Warning: your password was sent WITHOUT encryption to {host} port {port} "
                    "(--allow-plaintext): anyone on the way could read it."
                ).format(host=r.candidate.host, port=r.candidate.port),
                file=err,
            )


def _signed_in_record(request: SignInRequest, signed: SignedIn, username: str) -> SignInRecord:
    """The sign-in for the report, with a warning when the signed-in account is not the
    login name (the server then refuses the token)."""
    from smtpwizard.core.diagnosis.signin import account_mismatch

    record = request.record(signed)
    account = signed.token.account
    mismatch = account_mismatch(account, username)
    if mismatch:
        note = " ".join(
            (
                mismatch,
                _("Sign in as {username}, or give --username {account}.").format(
                    account=account, username=username
                ),
            )
        )
        record = replace(record, notes=(*record.notes, note))
    return record


def _sign_in_failed(
    args: argparse.Namespace,
    email: EmailAddress,
    record: SignInRecord,
    discovery: DiscoveryResult | None,
    provider: Provider | None,
    out: TextIO,
) -> int:
    """No token: the finding, and nothing tested."""
    from smtpwizard.cli.discover import print_discovery
    from smtpwizard.core.document import sign_in_failed_document
    from smtpwizard.core.login import SignInProblem

    if args.json:
        document = sign_in_failed_document(str(email), record, discovery, provider)
        json.dump(document, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        if discovery is not None:
            print_discovery(discovery, out, candidates=False)
        print_sign_in(record, provider, out)
    return EXIT_INTERRUPTED if record.problem is SignInProblem.CANCELLED else EXIT_FAILED


def _progress(stream: TextIO | None, out: TextIO | None) -> EventListener | None:
    """Prints each candidate's outcome as it comes in on ``stream`` (for a person watching a
    terminal), and the verdict on ``out`` as soon as it is certain: the rest of the report
    follows once the run ends (with --all, once every test has finished)."""
    from smtpwizard.core.model import AuthStatus
    from smtpwizard.core.model import Protocol
    from smtpwizard.core.model import server_address
    from smtpwizard.core.probe.matrix import CandidateFinished
    from smtpwizard.core.probe.matrix import ProbeEvent
    from smtpwizard.core.probe.matrix import VerdictReached

    if stream is None and out is None:
        return None
    lock = threading.Lock()
    gone: list[TextIO] = []  # streams whose reader went away (``| head``): nothing more to them

    def say(stream: TextIO, *lines: str) -> None:
        with lock:
            if stream in gone:
                return
            try:
                for line in lines:
                    print(line, file=stream)
                stream.flush()
            except BrokenPipeError:  # the command ends with 141 when it next writes there
                gone.append(stream)

    def listener(event: ProbeEvent) -> None:
        if isinstance(event, CandidateFinished) and stream is not None:
            r = event.result
            c = r.candidate
            say(stream, f"  {server_address(c.host, c.port)} {c.security}: {r.outcome}")
        elif isinstance(event, VerdictReached) and out is not None and event.result is not None:
            best = event.result
            text = (
                _("Works: {server}, login accepted.")
                if best.auth.status is AuthStatus.OK
                else _("Works: {server}.")
            )
            kind = (
                _("Outgoing mail")
                if best.candidate.protocol is Protocol.SMTP
                else _("Incoming mail")
            )
            say(out, f"{kind}: " + text.format(server=best.candidate.label()), "")

    return listener


def _usernames(
    args: argparse.Namespace,
    email: EmailAddress,
    discovery: DiscoveryResult | None,
    provider: Provider | None,
) -> list[str]:
    """The login names to try, in order: the one given, else what the sources name, else
    the full address and then its local part."""
    from smtpwizard.core.login import fallback_usernames

    if args.username is not None:
        if not args.username.strip():
            raise UsageError(_("The username is empty."))
        return [args.username]
    if discovery is not None and discovery.usernames:
        return list(discovery.usernames)
    if discovery is not None and provider is not None and not provider.username:
        raise UsageError(
            _("{provider} gives you a login name ({hint}); pass it with --username.").format(
                provider=provider.name, hint=provider.username_hint
            )
        )
    named = provider.username_for(str(email)) if provider is not None else None
    return [named] if named else list(fallback_usernames(str(email)))


def _incoming_candidates(
    args: argparse.Namespace, discovery: DiscoveryResult | None, outgoing: Sequence[Candidate]
) -> list[Candidate]:
    """What ``--incoming`` tests: the given server, the ones found, or the outgoing host."""
    from smtpwizard.core.discovery.typed import incoming_to_test

    if not args.incoming and not args.incoming_server:
        return []
    found = discovery.incoming if discovery is not None else ()
    return incoming_to_test(args.incoming_server, found, outgoing)
