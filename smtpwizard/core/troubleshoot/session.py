"""Taking a failing setup apart: the SMTP conversation one step at a time, each exchange
shown as the raw lines (passwords hidden) beside what it means and what to try.

A :class:`Troubleshooter` keeps every attempt, so that a change (another port, encryption,
username form or login method) can be compared with what came before. Each attempt is one
real conversation through the probe engine, held between steps by a :class:`StepControl`
(the wait does not count against the time limits; the server may still hang up, which is
then explained like any other lost connection).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import ssl
import threading
import time
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace

from smtpwizard.core.diagnosis.common import Context
from smtpwizard.core.diagnosis.findings import explain
from smtpwizard.core.discovery.providers import Provider
from smtpwizard.core.errors import InvalidInput
from smtpwizard.core.i18n import _
from smtpwizard.core.login import Credentials
from smtpwizard.core.login import SignIn
from smtpwizard.core.model import Finding
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Reply
from smtpwizard.core.model import Security
from smtpwizard.core.model import ServerSettings
from smtpwizard.core.model import Severity
from smtpwizard.core.model import StageName
from smtpwizard.core.model import StageResult
from smtpwizard.core.model import TranscriptLine
from smtpwizard.core.net.address import EmailAddress
from smtpwizard.core.net.address import parse_email
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.net.channel import Clock
from smtpwizard.core.net.resolve import Resolver
from smtpwizard.core.probe.options import ProbeOptions
from smtpwizard.core.probe.runner import probe_candidate
from smtpwizard.core.troubleshoot.steps import TITLES
from smtpwizard.core.troubleshoot.steps import annotate
from smtpwizard.core.troubleshoot.steps import reply_meaning

__all__ = [
    "STOP_POINTS",
    "Attempt",
    "Exchange",
    "ExchangeDone",
    "StepControl",
    "TroubleshootListener",
    "Troubleshooter",
    "build_attempt",
    "recorded_ca_file",
    "setup_address",
    "stop_points",
]


def stop_points(security: Security) -> tuple[StageName, ...]:
    """The steps a conversation in this mode goes through."""
    order: tuple[StageName, ...]
    if security is Security.TLS:
        order = (StageName.CONNECT, StageName.TLS, StageName.GREETING, StageName.EHLO)
    elif security is Security.STARTTLS:
        order = (
            StageName.CONNECT,
            StageName.GREETING,
            StageName.EHLO,
            StageName.STARTTLS,
            StageName.TLS,
            StageName.EHLO_TLS,
        )
    else:
        order = (StageName.CONNECT, StageName.GREETING, StageName.EHLO)
    return (*order, StageName.AUTH, StageName.MAIL_FROM, StageName.RCPT_TO, StageName.DATA)


#: Where a run can stop, in conversation order (``--stop-after``): STARTTLS has every step.
STOP_POINTS: tuple[StageName, ...] = stop_points(Security.STARTTLS)


# -- what is tried ---------------------------------------------------------------------------


# -- what happened -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Exchange:
    """One step of the conversation: the raw lines and what they mean."""

    stage: StageName
    title: str
    ok: bool
    ms: float
    lines: tuple[TranscriptLine, ...]
    meaning: str
    advice: str
    severity: Severity
    reply: Reply | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    """One conversation of a troubleshooting session."""

    number: int
    setup: ServerSettings
    result: ProbeResult
    exchanges: tuple[Exchange, ...]
    finding: Finding
    stop_after: StageName | None = None
    sent_message: bool = False
    new_secret: bool = False
    """The password was another than in the attempt before: a change the settings
    themselves do not show. (Sign-in tokens change by themselves, so they do not count.)"""

    @property
    def stopped_as_asked(self) -> bool:
        return self.result.reason is Reason.STOPPED_AS_ASKED

    @property
    def reached(self) -> StageName | None:
        """The last step that worked."""
        done = [s.name for s in self.result.stages if s.ok and s.name is not StageName.QUIT]
        return done[-1] if done else None

    def step(self, name: StageName) -> Exchange | None:
        """The exchange of step ``name`` (the last one, where a step repeats)."""
        found = [e for e in self.exchanges if e.stage is name]
        return found[-1] if found else None


@dataclass(frozen=True, slots=True)
class ExchangeDone:
    """Event: a step worked (sent while the conversation goes on or waits)."""

    attempt: int
    exchange: Exchange
    paused: bool


TroubleshootListener = Callable[[ExchangeDone], None]


class StepControl:
    """Holds a conversation between steps until told to go on.

    Args:
        stepping: pause after every step (``False``: run through).
        stop_after: end the conversation politely after this step.
    """

    def __init__(self, *, stepping: bool = False, stop_after: StageName | None = None) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stepping = stepping
        self._stop_after = stop_after
        self._credit = 0
        self._stop = False

    @property
    def stop_after(self) -> StageName | None:
        """The step after which the conversation ends, if any."""
        return self._stop_after

    @property
    def stepping(self) -> bool:
        """Whether it pauses after every step (until :meth:`run_to_end`)."""
        with self._lock:
            return self._stepping

    def next_step(self) -> None:
        """Goes one step further."""
        with self._lock:
            self._credit += 1
        self._wake.set()

    def run_to_end(self) -> None:
        """Stops pausing: the conversation runs to its end (or its stop point)."""
        with self._lock:
            self._stepping = False
        self._wake.set()

    def stop(self) -> None:
        """Ends the conversation politely at the next pause."""
        with self._lock:
            self._stop = True
        self._wake.set()

    def wait(self, stage: StageName, cancel: CancelToken | None = None) -> bool:
        """Called after each step (on the conversation's thread): whether to go on."""
        if stage is self._stop_after:
            return False
        while True:
            with self._lock:
                if self._stop:
                    return False
                if not self._stepping:
                    return True
                if self._credit > 0:
                    self._credit -= 1
                    return True
                self._wake.clear()
            if cancel is not None and cancel.cancelled:
                return True  # the probe notices the cancellation itself, at once
            self._wake.wait(0.1)


# -- the session -----------------------------------------------------------------------------


@dataclass
class Troubleshooter:
    """A troubleshooting session: the attempts so far, the password in memory only.

    Args:
        options: probe options (timeout, CA file, certificates trusted by hand).
        context: the verifying TLS context.
        resolver: host lookups.
        provider: the provider, when known (its own advice for its replies).
        clock: monotonic time source.
    """

    options: ProbeOptions = field(default_factory=ProbeOptions)
    context: ssl.SSLContext | None = None
    resolver: Resolver | None = None
    provider: Provider | None = None
    password: str = field(default="", repr=False)
    access_token: str = field(default="", repr=False)
    """An OAuth 2.0 access token to log in with instead of the password."""
    attempts: list[Attempt] = field(default_factory=list)
    clock: Clock = time.monotonic
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _secret_seen: bytes | None = field(default=None, repr=False)
    """A keyed digest of the secret of the last attempt, to tell a retyped one (in memory)."""
    _digest_key: bytes = field(default_factory=lambda: secrets.token_bytes(16), repr=False)

    def run(
        self,
        setup: ServerSettings,
        *,
        control: StepControl | None = None,
        send_message: bool = False,
        cancel: CancelToken | None = None,
        listener: TroubleshootListener | None = None,
    ) -> Attempt:
        """One conversation with ``setup``, kept as the next attempt.

        Args:
            control: pausing and stopping (default: run through to the sender and
                recipient checks).
            send_message: send a real test message to the address at the end.
            cancel: stops the conversation at once from another thread.
            listener: told about every step that worked.
        """
        control = control or StepControl()
        with self._lock:
            number = len(self.attempts) + 1
        email = setup_address(setup)
        credentials: Credentials | None = None
        if setup.username and self.access_token:
            credentials = Credentials(setup.username, token=self.access_token)
        elif setup.username and self.password:
            credentials = Credentials(setup.username, self.password)
        options = replace(
            self.options,
            sign_in=SignIn.OAUTH2 if self.access_token else SignIn.PASSWORD,
            allow_plaintext=setup.allow_plaintext,
            mechanism=setup.mechanism or None,
            dry_run=email is not None,
            send_test=send_message and email is not None,
        )
        previous_end = 0

        def gate(stage: StageResult, transcript: Sequence[TranscriptLine]) -> bool:
            nonlocal previous_end
            lines = tuple(transcript[previous_end : stage.transcript_end])
            previous_end = stage.transcript_end
            pause_here = stage.name in STOP_POINTS
            if listener is not None:
                exchange = _exchange(stage, lines, setup, None, None)
                listener(ExchangeDone(number, exchange, paused=pause_here and control.stepping))
            return control.wait(stage.name, cancel) if pause_here else True

        result = probe_candidate(
            setup.candidate(),
            options,
            email=email,
            credentials=credentials,
            context=self.context,
            resolver=self.resolver,
            cancel=cancel,
            gate=gate,
            clock=self.clock,
        )
        attempt = build_attempt(
            number,
            setup,
            result,
            self.provider,
            stop_after=control.stop_after,
            sent_message=options.send_test,
        )
        secret = self.password.encode("utf-8", "surrogatepass")
        seen = hashlib.blake2b(secret, key=self._digest_key, digest_size=16).digest()
        with self._lock:
            if self.attempts and not self.access_token and self._secret_seen != seen:
                attempt = replace(attempt, new_secret=True)
            self._secret_seen = seen
            self.attempts.append(attempt)
        return attempt


def setup_address(setup: ServerSettings) -> EmailAddress | None:
    """The address a setup is for: its address, else a login name that is one."""
    for text in (setup.email, setup.username):
        if text and "@" in text:
            try:
                return parse_email(text)
            except InvalidInput:
                continue
    return None


def recorded_ca_file(path: str | None, source: str) -> str | None:
    """The CA file a settings file names (``path``, read from ``source``), to trust as those
    settings do when the person named none.

    Raises:
        InvalidInput: the file names a CA file that is not there (any more), or a folder.
    """
    if path is None or os.path.isfile(path):
        return path
    if os.path.isdir(path):
        problem = _("{file} names {path} as the CA file, but that is a folder, not a file.")
    else:
        problem = _("{file} names the CA file {path}, which does not exist (any more).")
    raise InvalidInput(
        problem.format(file=source, path=path)
        + " "
        + _(
            "Without it the server's certificate cannot be checked the way these settings "
            "say; put the file back, or name the authority's certificate yourself."
        )
    )


def build_attempt(
    number: int,
    setup: ServerSettings,
    result: ProbeResult,
    provider: Provider | None = None,
    *,
    stop_after: StageName | None = None,
    sent_message: bool = False,
) -> Attempt:
    """An attempt from a finished conversation: its exchanges, each explained."""
    finding = explain(result, Context((result,), provider))
    exchanges: list[Exchange] = []
    start = 0
    for stage in result.stages:
        end = max(stage.transcript_end, start)
        lines = result.transcript[start:end]
        start = end
        exchanges.append(_exchange(stage, lines, setup, result, finding))
    rest = result.transcript[start:]
    if rest and exchanges:
        last = exchanges[-1]
        exchanges[-1] = replace(last, lines=last.lines + rest)
    return Attempt(number, setup, result, tuple(exchanges), finding, stop_after, sent_message)


# -- what each step means --------------------------------------------------------------------


def _exchange(
    stage: StageResult,
    lines: Sequence[TranscriptLine],
    setup: ServerSettings,
    result: ProbeResult | None,
    finding: Finding | None,
) -> Exchange:
    title = TITLES.get(stage.name, str(stage.name))
    if not stage.ok and result is not None and finding is not None and _is_failure(stage, result):
        meaning = finding.explanation
        if stage.reply is not None and stage.reply.code:
            meaning = f"{reply_meaning(stage.reply)} {meaning}"
        return Exchange(
            stage.name,
            title,
            False,
            stage.ms,
            tuple(lines),
            f"{finding.headline}. {meaning}",
            finding.advice,
            finding.severity,
            stage.reply,
        )
    meaning, advice, severity = annotate(stage, setup, result)
    return Exchange(
        stage.name, title, stage.ok, stage.ms, tuple(lines), meaning, advice, severity, stage.reply
    )


def _is_failure(stage: StageResult, result: ProbeResult) -> bool:
    """Whether this failed stage is the one the result's finding is about."""
    failed = result.failed_stage
    return failed is not None and failed is stage
