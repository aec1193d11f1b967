"""``smtpwizard discover``: the candidate servers for an address and where each came from."""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Callable
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any
from typing import TextIO

from smtpwizard.cli.common import EXIT_FAILED
from smtpwizard.cli.common import EXIT_OK
from smtpwizard.cli.common import UsageError
from smtpwizard.cli.common import positive_seconds
from smtpwizard.cli.wiring import add_discovery_options
from smtpwizard.cli.wiring import engine_for
from smtpwizard.core.i18n import _
from smtpwizard.core.login import SignIn

if TYPE_CHECKING:
    from smtpwizard.core.discovery.discoverer import Discoverer
    from smtpwizard.core.discovery.providers import Provider
    from smtpwizard.core.discovery.results import DiscoveryEvent
    from smtpwizard.core.discovery.results import DiscoveryResult
    from smtpwizard.core.discovery.signin import SignInPlan
    from smtpwizard.core.net.address import EmailAddress

__all__ = ["add_parser", "discover", "print_discovery", "progress", "provider_advice", "run"]


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Adds ``discover`` to the ``smtpwizard`` subcommands."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "discover",
        help=_("find the candidate servers for an address, without testing them"),
        description=_(
            "Find every plausible outgoing server for an address and say where each came "
            "from: smtpwizard's provider list (by domain and by the domain's MX), the "
            "domain's autoconfig document, Thunderbird's ISPDB, Exchange Autodiscover, "
            "DNS SRV records, and guesses."
        ),
    )
    parser.add_argument("email", help=_("your email address"))
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        default=5.0,
        metavar="SECONDS",
        help=_("how long each lookup may take (default 5)"),
    )
    add_discovery_options(parser)
    parser.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    return parser


def run(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    """Runs ``smtpwizard discover``."""
    from smtpwizard.core.document import discovery_document
    from smtpwizard.core.net.address import parse_email

    email = parse_email(args.email)
    engine = engine_for(args)
    show_progress = err.isatty() and not args.json
    discoverer = engine.discoverer(listener=progress(err) if show_progress else None)
    result = discover(args, email, discoverer)
    if args.json:
        json.dump(discovery_document(result), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        print_discovery(result, out)
    return EXIT_OK if result.candidates else EXIT_FAILED


def _choices(entries: Sequence[str]) -> dict[str, str]:
    choices = {}
    for entry in entries:
        name, sep, value = entry.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise UsageError(_("--choice wants NAME=VALUE, not “{entry}”").format(entry=entry))
        choices[name.strip()] = value.strip()
    return choices


def discover(
    args: argparse.Namespace, email: EmailAddress, discoverer: Discoverer
) -> DiscoveryResult:
    """Runs discovery as the options say (``--provider``, ``--choice``); Ctrl-C stops it."""
    from smtpwizard.core.net.channel import CancelToken

    choices = _choices(args.choice)
    if choices and not args.provider:
        raise UsageError(_("--choice needs --provider"))
    with CancelToken() as cancel:
        try:
            return discoverer.run(email, cancel=cancel, provider_id=args.provider, choices=choices)
        except KeyboardInterrupt:
            cancel.cancel()
            raise


def progress(stream: TextIO) -> Callable[[DiscoveryEvent], None]:
    """Prints each source's answer as it comes in (for a person watching a terminal)."""
    from smtpwizard.core.discovery.results import SourceFinished

    lock = threading.Lock()

    def listener(event: DiscoveryEvent) -> None:
        if isinstance(event, SourceFinished):
            report = event.report
            with lock:
                print(f"  {report.name}: {report.status}", file=stream, flush=True)

    return listener


def provider_advice(provider: Provider) -> list[str]:
    """The provider's login requirements, links and notes in plain words."""
    from smtpwizard.core.diagnosis.replies import login_hints

    lines = login_hints(provider)
    if provider.app_password_url:
        lines.append(_("App passwords: {url}").format(url=provider.app_password_url))
    lines.extend(provider.notes)
    return lines


def print_plan(plan: SignInPlan, out: TextIO) -> None:
    """How the sources say to sign in, why, and where OAuth 2.0 signs in."""
    if not plan.methods and plan.oauth is None:
        return
    words = {
        SignIn.PASSWORD: _("password"),
        SignIn.CRAM_MD5: _("password (CRAM-MD5)"),
        SignIn.OAUTH2: _("OAuth 2.0 (sign in with the provider)"),
    }
    methods = ", ".join(words.get(m, str(m)) for m in plan.methods) or _("not said")
    print(_("Sign-in: {methods}").format(methods=methods), file=out)
    for reason in plan.reasons:
        print(f"  {reason}", file=out)
    oauth = plan.oauth
    if oauth is None:
        return
    for label, value in (
        (_("issuer"), oauth.issuer),
        (_("sign-in page"), oauth.authorization_endpoint),
        (_("tokens"), oauth.token_endpoint),
        (_("device codes"), oauth.device_authorization_endpoint),
        (_("client ID"), oauth.client_id or _("none known (see --oauth2-client-id)")),
    ):
        if value:
            print(f"  {label:<14}{value}", file=out)
    scopes = " ".join(dict.fromkeys(s for values in oauth.scopes.values() for s in values))
    if scopes:
        print(f"  {_('scopes'):<14}{scopes}", file=out)


def print_discovery(result: DiscoveryResult, out: TextIO, candidates: bool = True) -> None:
    """What discovery found, source by source, for a person."""
    from smtpwizard.core.model import server_address

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
        width = max((len(server_address(c.host, c.port)) for c in result.candidates), default=10)
        for c in result.candidates:
            print(
                f"  {server_address(c.host, c.port):<{width}}  {c.security.label:<15}"
                f"{c.source_detail or c.source}",
                file=out,
            )
        if result.incoming:
            print(_("Incoming servers:"), file=out)
            for server in result.incoming:
                print(
                    f"  {server.protocol.name:<5} {server_address(server.host, server.port)}  "
                    f"{server.security.label:<15}{server.source_detail or server.source}",
                    file=out,
                )
        if result.usernames:
            first, *rest = result.usernames
            line = _("Username: {name}").format(name=first)
            if rest:
                line += " " + _("(then {names}, if the server refuses it)").format(
                    names=", ".join(rest)
                )
            print(line, file=out)
        print_plan(result.sign_in, out)
    print(_("Sources asked:"), file=out)
    for report in result.reports:
        print(f"  {report.name:<13}{report.status:<9}{report.message}", file=out)
        for warning in report.warnings:
            print(f"  {'':<22}{_('warning')}: {warning}", file=out)
    print(file=out)
