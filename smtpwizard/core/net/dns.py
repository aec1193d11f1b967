"""DNS lookups for discovery (MX, SRV, addresses), on nameservers the caller chooses.

Without nameservers the system's configuration is used; with them (``--nameserver``, and
always in tests) nothing else is asked. Names are queried as absolute names, so the system's
search domains never change the question.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smtpwizard.core.errors import DnsError
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Reason
from smtpwizard.core.model import server_address
from smtpwizard.core.net.channel import Address
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.net.resolve import NameResolver

# dnspython takes longer to import than Python takes to start: it is imported when a client
# is made, so that reading settings or probing a given server never pays for it.
if TYPE_CHECKING:
    import dns.resolver

__all__ = ["DnsClient", "DnsResolver", "Nameserver", "SrvRecord", "parse_nameserver"]


@dataclass(frozen=True, slots=True)
class Nameserver:
    """A DNS server to ask."""

    ip: str
    port: int = 53

    def __str__(self) -> str:
        return server_address(self.ip, self.port)


def parse_nameserver(text: str) -> Nameserver:
    """Reads ``IP``, ``IP:PORT``, ``[IPv6]:PORT`` or a bare IPv6 address.

    Raises:
        ValueError: with a plain message.
    """
    text = text.strip()
    ip, port = text, 53
    if text.startswith("["):
        ip, sep, rest = text[1:].partition("]")
        if not sep:
            raise ValueError(_("“{text}” is missing its closing ].").format(text=text))
        if rest:
            if not rest.startswith(":"):
                raise ValueError(
                    _("“{text}” is not an IP address, optionally with :PORT.").format(text=text)
                )
            port = _port(rest[1:], text)
    elif text.count(":") == 1:
        ip, _sep, port_text = text.partition(":")
        port = _port(port_text, text)
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        raise ValueError(
            _(
                "“{text}” is not a DNS server's address (an IP address, optionally with :PORT)."
            ).format(text=text)
        ) from None
    return Nameserver(str(address), port)


def _port(text: str, whole: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(_("“{text}” has no valid port (1 to 65535).").format(text=whole))
    return int(text)


@dataclass(frozen=True, slots=True)
class SrvRecord:
    """One SRV answer."""

    priority: int
    weight: int
    port: int
    target: str

    @property
    def not_offered(self) -> bool:
        """A target of ``.`` says the service is not offered (RFC 2782, RFC 6186)."""
        return self.target in ("", ".")


class DnsClient:
    """MX, SRV and address lookups with a timeout per lookup.

    Args:
        nameservers: whom to ask; empty means the system's configuration.
        timeout: seconds per lookup, retries included.
    """

    def __init__(self, nameservers: Sequence[Nameserver] = (), timeout: float = 4.0) -> None:
        import dns.nameserver
        import dns.resolver

        self.nameservers = tuple(nameservers)
        self.timeout = timeout
        self._config_error: str | None = None
        if nameservers:
            resolver = dns.resolver.Resolver(configure=False)
            resolver.nameservers = [
                dns.nameserver.Do53Nameserver(ns.ip, ns.port) for ns in nameservers
            ]
        else:
            try:
                resolver = dns.resolver.Resolver()
            except dns.resolver.NoResolverConfiguration:
                resolver = dns.resolver.Resolver(configure=False)
                self._config_error = _("this computer has no DNS servers configured")
        resolver.cache = None
        resolver.lifetime = timeout
        resolver.timeout = min(2.0, timeout)
        self._resolver = resolver

    def _query(self, name: str, rdtype: str) -> dns.resolver.Answer | None:
        """Runs one query; ``None`` when the name exists but has no such record."""
        import dns.exception
        import dns.name
        import dns.resolver

        if self._config_error:
            raise DnsError(Reason.DNS_FAILURE, self._config_error)
        try:
            qname = dns.name.from_text(name.rstrip(".") + ".")
        except (dns.exception.DNSException, UnicodeError, ValueError):
            raise DnsError(
                Reason.NO_SUCH_HOST, _("“{name}” is not a valid name").format(name=name)
            ) from None
        try:
            return self._resolver.resolve(qname, rdtype, search=False, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            raise DnsError(
                Reason.NO_SUCH_HOST, _("{name} does not exist").format(name=name)
            ) from None
        except dns.resolver.LifetimeTimeout:
            raise DnsError(
                Reason.DNS_TIMEOUT,
                _("no DNS answer for {name} within {seconds:g} s").format(
                    name=name, seconds=self.timeout
                ),
            ) from None
        except dns.resolver.NoNameservers:
            raise DnsError(
                Reason.DNS_FAILURE,
                _("the DNS servers could not answer for {name}").format(name=name),
            ) from None
        except dns.exception.DNSException as exc:
            raise DnsError(Reason.DNS_FAILURE, str(exc)) from None

    def mx(self, domain: str) -> list[str]:
        """The domain's MX hosts, most preferred first (empty: no MX, or a null MX)."""
        answer = self._query(domain, "MX")
        if answer is None or answer.rrset is None:
            return []
        records = sorted(
            ((int(r.preference), r.exchange.to_text(omit_final_dot=True).lower()) for r in answer),
            key=lambda pair: pair,
        )
        return [host for _pref, host in records if host not in ("", ".")]

    def srv(self, name: str) -> list[SrvRecord]:
        """SRV records for ``name``, in priority order (heavier weight first within one)."""
        answer = self._query(name, "SRV")
        if answer is None or answer.rrset is None:
            return []
        records = [
            SrvRecord(
                int(r.priority),
                int(r.weight),
                int(r.port),
                r.target.to_text(omit_final_dot=True).lower(),
            )
            for r in answer
        ]
        return sorted(records, key=lambda r: (r.priority, -r.weight, r.target, r.port))

    def addresses(self, host: str) -> list[str]:
        """The host's IPv6 and IPv4 addresses.

        Raises:
            DnsError: NO_SUCH_HOST, or NO_ADDRESS when the name has neither A nor AAAA.
        """
        found: list[str] = []
        errors: list[DnsError] = []
        for rdtype in ("AAAA", "A"):
            try:
                answer = self._query(host, rdtype)
            except DnsError as exc:
                if exc.reason is Reason.NO_SUCH_HOST:
                    raise
                errors.append(exc)
                continue
            if answer is not None and answer.rrset is not None:
                found.extend(r.to_text() for r in answer)
        if found:
            return found
        if errors:
            raise errors[0]
        raise DnsError(Reason.NO_ADDRESS, _("{host} has no address").format(host=host))


class DnsResolver(NameResolver):
    """The probe's :class:`~smtpwizard.core.net.resolve.Resolver` on top of a :class:`DnsClient`."""

    def __init__(self, client: DnsClient) -> None:
        self.client = client

    def lookup(self, host: str, port: int, *, timeout: float, cancel: CancelToken) -> list[Address]:
        """See :class:`~smtpwizard.core.net.resolve.NameResolver`."""
        cancel.check()
        result = []
        for ip in self.client.addresses(host):
            family = socket.AF_INET6 if ":" in ip else socket.AF_INET
            result.append(Address(family, (ip, 0, 0, 0) if family == socket.AF_INET6 else (ip, 0)))
        cancel.check()
        return result
