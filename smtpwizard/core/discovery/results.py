"""What discovery is asked and what it answers: its settings, each source's report, the live
events, and the merged result."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from typing import TYPE_CHECKING

from smtpwizard.core.auth.oauth import OAuthSettings
from smtpwizard.core.discovery.providers import Provider
from smtpwizard.core.discovery.signin import SignInPlan
from smtpwizard.core.model import Candidate

if TYPE_CHECKING:
    from smtpwizard.core.net.dns import Nameserver

ISPDB_URL = "https://autoconfig.thunderbird.net/v1.1/"

__all__ = [
    "ISPDB_URL",
    "DiscoveryEvent",
    "DiscoveryResult",
    "DiscoverySettings",
    "Found",
    "SourceFinished",
    "SourceReport",
    "SourceStarted",
    "SourceStatus",
]


@dataclass(frozen=True, slots=True)
class DiscoverySettings:
    """How discovery asks.

    Attributes:
        timeout: seconds for one lookup or fetch; a source gets twice that in all.
        nameservers: DNS servers to ask (empty: the system's).
        cafile: extra certificate authorities to trust for HTTPS.
        ispdb_url: base URL of the central ISPDB, or ``None`` to leave it out.
        send_address: send the full address (not only the domain) to autoconfig servers
            and the ISPDB.
        allow_http: fetch autoconfig over plain http when https finds nothing (flagged).
        https_port, http_port: ports for ``https://`` and ``http://`` (tests change them).
        autodiscover: ask Exchange Autodiscover (it needs the address; it goes only to the
            domain's own servers).
        guesses: try ``smtp.``, ``mail.`` and the domain itself when nothing else answers.
    """

    timeout: float = 5.0
    nameservers: tuple[Nameserver, ...] = ()
    cafile: str | None = None
    ispdb_url: str | None = ISPDB_URL
    send_address: bool = False
    allow_http: bool = True
    https_port: int = 443
    http_port: int = 80
    autodiscover: bool = True
    guesses: bool = True


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
