"""``smtpwizard troubleshoot``: one SMTP conversation, step by step, each reply explained.

    smtpwizard troubleshoot smtp.example.com 587 --security starttls --username alice@example.com \\
        --password-stdin --stop-after auth
    smtpwizard troubleshoot --from ~/.msmtprc --report support.md

Exit status: 0 the conversation worked (as far as asked), 1 it failed, 2 bad usage or input
(one line on standard error, never a traceback), 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any
from typing import TextIO

from smtpwizard.cli.common import EXIT_FAILED
from smtpwizard.cli.common import EXIT_INTERRUPTED
from smtpwizard.cli.common import EXIT_OK
from smtpwizard.cli.common import UsageError
from smtpwizard.cli.common import read_password
from smtpwizard.cli.common import run_interruptibly
from smtpwizard.cli.signin import add_sign_in_options
from smtpwizard.cli.signin import print_sign_in
from smtpwizard.cli.wiring import add_login_options
from smtpwizard.cli.wiring import add_resolve_option
from smtpwizard.cli.wiring import add_trust_option
from smtpwizard.cli.wiring import engine_for
from smtpwizard.cli.wiring import resolver_for
from smtpwizard.core.document import sign_in_document
from smtpwizard.core.errors import InvalidInput
from smtpwizard.core.errors import TargetExists
from smtpwizard.core.errors import WriteError
from smtpwizard.core.i18n import _
from smtpwizard.core.login import SignIn
from smtpwizard.core.login import SignInProblem
from smtpwizard.core.login import SignInRecord
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Security
from smtpwizard.core.model import ServerSettings
from smtpwizard.core.model import StageName
from smtpwizard.core.model import implied_security
from smtpwizard.core.net.address import check_host
from smtpwizard.core.net.address import check_port
from smtpwizard.core.net.address import parse_email
from smtpwizard.core.net.certs import read_fingerprint
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.store.files import check_target
from smtpwizard.core.store.files import write_atomic
from smtpwizard.core.store.settings import SettingsStore
from smtpwizard.core.troubleshoot.compare import Change
from smtpwizard.core.troubleshoot.compare import what_changed
from smtpwizard.core.troubleshoot.session import STOP_POINTS
from smtpwizard.core.troubleshoot.session import Attempt
from smtpwizard.core.troubleshoot.session import StepControl
from smtpwizard.core.troubleshoot.session import Troubleshooter
from smtpwizard.core.troubleshoot.session import recorded_ca_file
from smtpwizard.core.troubleshoot.session import setup_address
from smtpwizard.core.troubleshoot.session import stop_points
from smtpwizard.core.troubleshoot.steps import TITLES
from smtpwizard.core.troubleshoot.support import imported_document
from smtpwizard.core.troubleshoot.support import support_document
from smtpwizard.core.troubleshoot.support import support_markdown

if TYPE_CHECKING:
    from smtpwizard.cli.signin import SignInStep
    from smtpwizard.core.auth.signin import SignInRequest
    from smtpwizard.core.discovery.providers import Provider
    from smtpwizard.core.engine import Engine
    from smtpwizard.core.importers.reader import ImportedAccount
    from smtpwizard.core.importers.reader import ImportResult

__all__ = ["add_parser", "run"]


_CERT_OUTCOMES = (Outcome.CERT_UNTRUSTED, Outcome.CERT_NAME_MISMATCH, Outcome.CERT_EXPIRED)


def add_parser(subcommands: Any) -> argparse.ArgumentParser:
    """Adds ``troubleshoot`` to the ``smtpwizard`` subcommands."""
    parser: argparse.ArgumentParser = subcommands.add_parser(
        "troubleshoot",
        help=_("take a failing setup apart step by step, with every reply explained"),
        description=_(
            "Talk to one server the way a mail program does, step by step: connect, greeting, "
            "EHLO, STARTTLS, certificate, EHLO, AUTH, MAIL FROM, RCPT TO and, when asked, DATA. "
            "Each exchange is shown as it went over the wire (passwords hidden) with what it "
            "means and what to try."
        ),
    )
    parser.add_argument("host", nargs="?", help=_("the outgoing server"))
    parser.add_argument("port", nargs="?", help=_("its port"))
    parser.add_argument(
        "--from",
        dest="from_file",
        metavar="FILE",
        help=_(
            "read the settings from a file: one smtpwizard wrote, Thunderbird's prefs.js, "
            "an msmtprc, Postfix's main.cf, a .env, Django or Flask settings, git's "
            "sendemail configuration (HOST, PORT and options given here win)"
        ),
    )
    parser.add_argument(
        "--account",
        metavar="NAME",
        help=_("with --from: the account to use when there are several"),
    )
    parser.add_argument(
        "--security",
        choices=[str(s) for s in Security],
        help=_("tls (SSL/TLS from the start), starttls or none (default: by the port)"),
    )
    add_login_options(parser, _("the login name (no login without one)"))
    add_sign_in_options(parser)
    parser.add_argument(
        "--email",
        metavar="ADDRESS",
        help=_("the address for the sender and recipient checks (default: the username)"),
    )
    parser.add_argument(
        "--mechanism",
        type=str.upper,
        choices=["PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2", "OAUTHBEARER"],
        help=_("use only this login method"),
    )
    parser.add_argument(
        "--stop-after",
        choices=[str(s) for s in STOP_POINTS],
        metavar="STEP",
        help=_("end the conversation after this step: {steps}").format(
            steps=", ".join(str(s) for s in STOP_POINTS)
        ),
    )
    parser.add_argument(
        "--send-test",
        action="store_true",
        help=_("send a real test message to the address at the end (the DATA step)"),
    )
    add_trust_option(parser)
    parser.add_argument(
        "--trust-certificate",
        metavar="SHA256",
        help=_(
            "trust the certificate with this SHA-256 fingerprint for this server from now on, "
            "although it cannot be verified (saved in smtpwizard's settings)"
        ),
    )
    parser.add_argument(
        "--forget-certificate",
        action="store_true",
        help=_("stop trusting certificates by hand for this server"),
    )
    add_resolve_option(parser)
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help=_("how long each step may take (default 10)"),
    )
    parser.add_argument(
        "--report",
        metavar="FILE",
        help=_("write a support report (Markdown, or JSON for a .json name); passwords hidden"),
    )
    parser.add_argument("--force", action="store_true", help=_("replace the report if it exists"))
    parser.add_argument(
        "--json", action="store_true", help=_("print the support report as JSON instead")
    )
    return parser


def run(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    """Runs ``smtpwizard troubleshoot``."""
    setup, imported, account = _setup(args)
    password = read_password(stdin) if args.password_stdin else ""
    if imported is not None and account is not None and not password and account.password:
        password = account.password
        print(
            _("Using the password found in {name} (kept in memory only).").format(
                name=imported.title
            ),
            file=err,
        )
    steps = stop_points(setup.security)
    stop_after = StageName(args.stop_after) if args.stop_after else None
    if stop_after is not None and stop_after not in steps:
        raise InvalidInput(
            _("--stop-after {step}: with {mode} the steps are {steps}.").format(
                step=stop_after, mode=setup.security.label, steps=", ".join(map(str, steps))
            )
        )
    send_message = args.send_test or stop_after is StageName.DATA
    if send_message and setup_address(setup) is None:
        raise UsageError(
            _(
                "Sending a test message needs an address to send it to: give --email, or a "
                "--username that is an address."
            )
        )
    if args.timeout <= 0:
        raise InvalidInput(_("--timeout must be a positive number of seconds."))
    if args.report is not None:
        if not args.report.strip():
            raise InvalidInput(_("--report needs the name of a file."))
        _check_report(Path(args.report), args.force)
    if args.cafile is None and imported is not None and account is not None:
        try:
            args.cafile = recorded_ca_file(account.ca_file, args.from_file)
        except InvalidInput as exc:
            raise UsageError(_("{problem} (--cafile FILE)").format(problem=exc)) from None

    store = SettingsStore()
    settings = store.load()
    if args.forget_certificate:
        removed = settings.untrust(setup.host)
        store.save(settings)
        print(
            _("Forgot {count} certificate(s) trusted by hand for {host}.").format(
                count=removed, host=setup.host
            ),
            file=err,
        )
    wanted_pin = (
        _fingerprint(args.trust_certificate) if args.trust_certificate is not None else None
    )
    pins = settings.pins()
    if wanted_pin:
        pins = (*pins, (setup.host, wanted_pin))
    elif account is not None:
        pins = (*pins, *account.pins)  # the certificate the file trusts by hand
    engine = engine_for(args)
    engine.resolver = resolver_for(engine, args.resolve)
    session = engine.troubleshooter(pins)
    session.password = password
    sign_in, provider = _sign_in_step(args, engine, setup, account)
    session.provider = provider
    if sign_in is not None and sign_in.request is not None and not setup.username:
        setup = replace(setup, username=sign_in.request.account)

    quiet = args.json
    if not quiet:
        _print_intro(setup, password, send_message, stop_after, out, oauth=sign_in is not None)
        if imported is not None:
            _print_imported(imported, out)
    record: SignInRecord | None = None
    if sign_in is not None and sign_in.failed is not None:
        return _sign_in_failed(args, sign_in.failed, provider, out)
    if sign_in is not None and sign_in.request is not None:
        record, interrupted = _sign_in(engine, sign_in.request, provider, session, err)
        if record is None or interrupted:
            return EXIT_INTERRUPTED
        if not record.signed_in:
            return _sign_in_failed(args, record, provider, out)
        if not quiet:
            print_sign_in(record, provider, out)
    attempt, interrupted = _run(session, setup, StepControl(stop_after=stop_after), send_message)
    if attempt is None:
        return EXIT_INTERRUPTED

    if wanted_pin:
        _keep_pin(store, setup.host, wanted_pin, attempt, err)
    changes: list[Change] = []
    if imported is not None and imported.previous_probe is not None:
        changes = what_changed(imported.previous_probe, [attempt.result])
    summary = imported_document(imported, account) if imported is not None else None
    document = support_document([attempt], changes=changes, imported=summary)
    if record is not None:
        document["sign_in"] = sign_in_document(record)
    if args.json:
        json.dump(document, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        _print_attempt(attempt, out)
        if imported is not None and imported.tested_at is not None:
            _print_changes(imported.tested_at, changes, attempt, out)
    if args.report:
        _write_report(Path(args.report), document, args.force, err)
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if _worked(attempt) else EXIT_FAILED


def _sign_in_step(
    args: argparse.Namespace,
    engine: Engine,
    setup: ServerSettings,
    account: ImportedAccount | None,
) -> tuple[SignInStep | None, Provider | None]:
    """The OAuth 2.0 sign-in to do before the conversation, if the options, the settings
    file or the provider want one (``None``: log in with the password, if any), and the
    provider."""
    from smtpwizard.cli.signin import plan_sign_in_step
    from smtpwizard.cli.signin import sign_in_method
    from smtpwizard.core.discovery.signin import SignInPlan
    from smtpwizard.core.discovery.signin import plan_sign_in

    address = setup_address(setup)
    provider = engine.knowledge.for_address(
        address.domain if address is not None else "", [(setup.host, setup.port)]
    )
    plan = plan_sign_in(provider)
    if account is not None and account.auth is SignIn.OAUTH2:
        plan = SignInPlan((SignIn.OAUTH2,), plan.oauth, plan.reasons)
    method, asked = sign_in_method(args, plan)
    if account is not None and account.auth is SignIn.OAUTH2:
        asked = True  # the mail program's own settings sign in this way
    if method is not SignIn.OAUTH2:
        return None, provider
    if address is None:
        raise UsageError(
            _("Signing in with OAuth 2.0 needs your address: give --email (or --username).")
        )
    step = plan_sign_in_step(
        args, engine, address, plan, (Protocol.SMTP,), asked=asked, username=setup.username
    )
    if step.failed is not None and not asked:
        return None, provider  # the provider wants it, but it cannot start: the password
    return step, provider


def _sign_in(
    engine: Engine,
    request: SignInRequest,
    provider: Provider | None,
    session: Troubleshooter,
    err: TextIO,
) -> tuple[SignInRecord | None, bool]:
    """Signs in, the token going to the session; the record says how it went."""
    from smtpwizard.cli.signin import failure_record
    from smtpwizard.cli.signin import sign_in
    from smtpwizard.core.errors import SignInError

    def work(cancel: CancelToken) -> SignInRecord:
        try:
            signed = sign_in(engine, request, provider, cancel, err)
        except SignInError as exc:
            return failure_record(exc, request)
        session.access_token = signed.token.access_token
        return request.record(signed)

    return run_interruptibly(work)


def _sign_in_failed(
    args: argparse.Namespace, record: SignInRecord, provider: Provider | None, out: TextIO
) -> int:
    if args.json:
        document = {"sign_in": sign_in_document(record, provider)}
        json.dump(document, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        print_sign_in(record, provider, out)
    return EXIT_INTERRUPTED if record.problem is SignInProblem.CANCELLED else EXIT_FAILED


def _worked(attempt: Attempt) -> bool:
    result = attempt.result
    if attempt.stopped_as_asked:
        return True
    if result.outcome is Outcome.OK:
        return result.send is None or result.send.ok
    return result.outcome is Outcome.INSECURE and result.auth.status is AuthStatus.OK


# -- the settings ------------------------------------------------------------------------------


def _setup(
    args: argparse.Namespace,
) -> tuple[ServerSettings, ImportResult | None, ImportedAccount | None]:
    imported: ImportResult | None = None
    account: ImportedAccount | None = None
    host = port = security = username = email = None
    if args.from_file:
        imported, account = _read_file(args.from_file, args.account)
        host, port, security = account.host, account.port, account.security
        username, email = account.username, account.email
    if args.host:
        host = check_host(args.host)
    if args.port:
        port = check_port(args.port)
    if args.security:
        security = Security(args.security)
    if not host:
        raise UsageError(_("Which server? Give HOST and PORT, or --from FILE."))
    if not port:
        raise UsageError(_("Which port? Give it after the server (465, 587, 25…)."))
    if security is None:
        security = implied_security(port)
    if args.username is not None:
        username = args.username.strip() or None
    if args.email:
        email = str(parse_email(args.email))
    return (
        ServerSettings(
            host=host,
            port=port,
            security=security,
            username=username,
            email=email,
            mechanism=args.mechanism,
            allow_plaintext=args.allow_plaintext,
        ),
        imported,
        account,
    )


def _read_file(path: str, account_name: str | None) -> tuple[ImportResult, ImportedAccount]:
    from smtpwizard.core.errors import ImportFailed
    from smtpwizard.core.importers.reader import read_settings

    try:
        result = read_settings(Path(path))
    except ImportFailed as exc:
        raise UsageError(str(exc)) from None
    accounts = list(result.accounts)
    if account_name is not None:
        chosen = [a for a in accounts if a.name == account_name]
        if not chosen:
            names = ", ".join(a.name for a in accounts if a.name) or _("(none named)")
            raise UsageError(
                _("{path} has no account “{name}”; it has: {names}.").format(
                    path=path, name=account_name, names=names
                )
            )
        account = chosen[0]
    else:
        account = result.default_account
    return result, account


def _fingerprint(text: str) -> str:
    fingerprint = read_fingerprint(text)
    if fingerprint is None:
        raise InvalidInput(
            _(
                "--trust-certificate wants a SHA-256 fingerprint: 64 hexadecimal digits, "
                "with or without colons."
            )
        )
    return fingerprint


def _keep_pin(
    store: SettingsStore, host: str, fingerprint: str, attempt: Attempt, err: TextIO
) -> None:
    tls = attempt.result.tls
    cert = tls.cert if tls is not None else None
    if cert is None or cert.fingerprint_sha256 != fingerprint:
        print(
            _(
                "Not trusted: {host} did not show a certificate with that fingerprint, so "
                "nothing was saved."
            ).format(host=host),
            file=err,
        )
        return
    settings = store.load()
    settings.trust(host, cert)
    store.save(settings)
    print(
        _(
            "From now on smtpwizard trusts this exact certificate for {host} only (SHA-256 "
            "{fingerprint}); a different certificate is refused as before. Undo with "
            "--forget-certificate."
        ).format(host=host, fingerprint=fingerprint),
        file=err,
    )


# -- running -----------------------------------------------------------------------------------


def _run(
    session: Troubleshooter, setup: ServerSettings, control: StepControl, send_message: bool
) -> tuple[Attempt | None, bool]:
    """Runs the conversation, Ctrl-C ending it cleanly."""

    def work(cancel: CancelToken) -> Attempt:
        return session.run(setup, control=control, send_message=send_message, cancel=cancel)

    return run_interruptibly(work)


# -- printing ----------------------------------------------------------------------------------


def _print_intro(
    setup: ServerSettings,
    password: str,
    send_message: bool,
    stop_after: StageName | None,
    out: TextIO,
    *,
    oauth: bool = False,
) -> None:
    print(
        _("Troubleshooting {server}").format(server=setup.describe()),
        file=out,
    )
    notes: list[str] = []
    if oauth:
        notes.append(_("signing in with OAuth 2.0 first, then logging in with the token"))
    elif setup.username and not password:
        notes.append(_("no password given, so the login is not tried (add --password-stdin)"))
    if not setup.username:
        notes.append(_("no username given, so the login is not tried (add --username)"))
    if stop_after is not None:
        notes.append(
            _("stopping after: {step}").format(step=TITLES.get(stop_after, str(stop_after)))
        )
    if send_message:
        notes.append(
            _("a real test message will be sent to {address}").format(address=setup_address(setup))
        )
    for note in notes:
        print(f"  ({note})", file=out)
    print(file=out)


def _print_imported(imported: ImportResult, out: TextIO) -> None:
    print(_("Read from {name}:").format(name=imported.title), file=out)
    for line in imported.read:
        print(f"  {line}", file=out)
    for line in imported.missing:
        print("  " + _("missing: {line}").format(line=line), file=out)
    for line in imported.warnings:
        print("  " + _("warning: {line}").format(line=line), file=out)
    print(file=out)


def _print_attempt(attempt: Attempt, out: TextIO) -> None:
    for exchange in attempt.exchanges:
        mark = "✓" if exchange.ok else "✗"
        print(f"{mark} {exchange.title}  ({exchange.ms:.0f} ms)", file=out)
        for line in exchange.lines:
            lock = "🔒" if line.encrypted else "  "
            print(f"    {lock} {line.direction} {line.text}", file=out)
        print(f"    → {exchange.meaning}", file=out)
        if exchange.advice:
            print("    " + _("What to try: {advice}").format(advice=exchange.advice), file=out)
        print(file=out)
    _print_certificate(attempt, out)
    finding = attempt.finding
    print(_("Result: {headline}.").format(headline=finding.headline), file=out)
    if not _worked(attempt) or attempt.stopped_as_asked:
        print("  " + finding.advice, file=out)


def _print_certificate(attempt: Attempt, out: TextIO) -> None:
    tls = attempt.result.tls
    if tls is None or tls.cert is None:
        return
    chain = tls.chain or (tls.cert,)
    print(_("The certificate the server showed:"), file=out)
    for depth, cert in enumerate(chain):
        role = _("server") if depth == 0 else _("issuer {n}").format(n=depth)
        print(f"  [{role}] {cert.subject}", file=out)
        print("    " + _("issued by: {issuer}").format(issuer=cert.issuer), file=out)
        print(
            "    "
            + _("valid: {start} to {end}").format(
                start=f"{cert.not_before:%Y-%m-%d}", end=f"{cert.not_after:%Y-%m-%d}"
            ),
            file=out,
        )
        if cert.names:
            print("    " + _("names: {names}").format(names=", ".join(cert.names)), file=out)
        print(f"    SHA-256: {cert.fingerprint_sha256}", file=out)
    if tls.pinned:
        print("  " + _("(trusted by you for this server, by this exact fingerprint)"), file=out)
    elif not tls.verified and attempt.result.outcome in _CERT_OUTCOMES:
        print(
            "  "
            + _(
                "If you are sure this is the right certificate (your own or your company's "
                "server), --trust-certificate {fingerprint} trusts exactly this one, for "
                "{host} only."
            ).format(fingerprint=tls.cert.fingerprint_sha256, host=attempt.setup.host),
            file=out,
        )
    print(file=out)


def _print_changes(
    tested_at: dt.datetime, changes: list[Change], attempt: Attempt, out: TextIO
) -> None:
    print(file=out)
    when = tested_at.strftime("%Y-%m-%d %H:%M %Z").strip()
    print(_("Since the test on {when}:").format(when=when), file=out)
    if changes:
        for change in changes:
            print(f"  - {change.text}", file=out)
    elif _worked(attempt):
        print("  " + _("it still works."), file=out)
    else:
        print(
            "  " + _("it worked then; now: {headline}.").format(headline=attempt.finding.headline),
            file=out,
        )


@contextlib.contextmanager
def _report_problems(path: Path) -> Iterator[None]:
    """Why the report cannot be written at ``path``, as bad input (one line)."""
    try:
        yield
    except TargetExists:
        raise InvalidInput(
            _("{path} already exists; add --force to replace it.").format(path=path)
        ) from None
    except WriteError as exc:
        raise InvalidInput(str(exc)) from None


def _check_report(path: Path, force: bool) -> None:
    """Says at once, before any conversation, when the report cannot be written there."""
    with _report_problems(path):
        check_target(path, overwrite=force)


def _write_report(path: Path, document: dict[str, Any], force: bool, err: TextIO) -> None:
    if path.suffix.lower() == ".json":
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    else:
        text = support_markdown(document)
    with _report_problems(path):
        written = write_atomic(path, text, overwrite=force, private=True)
    print(_("Support report written to {path}.").format(path=written), file=err)
