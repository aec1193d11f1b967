"""Running engine work off the GUI thread, with its events and result delivered back to it.

The work runs on a worker thread and reports through an internal signal that is queued to
the GUI thread; there the public signals are emitted. So widgets are only ever touched from
the GUI thread, and everything connected to a :class:`Task` (including tests waiting on it)
sees signals emitted from the GUI thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtCore import Slot

from smtpwizard.core.i18n import _

if TYPE_CHECKING:
    # (sockets and TLS load with the first task, not with the window)
    from smtpwizard.core.net.channel import CancelToken

__all__ = ["Task", "Work"]

log = logging.getLogger(__name__)

#: The work: called on the worker thread with a function to report events and a cancel token.
Work = Callable[[Callable[[object], None], "CancelToken"], object]


class Task(QObject):
    """One piece of engine work at a time; starting again replaces the previous run.

    Signals:
        progress(object): the work reported something (emitted on the GUI thread).
        finished(object): the work's result.
        failed(str): the work raised; the message is for a person.
    """

    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    _relay = Signal(int, str, object)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        progress: Callable[[object], None] | None = None,
        finished: Callable[[object], None] | None = None,
        failed: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._relay.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        for signal, slot in (
            (self.progress, progress),
            (self.finished, finished),
            (self.failed, failed),
        ):
            if slot is not None:
                signal.connect(slot)
        self._threads: list[threading.Thread] = []
        self._token: CancelToken | None = None
        self._generation = 0
        self._running = False

    @property
    def running(self) -> bool:
        """Whether a run is under way (its result not delivered yet)."""
        return self._running

    def start(self, work: Work, name: str = "task") -> None:
        """Runs ``work`` on a new worker thread (cancelling a run still under way)."""
        self.cancel()
        self._generation += 1
        generation = self._generation
        from smtpwizard.core.net.channel import CancelToken

        token = CancelToken()
        self._token = token
        self._running = True

        def relay(kind: str, payload: object) -> None:
            try:
                self._relay.emit(generation, kind, payload)
            except RuntimeError:  # the Task is gone with its window: nobody waits for this
                token.cancel()

        def report(item: object) -> None:
            relay("event", item)

        def run() -> None:
            try:
                result = work(report, token)
            except Exception as exc:  # shown to the person; the details go to the log
                log.exception("%s failed", name)
                message = str(exc) or type(exc).__name__
                relay("failed", _("Something went wrong: {error}").format(error=message))
            else:
                relay("finished", result)
            finally:
                token.close()

        thread = threading.Thread(target=run, name=name, daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def cancel(self) -> None:
        """Asks the run under way to stop; its (partial) result still arrives."""
        if self._token is not None and self._running:
            self._token.cancel()

    def abandon(self) -> None:
        """Cancels and ignores whatever the run still delivers."""
        self.cancel()
        self._generation += 1
        self._running = False

    def wait(self, timeout: float) -> bool:
        """Waits for the worker threads (the run under way and any it replaced) to end;
        returns whether they did."""
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._threads)

    @Slot(int, str, object)
    def _deliver(self, generation: int, kind: str, payload: object) -> None:
        if generation != self._generation:
            return  # from a run that was replaced or abandoned
        if kind == "event":
            self.progress.emit(payload)
            return
        self._running = False
        if kind == "finished":
            self.finished.emit(payload)
        else:
            self.failed.emit(str(payload))
