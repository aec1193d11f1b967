"""One candidate, whatever its protocol: the probe that speaks it, and a whole probe in one call."""

from __future__ import annotations

import ssl
import time
from typing import Any

from smtpwizard.core.login import Credentials
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Protocol
from smtpwizard.core.net.address import EmailAddress
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.net.channel import Clock
from smtpwizard.core.net.resolve import Resolver
from smtpwizard.core.net.transcript import Redactor
from smtpwizard.core.probe.base import Probe
from smtpwizard.core.probe.options import ProbeOptions
from smtpwizard.core.probe.options import StageGate
from smtpwizard.core.probe.options import StageListener
from smtpwizard.core.probe.smtp import SmtpProbe

__all__ = ["make_probe", "probe_candidate"]


def probe_candidate(
    candidate: Candidate,
    options: ProbeOptions | None = None,
    *,
    email: EmailAddress | None = None,
    credentials: Credentials | None = None,
    context: ssl.SSLContext | None = None,
    resolver: Resolver | None = None,
    cancel: CancelToken | None = None,
    listener: StageListener | None = None,
    gate: StageGate | None = None,
    clock: Clock = time.monotonic,
) -> ProbeResult:
    """Probes one candidate completely: open, log in, check sending (SMTP), finish."""
    options = options or ProbeOptions()
    redactor = Redactor([credentials.secret] if credentials else [])
    probe = make_probe(
        candidate,
        options,
        context=context,
        resolver=resolver,
        cancel=cancel,
        listener=listener,
        gate=gate,
        will_login=credentials is not None,
        redactor=redactor,
        clock=clock,
    )
    if (
        isinstance(probe, SmtpProbe)
        and email is not None
        and options.dry_run
        and not options.send_test
    ):
        probe.plan_check(email)  # it can go with the login
    if probe.open() and credentials is not None and probe.can_login:
        probe.login(credentials)
    if (
        isinstance(probe, SmtpProbe)
        and email is not None
        and (options.dry_run or options.send_test)
        and probe.may_send
    ):
        probe.check_sending(email, send_message=options.send_test)
    return probe.finish()


def make_probe(candidate: Candidate, options: ProbeOptions | None = None, **kwargs: Any) -> Probe:
    """The probe for the candidate's protocol."""
    if candidate.protocol is Protocol.SMTP:
        return SmtpProbe(candidate, options, **kwargs)
    # imaplib and poplib load only when an incoming server is tested.
    from smtpwizard.core.probe.imap import ImapProbe
    from smtpwizard.core.probe.pop3 import Pop3Probe

    kind = ImapProbe if candidate.protocol is Protocol.IMAP else Pop3Probe
    return kind(candidate, options, **kwargs)
