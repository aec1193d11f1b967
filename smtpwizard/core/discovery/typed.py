"""The person's own entry, which always wins when given: the outgoing server they typed (every
standard port and mode unless they fixed some), and the incoming server they typed."""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence

from smtpwizard.core.errors import InvalidInput
from smtpwizard.core.i18n import _
from smtpwizard.core.model import DEFAULT_PORTS
from smtpwizard.core.model import INCOMING_PORTS
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Security
from smtpwizard.core.model import Source
from smtpwizard.core.model import usual_security
from smtpwizard.core.net.address import check_host
from smtpwizard.core.net.address import check_port
from smtpwizard.core.net.address import is_ip

__all__ = ["incoming_candidates", "incoming_to_test", "outgoing_candidates"]


def outgoing_candidates(
    host: str, ports: Sequence[str | int] = (), securities: Sequence[str] = ()
) -> list[Candidate]:
    """The outgoing modes to test on a server the person named: the ports and encryption
    modes given (one mode for all ports, or one per port), else every standard port in its
    usual mode (465 SSL/TLS, 587, 2525 and 25 STARTTLS).

    Raises:
        InvalidInput: a port is not a port, or the modes do not pair with the ports.
    """
    modes = [Security(s) for s in securities]
    checked = [check_port(p) for p in ports]
    if not checked:
        if not modes:
            pairs = list(DEFAULT_PORTS)
        else:
            pairs = [(port, mode) for port, _usual in DEFAULT_PORTS for mode in modes]
    elif not modes:
        pairs = [(port, mode) for port in checked for mode in usual_security(port)]
    elif len(modes) == 1:
        pairs = [(port, modes[0]) for port in checked]
    elif len(modes) == len(checked):
        pairs = list(zip(checked, modes, strict=True))
    else:
        raise InvalidInput(_("give --security once for all ports, or once for each --port"))
    return [Candidate(host, port, mode, Source.USER) for port, mode in pairs]


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
    elif is_ip(text):
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
    typed: Sequence[str], found: Sequence[Candidate], outgoing: Sequence[Candidate]
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
        return list(found)
    if outgoing:
        return incoming_candidates(outgoing[0].host)
    return []
