"""The whole matrix of candidates, probed concurrently, with a verdict as early as it is certain.

How it runs:
1. Candidates are ranked (encrypted before unencrypted; the person's own entry first;
   465/SSL-TLS, 587/STARTTLS, then other ports and 2525, then 25) and de-duplicated.
2. Every candidate is probed at once on a worker thread, without logging in, with at most
   a few connections per host. Host slots are granted in rank order, so a candidate only
   ever waits for better-ranked ones and the run cannot deadlock.
3. A candidate whose capabilities allow a login keeps its connection and waits for its
   turn. Turns go in rank order: a candidate logs in only once every better-ranked one has
   finished without success. With a password the first success ends the logging in; a
   definitive rejection of the credentials ends it everywhere. Providers lock accounts after
   repeated failures, so a run makes at most two login attempts with a password: the login
   names in order (the full address first), the next only after the server refused the
   credentials themselves, and none after a reply that says logins are locked (see
   :mod:`~smtpwizard.core.probe.turns`). An OAuth 2.0 token is no password to guess: once
   one candidate has logged in with it, every other one that connected logs in too (with
   the same username), so each port is proven, not only the best.
   With ``allow_plaintext``, a STARTTLS candidate whose server does not offer STARTTLS is
   followed by the same port without encryption, ranked after every encrypted one, so a
   password travels readable only where nothing encrypted worked, and only as allowed.
4. The verdict is certain when a candidate works and every better-ranked one has finished.
   Worse-ranked candidates still waiting on a timeout are then stopped (unless the caller
   wants the full matrix), so they never delay it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import ssl
import threading
import time
from collections.abc import Callable
from collections.abc import Sequence
from concurrent.futures import Executor
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import replace
from typing import Any

from smtpwizard.core.login import Credentials
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import MatrixResult
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Security
from smtpwizard.core.model import Source
from smtpwizard.core.model import StageName
from smtpwizard.core.model import StageResult
from smtpwizard.core.model import Trust
from smtpwizard.core.net.address import EmailAddress
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.net.channel import Clock
from smtpwizard.core.net.resolve import Resolver
from smtpwizard.core.net.resolve import SystemResolver
from smtpwizard.core.net.tls import make_tls_context
from smtpwizard.core.net.transcript import Redactor
from smtpwizard.core.probe.options import ProbeOptions
from smtpwizard.core.probe.runner import make_probe
from smtpwizard.core.probe.smtp import SmtpProbe
from smtpwizard.core.probe.turns import Coordinator
from smtpwizard.core.probe.turns import HostGate
from smtpwizard.core.probe.turns import works

__all__ = [
    "MAX_PER_HOST",
    "MAX_WORKERS",
    "CandidateFinished",
    "CandidateStarted",
    "EventListener",
    "ProbeEvent",
    "Prober",
    "StageFinished",
    "VerdictReached",
    "rank",
    "run_account",
    "works",
]

log = logging.getLogger(__name__)

#: Connections at once to one host; servers limit connections per client address.
MAX_PER_HOST = 3
#: Worker threads at most.
MAX_WORKERS = 16

_SOURCE_RANK = {
    Source.USER: 0,
    Source.PROVIDER: 1,
    Source.AUTOCONFIG: 1,
    Source.ISPDB: 1,
    Source.AUTODISCOVER: 1,
    Source.SRV: 1,
    Source.GUESS: 2,
}


#: The standard port and mode of each protocol, best first (RFC 8314: implicit TLS first).
_PREFERRED = {
    Protocol.SMTP: ((465, Security.TLS), (587, Security.STARTTLS)),
    Protocol.IMAP: ((993, Security.TLS), (143, Security.STARTTLS)),
    Protocol.POP3: ((995, Security.TLS), (110, Security.STARTTLS)),
}


def _port_rank(candidate: Candidate) -> int:
    preferred = _PREFERRED[candidate.protocol]
    pair = (candidate.port, candidate.security)
    if pair in preferred:
        return preferred.index(pair)
    if candidate.protocol is Protocol.SMTP and candidate.port == 25:
        return 3
    return 2


def rank(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Orders candidates best first and drops repeats (the first occurrence keeps its source).

    Encrypted modes come before plain text; then the person's own entry, then what the
    provider documents (knowledge base, autoconfig, ISPDB, Autodiscover, SRV), then guesses.
    Documented candidates keep the order their source gives (providers list their preferred
    server first); the person's entries and guesses are ordered by port, following RFC 8314:
    465 with SSL/TLS, 587 with STARTTLS, other ports such as 2525, and 25 last (it is meant for
    server-to-server relay).
    """
    unique: dict[Candidate, int] = {}
    for index, candidate in enumerate(candidates):
        unique.setdefault(candidate, index)

    def key(c: Candidate) -> tuple[bool, bool, int, int, int]:
        by_port = c.source in (Source.USER, Source.GUESS)
        return (
            c.security is Security.NONE,
            c.protocol is Protocol.POP3,  # IMAP keeps mail on the server: it comes first
            _SOURCE_RANK.get(c.source, 2),
            _port_rank(c) if by_port else 0,
            unique[c],
        )

    return sorted(unique, key=key)


# -- events --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CandidateStarted:
    """A candidate's probe began (it got its connection slot)."""

    index: int
    candidate: Candidate


@dataclass(frozen=True, slots=True)
class StageFinished:
    """One stage of a candidate's conversation ended."""

    index: int
    candidate: Candidate
    stage: StageResult


@dataclass(frozen=True, slots=True)
class CandidateFinished:
    """A candidate's probe ended."""

    index: int
    result: ProbeResult


@dataclass(frozen=True, slots=True)
class VerdictReached:
    """The best working candidate is certain (``result`` is ``None`` when none works)."""

    result: ProbeResult | None
    elapsed_ms: float


ProbeEvent = CandidateStarted | StageFinished | CandidateFinished | VerdictReached
EventListener = Callable[[ProbeEvent], None]


# -- the prober ------------------------------------------------------------------------------


class Prober:
    """Probes a matrix of candidates for one address.

    Args:
        options: how each candidate is probed.
        resolver: host name lookups (default: the system's).
        context: the verifying TLS context (default: built from ``options.cafile``).
        max_per_host: connections at once to one host.
        executor: runs the probes (default: a thread pool of the right size).
        listener: told about every event, from worker threads.
        clock: monotonic time source.
    """

    def __init__(
        self,
        options: ProbeOptions | None = None,
        *,
        resolver: Resolver | None = None,
        context: ssl.SSLContext | None = None,
        max_per_host: int = MAX_PER_HOST,
        executor: Executor | None = None,
        listener: EventListener | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.options = options or ProbeOptions()
        self._resolver = resolver or SystemResolver()
        self._context = context or make_tls_context(self.options.cafile)
        self._max_per_host = max_per_host
        self._executor = executor
        self._listener = listener
        self._clock = clock

    def _emit(self, event: ProbeEvent) -> None:
        if self._listener is None:
            return
        try:
            self._listener(event)
        except Exception:  # a listener's bug must not break the probe
            log.exception("probe event listener failed")

    def run(
        self,
        email: EmailAddress,
        candidates: Sequence[Candidate],
        *,
        password: str | None = None,
        access_token: str | None = None,
        usernames: Sequence[str] = (),
        cancel: CancelToken | None = None,
        wait_all: bool = False,
    ) -> MatrixResult:
        """Probes every candidate and returns what works best.

        Args:
            email: the person's address (the dry run sends to it).
            candidates: what to try, in any order.
            password: log in with it; ``None`` probes capabilities only.
            access_token: log in with this OAuth 2.0 access token instead (the options say
                ``sign_in=SignIn.OAUTH2``).
            usernames: login names to try in order (default: the address).
            cancel: stops the run from another thread; the result holds what is known.
            wait_all: finish every candidate even after the verdict (the full picture).
        """
        started_at = dt.datetime.now(dt.UTC)
        t0 = self._clock()
        order = rank(candidates)
        if self.options.allow_plaintext:
            order = rank([*order, *_unencrypted_twins(order)])
        # A plain-text twin is probed only when its STARTTLS candidate found no STARTTLS.
        twin_of = {
            index: order.index(replace(c, security=Security.STARTTLS))
            for index, c in enumerate(order)
            if c.security is Security.NONE
            and replace(c, security=Security.STARTTLS) in order
            and c not in candidates
        }
        skipped: set[int] = set()
        will_login = password is not None or access_token is not None
        login = Credentials("", password or "", access_token) if will_login else None
        names = list(dict.fromkeys(usernames)) or [str(email)]
        run_token = CancelToken(parent=cancel)
        tokens = [CancelToken(parent=run_token) for _ in order]
        redactor = Redactor([s for s in (password, access_token) if s])
        coordinator = Coordinator(
            len(order),
            names,
            will_login,
            self.options.allow_plaintext,
            run_token,
            each_logs_in=access_token is not None,
        )
        gate = HostGate(order, self._max_per_host)
        results: list[ProbeResult | None] = [None] * len(order)
        verdict_ms: list[float] = []

        def on_verdict() -> None:
            elapsed = round((self._clock() - t0) * 1000, 1)
            verdict_ms.append(elapsed)
            best = results[coordinator.verdict] if coordinator.verdict is not None else None
            self._emit(VerdictReached(best, elapsed))
            if not wait_all:
                # Stopped for a better server, or because the login was refused elsewhere.
                why = Reason.SUPERSEDED if coordinator.verdict is not None else Reason.LOGIN_STOPPED
                for index, token in enumerate(tokens):
                    with spoken_lock:
                        logging_in = coordinator.each_logs_in and index in greeted
                    if not logging_in:  # a token proves every port that answered
                        token.cancel(why)

        greeted: set[int] = set()
        connected: set[int] = set()
        speaks_tls: set[tuple[str, int, Protocol]] = set()
        spoken_lock = threading.Lock()

        def on_stage(index: int, stage: StageResult) -> None:
            """A port that completed an SSL/TLS handshake cannot greet in plain text: its
            STARTTLS and plain siblings waiting for a greeting are answered at once, and so
            are those that connect later (the handshake can be over before they start)."""
            with spoken_lock:
                candidate = order[index]
                port = (candidate.host, candidate.port, candidate.protocol)
                if stage.name is StageName.GREETING:
                    greeted.add(index)
                    return
                if stage.name is StageName.CONNECT and stage.ok:
                    connected.add(index)
                    if candidate.security is not Security.TLS and port in speaks_tls:
                        tokens[index].cancel(Reason.EXPECTS_IMPLICIT_TLS)
                    return
                handshake_done = stage.ok or (stage.error or "").startswith(
                    "SSLCertVerificationError"
                )
                if not (
                    stage.name is StageName.TLS
                    and candidate.security is Security.TLS
                    and handshake_done
                ):
                    return
                speaks_tls.add(port)
                for other, sibling in enumerate(order):
                    if (
                        other != index
                        and other in connected
                        and other not in greeted
                        and results[other] is None
                        and sibling.security is not Security.TLS
                        and (sibling.host, sibling.port, sibling.protocol) == port
                    ):
                        tokens[other].cancel(Reason.EXPECTS_IMPLICIT_TLS)

        def work(index: int) -> None:
            candidate = order[index]
            token = tokens[index]
            result: ProbeResult | None = None
            try:
                if index in twin_of:
                    encrypted = coordinator.wait_for(twin_of[index], token)
                    if encrypted is None or encrypted.reason is not Reason.STARTTLS_NOT_OFFERED:
                        skipped.add(index)
                        gate.skip(candidate.host, index)
                        result = _not_started(candidate, Reason.SUPERSEDED)
                        return
                if not gate.acquire(candidate.host, index, token):
                    result = _not_started(candidate, token.effective_reason)
                    return
                try:
                    result = self._probe(
                        index,
                        candidate,
                        email,
                        login,
                        token,
                        redactor,
                        coordinator,
                        will_login,
                        on_stage,
                    )
                finally:
                    gate.release(candidate.host)
            finally:
                if result is None:  # an unexpected error: never lose the candidate
                    result = _not_started(candidate, Reason.CANCELLED_BY_USER)
                results[index] = result
                if index not in skipped:
                    self._emit(CandidateFinished(index, result))
                if coordinator.finish(index, result):
                    on_verdict()

        executor = self._executor
        own_executor = executor is None
        if executor is None:
            executor = ThreadPoolExecutor(
                max_workers=max(1, min(len(order), MAX_WORKERS)), thread_name_prefix="probe"
            )
        try:
            futures = [executor.submit(work, index) for index in range(len(order))]
            for future in futures:
                future.result()
        finally:
            if own_executor:
                executor.shutdown(wait=True)
            for token in tokens:
                token.close()
            run_token.close()

        final = [r for i, r in enumerate(results) if r is not None and i not in skipped]
        if not verdict_ms:
            verdict_ms.append(round((self._clock() - t0) * 1000, 1))
        best = results[coordinator.verdict] if coordinator.verdict is not None else None
        if best is None and coordinator.winner is not None:
            best = results[coordinator.winner]
        proven = best is not None and works(
            best, will_login=will_login, allow_plaintext=self.options.allow_plaintext
        )
        # Only what was shown to work as well: a port where the login was not tried is not.
        alternatives = tuple(
            r
            for r in final
            if proven
            and r is not best
            and works(r, will_login=will_login, allow_plaintext=self.options.allow_plaintext)
        )
        return MatrixResult(
            email=str(email),
            results=tuple(final),
            recommended=None,
            credentials_rejected=coordinator.rejected,
            cancelled=cancel is not None and cancel.cancelled,
            complete=all(r.outcome is not Outcome.CANCELLED for r in final),
            verdict_ms=verdict_ms[0],
            elapsed_ms=round((self._clock() - t0) * 1000, 1),
            started_at=started_at,
            best=best,
            proven=proven,
            alternatives=alternatives,
            trust=Trust(
                cafile=os.path.abspath(self.options.cafile) if self.options.cafile else None,
                pins=self.options.pins,
            ),
        )

    def _probe(
        self,
        index: int,
        candidate: Candidate,
        email: EmailAddress,
        login: Credentials | None,
        token: CancelToken,
        redactor: Redactor,
        coordinator: Coordinator,
        will_login: bool,
        seen: Callable[[int, StageResult], None] | None = None,
    ) -> ProbeResult:
        self._emit(CandidateStarted(index, candidate))

        def on_stage(c: Candidate, stage: StageResult) -> None:
            if seen is not None:
                seen(index, stage)
            self._emit(StageFinished(index, c, stage))

        probe = make_probe(
            candidate,
            self.options,
            context=self._context,
            resolver=self._resolver,
            cancel=token,
            listener=on_stage,
            will_login=will_login,
            redactor=redactor,
            clock=self._clock,
        )
        probe.open()
        wants_check = self.options.dry_run or self.options.send_test
        if isinstance(probe, SmtpProbe) and self.options.dry_run and not self.options.send_test:
            probe.plan_check(email)
        if login is not None:
            while probe.can_login:
                username = coordinator.await_turn(index)
                if username is None:
                    break
                status = probe.login(replace(login, username=username))
                another = coordinator.report_login(
                    index,
                    status,
                    locked=probe.login_locked,
                    name_refused=probe.login_name_refused,
                )
                if not another:
                    break
        if isinstance(probe, SmtpProbe) and wants_check and probe.may_send:
            probe.check_sending(email, send_message=self.options.send_test)
        return probe.finish()


def _unencrypted_twins(order: Sequence[Candidate]) -> list[Candidate]:
    """The same ports without encryption, for the STARTTLS candidates that have no such twin
    already (plain text was allowed)."""
    return [
        replace(c, security=Security.NONE)
        for c in order
        if c.security is Security.STARTTLS and replace(c, security=Security.NONE) not in order
    ]


def _not_started(candidate: Candidate, reason: Reason) -> ProbeResult:
    return ProbeResult(
        candidate=candidate,
        outcome=Outcome.CANCELLED,
        reason=reason,
        stages=(),
        started_at=dt.datetime.now(dt.UTC),
        elapsed_ms=0.0,
    )


def run_account(
    prober: Prober,
    email: EmailAddress,
    outgoing: Sequence[Candidate],
    incoming: Sequence[Candidate] = (),
    **kwargs: Any,
) -> tuple[MatrixResult, MatrixResult | None]:
    """Probes the outgoing and the incoming candidates at the same time, each matrix with its
    own verdict and its own (single) login. Keyword arguments go to :meth:`Prober.run`."""
    if not incoming:
        return prober.run(email, outgoing, **kwargs), None
    box: dict[str, MatrixResult | BaseException] = {}

    def run_incoming() -> None:
        try:
            box["incoming"] = prober.run(email, incoming, **kwargs)
        except BaseException as exc:  # re-raised on the calling thread
            box["error"] = exc

    thread = threading.Thread(target=run_incoming, name="probe incoming", daemon=True)
    thread.start()
    smtp = prober.run(email, outgoing, **kwargs)
    thread.join()
    error = box.get("error")
    if isinstance(error, BaseException):
        raise error
    result = box["incoming"]
    assert isinstance(result, MatrixResult)
    return smtp, result
