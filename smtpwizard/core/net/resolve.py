"""Turning a host name into the addresses a probe connects to.

A resolver is a collaborator: production uses the operating system's resolver; the CLI's
``--resolve HOST=ADDRESS`` and the tests use fixed answers; discovery can plug in its own
DNS client. All of them answer IP literals directly.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Protocol

from smtpwizard.core.errors import Cancelled
from smtpwizard.core.errors import ResolveError
from smtpwizard.core.model import Reason
from smtpwizard.core.net.channel import Address
from smtpwizard.core.net.channel import CancelToken

__all__ = ["NameResolver", "Resolver", "StaticResolver", "SystemResolver", "literal_address"]


class Resolver(Protocol):
    """Finds the addresses of a host."""

    def resolve(
        self, host: str, port: int, *, timeout: float, cancel: CancelToken
    ) -> list[Address]:
        """Returns the host's addresses in the order to try them.

        Raises:
            ResolveError: the host has no usable address.
            Cancelled: the token was cancelled while waiting.
        """
        ...


def literal_address(host: str) -> Address | None:
    """The address for an IP literal (``192.0.2.1``, ``::1``, ``[::1]``), else ``None``."""
    text = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if ip.version == 6:
        return Address(socket.AF_INET6, (str(ip), 0, 0, 0))
    return Address(socket.AF_INET, (str(ip), 0))


class NameResolver:
    """A resolver that answers IP literals itself and looks names up in :meth:`lookup`."""

    def resolve(
        self, host: str, port: int, *, timeout: float, cancel: CancelToken
    ) -> list[Address]:
        """See :class:`Resolver`."""
        literal = literal_address(host)
        if literal is not None:
            return [literal]
        return self.lookup(host, port, timeout=timeout, cancel=cancel)

    def lookup(self, host: str, port: int, *, timeout: float, cancel: CancelToken) -> list[Address]:
        """Looks up a name that is not an IP literal (see :class:`Resolver`)."""
        raise NotImplementedError


class SystemResolver(NameResolver):
    """The operating system's resolver, bounded by a timeout and cancellable.

    ``getaddrinfo`` cannot be interrupted, so it runs on a helper thread; a lookup that
    outlives its timeout is abandoned and finishes on its own.
    """

    def lookup(self, host: str, port: int, *, timeout: float, cancel: CancelToken) -> list[Address]:
        """See :class:`NameResolver`."""
        done = threading.Event()
        box: dict[str, object] = {}

        def lookup() -> None:
            try:
                box["result"] = socket.getaddrinfo(
                    host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
                )
            except (OSError, UnicodeError) as exc:
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=lookup, name=f"resolve {host}", daemon=True).start()
        deadline = time.monotonic() + timeout
        while not done.wait(0.05):
            if cancel.cancelled:
                raise Cancelled(str(cancel.effective_reason))
            if time.monotonic() >= deadline:
                raise ResolveError(Reason.DNS_TIMEOUT, "the name lookup timed out")
        error = box.get("error")
        if isinstance(error, socket.gaierror):
            raise ResolveError(_gai_reason(error), error.strerror or str(error))
        if isinstance(error, UnicodeError):
            raise ResolveError(Reason.NO_SUCH_HOST, "not a valid host name")
        if isinstance(error, OSError):
            raise ResolveError(Reason.DNS_FAILURE, str(error))
        infos = box.get("result")
        assert isinstance(infos, list)
        addresses: list[Address] = []
        for family, _type, _proto, _name, sockaddr in infos:
            if family not in (socket.AF_INET, socket.AF_INET6):
                continue
            address = Address(family, (sockaddr[0], 0, *sockaddr[2:]))
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise ResolveError(Reason.NO_ADDRESS, "the name has no IPv4 or IPv6 address")
        return addresses


def _gai_reason(error: socket.gaierror) -> Reason:
    code = error.errno
    if code == socket.EAI_NONAME:
        return Reason.NO_SUCH_HOST
    if code in (getattr(socket, "EAI_NODATA", None), getattr(socket, "EAI_ADDRFAMILY", None)):
        return Reason.NO_ADDRESS
    return Reason.DNS_FAILURE


class StaticResolver(NameResolver):
    """Fixed answers for some names; others go to ``fallback`` (or are unknown).

    Args:
        table: host name (any case, trailing dot ignored) to IP addresses.
        fallback: asked for names not in the table; ``None`` makes them unknown.
    """

    def __init__(
        self, table: Mapping[str, Sequence[str]], fallback: Resolver | None = None
    ) -> None:
        self._table: dict[str, list[Address]] = {}
        for name, ips in table.items():
            addresses = []
            for ip in ips:
                address = literal_address(ip)
                if address is None:
                    raise ValueError(f"not an IP address: {ip!r}")
                addresses.append(address)
            self._table[_key(name)] = addresses
        self._fallback = fallback

    def lookup(self, host: str, port: int, *, timeout: float, cancel: CancelToken) -> list[Address]:
        """See :class:`NameResolver`."""
        addresses = self._table.get(_key(host))
        if addresses is not None:
            if not addresses:
                raise ResolveError(Reason.NO_ADDRESS, "the name has no IPv4 or IPv6 address")
            return list(addresses)
        if self._fallback is not None:
            return self._fallback.resolve(host, port, timeout=timeout, cancel=cancel)
        raise ResolveError(Reason.NO_SUCH_HOST, f"{host} is not a known host name")


def _key(name: str) -> str:
    return name.rstrip(".").lower()
