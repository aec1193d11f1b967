"""Is the wizard responsive? Two figures, printed, not asserted.

1. The longest stall of the GUI event loop while the wizard discovers and probes: a timer
   ticks every 5 ms on the GUI thread and the largest gap between ticks is recorded, through
   a full run (the pages built after the window opens, the first run also importing
   their modules; discovery over the test DNS, then a matrix with a working server behind a
   20 ms delay and two ports that never answer, then the result page while those two are
   tested on in the background until their explanations arrive). The person's actions are
   40 ms apart (the event loop runs between them); the servers run in a process of their
   own, as real servers run elsewhere.
2. Cold start: from launching ``python -m smtpwizard`` until the wizard is on screen
   (offscreen platform), against the bare interpreter start and the PySide6 import.

Run: .venv/bin/python tests/bench/bench_gui.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# As a desktop has it (see tests/support/sidebyside.py as_installed): without these, which
# this machine's image sets, every TLS context reads the whole CA bundle.
os.environ.pop("SSL_CERT_FILE", None)
os.environ.pop("SSL_CERT_DIR", None)
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import QEventLoop
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from smtpwizard.core.engine import Engine
from smtpwizard.gui.wizard import BUILD_PAUSE_MS
from smtpwizard.gui.wizard import PageId
from smtpwizard.gui.wizard import SetupWizard
from tests.support.certs import make_certs
from tests.support.dnsd import DnsServer
from tests.support.engine import loopback_engine
from tests.support.listeners import ScriptedServer
from tests.support.listeners import silent
from tests.support.proxy import DelayProxy
from tests.support.smtpd import SmtpServer

USER = "alice@example.test"
PASSWORD = "bench-password"


#: A person's actions are never closer than this: the event loop runs between them (a bench
#: that chains clicks in one turn would measure the chain, not one action).
PAUSE_MS = 40
#: Pauses before the verdict (left out of the run length).
PAUSES = 6


def pause() -> None:
    """Lets the event loop run for PAUSE_MS, as between two actions of a person."""
    loop = QEventLoop()
    QTimer.singleShot(PAUSE_MS, loop.quit)
    loop.exec()


def wait_for(signal: object, timeout_ms: int = 30000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)  # type: ignore[attr-defined]
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


class StallMeter:
    """Ticks every 5 ms on the GUI thread; records the largest gap between ticks."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[float] = []
        self._last = 0.0

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1000)
        self._last = now

    def stop(self) -> None:
        self.timer.stop()


def serve(tmp: Path) -> None:
    """The servers of a run, in a process of their own (as real servers are elsewhere: their
    threads do not compete with the wizard's for the interpreter). Prints the DNS port and
    the CA file as JSON, then serves until standard input closes."""
    with ExitStack() as stack:
        certs = make_certs(tmp)
        server = stack.enter_context(
            SmtpServer(mode="tls", cert=certs.good, users={USER: PASSWORD})
        )
        proxy = stack.enter_context(DelayProxy(server.port, 0.02))
        silent_ports = [stack.enter_context(ScriptedServer(silent)).port for _ in range(2)]
        records: dict[str, list[tuple[str, str]]] = {
            "example.test": [("A", "127.0.0.1")],
            "mail.example.test": [("A", "127.0.0.1")],
            "_submissions._tcp.example.test": [("SRV", f"0 1 {proxy.port} mail.example.test.")],
            "_submission._tcp.example.test": [
                ("SRV", f"0 1 {p} mail.example.test.") for p in silent_ports
            ],
        }
        dns = stack.enter_context(DnsServer(records))
        print(json.dumps({"dns": dns.port, "ca": str(certs.ca_file)}), flush=True)
        sys.stdin.read()


def stall_run(app: QApplication, tmp: Path) -> tuple[float, float, float, int]:
    with subprocess.Popen(
        [sys.executable, __file__, "--serve", str(tmp)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as world:
        assert world.stdout is not None
        assert world.stdin is not None
        place = json.loads(world.stdout.readline())
        services = loopback_engine(place["dns"], Path(place["ca"]), tmp / "config", timeout=3.0)
        try:
            return _stall_run(app, services)
        finally:
            world.stdin.close()
            world.wait(10)


def _stall_run(app: QApplication, services: Engine) -> tuple[float, float, float, int]:
    # As the app opens it: the first page, then the others built turn by turn.
    wizard = SetupWizard(services, defer_pages=True)
    wizard.show()
    meter = StallMeter()
    meter.start()
    started = time.perf_counter()
    QTimer.singleShot(BUILD_PAUSE_MS, wizard.build_pages_gradually)
    wait_for(wizard.pages_ready)
    pause()
    wizard.next()
    pause()
    account = wizard.currentPage()
    account.email.setText(USER)  # type: ignore[attr-defined]
    pause()
    servers = wizard.page(PageId.SERVERS)
    QTimer.singleShot(0, wizard.next)
    wait_for(servers.task.finished)  # type: ignore[attr-defined]
    pause()
    signin = wizard.page(PageId.SIGN_IN)
    QTimer.singleShot(0, wizard.next)
    wait_for(signin.keyring_task.finished)  # type: ignore[attr-defined]
    pause()
    signin.password.setText(PASSWORD)  # type: ignore[attr-defined]
    pause()
    testing = wizard.page(PageId.TESTING)
    QTimer.singleShot(0, wizard.next)
    wait_for(testing.task.finished)  # type: ignore[attr-defined]
    elapsed = (time.perf_counter() - started) * 1000 - PAUSES * PAUSE_MS
    pause()
    # The verdict is in; the person stays on the result page while the silent ports are
    # tested on in the background and their explanations arrive.
    wizard.next()
    if testing.background_running():  # type: ignore[attr-defined]
        wait_for(testing.rest.finished)  # type: ignore[attr-defined]
    meter.stop()
    assert wizard.draft.matrix is not None
    assert wizard.draft.matrix.recommended is not None
    wizard.shutdown()
    wizard.close()
    gaps = sorted(meter.gaps)
    p99 = gaps[int(len(gaps) * 0.99)] if gaps else 0.0
    return max(gaps, default=0.0), p99, elapsed, len(gaps)


def timed(command: list[str], env: dict[str, str], marker: str | None) -> float:
    start = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as proc:
        assert proc.stdout is not None
        if marker is not None:
            for line in proc.stdout:
                if line.strip() == marker:
                    break
        proc.wait(60)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    app = QApplication.instance() or QApplication(sys.argv)

    stalls = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            stalls.append(stall_run(app, Path(tmp)))
    print(
        f"GUI event loop during discovery, probe and background tests"
        f" ({args.runs} runs; 5 ms timer):"
    )
    print(
        f"  longest stall, median of runs:  {statistics.median(s[0] for s in stalls):7.1f} ms"
        f"  (worst run {max(s[0] for s in stalls):.1f} ms)"
    )
    print(f"  99th percentile tick gap:       {statistics.median(s[1] for s in stalls):7.1f} ms")
    print(
        f"  run length (address to result): {statistics.median(s[2] for s in stalls):7.0f} ms"
        f"  ({statistics.median(s[3] for s in stalls):.0f} ticks)"
    )

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SMTPWIZARD_QUIT_WHEN_SHOWN": "1"}
    with tempfile.TemporaryDirectory() as config:
        env["SMTPWIZARD_CONFIG_DIR"] = config
        python = sys.executable
        bare = statistics.median(timed([python, "-c", "pass"], env, None) for _ in range(args.runs))
        qt = statistics.median(
            timed([python, "-c", "import PySide6.QtWidgets"], env, None) for _ in range(args.runs)
        )
        shown = statistics.median(
            timed([python, "-m", "smtpwizard"], env, "shown") for _ in range(args.runs)
        )
    print(f"Cold start to the wizard on screen (median of {args.runs}):")
    print(f"  python -c pass:                 {bare:7.0f} ms")
    print(f"  import PySide6.QtWidgets:       {qt:7.0f} ms")
    print(f"  smtpwizard, wizard shown:       {shown:7.0f} ms  ({shown / qt:.1f}x the Qt import)")


if __name__ == "__main__":
    main()
