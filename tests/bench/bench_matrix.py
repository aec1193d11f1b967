"""How soon the matrix gives its verdict when some ports never answer.

The matrix: an implicit-TLS server (the best candidate), a STARTTLS server, and two ports that
accept connections and never say anything (as a blocked or held port looks). Every server sits
behind a proxy that delays each packet, so a round trip costs what it does on a real network.

Printed, as medians over several runs:
- the best candidate probed alone (the floor),
- the matrix probed concurrently: time to the verdict, and to the end of the run,
- the same matrix probed one candidate after another (what a sequential tool does).

Run: .venv/bin/python tests/bench/bench_matrix.py [--delay MS] [--timeout S] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from smtpwizard.core.address import parse_email
from smtpwizard.core.model import Candidate, Credentials, Outcome, Security
from smtpwizard.core.probe import ProbeOptions, make_tls_context, probe_candidate
from smtpwizard.core.prober import Prober
from smtpwizard.core.resolve import StaticResolver
from tests.support.certs import make_certs
from tests.support.listeners import ScriptedServer, silent
from tests.support.proxy import DelayProxy
from tests.support.smtpd import SmtpServer

USER = "alice@example.test"
PASSWORD = "bench-password"
HOST = "mail.example.test"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delay", type=float, default=20, help="one-way delay in ms (default 20)")
    parser.add_argument("--timeout", type=float, default=3, help="step timeout in s (default 3)")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default 5)")
    args = parser.parse_args()
    delay = args.delay / 1000

    with ExitStack() as stack:
        certs = make_certs(Path(stack.enter_context(tempfile.TemporaryDirectory())))
        users = {USER: PASSWORD}
        tls_server = stack.enter_context(SmtpServer(mode="tls", cert=certs.good, users=users))
        starttls_server = stack.enter_context(
            SmtpServer(mode="starttls", cert=certs.good, users=users)
        )
        ports = [
            stack.enter_context(DelayProxy(tls_server.port, delay)).port,
            stack.enter_context(DelayProxy(starttls_server.port, delay)).port,
            stack.enter_context(ScriptedServer(silent)).port,
            stack.enter_context(ScriptedServer(silent)).port,
        ]
        candidates = [
            Candidate(HOST, ports[0], Security.TLS),
            Candidate(HOST, ports[1], Security.STARTTLS),
            Candidate(HOST, ports[2], Security.STARTTLS),
            Candidate(HOST, ports[3], Security.STARTTLS),
        ]
        resolver = StaticResolver({HOST: ["127.0.0.1"]})
        options = ProbeOptions(timeout=args.timeout, cafile=str(certs.ca_file))
        context = make_tls_context(str(certs.ca_file))
        email = parse_email(USER)
        credentials = Credentials(USER, PASSWORD)

        def alone() -> float:
            start = time.perf_counter()
            result = probe_candidate(
                candidates[0],
                options,
                email=email,
                credentials=credentials,
                context=context,
                resolver=resolver,
            )
            assert result.outcome is Outcome.OK, result.failed_stage
            return (time.perf_counter() - start) * 1000

        def matrix() -> tuple[float, float]:
            prober = Prober(options, resolver=resolver, context=context)
            result = prober.run(email, candidates, password=PASSWORD)
            assert result.recommended is not None
            assert result.recommended.candidate == candidates[0]
            return result.verdict_ms, result.elapsed_ms

        def sequential() -> float:
            start = time.perf_counter()
            for candidate in candidates:
                probe_candidate(
                    candidate,
                    options,
                    email=email,
                    credentials=credentials,
                    context=context,
                    resolver=resolver,
                )
            return (time.perf_counter() - start) * 1000

        alone_ms = statistics.median(alone() for _ in range(args.runs))
        runs = [matrix() for _ in range(args.runs)]
        verdict_ms = statistics.median(v for v, _ in runs)
        end_ms = statistics.median(e for _, e in runs)
        sequential_ms = statistics.median(sequential() for _ in range(max(1, args.runs // 3)))

    print(
        f"matrix: 4 candidates, 2 silent; one-way delay {args.delay:g} ms; "
        f"step timeout {args.timeout:g} s; medians of {args.runs} runs"
    )
    print(f"{'':34}{'ms':>10}{'x best alone':>14}")
    rows = [
        ("best candidate probed alone", alone_ms),
        ("matrix, concurrent: verdict", verdict_ms),
        ("matrix, concurrent: run ends", end_ms),
        ("matrix, sequential", sequential_ms),
    ]
    for label, value in rows:
        print(f"{label:34}{value:10.1f}{value / alone_ms:14.2f}")
    print(f"sequential / concurrent verdict: {sequential_ms / verdict_ms:.1f}x")


if __name__ == "__main__":
    main()
