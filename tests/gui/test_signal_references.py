"""Emitting a signal leaves every reference count as it was.

PySide6 6.12.0 over-released one reference to ``True`` on every emitted signal. On Python 3.11,
where ``True`` is an ordinary counted object, the wizard then aborted after some minutes of
use (``Fatal Python error: bool_dealloc``); from Python 3.12 on ``True`` is immortal and the
fault hides. pyproject.toml excludes that release; these tests make a future release with the
same fault fail the suite instead of crashing in front of a person. They stop emitting as soon
as a count drifts, before ``True`` runs out of references and takes the test run down with it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from PySide6.QtCore import QObject
from PySide6.QtCore import Signal
from pytestqt.qtbot import QtBot

from smtpwizard.core.net.channel import CancelToken
from smtpwizard.gui.bridge import Task

pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 12),
    reason="True, False and None are immortal from Python 3.12 on: their counts no longer "
    "count (extensions built for older versions still move them) and cannot reach zero",
)

EMITS = 4000
#: Other threads of the test process may hold True for a moment; a leak moves it by EMITS.
SLACK = 40


class Emitter(QObject):
    one = Signal(object)
    three = Signal(int, str, object)
    flag = Signal(bool)


def counts() -> tuple[int, int, int]:
    return sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)


def drift(before: tuple[int, ...]) -> list[int]:
    """How far each count moved, where it moved more than a passing thread explains."""
    return [
        now - then for then, now in zip(before, counts(), strict=True) if abs(now - then) > SLACK
    ]


def test_emitting_to_python_functions_keeps_reference_counts(qtbot: QtBot) -> None:
    emitter = Emitter()
    seen: list[object] = []

    def on_one(value: object) -> None:
        seen.append(value)

    emitter.one.connect(on_one)
    emitter.three.connect(lambda n, text, value: seen.append(value))
    flags: list[int] = []
    emitter.flag.connect(lambda flag: flags.append(int(flag)))
    payload = object()
    payload_refs = sys.getrefcount(payload)
    before = counts()
    sent = 0
    while sent < EMITS and not drift(before):
        for n in range(sent, sent + 10):
            emitter.one.emit(payload)
            emitter.three.emit(n, "event", payload)
            emitter.flag.emit(n % 2 == 0)
        sent += 10
    assert len(seen) == 2 * sent
    assert sum(flags) == sent // 2
    seen.clear()
    assert drift(before) == []
    assert sent == EMITS
    assert sys.getrefcount(payload) == payload_refs


def test_events_relayed_from_a_worker_thread_keep_reference_counts(qtbot: QtBot) -> None:
    """The wizard's own path: a worker reports events, the GUI thread emits them again."""
    received: list[object] = []
    drifted: list[list[int]] = []
    baseline: list[tuple[int, int, int]] = [counts()]

    def on_event(event: object) -> None:
        received.append(event)
        if not drifted and drift(baseline[0]):
            drifted.append(drift(baseline[0]))
            task.cancel()

    task = Task(progress=on_event)

    def work(report: Callable[[object], None], cancel: CancelToken) -> int:
        for n in range(EMITS):
            if cancel.cancelled:
                return n
            report(n)
        return EMITS

    with qtbot.waitSignal(task.finished, timeout=30000):
        task.start(work)  # a first run fills what Qt and Python cache on first use
        baseline[0] = counts()
    assert drifted == []
    received.clear()
    baseline[0] = counts()
    with qtbot.waitSignal(task.finished, timeout=30000) as done:
        task.start(work)
    assert drifted == []
    assert drift(baseline[0]) == []
    assert done.args == [EMITS]
    assert received == list(range(EMITS))
