"""The human report of a probe run: a table, the recommendation, each problem explained, and
a summary paragraph."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import TextIO

from smtpwizard.core.diagnosis.common import Context
from smtpwizard.core.diagnosis.findings import explain
from smtpwizard.core.diagnosis.recommend import level_label
from smtpwizard.core.diagnosis.summary import summarize
from smtpwizard.core.i18n import _
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import MatrixResult
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reason
from smtpwizard.core.model import server_address
from smtpwizard.core.probe.turns import works

if TYPE_CHECKING:
    from smtpwizard.core.discovery.providers import Provider

__all__ = ["print_report"]

#: Outcomes that say nothing against the settings: stopped, not proven, or "not now".
_UNDECIDED = (Outcome.CANCELLED, Outcome.OK, Outcome.TEMPORARY, Outcome.LOGIN_NEEDED)


def _result_word(result: ProbeResult) -> str:
    """The table's result: the JSON outcome, except for a network that said at once that
    the address cannot be reached, which the contract files under ``timeout`` but which
    took no time at all."""
    if result.outcome is Outcome.TIMEOUT and result.reason is Reason.UNREACHABLE:
        return Reason.UNREACHABLE.value
    return str(result.outcome)


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.0f} ms"


def print_report(
    matrix: MatrixResult, out: TextIO, verbose: bool = False, provider: Provider | None = None
) -> None:
    """The human-readable report: a table, the recommendation, each problem explained, and a
    summary paragraph."""
    results = matrix.results
    context = Context(results, provider)
    width = max(
        (len(server_address(r.candidate.host, r.candidate.port)) for r in results), default=10
    )
    print(
        f"{'':3}{_('server'):<{width}}  {_('encryption'):<16}{_('result'):<20}"
        f"{_('time'):>9}  {_('finding')}",
        file=out,
    )
    for r in results:
        c = r.candidate
        # "OK" only where it was shown to work: logged in, or taking mail without a login.
        usable = works(
            r, will_login=r.auth.status is not AuthStatus.NO_CREDENTIALS, allow_plaintext=True
        ) and (r.outcome is Outcome.OK or r.auth.status is AuthStatus.OK)
        if matrix.credentials_rejected and r.auth.status is not AuthStatus.OK:
            usable = False
        undecided = r.outcome in _UNDECIDED or r.reason is Reason.PREAUTHENTICATED
        mark = "OK" if usable else "--" if undecided else "!!"
        finding = explain(r, context)
        time_text = _seconds(r.elapsed_ms) if r.stages else "-"
        mode = c.security.label
        if c.protocol is not Protocol.SMTP:
            mode = f"{c.protocol.name}, {mode}"
        print(
            f"{mark:<3}{server_address(c.host, c.port):<{width}}  {mode:<16}"
            f"{_result_word(r):<20}{time_text:>9}  {finding.headline}",
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
