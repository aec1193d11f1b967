"""How discovery asks: the settings a face gives it (kept apart from the results, so that
a probe of a given server, which needs only the DNS servers, does not load those)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smtpwizard.core.net.dns import Nameserver

__all__ = ["ISPDB_URL", "DiscoverySettings"]

ISPDB_URL = "https://autoconfig.thunderbird.net/v1.1/"


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
