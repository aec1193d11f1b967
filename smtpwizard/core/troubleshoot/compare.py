"""Comparing attempts side by side, and an earlier test (a probe result read back through
:mod:`smtpwizard.core.document`) with a fresh one: what changed, most telling first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from smtpwizard.core.i18n import _
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Reason
from smtpwizard.core.model import StageName
from smtpwizard.core.model import server_address
from smtpwizard.core.readback import CandidateEntry
from smtpwizard.core.readback import read_document
from smtpwizard.core.troubleshoot.session import Attempt
from smtpwizard.core.troubleshoot.steps import TITLES

__all__ = ["Change", "compare", "outcome_words", "what_changed"]


def compare(attempts: Sequence[Attempt]) -> list[tuple[StageName, list[str]]]:
    """For each step any attempt reached: each attempt's mark (✓ worked, ✗ failed, – not
    reached), in attempt order, for the side-by-side view."""
    seen: list[StageName] = []
    for attempt in attempts:  # merged in conversation order (implicit TLS comes first)
        position = 0
        for exchange in attempt.exchanges:
            if exchange.stage is StageName.QUIT:
                continue
            if exchange.stage in seen:
                position = seen.index(exchange.stage) + 1
            else:
                seen.insert(position, exchange.stage)
                position += 1
    rows: list[tuple[StageName, list[str]]] = []
    for name in seen:
        marks = []
        for attempt in attempts:
            step = attempt.step(name)
            marks.append("–" if step is None else "✓" if step.ok else "✗")
        rows.append((name, marks))
    return rows


def outcome_words(attempt: Attempt) -> str:
    """The attempt's result in a few words, for lists."""
    result = attempt.result
    if attempt.stopped_as_asked:
        reached = attempt.reached
        return _("stopped after {step}").format(
            step=TITLES.get(reached, str(reached)) if reached else "-"
        )
    if result.outcome is Outcome.OK:
        if result.auth.status is AuthStatus.OK:
            return _("works, login accepted")
        return _("works")
    return attempt.finding.headline


# -- re-testing a configuration that once worked ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between an earlier test and now."""

    kind: str
    """``dns``, ``certificate``, ``blocked``, ``password``, ``outcome`` or ``same``."""
    text: str


def what_changed(previous: object, now: Sequence[ProbeResult]) -> list[Change]:
    """Compares an earlier probe document (``smtpwizard probe --json``, or the JSON export)
    with fresh results of the same servers, and says what changed, most telling first."""
    earlier = _previous_candidates(previous)
    changes: list[Change] = []
    compared = 0
    for result in now:
        c = result.candidate
        before = earlier.get((c.host.lower(), c.port, str(c.security)))
        if before is None:
            continue
        compared += 1
        changes.extend(_changes(before, result))
    if compared == 0:
        return [
            Change(
                "outcome",
                _("The earlier test did not cover these settings, so there is nothing to compare."),
            )
        ]
    if not changes:
        return [Change("same", _("Nothing changed since the earlier test: it works the same way."))]
    rank = {"password": 0, "certificate": 1, "blocked": 2, "dns": 3, "outcome": 4}
    return sorted(changes, key=lambda change: rank.get(change.kind, 9))


def _previous_candidates(previous: object) -> dict[tuple[str, int, str], CandidateEntry]:
    """The earlier document's candidates by server, port and mode; a document that only
    names its recommendation (the JSON export) gives that as a candidate that worked."""
    document = read_document(previous)
    entries = list(document.candidates)
    if not entries and document.recommended is not None:
        entries = [CandidateEntry(document.recommended, "ok")]
    found: dict[tuple[str, int, str], CandidateEntry] = {}
    for entry in entries:
        server = entry.server
        if server.host is not None and server.port is not None and server.security is not None:
            found.setdefault((server.host.lower(), server.port, str(server.security)), entry)
    return found


def _changes(before: CandidateEntry, now: ProbeResult) -> list[Change]:
    c = now.candidate
    where = f"{server_address(c.host, c.port)} ({c.security.label})"
    changes: list[Change] = []
    old_outcome = before.outcome
    if before.login == "ok" and now.auth.status is AuthStatus.REJECTED:
        changes.append(
            Change(
                "password",
                _(
                    "{where}: the login worked before and is refused now: the password was "
                    "changed, or the account's settings were (an app password revoked, login by "
                    "programs switched off)."
                ).format(where=where),
            )
        )
    new_cert = now.tls.cert if now.tls is not None else None
    if before.has_cert and new_cert is not None:
        old_fp = before.cert_fingerprint
        if old_fp and old_fp.upper() != new_cert.fingerprint_sha256:
            text = _("{where}: the server has a new certificate").format(where=where)
            old_issuer = before.cert_issuer
            if old_issuer and old_issuer != new_cert.issuer_name:
                text += " " + _("from another issuer ({old} before, {new} now)").format(
                    old=old_issuer, new=new_cert.issuer_name
                )
            text += "."
            if now.outcome in (Outcome.CERT_UNTRUSTED, Outcome.CERT_NAME_MISMATCH):
                text += " " + _(
                    "Your computer does not trust it: if nothing announced a change, "
                    "something on your network may be intercepting the connection."
                )
            changes.append(Change("certificate", text))
        elif now.outcome is Outcome.CERT_EXPIRED and old_outcome == "ok":
            changes.append(
                Change(
                    "certificate",
                    _("{where}: the same certificate as before, but it has expired since.").format(
                        where=where
                    ),
                )
            )
    if now.reason is Reason.CONNECT_TIMEOUT and old_outcome not in ("timeout", None):
        changes.append(
            Change(
                "blocked",
                _(
                    "{where}: the port answered before and does not now: it is blocked, by the "
                    "network you are on now or by the server's side."
                ).format(where=where),
            )
        )
    old_addresses = before.addresses
    if old_addresses and now.addresses and set(old_addresses) != set(now.addresses):
        changes.append(
            Change(
                "dns",
                _("{where}: the server's name now leads to {new} (before: {old}).").format(
                    where=where,
                    new=", ".join(now.addresses),
                    old=", ".join(old_addresses),
                ),
            )
        )
    outcome_changed = old_outcome is not None and old_outcome != str(now.outcome)
    if not changes and outcome_changed and now.reason is not Reason.STOPPED_AS_ASKED:
        changes.append(
            Change(
                "outcome",
                _("{where}: {old} before, {new} now.").format(
                    where=where, old=old_outcome, new=now.outcome
                ),
            )
        )
    return changes
