"""Checking what a person types: email addresses, host names, ports, incoming servers.

Every check raises :class:`InvalidInput` with a message that can be shown as it is.
International domain names are accepted and carried in their ASCII (IDNA) form on the wire.
"""

from __future__ import annotations

import email.utils
import ipaddress
import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass

from smtpwizard.core.i18n import _
from smtpwizard.core.model import (
    INCOMING_PORTS,
    Candidate,
    Protocol,
    Security,
    ServerInfo,
    Source,
)


class InvalidInput(ValueError):
    """Something the person typed cannot be used; the message says why, in plain words."""


_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True, slots=True)
class EmailAddress:
    """A checked email address."""

    local: str
    domain: str
    ascii_domain: str

    def __str__(self) -> str:
        return f"{self.local}@{self.domain}"

    @property
    def ascii(self) -> str:
        """The address with its domain in ASCII, as SMTP envelopes carry it."""
        return f"{self.local}@{self.ascii_domain}"

    @property
    def needs_smtputf8(self) -> bool:
        """Whether the local part has non-ASCII characters (RFC 6531)."""
        return not self.local.isascii()


def ascii_host(name: str) -> str:
    """A host name in its ASCII form, checked.

    Raises:
        InvalidInput: not a usable host name.
    """
    name = name.strip().rstrip(".")
    if not name:
        raise InvalidInput(_("The server name is empty."))
    if any(ch.isspace() for ch in name):
        raise InvalidInput(_("A server name cannot contain spaces: {name}").format(name=name))
    try:
        encoded = name.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidInput(_("“{name}” is not a valid server name.").format(name=name)) from None
    labels = encoded.split(".")
    if len(encoded) > 253 or not all(_LABEL.match(label) for label in labels):
        raise InvalidInput(_("“{name}” is not a valid server name.").format(name=name))
    return encoded


def parse_email(text: str) -> EmailAddress:
    """Checks an email address as a person types it (``Name <addr>`` is accepted too).

    Raises:
        InvalidInput: with what is wrong.
    """
    text = text.strip()
    if not text:
        raise InvalidInput(_("Please enter your email address."))
    _name, addr = email.utils.parseaddr(text)
    if "<" in text and addr:
        text = addr
    if "@" not in text:
        raise InvalidInput(
            _("“{text}” is missing the @ and the domain (like name@example.com).").format(text=text)
        )
    local, _sep, domain = text.rpartition("@")
    if not local:
        raise InvalidInput(_("The part before the @ is missing."))
    if not domain:
        raise InvalidInput(_("The domain after the @ is missing (like example.com)."))
    quoted = local.startswith('"') and local.endswith('"') and len(local) >= 2
    if any(ch.isspace() for ch in local) and not quoted:
        raise InvalidInput(_("An email address cannot contain spaces."))
    if "@" in local and not quoted:
        raise InvalidInput(_("An email address has only one @."))
    if "." not in domain.strip("."):
        raise InvalidInput(
            _("“{domain}” is not a complete domain (like example.com).").format(domain=domain)
        )
    if domain.startswith("[") or _is_ip(domain):
        raise InvalidInput(_("Please use an address with a domain name, not an IP address."))
    try:
        ascii_domain = ascii_host(domain)
    except InvalidInput:
        raise InvalidInput(
            _("“{domain}” is not a valid domain name.").format(domain=domain)
        ) from None
    if len(local.encode("utf-8")) > 64:
        raise InvalidInput(_("The part before the @ is too long (64 characters at most)."))
    return EmailAddress(local, domain.rstrip(".").lower(), ascii_domain)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def check_host(text: str) -> str:
    """Checks a server name or IP address and returns it as it is used to connect.

    Raises:
        InvalidInput: with what is wrong.
    """
    text = text.strip()
    bare = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    if _is_ip(bare):
        return str(ipaddress.ip_address(bare))
    return ascii_host(text)


def host_key(host: str) -> str:
    """A host name as it is compared: lower case, without the trailing dot."""
    return host.rstrip(".").lower()


def check_port(value: str | int) -> int:
    """Checks a TCP port number.

    Raises:
        InvalidInput: not a number from 1 to 65535.
    """
    try:
        port = int(str(value).strip())
    except ValueError:
        raise InvalidInput(
            _("“{value}” is not a port number (a number from 1 to 65535).").format(value=value)
        ) from None
    if not 1 <= port <= 65535:
        raise InvalidInput(
            _("Port {port} does not exist: ports go from 1 to 65535.").format(port=port)
        )
    return port


# imap:// and pop:// are the registered schemes (RFC 5092, RFC 2384); the "s" forms are the
# ones mail programs use for encryption from the start.
_INCOMING_SCHEMES: dict[str, tuple[Protocol, Security]] = {
    "imaps": (Protocol.IMAP, Security.TLS),
    "imap": (Protocol.IMAP, Security.STARTTLS),
    "pop3s": (Protocol.POP3, Security.TLS),
    "pops": (Protocol.POP3, Security.TLS),
    "pop3": (Protocol.POP3, Security.STARTTLS),
    "pop": (Protocol.POP3, Security.STARTTLS),
}


def incoming_candidates(text: str) -> list[Candidate]:
    """The incoming modes to test for what a person typed as their incoming server.

    ``imaps://host[:port]`` and ``pop3s://…`` mean encryption from the start, ``imap://`` and
    ``pop3://`` STARTTLS; ``host:993`` (143, 995, 110) says the same by its standard port; a
    bare host name stands for all four standard modes.

    Raises:
        InvalidInput: with what is wrong.
    """
    text = text.strip()
    if not text:
        raise InvalidInput(_("The incoming server is empty."))
    scheme = ""
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        if scheme not in _INCOMING_SCHEMES:
            raise InvalidInput(
                _("“{scheme}://” is not an incoming mail server; use {known}.").format(
                    scheme=scheme, known="imaps://, imap://, pop3s://, pop3://"
                )
            )
    elif _is_ip(text):
        text = f"//[{text}]" if ":" in text else "//" + text
    else:
        text = "//" + text
    try:
        parts = urllib.parse.urlsplit(text)
        port_text = parts.port
    except ValueError:
        raise InvalidInput(
            _("“{text}” is not a server name with an optional :port.").format(
                text=text.removeprefix("//")
            )
        ) from None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise InvalidInput(
            _("“{text}” is not a server name with an optional :port.").format(
                text=text.removeprefix("//")
            )
        )
    host = check_host(parts.hostname or "")
    port = check_port(port_text) if port_text is not None else None
    if scheme:
        protocol, security = _INCOMING_SCHEMES[scheme]
        if port is None:
            port = next(p for p, s in INCOMING_PORTS[protocol] if s is security)
        return [Candidate(host, port, security, Source.USER, "", protocol)]
    standard = [(protocol, p, s) for protocol, modes in INCOMING_PORTS.items() for p, s in modes]
    if port is not None:
        standard = [entry for entry in standard if entry[1] == port]
        if not standard:
            raise InvalidInput(
                _(
                    "Port {port} is not a standard incoming mail port; say what it is, as in "
                    "imaps://{host}:{port} or pop3://{host}:{port}."
                ).format(port=port, host=host)
            )
    return [Candidate(host, p, s, Source.USER, "", protocol) for protocol, p, s in standard]


def incoming_to_test(
    typed: Sequence[str], found: Sequence[ServerInfo], outgoing: Sequence[Candidate]
) -> list[Candidate]:
    """The incoming modes to test: the servers the person named (see
    :func:`incoming_candidates`), else the ones found, else the standard IMAP and POP3 modes on
    the first outgoing server's host.

    Raises:
        InvalidInput: something the person typed is not a server.
    """
    if typed:
        return list(dict.fromkeys(c for spec in typed for c in incoming_candidates(spec)))
    if found:
        return [server.candidate() for server in found]
    if outgoing:
        return incoming_candidates(outgoing[0].host)
    return []
