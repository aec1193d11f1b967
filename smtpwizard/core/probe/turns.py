"""Whose turn it is in a matrix run: connection slots per host, who logs in when, and when
the verdict is certain; and what counts as a configuration that works.

Logging in with a password is rationed: providers lock accounts after a few failures, so a
run makes at most :data:`MAX_LOGINS` login attempts in all. The login names are tried in
order (the full address first), the next one only after the server refused the
credentials themselves, and none at all once a server says logins are locked for a while.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence

from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Protocol
from smtpwizard.core.net.channel import CancelToken

__all__ = ["MAX_LOGINS", "Coordinator", "HostGate", "works"]

#: Password login attempts one run makes at most, whatever the number of candidates and
#: login names.
MAX_LOGINS = 2

#: Login results in which the server judged what it was given.
_JUDGED = frozenset(
    {AuthStatus.OK, AuthStatus.REJECTED, AuthStatus.TEMPORARY_FAILURE, AuthStatus.ERROR}
)


def works(result: ProbeResult, *, will_login: bool, allow_plaintext: bool) -> bool:
    """Whether a result is a configuration shown to work: connected, encrypted (unless plain
    text was allowed) and, for sending, either logged in (when credentials were given) or
    shown to take the person's own address as sender and recipient without a login. Reading
    mail (IMAP, POP3) always takes a login, so there only a login shows it. A refused sender
    or recipient is never a working configuration (the probe says so in its outcome)."""
    if result.outcome is Outcome.INSECURE:
        if not allow_plaintext:
            return False
    elif result.outcome is not Outcome.OK:
        return False
    if will_login:
        return result.auth.status is AuthStatus.OK
    if result.candidate.protocol is not Protocol.SMTP:
        return False
    return result.send is not None and result.send.ok


class HostGate:
    """At most ``limit`` connections per host, granted strictly in rank order."""

    def __init__(self, order: Sequence[Candidate], limit: int) -> None:
        self._cond = threading.Condition()
        self._limit = max(1, limit)
        self._queues: dict[str, deque[int]] = {}
        self._active: dict[str, int] = {}
        for index, candidate in enumerate(order):
            host = candidate.host.lower()
            self._queues.setdefault(host, deque()).append(index)
            self._active.setdefault(host, 0)

    def acquire(self, host: str, index: int, cancel: CancelToken) -> bool:
        host = host.lower()
        with self._cond:
            queue = self._queues[host]
            while True:
                if cancel.cancelled:
                    queue.remove(index)
                    self._cond.notify_all()
                    return False
                if queue[0] == index and self._active[host] < self._limit:
                    break
                self._cond.wait(0.05)
            queue.popleft()
            self._active[host] += 1
            self._cond.notify_all()
            return True

    def skip(self, host: str, index: int) -> None:
        """Gives up a place in the queue that will never be used."""
        with self._cond:
            queue = self._queues[host.lower()]
            if index in queue:
                queue.remove(index)
            self._cond.notify_all()

    def release(self, host: str) -> None:
        with self._cond:
            self._active[host.lower()] -= 1
            self._cond.notify_all()


class Coordinator:
    """Decides who logs in when, and when the verdict is certain."""

    def __init__(
        self,
        count: int,
        usernames: Sequence[str],
        will_login: bool,
        allow_plaintext: bool,
        cancel: CancelToken,
        *,
        each_logs_in: bool = False,
    ) -> None:
        self._cond = threading.Condition()
        self.each_logs_in = each_logs_in
        self._final: list[ProbeResult | None] = [None] * count
        self._usernames = list(usernames)
        self._variant = 0
        self._will_login = will_login
        self._allow_plaintext = allow_plaintext
        self._cancel = cancel
        self.attempts = 0
        self.winner: int | None = None
        self.rejected = False
        """No more logins: the credentials were refused, or logins are locked for a while."""
        self.exhausted = False
        """No more logins: the run used up its login attempts without a verdict on them."""
        self.verdict: int | None = None
        self.verdict_certain = False

    def await_turn(self, index: int) -> str | None:
        """Blocks until ``index`` may log in (returns the username) or never will (None)."""
        with self._cond:
            while True:
                if self._cancel.cancelled or self.rejected:
                    return None
                if self.winner is not None:
                    return self._usernames[self._variant] if self.each_logs_in else None
                if self.exhausted:
                    return None
                if all(r is not None for r in self._final[:index]):
                    return self._usernames[self._variant]
                self._cond.wait(0.05)

    def report_login(
        self, index: int, status: AuthStatus, *, locked: bool = False, name_refused: bool = False
    ) -> bool:
        """Records a login attempt; returns whether ``index`` should try the next username.

        Args:
            index: the candidate that tried.
            status: how it went.
            locked: the server said logins are locked for a while: none anywhere any more.
            name_refused: the server refused the credentials themselves (not a policy, a
                missing app password or a lockout), so another login name may do.
        """
        with self._cond:
            try:
                if status in _JUDGED and not self.each_logs_in:
                    self.attempts += 1
                if status is AuthStatus.OK:
                    if self.winner is None:
                        self.winner = index
                    return False
                if self.winner is not None:
                    return False
                if locked:
                    self.rejected = True
                    return False
                if status is AuthStatus.REJECTED:
                    more = self._variant + 1 < len(self._usernames)
                    if name_refused and more and not self._used_up():
                        self._variant += 1
                        return True
                    self.rejected = True
                    return False
                if self._used_up():
                    self.exhausted = True
                return False
            finally:
                self._cond.notify_all()

    def _used_up(self) -> bool:
        return not self.each_logs_in and self.attempts >= MAX_LOGINS

    def wait_for(self, index: int, cancel: CancelToken) -> ProbeResult | None:
        """Blocks until candidate ``index`` has its final result (None when cancelled)."""
        with self._cond:
            while self._final[index] is None:
                if cancel.cancelled:
                    return None
                self._cond.wait(0.05)
            return self._final[index]

    def finish(self, index: int, result: ProbeResult) -> bool:
        """Records a final result; returns True when this made the verdict certain."""
        with self._cond:
            self._final[index] = result
            self._cond.notify_all()
            if self.verdict_certain:
                return False
            if self.rejected:
                self.verdict_certain = True
                return True
            for position, final in enumerate(self._final):
                if final is None:
                    return False  # a better-ranked candidate is still running
                if works(final, will_login=self._will_login, allow_plaintext=self._allow_plaintext):
                    self.verdict = position
                    self.verdict_certain = True
                    return True
            if all(r is not None for r in self._final):
                self.verdict_certain = True
                return True
            return False
