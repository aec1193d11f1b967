"""The bridge to worker threads: a run replaced by another is waited for too, and a run that
ends after its window is gone ends quietly."""

from __future__ import annotations

import threading
from collections.abc import Callable

from pytestqt.qtbot import QtBot
from shiboken6 import Shiboken

from smtpwizard.core.net.channel import CancelToken
from smtpwizard.gui.bridge import Task


def held(release: threading.Event) -> Callable[[Callable[[object], None], CancelToken], str]:
    def work(report: Callable[[object], None], cancel: CancelToken) -> str:
        release.wait(5)
        report("late event")
        return "late result"

    return work


def test_wait_covers_the_runs_that_were_replaced(qtbot: QtBot) -> None:
    task = Task()
    first, second = threading.Event(), threading.Event()
    task.start(held(first))
    task.start(held(second))  # the first run goes on until its work returns
    assert not task.wait(0.05)
    second.set()
    assert not task.wait(0.2)  # the replaced run still holds on
    first.set()
    assert task.wait(5)


def test_a_run_that_ends_after_its_task_is_gone_ends_quietly(qtbot: QtBot) -> None:
    """No exception in the worker thread (pytest turns one into a failure)."""
    task = Task()
    release = threading.Event()
    task.start(held(release), "late run")
    threads = [t for t in threading.enumerate() if t.name == "late run"]
    assert threads
    Shiboken.delete(task)  # as when the window closes
    release.set()
    for thread in threads:
        thread.join(5)
        assert not thread.is_alive()
