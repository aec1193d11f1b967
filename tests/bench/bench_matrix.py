"""How soon the matrix gives its verdict, and how close one probe comes to the network's floor.

1. Silent candidates. The matrix: an implicit-TLS server (the best candidate, ranked first)
   and three more candidates, of which k (0 to 3) accept connections and never say anything
   (as a blocked or held port looks) and the others are working STARTTLS servers. Every
   server that answers sits behind a proxy that delays each packet, so a round trip costs
   what it does on a real network. For each k, as medians over several runs:
   - the best candidate probed alone (the floor of any verdict),
   - the matrix probed concurrently: time to the verdict, and to the end of the run,
   - the same matrix probed one candidate after another (what a sequential tool does),
   with the ratios between them. One more row puts a silent candidate *before* the best:
   then the verdict waits for it to time out, by design (a better-ranked candidate is never
   passed over while it might still work).

2. Latency. The best candidate probed alone, STARTTLS and implicit TLS, each with a login and
   the dry run, through a proxy adding a fixed one-way delay d (round trip 2d), against the
   round-trip floor of its stages as the protocol allows them, pipelined where the server
   offers PIPELINING (RFC 2920): the round trips the conversation needs times 2d. Through
   the proxy the TCP connection itself is local (free); on a real network add one round trip.
   The probe's own time is the sum of its stages (what the result records); the wall time
   of the call adds the Python work around them.
   A round trip through the proxy costs 2d plus the proxy's own forwarding (its threads pass
   each chunk on); that round trip is measured with an echo behind the same proxy (a byte
   out, the byte back, over an open connection), and the floor is the round trips times it.
   The nominal floor (round trips times 2d, as if forwarding were free) is printed as well.

   STARTTLS, 5.5 round trips: greeting 0.5 (it comes unasked), EHLO 1, STARTTLS 1, TLS
   handshake 1 (TLS 1.3; the client's Finished travels with the next EHLO), EHLO 1, then
   AUTH PLAIN with its initial response, MAIL FROM, RCPT TO and RSET in one flight 1
   (RFC 4954 section 4 allows AUTH PLAIN to lead it; RFC 2920 the rest), and QUIT 0
   (nothing waits for its answer).
   Implicit TLS, 4 round trips: TLS handshake 1, greeting 1 (sent once the server has the
   client's Finished), EHLO 1, AUTH + MAIL FROM + RCPT TO + RSET 1, QUIT 0.
   The last column shows the floor without AUTH in the flight (one round trip more), the
   floor of a client that waits for the login's answer before the envelope, also measured.

Figures are printed, never asserted: they depend on the machine. With the defaults the whole
run takes about a minute and a half, most of it in the sequential probes of silent ports.

Run:
    .venv/bin/python tests/bench/bench_matrix.py [--delay MS] [--timeout S] [--runs N]
        [--delays MS,MS,...] [--part silent|latency|all]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from smtpwizard.core.login import Credentials
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Security
from smtpwizard.core.model import StageName
from smtpwizard.core.net.address import parse_email
from smtpwizard.core.net.resolve import StaticResolver
from smtpwizard.core.net.tls import make_tls_context
from smtpwizard.core.probe.matrix import Prober
from smtpwizard.core.probe.options import ProbeOptions
from smtpwizard.core.probe.runner import probe_candidate
from tests.support.certs import make_certs
from tests.support.listeners import ScriptedServer
from tests.support.listeners import silent
from tests.support.proxy import DelayProxy
from tests.support.smtpd import SmtpServer

USER = "alice@example.test"
PASSWORD = "bench-password"
HOST = "mail.example.test"

#: Round trips each stage needs, pipelined (see the module docstring): the flight of the login
#: and the envelope is waited for once, in AUTH; the other replies are already there.
ROUND_TRIPS: dict[Security, dict[StageName, float]] = {
    Security.STARTTLS: {
        StageName.GREETING: 0.5,
        StageName.EHLO: 1,
        StageName.STARTTLS: 1,
        StageName.TLS: 1,
        StageName.EHLO_TLS: 1,
        StageName.AUTH: 1,
        StageName.MAIL_FROM: 0,
        StageName.RCPT_TO: 0,
        StageName.RSET: 0,
        StageName.QUIT: 0,
    },
    Security.TLS: {
        StageName.TLS: 1,
        StageName.GREETING: 1,
        StageName.EHLO: 1,
        StageName.AUTH: 1,
        StageName.MAIL_FROM: 0,
        StageName.RCPT_TO: 0,
        StageName.RSET: 0,
        StageName.QUIT: 0,
    },
}
#: Round trips a client spends more when it waits for the login's answer before the envelope.
AUTH_ALONE = 1


def serve(tmp: Path, delays: list[float]) -> None:
    """The servers and proxies of a run, in a process of their own, as real servers are
    elsewhere: their threads (the proxies run four per connection) do not compete with the
    probe's for the interpreter, so the probe's time is its own. Prints the CA file and the
    ports as JSON, then serves until standard input closes."""
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    with ExitStack() as stack:
        certs = make_certs(tmp)
        users = {USER: PASSWORD}
        servers = {
            security: stack.enter_context(SmtpServer(mode=mode, cert=certs.good, users=users))
            for security, mode in ((Security.TLS, "tls"), (Security.STARTTLS, "starttls"))
        }

        def proxied(security: Security, delay_ms: float) -> int:
            proxy = DelayProxy(servers[security].port, delay_ms / 1000)
            return stack.enter_context(proxy).port

        echo_server = stack.enter_context(ScriptedServer(echo))

        def proxied_echo(delay_ms: float) -> int:
            return stack.enter_context(DelayProxy(echo_server.port, delay_ms / 1000)).port

        place = {
            "ca": str(certs.ca_file),
            "silent": [stack.enter_context(ScriptedServer(silent)).port for _ in range(3)],
            "echo": {str(d): proxied_echo(d) for d in delays},
            "proxied": {
                security.value: {str(d): [proxied(security, d) for _ in range(3)] for d in delays}
                for security in servers
            },
        }
        print(json.dumps(place), flush=True)
        sys.stdin.read()


def echo(conn: socket.socket, stopping: threading.Event) -> None:
    """Sends back what comes, until the other side closes."""
    with contextlib.suppress(OSError):
        while data := conn.recv(64):
            conn.sendall(data)


class Bench:
    """The ports of the servers (in their own process) and the probe settings both parts
    share."""

    def __init__(self, stack: ExitStack, args: argparse.Namespace) -> None:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        delays = sorted({float(args.delay), *parse_delays(args.delays)})
        world = stack.enter_context(
            subprocess.Popen(
                [sys.executable, __file__, "--serve", str(tmp), "--delays", _joined(delays)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        )
        assert world.stdin is not None
        assert world.stdout is not None
        stack.callback(world.stdin.close)  # runs before the wait of the Popen's exit
        place = json.loads(world.stdout.readline())
        self.delay = float(args.delay)
        self.silent = list(place["silent"])
        self._proxied: dict[str, dict[str, list[int]]] = place["proxied"]
        self._echo: dict[str, int] = place["echo"]
        self.resolver = StaticResolver({HOST: ["127.0.0.1"]})
        self.options = ProbeOptions(timeout=args.timeout, cafile=place["ca"])
        self.context = make_tls_context(place["ca"])
        self.email = parse_email(USER)
        self.credentials = Credentials(USER, PASSWORD)

    def proxied(self, security: Security, delay: float | None = None) -> list[int]:
        """The three proxies to the ``security`` server with a one-way ``delay`` in ms."""
        return self._proxied[security.value][str(float(self.delay if delay is None else delay))]

    def round_trip(self, delay: float, pings: int = 25) -> float:
        """The median round trip through the proxy with a one-way ``delay`` in ms."""
        with socket.create_connection(("127.0.0.1", self._echo[str(float(delay))])) as conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            times: list[float] = []
            for _ in range(pings):
                start = time.perf_counter()
                conn.sendall(b"x")
                conn.recv(1)
                times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    def probe(self, candidate: Candidate) -> tuple[ProbeResult, float]:
        start = time.perf_counter()
        result = probe_candidate(
            candidate,
            self.options,
            email=self.email,
            credentials=self.credentials,
            context=self.context,
            resolver=self.resolver,
        )
        return result, (time.perf_counter() - start) * 1000


def parse_delays(text: str) -> list[float]:
    return [float(d) for d in text.split(",") if d.strip()]


def _joined(delays: list[float]) -> str:
    return ",".join(f"{d:g}" for d in delays)


def median(measure: Callable[[], float], runs: int) -> float:
    return statistics.median(measure() for _ in range(max(1, runs)))


# -- 1. silent candidates ---------------------------------------------------------------------


def silent_candidates(bench: Bench, args: argparse.Namespace) -> None:
    best = Candidate(HOST, bench.proxied(Security.TLS)[0], Security.TLS)
    working = [
        Candidate(HOST, port, Security.STARTTLS) for port in bench.proxied(Security.STARTTLS)
    ]
    silents = [Candidate(HOST, port, Security.STARTTLS) for port in bench.silent]

    def alone() -> float:
        result, ms = bench.probe(best)
        assert result.outcome is Outcome.OK, result.failed_stage
        return ms

    def matrix(candidates: Sequence[Candidate]) -> tuple[float, float]:
        prober = Prober(bench.options, resolver=bench.resolver, context=bench.context)
        result = prober.run(bench.email, list(candidates), password=PASSWORD)
        assert result.proven  # the recommendation is the diagnosis's (conclude), not the run's
        assert result.best is not None
        assert result.best.candidate == best
        return result.verdict_ms, result.elapsed_ms

    def sequential(candidates: Sequence[Candidate]) -> float:
        start = time.perf_counter()
        for candidate in candidates:
            bench.probe(candidate)
        return (time.perf_counter() - start) * 1000

    alone_ms = median(alone, args.runs)
    rows: list[tuple[str, float, float, float]] = []
    layouts = [(f"k={k}", [best, *silents[:k], *working[: 3 - k]]) for k in range(4)]
    layouts.append(("k=1, silent ranked first", [silents[0], best, *working[:2]]))
    for label, candidates in layouts:
        runs = [matrix(candidates) for _ in range(args.runs)]
        verdict = statistics.median(v for v, _ in runs)
        end = statistics.median(e for _, e in runs)
        seq = median(lambda c=candidates: sequential(c), max(1, args.runs // 3))  # type: ignore[misc]
        rows.append((label, verdict, end, seq))

    print(
        f"1. Silent candidates: 4 candidates, the best (SSL/TLS) ranked first, k of the other "
        f"three silent;\n   one-way delay {args.delay:g} ms, step timeout {args.timeout:g} s, "
        f"medians of {args.runs} runs (sequential: {max(1, args.runs // 3)})"
    )
    print(f"   best candidate probed alone: {alone_ms:.1f} ms")
    header = (
        f"   {'':26}{'verdict':>9}{'run ends':>10}{'sequential':>12}"
        f"{'verdict/alone':>15}{'seq/verdict':>13}"
    )
    print(header)
    for label, verdict, end, seq in rows:
        print(
            f"   {label:26}{verdict:9.1f}{end:10.1f}{seq:12.1f}"
            f"{verdict / alone_ms:15.2f}{seq / verdict:13.1f}"
        )
    print("   (ms; verdict/alone: 1.00 means the silent ports cost the verdict nothing)")


# -- 2. latency -------------------------------------------------------------------------------


def latency(bench: Bench, args: argparse.Namespace) -> None:
    delays = parse_delays(args.delays)
    print(
        f"\n2. Latency: the best candidate alone with a login and the dry run, through a proxy "
        f"adding a one-way delay d;\n   rtt = a round trip through it, measured; floor = round "
        f"trips (pipelined) x rtt; nominal = round trips x 2d;\n   stages = the probe's own "
        f"time (sum of its stages); medians of {args.runs} runs"
    )
    print(
        f"   {'mode':10}{'d ms':>6}{'trips':>7}{'rtt':>7}{'floor':>8}{'stages':>8}{'wall':>8}"
        f"{'stages/floor':>14}{'wall/floor':>12}{'stages/nominal':>16}"
        f"{'stages/(floor+AUTH)':>21}"
    )
    last: dict[Security, list[ProbeResult]] = {}
    rtts = {d: bench.round_trip(d) for d in delays}
    for security in (Security.STARTTLS, Security.TLS):
        trips = sum(ROUND_TRIPS[security].values())
        for d in delays:
            candidate = Candidate(HOST, bench.proxied(security, d)[0], security)
            results: list[ProbeResult] = []
            walls: list[float] = []
            for _ in range(max(1, args.runs)):
                result, ms = bench.probe(candidate)
                assert result.outcome is Outcome.OK, result.failed_stage
                results.append(result)
                walls.append(ms)
            stages = statistics.median(sum(s.ms for s in r.stages) for r in results)
            wall = statistics.median(walls)
            rtt = rtts[d]
            floor = trips * rtt
            nominal = trips * 2 * d
            looser = (trips + AUTH_ALONE) * rtt

            def ratio(value: float, of: float, delayed: bool = d > 0) -> str:
                return f"{value / of:.2f}" if delayed else "-"  # no delay: no floor to speak of

            print(
                f"   {security.label:10}{d:6g}{trips:7g}{rtt:7.1f}{floor:8.1f}{stages:8.1f}"
                f"{wall:8.1f}{ratio(stages, floor):>14}{ratio(wall, floor):>12}"
                f"{ratio(stages, nominal):>16}{ratio(stages, looser):>21}"
            )
            last[security] = results
    d = delays[-1]
    print(f"\n   Per stage at d = {d:g} ms (RTT {2 * d:g} ms), medians, ms:")
    for security, results in last.items():
        print(f"   {security.label}:")
        print(f"     {'stage':16}{'trips':>6}{'floor':>8}{'measured':>10}")
        for stage, trips in ROUND_TRIPS[security].items():
            times = [s.ms for r in results for s in r.stages if s.name is stage]
            if times:
                print(
                    f"     {stage!s:16}{trips:6g}{trips * 2 * d:8.1f}"
                    f"{statistics.median(times):10.1f}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--delay", type=float, default=20, help="one-way delay in ms, part 1")
    parser.add_argument("--timeout", type=float, default=3, help="step timeout in s (default 3)")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default 5)")
    parser.add_argument("--delays", default="0,10,50", help="one-way delays in ms for part 2")
    parser.add_argument("--part", choices=["silent", "latency", "all"], default="all")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, parse_delays(args.delays))
        return
    # aiosmtpd notes every login, and every handshake a stopped candidate breaks off
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    with ExitStack() as stack:
        bench = Bench(stack, args)
        if args.part in ("silent", "all"):
            silent_candidates(bench, args)
        if args.part in ("latency", "all"):
            latency(bench, args)


if __name__ == "__main__":
    main()
