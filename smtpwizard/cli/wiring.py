"""The options that say where and how to look (CA file, DNS servers, fixed addresses,
discovery's privacy choices), and the engine they build."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from smtpwizard.cli.common import UsageError
from smtpwizard.core.i18n import _

if TYPE_CHECKING:
    from smtpwizard.core.engine import Engine
    from smtpwizard.core.net.dns import Nameserver
    from smtpwizard.core.net.resolve import Resolver
    from smtpwizard.core.probe.options import ProbeOptions

__all__ = [
    "add_discovery_options",
    "add_login_options",
    "add_resolve_option",
    "add_trust_option",
    "engine_for",
    "resolver_for",
]


def add_trust_option(parser: argparse.ArgumentParser) -> None:
    """``--cafile``: a certificate authority to trust besides the system's."""
    parser.add_argument(
        "--cafile", metavar="FILE", help=_("extra certificate authorities to trust")
    )


def add_login_options(parser: argparse.ArgumentParser, username_help: str) -> None:
    """How to log in: the login name, the password on standard input, and consent to
    logging in without encryption."""
    parser.add_argument("--username", help=username_help)
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help=_("read the password from standard input (asks for it on a terminal)"),
    )
    parser.add_argument(
        "--allow-plaintext",
        action="store_true",
        help=_("allow logging in without encryption (your password travels readable)"),
    )


def add_discovery_options(parser: argparse.ArgumentParser) -> None:
    """The options of commands that look for servers (and ``--cafile``)."""
    add_trust_option(parser)
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
        "--ispdb-url", metavar="URL", help=_("the ISPDB to ask (default: Thunderbird's)")
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


def add_resolve_option(parser: argparse.ArgumentParser) -> None:
    """``--resolve HOST=ADDRESS``."""
    parser.add_argument(
        "--resolve",
        action="append",
        default=[],
        metavar="HOST=ADDRESS",
        help=_("use ADDRESS for HOST instead of looking it up (repeatable)"),
    )


def engine_for(args: argparse.Namespace, probe: ProbeOptions | None = None) -> Engine:
    """The engine the options describe, its TLS context already checked.

    Raises:
        UsageError: the CA file, a DNS server or a port is not usable.
    """
    from smtpwizard.core.discovery.options import ISPDB_URL
    from smtpwizard.core.discovery.options import DiscoverySettings
    from smtpwizard.core.engine import Engine
    from smtpwizard.core.errors import TrustFileError
    from smtpwizard.core.net.address import check_port
    from smtpwizard.core.probe.options import ProbeOptions

    cafile = args.cafile
    if cafile is not None and not cafile.strip():
        raise UsageError(_("--cafile needs the name of a file."))
    probe = probe or ProbeOptions(timeout=args.timeout, cafile=cafile)
    engine = Engine(probe=probe)
    try:
        engine.context()
    except TrustFileError as exc:
        raise UsageError(str(exc)) from None
    if not hasattr(args, "nameserver"):
        return engine
    try:
        nameservers = _nameservers(args.nameserver)
    except ValueError as exc:
        raise UsageError(f"--nameserver: {exc}") from None
    for port in (args.https_port, args.http_port):
        check_port(port)
    engine.discovery = DiscoverySettings(
        timeout=min(args.timeout, 10.0),
        nameservers=nameservers,
        cafile=cafile,
        ispdb_url=None if args.no_ispdb else args.ispdb_url or ISPDB_URL,
        send_address=args.send_address,
        allow_http=not args.no_http,
        https_port=args.https_port,
        http_port=args.http_port,
        autodiscover=not args.no_autodiscover,
    )
    return engine


def _nameservers(texts: Sequence[str]) -> tuple[Nameserver, ...]:
    """The DNS servers of ``--nameserver`` (the DNS client loads only when some are given).

    Raises:
        ValueError: one is not an address with an optional port.
    """
    if not texts:
        return ()
    from smtpwizard.core.net.dns import parse_nameserver

    return tuple(parse_nameserver(text) for text in texts)


def resolver_for(engine: Engine, entries: Sequence[str]) -> Resolver:
    """The engine's resolver with the fixed addresses of ``--resolve`` in front of it.

    Raises:
        UsageError: an entry is not ``HOST=ADDRESS``.
    """
    from smtpwizard.core.net.address import check_host
    from smtpwizard.core.net.resolve import StaticResolver

    base = engine.probe_resolver()
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
