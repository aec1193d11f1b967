"""smtpwizard against swaks, side by side, as fresh processes, on a link with a real latency.

The work: a submission check on implicit TLS (the certificate verified against the test CA),
EHLO, AUTH PLAIN, MAIL FROM and RCPT TO for the person's own address, QUIT. swaks does it
with ``--pipeline --quit-after rcpt`` (MAIL FROM, RCPT TO and QUIT in one flight);
``smtpwizard probe`` does it with its dry run (MAIL FROM, RCPT TO and RSET in one flight,
QUIT not awaited), then explains the result. Every server that answers sits behind a proxy
that delays each packet by d one way (round trip 2d); connecting through it is local.

1. One port: ``smtpwizard probe --port P --security tls`` against swaks, at each d.
2. The full matrix: ``smtpwizard probe`` with four candidates, the implicit-TLS server
   first and k (0 to 3) of the other three silent (they accept and never answer, as a
   held port does; the rest are working STARTTLS servers), against the same swaks run.

3. The floor of any Python program: ``bare_client.py`` (the same conversation pipelined as
   swaks pipelines it, standard library only, no checks, no explanation) against the same
   swaks run. Where this is above 1, no Python program reaches swaks there; the fixed cost
   of starting Python, importing ``ssl`` and loading OpenSSL is what it measures at d = 0.

Each row: medians of A (smtpwizard) and B (swaks), and the median of A/B pair by pair.
Needs swaks (Debian: swaks; sh packaging/dev test installs it). Figures are printed, never
asserted.

Run:
    .venv/bin/python tests/bench/bench_swaks.py [--runs N] [--delays MS,MS,...]
        [--part port|matrix|floor|all]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.certs import make_certs
from tests.support.listeners import ScriptedServer
from tests.support.listeners import silent
from tests.support.proxy import DelayProxy
from tests.support.sidebyside import HEADER
from tests.support.sidebyside import Command
from tests.support.sidebyside import as_installed
from tests.support.sidebyside import side_by_side
from tests.support.sidebyside import smtpwizard_command
from tests.support.smtpd import SmtpServer

USER = "alice@example.test"
PASSWORD = "bench-password-7"


class Bench:
    """The servers and the two commands."""

    def __init__(self, stack: ExitStack) -> None:
        certs = make_certs(Path(stack.enter_context(tempfile.TemporaryDirectory())))
        users = {USER: PASSWORD}
        self.stack = stack
        self.ca = str(certs.ca_file)
        self.tls = stack.enter_context(SmtpServer(mode="tls", cert=certs.good, users=users))
        self.starttls = stack.enter_context(
            SmtpServer(mode="starttls", cert=certs.good, users=users)
        )
        self.silent = [stack.enter_context(ScriptedServer(silent)).port for _ in range(3)]
        self.env = as_installed()
        self.smtpwizard = smtpwizard_command()

    def proxied(self, server: SmtpServer, delay_ms: float) -> int:
        return self.stack.enter_context(DelayProxy(server.port, delay_ms / 1000)).port

    def swaks(self, port: int) -> Command:
        return Command(
            [
                "swaks",
                "--pipeline",
                "--quit-after",
                "rcpt",
                "--tls-on-connect",
                "--tls-verify",
                "--tls-ca-path",
                self.ca,
                "--server",
                f"127.0.0.1:{port}",
                "--helo",
                "[127.0.0.1]",
                "--from",
                USER,
                "--to",
                USER,
                "--auth",
                "PLAIN",
                "--auth-user",
                USER,
                "--auth-password",
                PASSWORD,
            ]
        )

    def probe(self, *ports: tuple[int, str]) -> Command:
        argv = [self.smtpwizard, "probe", USER, "--server", "127.0.0.1"]
        for port, security in ports:
            argv += ["--port", str(port), "--security", security]
        argv += ["--password-stdin", "--cafile", self.ca]
        return Command(argv, stdin=PASSWORD + "\n")


def one_port(bench: Bench, delays: list[float], runs: int) -> None:
    print("1. One port (SSL/TLS, login, sender and recipient check): A = smtpwizard probe,")
    print(f"   B = swaks --pipeline; fresh processes, {runs} pairs after a warm-up")
    print(f"   {'d ms':>6}{HEADER}")
    for d in delays:
        port = bench.proxied(bench.tls, d)
        pair = side_by_side(bench.probe((port, "tls")), bench.swaks(port), runs, bench.env)
        print(f"   {d:6g}{pair.row()}")


def matrix(bench: Bench, delays: list[float], runs: int) -> None:
    print("\n2. The full matrix: A = smtpwizard probe of 4 candidates (SSL/TLS first, then k")
    print("   silent ports and 3-k working STARTTLS servers), B = the same swaks run as in 1")
    print(f"   {'d ms':>6}{'k':>3}{HEADER}")
    for d in delays:
        best = bench.proxied(bench.tls, d)
        working = [bench.proxied(bench.starttls, d) for _ in range(3)]
        swaks = bench.swaks(best)
        for k in range(4):
            others = [*bench.silent[:k], *working[: 3 - k]]
            probe = bench.probe((best, "tls"), *((port, "starttls") for port in others))
            pair = side_by_side(probe, swaks, runs, bench.env)
            print(f"   {d:6g}{k:3d}{pair.row()}")


def floor(bench: Bench, delays: list[float], runs: int) -> None:
    print("\n3. The floor of a Python program: A = bare_client.py (the same work, pipelined,")
    print("   standard library only, nothing checked or explained), B = the same swaks run as in 1")
    print(f"   {'d ms':>6}{HEADER}")
    client = str(Path(__file__).with_name("bare_client.py"))
    for d in delays:
        port = bench.proxied(bench.tls, d)
        bare = Command([sys.executable, client, str(port), bench.ca, USER, PASSWORD])
        pair = side_by_side(bare, bench.swaks(port), runs, bench.env)
        print(f"   {d:6g}{pair.row()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="pairs per row (default 9)")
    parser.add_argument("--delays", default="0,10,50", help="one-way delays in ms")
    parser.add_argument("--part", choices=["port", "matrix", "floor", "all"], default="all")
    args = parser.parse_args()
    if shutil.which("swaks") is None:
        raise SystemExit("swaks is missing (Debian: apt-get install swaks)")
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    delays = [float(d) for d in args.delays.split(",") if d.strip()]
    with ExitStack() as stack:
        bench = Bench(stack)
        if args.part in ("port", "all"):
            one_port(bench, delays, args.runs)
        if args.part in ("matrix", "all"):
            matrix(bench, delays, args.runs)
        if args.part in ("floor", "all"):
            floor(bench, delays, args.runs)


if __name__ == "__main__":
    main()
