"""``smtpwizard providers``: the providers and sending services smtpwizard knows."""

from __future__ import annotations

import argparse
import json
from typing import Any
from typing import TextIO

from smtpwizard.cli.common import EXIT_OK
from smtpwizard.core.i18n import _

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Adds ``providers`` to the ``smtpwizard`` subcommands."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "providers", help=_("list the providers and sending services smtpwizard knows")
    )
    parser.add_argument("--json", action="store_true", help=_("print the list as JSON"))
    return parser


def run(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    """``smtpwizard providers``."""
    from smtpwizard.core.discovery.providers import ProviderKind
    from smtpwizard.core.discovery.providers import load as load_knowledge_base
    from smtpwizard.core.document import provider_document

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
