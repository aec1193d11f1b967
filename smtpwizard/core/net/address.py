"""Checking what a person types: email addresses, host names, ports, incoming servers.

Every check raises :class:`InvalidInput` with a message that can be shown as it is.
International domain names are accepted and carried in their ASCII (IDNA) form on the wire.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from smtpwizard.core.errors import InvalidInput
from smtpwizard.core.i18n import _

__all__ = [
    "EmailAddress",
    "ascii_host",
    "check_host",
    "check_port",
    "host_key",
    "is_ip",
    "is_text",
    "parse_email",
]

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
        # An ASCII name is its own ASCII form (the label check below is the codec's and
        # more); the IDNA codec (with unicodedata) loads only for a name that needs it.
        encoded = (name if name.isascii() else name.encode("idna").decode("ascii")).lower()
    except UnicodeError:
        raise InvalidInput(_("“{name}” is not a valid server name.").format(name=name)) from None
    labels = encoded.split(".")
    if len(encoded) > 253 or not all(_LABEL.match(label) for label in labels):
        raise InvalidInput(_("“{name}” is not a valid server name.").format(name=name))
    return encoded


#: Characters an unquoted local part cannot hold (RFC 5322 "specials", the @ aside).
_SPECIALS = frozenset('()<>[]:;\\,"')


def is_text(value: str) -> bool:
    """Whether ``value`` is text, not undecodable bytes (which a command line holds as lone
    surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_email(text: str) -> EmailAddress:
    """Checks an email address as a person types it (``Name <addr>`` is accepted too).

    Raises:
        InvalidInput: with what is wrong.
    """
    text = text.strip()
    if not text:
        raise InvalidInput(_("Please enter your email address."))
    if not is_text(text):
        raise InvalidInput(
            _("The address holds bytes that are not UTF-8 text: type it again as text.")
        )
    if text[:7].lower() == "mailto:":
        raise InvalidInput(
            _("Leave out “{scheme}”: type the address alone, like name@example.com.").format(
                scheme=text[:7]
            )
        )
    import email.utils  # (with its socket import) only when an address is read

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
    special = next((ch for ch in local if ch in _SPECIALS), None)
    if special is not None and not quoted:
        raise InvalidInput(
            _("“{char}” cannot be part of an address (before the @).").format(char=special)
        )
    if "." not in domain.strip("."):
        raise InvalidInput(
            _("“{domain}” is not a complete domain (like example.com).").format(domain=domain)
        )
    if domain.startswith("[") or is_ip(domain):
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


def is_ip(text: str) -> bool:
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
    if is_ip(bare):
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
