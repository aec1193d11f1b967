"""What discovery answers: each source's report, the live events, and the merged result
(what it is asked: :mod:`smtpwizard.core.discovery.options`)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum

from smtpwizard.core.auth.oauth import OAuthSettings
from smtpwizard.core.discovery.providers import Provider
from smtpwizard.core.discovery.signin import SignInPlan
from smtpwizard.core.model import Candidate

__all__ = [
    "DiscoveryEvent",
    "DiscoveryResult",
    "Found",
    "SourceFinished",
    "SourceReport",
    "SourceStarted",
    "SourceStatus",
]


class SourceStatus(StrEnum):
    """How a source went."""

    FOUND = "found"
    NOTHING = "nothing"
    ERROR = "error"
    TIMEOUT = "timeout"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class SourceReport:
    """What one source did, for the person watching and for the record."""

    name: str
    detail: str
    status: SourceStatus
    message: str
    ms: float = 0.0
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SourceStarted:
    """Discovery began asking a source (for live feedback)."""

    name: str
    detail: str


@dataclass(frozen=True, slots=True)
class SourceFinished:
    """A source answered, failed or ran out of time."""

    report: SourceReport


DiscoveryEvent = SourceStarted | SourceFinished


@dataclass(frozen=True, slots=True)
class DiscoveryResult:
    """Every candidate found for an address, and how each source went."""

    email: str
    domain: str
    candidates: tuple[Candidate, ...]
    incoming: tuple[Candidate, ...]
    usernames: tuple[str, ...]
    provider: Provider | None
    provider_match: str | None
    mx: tuple[str, ...]
    reports: tuple[SourceReport, ...]
    elapsed_ms: float
    sign_in: SignInPlan = field(default_factory=SignInPlan)
    """How the servers want to be signed in to, as the sources say, and why."""


@dataclass(slots=True)
class Found:
    report: SourceReport
    outgoing: list[Candidate] = field(default_factory=list)
    incoming: list[Candidate] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    provider: Provider | None = None
    mx: list[str] = field(default_factory=list)
    oauth: OAuthSettings | None = None
