"""The first steps of a conversation: the name looked up, the connection made, and how each
of the server's addresses did.

A name with both IPv4 and IPv6 addresses is reached over whichever answers first (RFC 8305).
That hides a family that does not answer: a person whose IPv4 port is blocked while IPv6
works (or the reverse) needs to know, since many programs use only one of them. So while the
conversation goes on over one family, one address of every other family is tried on its
own, for a connection only; the result records how each address ended.
"""

from __future__ import annotations

import socket
import threading
from typing import TYPE_CHECKING

from smtpwizard.core.errors import Cancelled
from smtpwizard.core.errors import ConnectFailed
from smtpwizard.core.errors import ResolveError
from smtpwizard.core.errors import describe_os_error
from smtpwizard.core.model import AddressResult
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Reason
from smtpwizard.core.model import StageName
from smtpwizard.core.net.channel import Address
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.net.channel import Channel
from smtpwizard.core.net.channel import Clock
from smtpwizard.core.net.channel import open_connection
from smtpwizard.core.net.resolve import Resolver
from smtpwizard.core.probe.stages import ProbeSteps

__all__ = ["ConnectStages", "family_name"]

Attempt = tuple[Address, OSError | None]


def family_name(family: int) -> str:
    """``IPv6`` or ``IPv4``."""
    return "IPv6" if family == socket.AF_INET6 else "IPv4"


def _reason(err: OSError | None) -> Reason | None:
    if err is None:
        return None
    if isinstance(err, ConnectionRefusedError):
        return Reason.CONNECTION_REFUSED
    if isinstance(err, TimeoutError):
        return Reason.CONNECT_TIMEOUT
    return Reason.UNREACHABLE


class _FamilyCheck:
    """Connects to one address on its own thread, only to see whether it answers."""

    def __init__(
        self,
        address: Address,
        port: int,
        timeout: float,
        cancel: CancelToken,
        clock: Clock,
    ) -> None:
        self.address = address
        self.error: OSError | None = None
        self.stopped = False
        self._args = (port, timeout, cancel, clock)
        self._thread = threading.Thread(target=self._run, name="probe family", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        port, timeout, cancel, clock = self._args
        try:
            sock, _ = open_connection(
                [self.address], port, timeout=timeout, cancel=cancel, clock=clock
            )
        except ConnectFailed as exc:
            self.error = exc.attempts[0][1] if exc.attempts else OSError("no connection")
            return
        except (Cancelled, OSError):
            self.stopped = True
            return
        sock.close()

    def result(self, timeout: float) -> AddressResult:
        """Waits for the check (it ends by its own time limit, or when cancelled)."""
        self._thread.join(timeout)
        addr = self.address
        stopped = self.stopped or self._thread.is_alive()
        return AddressResult(
            address=addr.ip,
            family=family_name(addr.family),
            connected=not stopped and self.error is None,
            reason=None if stopped else _reason(self.error),
            detail="stopped before it ended"
            if stopped
            else describe_os_error(self.error)
            if self.error is not None
            else "connected",
        )


class ConnectStages(ProbeSteps):
    """Resolve, connect, and the per-address results. Mixed into :class:`Probe`."""

    if TYPE_CHECKING:
        _resolver: Resolver
        _addresses: list[Address]
        _local: str | None

        def _remaining(self) -> float: ...
        def _converse_on(self, sock: socket.socket) -> Channel: ...

    _tried: list[Attempt] | None = None
    _family_checks: list[_FamilyCheck] | None = None

    def _resolve_and_connect(self) -> None:
        candidate = self.candidate
        with self._stage(StageName.RESOLVE) as started:
            try:
                self._addresses = self._resolver.resolve(
                    candidate.host,
                    candidate.port,
                    timeout=self._step_timeout(),
                    cancel=self._cancel,
                )
            except ResolveError as exc:
                raise self._fail(
                    StageName.RESOLVE,
                    started,
                    Outcome.DNS_ERROR,
                    exc.reason,
                    f"{candidate.host}: {exc}",
                    error=exc,
                ) from None
            self._record(StageName.RESOLVE, started, True, ", ".join(a.ip for a in self._addresses))

        with self._stage(StageName.CONNECT) as started:
            tried: list[Attempt] = []
            first_time = self._tried is None
            try:
                sock, self._connected = open_connection(
                    self._addresses,
                    candidate.port,
                    timeout=self._step_timeout(),
                    cancel=self._cancel,
                    clock=self._clock,
                    tried=tried,
                )
            except ConnectFailed as exc:
                self._tried = tried
                if exc.refused:
                    outcome, reason = Outcome.REFUSED, Reason.CONNECTION_REFUSED
                elif exc.timed_out:
                    outcome, reason = Outcome.TIMEOUT, Reason.CONNECT_TIMEOUT
                else:
                    outcome, reason = Outcome.TIMEOUT, Reason.UNREACHABLE
                raise self._fail(
                    StageName.CONNECT, started, outcome, reason, str(exc), error=exc
                ) from None
            if first_time:
                self._tried = tried
                self._check_other_families(tried)
            channel = self._converse_on(sock)
            self._local = str(channel.local_address[0]).split("%", 1)[0]
            self.transcript.note(f"connected to {self._connected} port {candidate.port}")
            self._record(StageName.CONNECT, started, True, f"connected to {self._connected}")

    def _check_other_families(self, tried: list[Attempt]) -> None:
        """Starts a connection check on every address family that has not had its say."""
        decided = {addr.family for addr, _err in tried}
        checks: list[_FamilyCheck] = []
        for addr in self._addresses:
            if addr.family in decided:
                continue
            decided.add(addr.family)
            self.transcript.note(
                f"also checking whether {family_name(addr.family)} ({addr}) answers"
            )
            checks.append(
                _FamilyCheck(
                    addr, self.candidate.port, self.options.timeout, self._cancel, self._clock
                )
            )
        self._family_checks = checks

    def _address_results(self) -> tuple[AddressResult, ...]:
        """How each address tried did; empty when the name has only one family."""
        tried = self._tried or []
        results = [
            AddressResult(
                address=addr.ip,
                family=family_name(addr.family),
                connected=err is None,
                reason=_reason(err),
                detail="connected" if err is None else describe_os_error(err),
                used=self._connected is not None and addr == self._connected,
            )
            for addr, err in tried
        ]
        for check in self._family_checks or []:
            # The check ends by its own time limit (or the probe's cancellation); the wait is
            # bounded all the same, by what is left of the probe's time.
            results.append(check.result(self.options.timeout + self._remaining()))
        if len({r.family for r in results}) < 2:
            return ()
        return tuple(results)
