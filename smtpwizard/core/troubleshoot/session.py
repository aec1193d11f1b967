"""Taking a failing setup apart: the SMTP conversation one step at a time, each exchange
shown as the raw lines (passwords hidden) beside what it means and what to try.

A :class:`Troubleshooter` keeps every attempt, so that a change (another port, encryption,
username form or login method) can be compared with what came before. Each attempt is one
real conversation through the probe engine, held between steps by a :class:`StepControl`
(the wait does not count against the time limits; the server may still hang up, which is
then explained like any other lost connection).
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from smtpwizard.core.diagnosis.common import Context
from smtpwizard.core.diagnosis.findings import explain
from smtpwizard.core.discovery.providers import Provider
from smtpwizard.core.document import CandidateEntry, read_document
from smtpwizard.core.errors import InvalidInput
from smtpwizard.core.i18n import _
from smtpwizard.core.model import (
    AuthStatus,
    Credentials,
    Finding,
    Outcome,
    ProbeResult,
    Reason,
    Reply,
    Security,
    ServerSettings,
    Severity,
    StageName,
    StageResult,
    TranscriptLine,
)
from smtpwizard.core.net.address import EmailAddress, parse_email
from smtpwizard.core.net.channel import CancelToken, Clock
from smtpwizard.core.net.resolve import Resolver
from smtpwizard.core.probe.options import ProbeOptions
from smtpwizard.core.probe.runner import probe_candidate

TITLES: dict[StageName, str] = {
    StageName.RESOLVE: _("Looking up the server"),
    StageName.CONNECT: _("Connecting"),
    StageName.TLS: _("Encryption and certificate"),
    StageName.GREETING: _("Greeting"),
    StageName.EHLO: _("Introduction (EHLO)"),
    StageName.STARTTLS: _("Switching to encryption (STARTTLS)"),
    StageName.EHLO_TLS: _("Introduction again, encrypted (EHLO)"),
    StageName.AUTH_MECHANISMS: _("Login methods offered"),
    StageName.AUTH: _("Login (AUTH)"),
    StageName.MAIL_FROM: _("Sender (MAIL FROM)"),
    StageName.RCPT_TO: _("Recipient (RCPT TO)"),
    StageName.RSET: _("Cancelling the test transaction (RSET)"),
    StageName.DATA: _("Test message (DATA)"),
    StageName.QUIT: _("Goodbye (QUIT)"),
}


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
    attempts: list[Attempt] = field(default_factory=list)
    clock: Clock = time.monotonic
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

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
        email = _address(setup)
        credentials = (
            Credentials(setup.username, self.password) if setup.username and self.password else None
        )
        options = replace(
            self.options,
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
        with self._lock:
            self.attempts.append(attempt)
        return attempt


def _address(setup: ServerSettings) -> EmailAddress | None:
    for text in (setup.email, setup.username):
        if text and "@" in text:
            try:
                return parse_email(text)
            except InvalidInput:
                continue
    return None


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
    meaning, advice, severity = _annotate(stage, setup, result)
    return Exchange(
        stage.name, title, stage.ok, stage.ms, tuple(lines), meaning, advice, severity, stage.reply
    )


def _is_failure(stage: StageResult, result: ProbeResult) -> bool:
    """Whether this failed stage is the one the result's finding is about."""
    failed = result.failed_stage
    return failed is not None and failed is stage


def _annotate(
    stage: StageResult, setup: ServerSettings, result: ProbeResult | None
) -> tuple[str, str, Severity]:
    """The meaning of a step that is not the run's failure."""
    reply = stage.reply
    name = stage.name
    ok = Severity.OK
    if not stage.ok:
        text = reply_meaning(reply) if reply is not None and reply.code else stage.detail
        if name is StageName.AUTH and reply is not None and reply.code == 504:
            return (
                _(
                    "The server does not take this login method after all ({reply}); the next one "
                    "it offers is tried."
                ).format(reply=reply),
                "",
                Severity.INFO,
            )
        return text, "", Severity.WARNING
    if name is StageName.RESOLVE:
        return (
            _("{host} has the addresses {addresses}.").format(
                host=setup.host, addresses=stage.detail
            ),
            "",
            ok,
        )
    if name is StageName.CONNECT:
        return (
            _(
                "Your computer reached the server ({detail}) on port {port} in {ms:.0f} ms: "
                "nothing on the way blocks this port."
            ).format(detail=stage.detail, port=setup.port, ms=stage.ms),
            "",
            ok,
        )
    if name is StageName.GREETING:
        first = reply.text.split("\n")[0] if reply is not None else ""
        return (
            _("The server is ready for mail and introduced itself: “{text}”.").format(text=first),
            "",
            ok,
        )
    if name in (StageName.EHLO, StageName.EHLO_TLS):
        return _features(stage, setup, name is StageName.EHLO_TLS), "", ok
    if name is StageName.STARTTLS:
        return (
            _("The server agreed to switch to encryption; the encryption is set up next."),
            "",
            ok,
        )
    if name is StageName.TLS:
        return _encryption(result, stage), "", ok
    if name is StageName.AUTH_MECHANISMS:
        if "not logging in without encryption" in stage.detail:
            return (
                _(
                    "The login was not sent: the connection is not encrypted, so your password "
                    "would travel readable. Allow it explicitly only on a network you trust."
                ),
                _("Use SSL/TLS or STARTTLS instead."),
                Severity.WARNING,
            )
        return stage.detail[:1].upper() + stage.detail[1:] + ".", "", ok
    if name is StageName.AUTH:
        return _("Login accepted: {detail}.").format(detail=stage.detail), "", ok
    if name is StageName.MAIL_FROM and reply is not None and reply.code == 250:
        return (
            _("The server accepts {address} as the sender.").format(
                address=setup.email or setup.username or "-"
            ),
            "",
            ok,
        )
    if name is StageName.RCPT_TO and reply is not None and reply.code in (250, 251):
        return (
            _("The server would deliver to {address}.").format(
                address=setup.email or setup.username or "-"
            ),
            "",
            ok,
        )
    if name is StageName.DATA:
        return (
            _(
                "The test message was accepted for delivery ({reply}). If it does not arrive, "
                "the server's answer (its queue number) helps the provider trace it."
            ).format(reply=_one_line(reply)),
            "",
            ok,
        )
    if name is StageName.RSET:
        return _("The test transaction was cancelled: nothing was sent."), "", ok
    if name is StageName.QUIT:
        return _("The conversation ended politely."), "", Severity.INFO
    text = reply_meaning(reply) if reply is not None and reply.code else stage.detail
    return text, "", ok


def _one_line(reply: Reply | None) -> str:
    return str(reply).replace("\n", " ") if reply is not None else "-"


def _features(stage: StageResult, setup: ServerSettings, encrypted: bool) -> str:
    reply = stage.reply
    if reply is None or reply.code != 250 or "HELO accepted" in stage.detail:
        return _(
            "The server refused the modern introduction (EHLO) and accepted the old one (HELO): "
            "it is very old and offers no extensions, so neither encryption nor login."
        )
    features = [line.strip() for line in reply.text.split("\n")[1:] if line.strip()]
    said: list[str] = []
    auth: list[str] = []
    starttls = False
    for feature in features:
        word, _sep, rest = feature.partition(" ")
        word = word.upper()
        if word == "STARTTLS":
            starttls = True
        elif word == "AUTH" or feature.upper().startswith("AUTH="):
            auth.extend(rest.upper().split() if word == "AUTH" else [feature[5:].upper()])
        elif word == "SIZE" and rest.strip().isdigit() and int(rest) > 0:
            said.append(_("messages up to {mb} MB").format(mb=round(int(rest) / 1_000_000)))
        elif word == "SMTPUTF8":
            said.append(_("international addresses"))
    if auth:
        said.insert(0, _("login with {methods}").format(methods=", ".join(dict.fromkeys(auth))))
    elif setup.username:
        said.insert(0, _("no login on this connection"))
    if starttls:
        said.insert(0, _("encryption (STARTTLS)"))
    if encrypted:
        lead = _("Over the encrypted connection, the server now offers: {list}.")
    else:
        lead = _("The server lists what it can do: {list}.")
    text = lead.format(list="; ".join(said) or _("no extensions"))
    if setup.security is Security.STARTTLS and not encrypted and not starttls:
        text += " " + _("STARTTLS is missing, so this connection cannot be encrypted.")
    if encrypted and auth and setup.security is Security.STARTTLS:
        text += " " + _("Login is offered now that the connection is encrypted, as it should be.")
    return text


def _encryption(result: ProbeResult | None, stage: StageResult) -> str:
    tls = result.tls if result is not None else None
    if tls is None or tls.cert is None:
        return _("The connection is now encrypted: {detail}.").format(detail=stage.detail)
    cert = tls.cert
    names = ", ".join(cert.names[:4]) or cert.subject
    text = _(
        "The connection is now encrypted ({version}). The server's certificate is for {names}, "
        "issued by {issuer}, valid until {date}"
    ).format(
        version=tls.version or "TLS",
        names=names,
        issuer=cert.issuer_name,
        date=f"{cert.not_after.day} {cert.not_after:%B %Y}",
    )
    if tls.verified:
        return text + "; " + _("your computer checked it and trusts it.")
    if tls.pinned:
        return (
            text
            + "; "
            + _(
                "your computer cannot check it, but it is the exact certificate you chose to "
                "trust for this server."
            )
        )
    return text + "."


#: RFC 3463 / RFC 5248 enhanced codes a person meets when sending (DIAGNOSIS-FACTS §1b).
_ENHANCED_MEANINGS: dict[str, str] = {
    "5.7.8": _("the username or password is wrong"),
    "5.7.9": _("this login method is too weak for this account (often: an app password is needed)"),
    "5.7.0": _("a security rule: usually encryption or a login is needed first"),
    "4.7.0": _("a temporary security problem: try again later"),
    "5.7.1": _("not allowed: this login may not send this way (sender or relay refused)"),
    "5.7.3": _("login refused by the organisation's security settings"),
    "5.7.139": _("login by programs (SMTP AUTH) is switched off for this mailbox or organisation"),
    "5.7.10": _("encryption is needed"),
    "5.7.11": _("encryption is needed for this login method"),
    "5.7.13": _("the account is disabled"),
    "5.7.57": _("the server wants a login before sending"),
    "5.1.1": _("the recipient address does not exist"),
    "5.1.7": _("the sender address is malformed"),
    "5.1.8": _("the sender's domain is not accepted"),
    "5.3.4": _("the message is too big for the server"),
    "5.4.5": _("a daily sending limit is reached"),
    "4.7.28": _("the server sees too much mail from your address: slow down"),
    "5.5.4": _("the server does not understand an option of the command"),
}


def reply_meaning(reply: Reply | None) -> str:
    """What a reply code says, in words: its class, and its enhanced code when known."""
    if reply is None or not reply.code:
        return ""
    code = reply.code
    first = code // 100
    general = {
        2: _("{code} means it worked."),
        3: _("{code} means the server waits for more from us."),
        4: _("{code} is a temporary refusal: the same thing may work later."),
        5: _("{code} is a permanent refusal: repeating it unchanged will not help."),
    }.get(first, _("{code} is not a reply code mail servers use."))
    text = general.format(code=code)
    enhanced = reply.enhanced
    if enhanced:
        specific = _ENHANCED_MEANINGS.get(enhanced)
        if specific is None and enhanced.startswith("4."):
            specific = _ENHANCED_MEANINGS.get("5." + enhanced[2:])
        if specific:
            text += " " + _("{enhanced}: {meaning}.").format(enhanced=enhanced, meaning=specific)
    return text


# -- comparing attempts ----------------------------------------------------------------------


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
    where = f"{c.host}:{c.port} ({c.security.label})"
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
