"""The matrix: concurrency, rank order, early verdict, logging in as few times as possible."""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Iterator
from concurrent.futures import Executor
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from smtpwizard.core.diagnosis.findings import explain
from smtpwizard.core.engine import Assessor
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Security
from smtpwizard.core.net.address import parse_email
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.net.resolve import StaticResolver
from smtpwizard.core.probe.matrix import CandidateFinished
from smtpwizard.core.probe.matrix import CandidateStarted
from smtpwizard.core.probe.matrix import ProbeEvent
from smtpwizard.core.probe.matrix import Prober
from smtpwizard.core.probe.matrix import VerdictReached
from smtpwizard.core.probe.options import ProbeOptions
from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.support.certs import CertSet
from tests.support.listeners import ScriptedServer
from tests.support.listeners import silent
from tests.support.proxy import DelayProxy
from tests.support.smtpd import SmtpServer

HOST = "mail.example.test"
EMAIL = parse_email(USER)

StartSmtp = Callable[..., SmtpServer]
StartScripted = Callable[..., ScriptedServer]


class Events:
    """Collects prober events from worker threads."""

    def __init__(self) -> None:
        self.items: list[ProbeEvent] = []
        self._lock = threading.Lock()

    def __call__(self, event: ProbeEvent) -> None:
        with self._lock:
            self.items.append(event)

    def kinds(self) -> list[str]:
        return [type(e).__name__ for e in self.items]


@pytest.fixture
def make_prober(resolver: StaticResolver, ca_file: Path) -> Callable[..., Assessor]:
    def make(timeout: float = 3.0, listener: Events | None = None, **kwargs: Any) -> Assessor:
        executor = kwargs.pop("executor", None)
        max_per_host = kwargs.pop("max_per_host", 3)
        options = ProbeOptions(timeout=timeout, cafile=str(ca_file), **kwargs)
        return Assessor(
            Prober(
                options,
                resolver=resolver,
                listener=listener,
                executor=executor,
                max_per_host=max_per_host,
            )
        )

    return make


def tls(port: int) -> Candidate:
    return Candidate(HOST, port, Security.TLS)


def starttls(port: int) -> Candidate:
    return Candidate(HOST, port, Security.STARTTLS)


def test_verdict_does_not_wait_for_worse_candidates_that_time_out(
    make_prober, smtp_server: StartSmtp, scripted: StartScripted
) -> None:
    good = smtp_server(mode="tls")
    silent_a, silent_b = scripted(silent), scripted(silent)
    events = Events()
    prober = make_prober(timeout=60, listener=events)
    matrix = prober.run(EMAIL, [tls(good.port), starttls(silent_a.port), starttls(silent_b.port)])

    assert matrix.recommended is not None
    assert matrix.recommended.candidate.port == good.port
    outcomes = [(r.candidate.port, r.outcome, r.reason) for r in matrix.results]
    assert outcomes == [
        (good.port, Outcome.OK, None),
        (silent_a.port, Outcome.CANCELLED, Reason.SUPERSEDED),
        (silent_b.port, Outcome.CANCELLED, Reason.SUPERSEDED),
    ]
    assert not matrix.complete
    assert not matrix.cancelled
    # the verdict came before the silent candidates finished
    verdict_at = next(i for i, e in enumerate(events.items) if isinstance(e, VerdictReached))
    silent_done = [
        i
        for i, e in enumerate(events.items)
        if isinstance(e, CandidateFinished) and e.result.outcome is Outcome.CANCELLED
    ]
    assert silent_done
    assert min(silent_done) > verdict_at


def test_wait_all_gives_the_full_picture(
    make_prober, smtp_server: StartSmtp, silent_port: int
) -> None:
    good = smtp_server(mode="tls")
    matrix = make_prober(timeout=0.5).run(
        EMAIL, [tls(good.port), starttls(silent_port)], wait_all=True
    )
    assert [r.outcome for r in matrix.results] == [Outcome.OK, Outcome.TIMEOUT]
    assert matrix.complete


def test_a_better_ranked_candidate_is_awaited(make_prober, smtp_server: StartSmtp) -> None:
    slow_server = smtp_server(mode="starttls")
    fast_server = smtp_server(mode="starttls")
    with DelayProxy(slow_server.port, 0.05) as slow:
        matrix = make_prober().run(
            EMAIL, [starttls(slow.port), starttls(fast_server.port)], password=PASSWORD
        )
    assert matrix.recommended is not None
    assert matrix.recommended.candidate.port == slow.port
    assert len(slow_server.seen.attempts) == 1
    assert fast_server.seen.attempts == []


def test_logs_in_once_when_several_work(make_prober, smtp_server: StartSmtp) -> None:
    first, second = smtp_server(mode="tls"), smtp_server(mode="starttls")
    matrix = make_prober().run(
        EMAIL, [tls(first.port), starttls(second.port)], password=PASSWORD, wait_all=True
    )
    assert matrix.recommended is not None
    assert matrix.recommended.username == USER
    assert matrix.recommended.auth_mechanism == "PLAIN"
    assert len(first.seen.attempts) == 1
    assert second.seen.attempts == []
    assert [r.auth.status for r in matrix.results] == [AuthStatus.OK, AuthStatus.NOT_TRIED]


def test_a_wrong_password_is_tried_once_in_all(make_prober, smtp_server: StartSmtp) -> None:
    servers = [smtp_server(mode="tls"), smtp_server(mode="starttls"), smtp_server(mode="tls")]
    candidates = [tls(servers[0].port), starttls(servers[1].port), tls(servers[2].port)]
    matrix = make_prober().run(EMAIL, candidates, password="wrong", wait_all=True)
    assert matrix.recommended is None
    assert matrix.credentials_rejected
    assert sum(len(s.seen.attempts) for s in servers) == 1
    assert [r.auth.status for r in matrix.results] == [
        AuthStatus.REJECTED,
        AuthStatus.NOT_TRIED,
        AuthStatus.NOT_TRIED,
    ]


def test_a_temporary_failure_moves_on_to_the_next(make_prober, smtp_server: StartSmtp) -> None:
    flaky = smtp_server(mode="tls", login_reply="454 4.7.0 Temporary authentication failure")
    good = smtp_server(mode="starttls")
    matrix = make_prober().run(EMAIL, [tls(flaky.port), starttls(good.port)], password=PASSWORD)
    assert matrix.recommended is not None
    assert matrix.recommended.candidate.port == good.port
    assert len(flaky.seen.attempts) == 1
    assert len(good.seen.attempts) == 1


def test_username_variants_are_each_tried_once(make_prober, smtp_server: StartSmtp) -> None:
    server = smtp_server(mode="tls")
    other = smtp_server(mode="tls")
    matrix = make_prober().run(
        EMAIL,
        [tls(server.port), tls(other.port)],
        password=PASSWORD,
        usernames=["alice", USER],
    )
    assert matrix.recommended is not None
    assert matrix.recommended.username == USER
    assert [(a.login, a.success) for a in server.seen.attempts] == [("alice", False), (USER, True)]
    assert other.seen.attempts == []


def test_nothing_encrypted_works_and_plain_text_is_not_recommended(
    make_prober, smtp_server: StartSmtp
) -> None:
    plain = smtp_server(mode="plain", auth_require_tls=False)
    candidates = [starttls(plain.port), Candidate(HOST, plain.port, Security.NONE)]
    refused = make_prober().run(EMAIL, candidates, password=PASSWORD)
    assert refused.recommended is None
    assert [r.outcome for r in refused.results] == [Outcome.NO_STARTTLS, Outcome.INSECURE]
    assert plain.seen.attempts == []

    allowed = make_prober(allow_plaintext=True).run(EMAIL, candidates, password=PASSWORD)
    assert allowed.recommended is not None
    assert allowed.recommended.candidate.security is Security.NONE
    assert any("not encrypted" in warning for warning in allowed.recommended.warnings)


def test_a_refused_dry_run_is_not_a_working_configuration(
    make_prober, smtp_server: StartSmtp
) -> None:
    server = smtp_server(mode="tls", recipient_reply="550 5.1.2 Recipient domain not found")
    matrix = make_prober().run(EMAIL, [tls(server.port)], password=PASSWORD)
    assert matrix.recommended is None
    (result,) = matrix.results
    assert (result.outcome, result.reason) == (Outcome.SEND_REFUSED, Reason.RECIPIENT_REFUSED)
    assert "550 5.1.2" in explain(result).explanation


def test_cancel_returns_promptly_with_what_is_known(
    make_prober, smtp_server: StartSmtp, scripted: StartScripted
) -> None:
    good = smtp_server(mode="tls")
    ports = [scripted(silent).port for _ in range(2)]
    with CancelToken() as cancel:
        threading.Timer(0.3, cancel.cancel).start()
        matrix = make_prober(timeout=60).run(
            EMAIL, [tls(good.port)] + [starttls(p) for p in ports], cancel=cancel, wait_all=True
        )
    assert matrix.cancelled
    assert not matrix.complete
    by_port = {r.candidate.port: r for r in matrix.results}
    assert [by_port[p].reason for p in ports] == [Reason.CANCELLED_BY_USER] * 2
    # what was known before the cancel is kept
    assert by_port[good.port].outcome is Outcome.OK
    assert matrix.recommended is not None
    assert matrix.recommended.candidate.port == good.port


def test_cancel_before_anything_works(make_prober, scripted: StartScripted) -> None:
    ports = [scripted(silent).port for _ in range(4)]  # one more than the per-host bound
    with CancelToken() as cancel:
        threading.Timer(0.3, cancel.cancel).start()
        matrix = make_prober(timeout=60).run(EMAIL, [starttls(p) for p in ports], cancel=cancel)
    assert matrix.cancelled
    assert matrix.recommended is None
    assert [r.outcome for r in matrix.results] == [Outcome.CANCELLED] * 4
    assert matrix.results[3].stages == ()  # never got a connection slot


def test_connections_per_host_are_bounded(make_prober, scripted: StartScripted) -> None:
    lock = threading.Lock()
    state = {"now": 0, "most": 0}

    def counting(conn: Any, stopping: threading.Event) -> None:
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        try:
            stopping.wait(0.3)
        finally:
            with lock:
                state["now"] -= 1
        conn.close()

    ports = [scripted(counting).port for _ in range(5)]
    matrix = make_prober(timeout=1, max_per_host=2).run(EMAIL, [starttls(p) for p in ports])
    assert state["most"] == 2
    assert all(r.outcome is Outcome.REFUSED for r in matrix.results)


class InlineExecutor(Executor):
    """Runs each task when submitted (as GUI tests do)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_runs_with_an_inline_executor(make_prober, smtp_server: StartSmtp) -> None:
    servers = [smtp_server(mode="tls"), smtp_server(mode="starttls")]
    events = Events()
    matrix = make_prober(listener=events, executor=InlineExecutor()).run(
        EMAIL,
        [tls(s.port) if s.mode == "tls" else starttls(s.port) for s in servers],
        password=PASSWORD,
    )
    assert matrix.recommended is not None
    assert events.kinds()[0] == "CandidateStarted"
    assert "VerdictReached" in events.kinds()


def test_duplicates_are_probed_once(make_prober, smtp_server: StartSmtp) -> None:
    server = smtp_server(mode="tls")
    events = Events()
    make_prober(listener=events).run(EMAIL, [tls(server.port), tls(server.port)])
    assert sum(isinstance(e, CandidateStarted) for e in events.items) == 1


@pytest.fixture(autouse=True)
def _no_thread_leak() -> Iterator[None]:
    before = {t.name for t in threading.enumerate()}
    yield
    leaked = [
        t for t in threading.enumerate() if t.name.startswith("probe") and t.name not in before
    ]
    for thread in leaked:
        thread.join(2)
    assert not [t for t in leaked if t.is_alive()]


@pytest.mark.parametrize("expired", [False, True], ids=["valid", "expired-certificate"])
def test_a_port_that_speaks_tls_answers_its_starttls_sibling_at_once(
    make_prober, smtp_server: StartSmtp, certs: CertSet, expired: bool
) -> None:
    server = smtp_server(mode="tls", cert=certs.expired if expired else certs.good)
    matrix = make_prober(timeout=30).run(
        EMAIL, [tls(server.port), starttls(server.port)], wait_all=True
    )
    by_mode = {r.candidate.security: r for r in matrix.results}
    wanted = Outcome.CERT_EXPIRED if expired else Outcome.OK
    assert by_mode[Security.TLS].outcome is wanted
    sibling = by_mode[Security.STARTTLS]
    assert (sibling.outcome, sibling.reason) == (Outcome.TLS_ERROR, Reason.EXPECTS_IMPLICIT_TLS)
    assert "same port completed an SSL/TLS handshake" in sibling.stages[-1].detail


def test_a_starttls_sibling_that_connects_after_the_handshake_is_answered_at_once(
    make_prober, smtp_server: StartSmtp
) -> None:
    server = smtp_server(mode="tls")
    # One connection at a time: the sibling connects only once the SSL/TLS probe is over.
    matrix = make_prober(timeout=30, max_per_host=1).run(
        EMAIL, [tls(server.port), starttls(server.port)], wait_all=True
    )
    sibling = {r.candidate.security: r for r in matrix.results}[Security.STARTTLS]
    assert (sibling.outcome, sibling.reason) == (Outcome.TLS_ERROR, Reason.EXPECTS_IMPLICIT_TLS)
    assert [str(s.name) for s in sibling.stages][-1] == "greeting"
