"""Fetching configuration documents over HTTPS (or, flagged, HTTP), as untrusted input.

Every fetch is bounded: connect and read deadlines, a size limit, a few redirects at most.
Host names go through the caller's resolver, certificates through the caller's TLS context.
Redirects are followed but recorded, so a document that came from another domain, or that
was sent on to an unencrypted address, is shown as such.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

from smtpwizard.core.errors import Cancelled
from smtpwizard.core.errors import ConnectFailed
from smtpwizard.core.errors import FetchError
from smtpwizard.core.errors import ProbeError
from smtpwizard.core.errors import ResolveError
from smtpwizard.core.i18n import _
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.net.channel import open_connection
from smtpwizard.core.net.resolve import Resolver

__all__ = [
    "MAX_DOCUMENT",
    "MAX_REDIRECTS",
    "FetchResult",
    "FetchSettings",
    "fetch",
    "registered_domain",
    "site",
]

#: Largest document accepted; configuration files are a few kilobytes.
MAX_DOCUMENT = 256 * 1024
MAX_REDIRECTS = 3


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A fetched document and how it got here."""

    url: str
    body: bytes
    content_type: str
    redirects: tuple[str, ...] = ()
    encrypted: bool = True

    @property
    def redirected_elsewhere(self) -> bool:
        """Whether a redirect led to another site (another registered domain)."""
        if not self.redirects:
            return False
        return site(self.url) != site(self.redirects[0])


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How to fetch.

    Attributes:
        timeout: seconds for connecting and for the whole response.
        context: the TLS context (certificates verified).
        https_port, http_port: where ``https://`` and ``http://`` URLs without a port go
            (443 and 80; other values for tests and unusual networks).
        max_bytes: largest document accepted.
    """

    context: ssl.SSLContext
    timeout: float = 5.0
    https_port: int = 443
    http_port: int = 80
    max_bytes: int = MAX_DOCUMENT
    headers: Mapping[str, str] = field(default_factory=dict)


def site(url: str) -> str:
    """The registered domain of a URL's host, roughly (the last two labels, three for
    country-code second levels such as ``co.uk``)."""
    host = (urllib.parse.urlsplit(url).hostname or "").rstrip(".").lower()
    return registered_domain(host)


def registered_domain(host: str) -> str:
    """The last two labels of a host (three for ``example.co.uk``-style names)."""
    labels = host.rstrip(".").lower().split(".")
    if (
        len(labels) >= 3
        and len(labels[-1]) == 2
        and labels[-2]
        in {
            "co",
            "com",
            "net",
            "org",
            "ac",
            "gov",
            "edu",
            "or",
            "ne",
            "go",
        }
    ):
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def fetch(
    url: str,
    settings: FetchSettings,
    *,
    resolver: Resolver,
    cancel: CancelToken,
    method: str = "GET",
    body: bytes | None = None,
    content_type: str | None = None,
) -> FetchResult:
    """Fetches ``url``, following up to three redirects (never from https to http).

    Raises:
        FetchError: with a plain message and a kind.
        Cancelled: when the token is cancelled.
    """
    redirects: list[str] = []
    current = url
    deadline = time.monotonic() + settings.timeout
    while True:
        status, headers, data = _request(
            current, settings, resolver, cancel, deadline, method, body, content_type
        )
        if status in (301, 302, 303, 307, 308):
            location = headers.get("location")
            if not location:
                raise FetchError("redirect", _("a redirect without a target"))
            target = urllib.parse.urljoin(current, location)
            if urllib.parse.urlsplit(target).scheme not in ("http", "https"):
                raise FetchError("redirect", _("a redirect to {url}").format(url=target))
            if current.startswith("https:") and target.startswith("http:"):
                raise FetchError(
                    "redirect",
                    _(
                        "refused a redirect from an encrypted to an unencrypted address ({url})"
                    ).format(url=target),
                )
            if len(redirects) >= MAX_REDIRECTS:
                raise FetchError("redirect", _("too many redirects"))
            redirects.append(current)
            current = target
            if status == 303:
                method, body, content_type = "GET", None, None
            continue
        if status == 404 or status == 410:
            raise FetchError(
                "not_found",
                _("there is no document at {url}").format(url=current),
                status=status,
                body=data,
            )
        if not 200 <= status < 300:
            raise FetchError(
                "http",
                _("the server answered {status} for {url}").format(status=status, url=current),
                status=status,
                body=data,
            )
        return FetchResult(
            url=current,
            body=data,
            content_type=headers.get("content-type", ""),
            redirects=tuple(redirects),
            encrypted=current.startswith("https:")
            and all(r.startswith("https:") for r in redirects),
        )


def _request(
    url: str,
    settings: FetchSettings,
    resolver: Resolver,
    cancel: CancelToken,
    deadline: float,
    method: str,
    body: bytes | None,
    content_type: str | None,
) -> tuple[int, dict[str, str], bytes]:
    parts = urllib.parse.urlsplit(url)
    secure = parts.scheme == "https"
    host = parts.hostname or ""
    if not host or parts.scheme not in ("http", "https"):
        raise FetchError("http", _("not a web address: {url}").format(url=url))
    port = parts.port or (settings.https_port if secure else settings.http_port)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError("timeout", _("no answer from {host} in time").format(host=host))
    try:
        addresses = resolver.resolve(host, port, timeout=remaining, cancel=cancel)
    except ResolveError as exc:
        text = str(exc)
        if host not in text:
            text = _("{host}: {error}").format(host=host, error=text)
        raise FetchError("dns", text) from None
    try:
        sock, _addr = open_connection(
            addresses, port, timeout=max(deadline - time.monotonic(), 0.01), cancel=cancel
        )
    except ConnectFailed as exc:
        kind = "timeout" if exc.timed_out else "unreachable"
        raise FetchError(
            kind, _("cannot connect to {host}: {error}").format(host=host, error=exc)
        ) from None
    try:
        sock.setblocking(True)
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        if secure:
            try:
                sock = settings.context.wrap_socket(sock, server_hostname=host)
            except ssl.SSLCertVerificationError as exc:
                raise FetchError(
                    "tls",
                    _("{host}'s certificate is not valid: {error}").format(
                        host=host, error=exc.verify_message
                    ),
                ) from None
            except (ssl.SSLError, OSError) as exc:
                raise FetchError(
                    "tls",
                    _("no encrypted connection to {host}: {error}").format(host=host, error=exc),
                ) from None
        conn = http.client.HTTPConnection(host, port)
        conn.sock = sock
        path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        headers = {"User-Agent": "smtpwizard", "Accept": "application/xml, text/xml, */*"}
        headers.update(settings.headers)
        if content_type:
            headers["Content-Type"] = content_type
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = _read(response, settings.max_bytes, deadline, sock, cancel)
        except TimeoutError:
            raise FetchError(
                "timeout", _("{host} did not answer in time").format(host=host)
            ) from None
        except (http.client.HTTPException, OSError) as exc:
            raise FetchError(
                "unreachable",
                _("the exchange with {host} failed: {error}").format(host=host, error=exc),
            ) from None
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    except Cancelled:
        raise
    except ProbeError as exc:
        raise FetchError("unreachable", str(exc)) from None
    finally:
        sock.close()


def _read(
    response: http.client.HTTPResponse,
    limit: int,
    deadline: float,
    sock: socket.socket,
    cancel: CancelToken,
) -> bytes:
    length = response.getheader("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise FetchError(
            "too_large", _("the document is too large ({size} bytes)").format(size=length)
        )
    chunks: list[bytes] = []
    size = 0
    while True:
        cancel.check()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        sock.settimeout(remaining)
        chunk = response.read1(16384) if hasattr(response, "read1") else response.read(16384)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise FetchError(
                "too_large",
                _("the document is larger than {kib} KiB").format(kib=limit // 1024),
            )
        chunks.append(chunk)
