"""Two commands timed side by side as fresh processes, for the benchmarks in tests/bench.

Runs alternate (A, B, A, B, ...) after a warm-up of each, so that a machine whose speed
drifts slows both alike; the figure to quote is the median of the ratios of each pair.
Nothing here asserts a time: benchmarks print figures.
"""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Command:
    """A command line, what it reads on standard input, and what it prints once it is
    done with what is timed (``None``: the process's end)."""

    argv: Sequence[str]
    stdin: str = ""
    marker: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)

    def run(self, base_env: Mapping[str, str]) -> float:
        """Runs once; returns the milliseconds from start to marker (or end)."""
        env = {**base_env, **self.env}
        start = time.perf_counter()
        if self.marker is None:
            done = subprocess.run(
                list(self.argv), input=self.stdin.encode(), capture_output=True, env=env
            )
            elapsed = (time.perf_counter() - start) * 1000
            returncode, said = done.returncode, done.stdout + done.stderr
        else:
            with subprocess.Popen(
                list(self.argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=env
            ) as proc:
                assert proc.stdout is not None
                for line in proc.stdout:
                    if line.decode(errors="replace").strip() == self.marker:
                        break
                elapsed = (time.perf_counter() - start) * 1000
                said = proc.stdout.read()
            returncode = proc.returncode
        if returncode != 0:
            raise RuntimeError(f"{' '.join(self.argv)} exited {returncode}: {said.decode()}")
        return elapsed


@dataclass(frozen=True)
class Pair:
    """The times of A and of B, run by run, in milliseconds."""

    a: list[float]
    b: list[float]

    @property
    def ratio(self) -> float:
        """The median of A/B, pair by pair."""
        return statistics.median(x / y for x, y in zip(self.a, self.b, strict=True))

    @property
    def spread(self) -> tuple[float, float]:
        """The smallest and largest A/B of a pair."""
        ratios = [x / y for x, y in zip(self.a, self.b, strict=True)]
        return min(ratios), max(ratios)

    def row(self) -> str:
        low, high = self.spread
        return (
            f"{statistics.median(self.a):9.1f}{statistics.median(self.b):9.1f}"
            f"{self.ratio:8.2f}   ({low:.2f}-{high:.2f})"
        )


HEADER = f"{'A ms':>9}{'B ms':>9}{'A/B':>8}   (pairs' range)"


def side_by_side(a: Command, b: Command, runs: int, env: Mapping[str, str]) -> Pair:
    """Times A and B ``runs`` times each, alternating, after one warm-up run of each."""
    a.run(env)
    b.run(env)
    times_a: list[float] = []
    times_b: list[float] = []
    for _ in range(max(1, runs)):
        times_a.append(a.run(env))
        times_b.append(b.run(env))
    return Pair(times_a, times_b)


def as_installed() -> dict[str, str]:
    """The environment the benchmarks run commands in, as a person's machine has it.

    The package's bytecode is compiled first, as installing it does (this machine's image
    sets PYTHONDONTWRITEBYTECODE, so a checkout would compile every module at every start).
    SSL_CERT_FILE and SSL_CERT_DIR, which this image also sets and a desktop does not, are
    left out: with them, every TLS program reads the whole CA bundle at start.
    """
    compileall.compile_dir(str(ROOT / "smtpwizard"), quiet=1)
    env = dict(os.environ)
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        env.pop(name, None)
    return env


def smtpwizard_command() -> str:
    """The installed ``smtpwizard`` command of this interpreter's environment."""
    script = Path(sys.executable).with_name("smtpwizard")
    if not script.exists():
        raise SystemExit("no smtpwizard command beside this Python: run sh packaging/dev test")
    return str(script)
