"""The support report: everything a helpdesk needs to see what was tried, from where and what
happened, as JSON and as Markdown. Transcripts are already redacted when they are recorded;
the password is never part of a setup, so it cannot reach a report.
"""

from __future__ import annotations

import datetime as dt
import platform
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

from smtpwizard import __version__
from smtpwizard.core.document import cert_document
from smtpwizard.core.model import TranscriptLine
from smtpwizard.core.troubleshoot.compare import Change
from smtpwizard.core.troubleshoot.compare import outcome_words
from smtpwizard.core.troubleshoot.session import Attempt
from smtpwizard.core.troubleshoot.session import Exchange

if TYPE_CHECKING:  # the importers load only when a file is read
    from smtpwizard.core.importers.reader import ImportedAccount
    from smtpwizard.core.importers.reader import ImportResult

__all__ = ["KIND", "Json", "imported_document", "support_document", "support_markdown"]

Json = dict[str, Any]
KIND = "smtpwizard-support-report"


def support_document(
    attempts: Sequence[Attempt],
    *,
    changes: Sequence[Change] = (),
    imported: Json | None = None,
    created: dt.datetime | None = None,
) -> Json:
    """The report as one JSON document.

    Args:
        attempts: the troubleshooting attempts, oldest first.
        changes: what changed since an earlier test, when there was one.
        imported: what was read from a settings file (format, read, missing, warnings).
        created: when the report was made (default: now, local time).
    """
    created = created or dt.datetime.now().astimezone()  # local time, with its offset
    locals_ = sorted({a.result.local_address for a in attempts if a.result.local_address})
    return {
        "schema": 1,
        "kind": KIND,
        "app": {
            "name": "smtpwizard",
            "version": __version__,
            "python": platform.python_version(),
            "system": platform.platform(terse=True),
        },
        "created": created.isoformat(timespec="seconds"),
        "created_utc": created.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "network": {
            "local_addresses": locals_,
            "families": sorted({"IPv6" if ":" in a else "IPv4" for a in locals_}),
        },
        "imported": imported,
        "attempts": [_attempt(a, attempts[i - 1] if i else None) for i, a in enumerate(attempts)],
        "changes": [{"kind": c.kind, "text": c.text} for c in changes],
    }


def imported_document(result: ImportResult, account: ImportedAccount | None = None) -> Json:
    """What was read from a settings file, for the report's ``imported`` part."""
    return {
        "format": result.format,
        "title": result.title,
        "account": (account.name or None) if account is not None else None,
        "read": list(result.read),
        "missing": list(result.missing),
        "warnings": list(result.warnings),
        "tested_at": result.tested_at.isoformat() if result.tested_at else None,
    }


def _attempt(attempt: Attempt, before: Attempt | None) -> Json:
    setup = attempt.setup
    result = attempt.result
    tls = result.tls
    return {
        "number": attempt.number,
        "setup": {
            "host": setup.host,
            "port": setup.port,
            "security": str(setup.security),
            "username": setup.username,
            "email": setup.email,
            "mechanism": setup.mechanism,
            "allow_plaintext": setup.allow_plaintext,
        },
        "changed": setup.changes_from(before.setup) if before is not None else [],
        "started": result.started_at.isoformat(timespec="seconds"),
        "elapsed_ms": result.elapsed_ms,
        "addresses": list(result.addresses),
        "connected_to": result.connected_to,
        "local_address": result.local_address,
        "outcome": str(result.outcome),
        "reason": str(result.reason) if result.reason else None,
        "summary": outcome_words(attempt),
        "stop_after": str(attempt.stop_after) if attempt.stop_after else None,
        "sent_message": attempt.sent_message,
        "finding": {
            "headline": attempt.finding.headline,
            "explanation": attempt.finding.explanation,
            "advice": attempt.finding.advice,
            "severity": str(attempt.finding.severity),
            "evidence": dict(attempt.finding.evidence),
        },
        "tls": None
        if tls is None
        else {
            "version": tls.version,
            "cipher": tls.cipher,
            "verified": tls.verified,
            "pinned": tls.pinned,
            "error": tls.error,
            "certificate": cert_document(tls.cert) if tls.cert else None,
            "chain": [cert_document(c) for c in tls.chain],
        },
        "steps": [_exchange(e) for e in attempt.exchanges],
    }


def _exchange(exchange: Exchange) -> Json:
    return {
        "stage": str(exchange.stage),
        "title": exchange.title,
        "ok": exchange.ok,
        "ms": exchange.ms,
        "meaning": exchange.meaning,
        "advice": exchange.advice or None,
        "lines": [_line(line) for line in exchange.lines],
    }


def _line(line: TranscriptLine) -> Json:
    return {"dir": str(line.direction), "text": line.text, "tls": line.encrypted, "ms": line.at_ms}


def _fence(lines: Sequence[str]) -> str:
    """A code fence longer than any run of backticks in ``lines`` (servers send anything)."""
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


def support_markdown(document: Json) -> str:
    """The same report as Markdown, for pasting into a ticket or an email."""
    app = document["app"]
    network = document["network"]
    out = [
        "# smtpwizard support report",
        "",
        f"- Made: {document['created']} (UTC {document['created_utc']})",
        f"- smtpwizard {app['version']}, Python {app['python']}, {app['system']}",
        "- Network: "
        + (
            ", ".join(f"{'IPv6' if ':' in a else 'IPv4'} {a}" for a in network["local_addresses"])
            or "no connection was made"
        ),
        "- Passwords: hidden everywhere in this report.",
        "",
    ]
    imported = document.get("imported")
    if imported:
        out += [f"## Settings read from {imported.get('title') or imported.get('format')}", ""]
        out += [f"- read: {line}" for line in imported.get("read", [])]
        out += [f"- missing: {line}" for line in imported.get("missing", [])]
        out += [f"- warning: {line}" for line in imported.get("warnings", [])]
        out.append("")
    changes = document.get("changes") or []
    if changes:
        out += ["## Since the earlier test", ""]
        out += [f"- {c['text']}" for c in changes]
        out.append("")
    for attempt in document["attempts"]:
        setup = attempt["setup"]
        title = f"{setup['host']}:{setup['port']} {setup['security']}"
        out += [f"## Attempt {attempt['number']}: {title} — {attempt['summary']}", ""]
        if attempt["changed"]:
            out.append(f"Changed: {'; '.join(attempt['changed'])}.")
            out.append("")
        details = [
            f"username {setup['username'] or '(none)'}",
            f"login method {setup['mechanism'] or 'any'}",
            f"started {attempt['started']}",
            f"connected to {attempt['connected_to'] or '-'}",
            f"from {attempt['local_address'] or '-'}",
        ]
        out.append("; ".join(details) + ".")
        out.append("")
        finding = attempt["finding"]
        out += [
            f"**{finding['headline']}**",
            "",
            finding["explanation"],
            "",
            f"What to do: {finding['advice']}",
            "",
        ]
        tls = attempt.get("tls")
        if tls and tls.get("certificate"):
            cert = tls["certificate"]
            out += [
                f"Certificate: {cert['subject']}, issued by {cert['issuer_name']}, "
                f"valid {cert['not_before']} to {cert['not_after']}, "
                f"names {', '.join(cert['names']) or '-'}, SHA-256 {cert['fingerprint_sha256']}"
                + (" (trusted by hand)" if tls.get("pinned") else ""),
                "",
            ]
        for step in attempt["steps"]:
            mark = "✓" if step["ok"] else "✗"
            out.append(f"### {mark} {step['title']} ({step['ms']:.0f} ms)")
            out.append("")
            if step["lines"]:
                shown = [
                    f"{line['dir']} {'[TLS] ' if line['tls'] else ''}{line['text']}"
                    for line in step["lines"]
                ]
                fence = _fence(shown)
                out += [fence, *shown, fence, ""]
            out.append(step["meaning"])
            if step.get("advice"):
                out.append("")
                out.append(f"What to try: {step['advice']}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"
