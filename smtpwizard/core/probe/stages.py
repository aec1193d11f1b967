"""What the steps mixed into :class:`~smtpwizard.core.probe.base.Probe` may use of it: the
stage bookkeeping and the state every step shares, declared once for the type checker
(at run time the probe itself provides them)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smtpwizard.core.model import Candidate
    from smtpwizard.core.model import Outcome
    from smtpwizard.core.model import Reason
    from smtpwizard.core.model import Reply
    from smtpwizard.core.model import StageName
    from smtpwizard.core.model import StageResult
    from smtpwizard.core.net.channel import Address
    from smtpwizard.core.net.channel import CancelToken
    from smtpwizard.core.net.channel import Clock
    from smtpwizard.core.net.transcript import Transcript
    from smtpwizard.core.probe.options import ProbeOptions
    from smtpwizard.core.probe.options import Stop

__all__ = ["ProbeSteps"]


class ProbeSteps:
    """The base of the steps a probe is made of (connecting, encryption)."""

    if TYPE_CHECKING:
        candidate: Candidate
        options: ProbeOptions
        transcript: Transcript
        _cancel: CancelToken
        _clock: Clock
        _connected: Address | None

        def _stage(self, name: StageName) -> AbstractContextManager[float]: ...
        def _record(
            self,
            name: StageName,
            started: float,
            ok: bool,
            detail: str,
            reply: Reply | None = None,
            error: BaseException | None = None,
        ) -> StageResult: ...
        def _fail(
            self,
            name: StageName,
            started: float,
            outcome: Outcome,
            reason: Reason,
            detail: str,
            reply: Reply | None = None,
            error: BaseException | None = None,
        ) -> Stop: ...
        def _step_timeout(self, limit: float | None = None) -> float: ...
