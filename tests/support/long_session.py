"""An afternoon in one window: hundreds of searches and tests against loopback servers,
stopped and started again, back and forth, with the Advanced dialog opened and closed on the
way, and readings of what the process holds before and after. Run by
tests/gui/test_long_session.py in a fresh process (nothing left over from other tests moves
the figures; the servers run in a process of their own), which prints the figures as JSON::

    QT_QPA_PLATFORM=offscreen python -m tests.support.long_session
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtCore import QEvent
from PySide6.QtCore import QEventLoop
from PySide6.QtCore import QObject
from PySide6.QtCore import QTimer
from PySide6.QtCore import qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from smtpwizard.core.draft import Purpose
from smtpwizard.gui.bridge import Task
from smtpwizard.gui.pages import ResultPage
from smtpwizard.gui.pages import ServersPage
from smtpwizard.gui.pages import SignInPage
from smtpwizard.gui.pages import StartPage
from smtpwizard.gui.pages import TestingPage
from smtpwizard.gui.wizard import PageId
from smtpwizard.gui.wizard import SetupWizard
from tests.support.engine import loopback_engine
from tests.support.pages import OUTGOING
from tests.support.pages import PASSWORD
from tests.support.pages import USER

ROOT = Path(__file__).resolve().parents[2]
#: Rounds of the session: each searches once and tests once or twice.
ROUNDS = 120
#: Rounds before the first reading: caches fill, the allocator finds its size.
WARM_UP = 20
#: The last rounds, where the memory smtpwizard's code allocates is traced (tracing slows
#: Python down; what a round leaks shows in a few dozen).
TRACED = 40


@dataclass(frozen=True)
class Reading:
    """What the process holds."""

    qt_objects: int
    threads: int
    python_objects: int
    wizard_bytes: int
    rss_kib: int
    true: int
    false: int
    none: int


def rss_kib() -> int:
    """The process's resident memory, after the C library returned what it could."""
    libc = ctypes.util.find_library("c")
    if libc:
        ctypes.CDLL(libc).malloc_trim(0)
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def wizard_bytes() -> int:
    """Bytes allocated, since tracing began, by smtpwizard's own code and still alive."""
    if not tracemalloc.is_tracing():
        return 0
    traces = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(True, f"{ROOT}/smtpwizard/*")]
    )
    return sum(stat.size for stat in traces.statistics("filename"))


def qt_objects_under(root: QObject) -> int:
    """How many Qt objects ``root`` owns, counted by Qt itself: asking for them from Python
    (``findChildren``) would make Python objects for them that outlive the ones Qt deletes."""
    lines: list[str] = []
    previous = qInstallMessageHandler(lambda _mode, _context, text: lines.append(text))
    try:
        root.dumpObjectTree()
    finally:
        qInstallMessageHandler(previous)
    return sum(text.count("\n") + 1 for text in lines)


def reading(wizard: SetupWizard) -> Reading:
    """What the process holds once the work under way has ended."""
    for task in wizard.findChildren(Task):  # worker threads that are still ending
        if not task.wait(5):
            raise TimeoutError("a worker thread did not end")
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qt_objects = qt_objects_under(wizard)
    re.purge()  # imaplib compiles a pattern per connection into re's (bounded) cache
    gc.collect()
    return Reading(
        qt_objects,
        threading.active_count(),
        len(gc.get_objects()),
        wizard_bytes(),
        rss_kib(),
        sys.getrefcount(True),
        sys.getrefcount(False),
        sys.getrefcount(None),
    )


def wait(signal: object, action: Callable[[], None], seconds: float = 15) -> None:
    """Does ``action`` and waits until ``signal`` is emitted.

    Raises:
        TimeoutError: it was not, in ``seconds``.
    """
    loop = QEventLoop()
    arrived: list[bool] = []

    def done(*_args: object) -> None:
        arrived.append(True)
        loop.quit()

    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    signal.connect(done)  # type: ignore[attr-defined]
    guard.start(int(seconds * 1000))
    QTimer.singleShot(0, action)
    loop.exec()
    guard.stop()
    signal.disconnect(done)  # type: ignore[attr-defined]
    if not arrived:
        raise TimeoutError(f"{signal} did not come in {seconds} s")


def session(engine_dns_port: int, ca_file: Path, config: Path) -> dict[str, object]:
    """Runs the session on an engine that asks the DNS server on ``engine_dns_port``; returns
    the counts, the readings before and after, and the seconds it took."""
    engine = loopback_engine(engine_dns_port, ca_file, config)
    wizard = SetupWizard(engine)
    wizard.confirm = lambda *_args: True
    wizard.show()
    start = wizard.page(PageId.START)
    servers = wizard.page(PageId.SERVERS)
    signin = wizard.page(PageId.SIGN_IN)
    testing = wizard.page(PageId.TESTING)
    result = wizard.page(PageId.RESULT)
    assert isinstance(start, StartPage)
    assert isinstance(servers, ServersPage)
    assert isinstance(signin, SignInPage)
    assert isinstance(testing, TestingPage)
    assert isinstance(result, ResultPage)
    counts = {"searches": 0, "tests": 0, "stopped": 0, "dialogs": 0}

    def search(action: Callable[[], None]) -> None:
        wait(servers.task.finished, action)
        assert servers.table.rowCount() == OUTGOING
        counts["searches"] += 1

    def test(action: Callable[[], None]) -> None:
        wait(testing.task.finished, action)
        matrix = wizard.draft.matrix
        assert matrix is not None
        assert matrix.recommended is not None
        counts["tests"] += 1

    def stop_at_once() -> None:
        testing.again.click()
        testing.stop.click()

    start.buttons[Purpose.MAIL_PROGRAM].setChecked(True)
    wizard.next()
    wizard.page(PageId.ACCOUNT).email.setText(USER)  # type: ignore[attr-defined]
    search(wizard.next)
    wait(signin.keyring_task.finished, wizard.next)
    signin.password.setText(PASSWORD)
    test(wizard.next)
    wizard.next()

    readings: list[Reading] = []
    traced_from = 0
    started = time.monotonic()
    for round_ in range(ROUNDS):
        if round_ in (WARM_UP - 1, WARM_UP):  # the first reading sets up what readings use
            readings[:] = [reading(wizard)]
        if round_ == ROUNDS - TRACED - 10:
            tracemalloc.start(1)
        if round_ == ROUNDS - TRACED:  # what the last rounds' results hold is there now
            traced_from = wizard_bytes()
        assert wizard.currentPage() is result
        assert result.headline.text() == "It works."
        for _ in range(3):
            wizard.back()
        assert wizard.currentPage() is servers
        search(servers.again.click)  # Look again
        wait(signin.keyring_task.finished, wizard.next)
        wizard.next()  # the same servers: the last results still hold
        assert wizard.currentPage() is testing
        assert not testing.task.running
        kind = round_ % 4
        if kind == 0:  # Test again on the testing page
            test(testing.again.click)
        elif kind == 1:  # a test stopped, Back, and Next tests again
            wait(testing.task.finished, stop_at_once)
            counts["stopped"] += 1
            wizard.back()
            test(wizard.next)
        elif kind == 2:  # the Advanced dialog opened and left as it was
            dialog = wizard.show_advanced()
            wait(dialog.finished, dialog.reject)
            counts["dialogs"] += 1
            test(testing.again.click)
        else:  # Test again on the result page
            wizard.next()
            test(result.again.click)
        wizard.next()
    elapsed = time.monotonic() - started
    readings.append(reading(wizard))
    tracemalloc.stop()
    wizard.shutdown()

    return {
        "python": sys.version.split()[0],
        "rounds": ROUNDS,
        "measured": ROUNDS - WARM_UP,
        "traced": TRACED,
        "seconds": round(elapsed, 1),
        **counts,
        "before": asdict(readings[0]),
        "after": asdict(readings[1]),
        "traced_from": traced_from,
    }


def main() -> None:
    app = QApplication(sys.argv)
    with (
        tempfile.TemporaryDirectory() as tmp,
        subprocess.Popen(
            [sys.executable, "-m", "tests.support.world_process", tmp],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        ) as servers,
    ):
        assert servers.stdout is not None
        assert servers.stdin is not None
        world = json.loads(servers.stdout.readline())
        figures = session(world["dns_port"], Path(world["ca_file"]), Path(tmp) / "wizard")
        servers.stdin.close()
        servers.wait(10)
    app.processEvents()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
