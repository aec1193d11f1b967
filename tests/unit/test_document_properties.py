"""Property-based tests: configuration documents and typed-in values, whatever they hold.

Autoconfig (``clientConfig``) and Autodiscover documents come from servers nobody vetted;
addresses, host names, ports and nameservers come from people and from those documents.
Properties: only the documented error comes out (``DocumentError``, ``InvalidInput``,
``ValueError``), and every value that comes out is one the rest of the engine can use as it is.
"""

from __future__ import annotations

import ipaddress
import xml.etree.ElementTree as ET

from hypothesis import HealthCheck
from hypothesis import event
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from smtpwizard.core.discovery.autoconfig import ClientConfig
from smtpwizard.core.discovery.autoconfig import Redirect
from smtpwizard.core.discovery.autoconfig import parse_autodiscover
from smtpwizard.core.discovery.autoconfig import parse_client_config
from smtpwizard.core.discovery.typed import incoming_candidates
from smtpwizard.core.errors import DocumentError
from smtpwizard.core.errors import InvalidInput
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Security
from smtpwizard.core.model import Source
from smtpwizard.core.net.address import check_host
from smtpwizard.core.net.address import check_port
from smtpwizard.core.net.address import parse_email
from smtpwizard.core.net.dns import parse_nameserver

SETTINGS = settings(
    deadline=None,
    max_examples=200,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
EMAIL = parse_email("alice@example.test")

# -- values --------------------------------------------------------------------------------------

#: Text as it comes: any characters, with a bias towards what hosts and ports are made of.
RAW = st.one_of(
    st.text(max_size=80),
    st.text(alphabet="abcxyz019-._:[]@%/ \tEMAILDOMAINLOCALPART", max_size=60),
    st.sampled_from(
        [
            "smtp.example.test",
            "SMTP.Example.TEST.",
            "%EMAILDOMAIN%",
            "smtp.%EMAILDOMAIN%",
            "%EMAILLOCALPART%.example.test",
            "127.0.0.1",
            "[::1]",
            "::1",
            "[192.0.2.1",
            "bücher.example",
            "xn--bcher-kva.example",
            "xn--zz.example",
            "a" * 64 + ".example",
            ".",
            "..",
            "",
            "587",
            "0",
            "65536",
            "1_000",
            "٥٨٧",
            "9" * 5000,
        ]
    ),
)


def usable_host(host: str) -> None:
    """What a host from the engine must be: checked already, so checking changes nothing."""
    assert host == check_host(host)
    assert host.isascii()
    assert host == host.strip()


@SETTINGS
@given(text=RAW)
def test_check_host(text: str) -> None:
    try:
        host = check_host(text)
    except InvalidInput as exc:
        assert str(exc)  # noqa: PT017  # a message for a person, whatever went wrong
        return
    usable_host(host)
    if ":" in host:
        assert isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address)


@SETTINGS
@given(value=st.one_of(RAW, st.integers()))
def test_check_port(value: str | int) -> None:
    try:
        port = check_port(value)
    except InvalidInput as exc:
        assert str(exc)  # noqa: PT017  # a message for a person, whatever went wrong
        return
    assert 1 <= port <= 65535


@SETTINGS
@given(text=st.one_of(RAW, st.builds(lambda a, b: f"{a}@{b}", RAW, RAW)))
@example(text='"john smith"@example.com')
@example(text="Alice <alice@bücher.example>")
def test_parse_email(text: str) -> None:
    try:
        address = parse_email(text)
    except InvalidInput as exc:
        assert str(exc)  # noqa: PT017  # a message for a person, whatever went wrong
        return
    assert address.local
    usable_host(address.ascii_domain)
    assert "." in address.ascii_domain
    assert address.ascii.endswith("@" + address.ascii_domain)
    assert parse_email(str(address)) == address  # what came out goes back in unchanged


@SETTINGS
@given(
    text=st.one_of(
        RAW,
        st.builds(
            lambda scheme, rest: f"{scheme}://{rest}",
            st.sampled_from(["imap", "imaps", "pop3", "pop3s", "pop", "pops", "smtp", "IMAPS"]),
            RAW,
        ),
    )
)
def test_incoming_candidates(text: str) -> None:
    try:
        candidates = incoming_candidates(text)
    except InvalidInput as exc:
        assert str(exc)  # noqa: PT017  # a message for a person, whatever went wrong
        return
    assert candidates
    for candidate in candidates:
        usable_host(candidate.host)
        assert candidate.protocol in (Protocol.IMAP, Protocol.POP3)
        assert 1 <= candidate.port <= 65535
        assert candidate.security in (Security.TLS, Security.STARTTLS)


@SETTINGS
@given(text=RAW)
@example(text="[::1]:5353")
@example(text="[::1")
def test_parse_nameserver(text: str) -> None:
    try:
        server = parse_nameserver(text)
    except ValueError as exc:
        assert str(exc)  # noqa: PT017
        return
    ipaddress.ip_address(server.ip)
    assert 1 <= server.port <= 65535


# -- documents -----------------------------------------------------------------------------------

#: XML 1.0 allows these characters; others make the document unparseable, which is tested too.
_XML_SAFE = RAW.map(lambda s: "".join(ch for ch in s if ch in "\t\n\r" or " " <= ch <= "\ud7ff"))
XML_TEXT = st.one_of(*[_XML_SAFE] * 6, st.text(max_size=30))


PLAUSIBLE_HOSTS = [
    "smtp.example.test",
    "%EMAILDOMAIN%",
    "mail.%EMAILDOMAIN%",
    "::1",
    "bücher.example",
]
#: Values mostly shaped as each field expects, so that documents get past the first check.
VALUES = {
    "hostname": st.one_of(
        *[st.sampled_from(["smtp.example.test", "%EMAILDOMAIN%", "mail.%EMAILDOMAIN%", "::1"])] * 3,
        XML_TEXT,
    ),
    "port": st.one_of(
        *[st.sampled_from(["465", "587", "993", " 25 "])] * 2,
        st.integers(-5, 70000).map(str),
        XML_TEXT,
    ),
    "socketType": st.one_of(st.sampled_from(["SSL", "STARTTLS", "plain", "tls"]), XML_TEXT),
    "Server": st.one_of(st.sampled_from(["smtp.example.test", "outlook.office365.com"]), XML_TEXT),
    "Port": st.one_of(st.integers(-5, 70000).map(str), XML_TEXT),
    "Encryption": st.one_of(st.sampled_from(["SSL", "TLS", "None", "Auto"]), XML_TEXT),
    "SSL": st.one_of(st.sampled_from(["on", "off"]), XML_TEXT),
    "DomainRequired": st.one_of(st.sampled_from(["on", "off"]), XML_TEXT),
}


def element(tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.Element(tag, attrs)
    node.text = text
    return node


@st.composite
def server_element(draw: st.DrawFn, tag: str) -> ET.Element:
    usual = ["smtp"] if tag == "outgoingServer" else ["imap", "pop3"]
    kind = draw(st.sampled_from(usual * 6 + ["smtp", "imap", "SMTP", "exchange", "", "nntp"]))
    node = element(tag, type=kind)
    if draw(st.booleans()):  # a plausible server, as most documents hold
        node.append(element("hostname", draw(st.sampled_from(PLAUSIBLE_HOSTS))))
        node.append(element("port", draw(st.sampled_from(["465", "587", "993", " 25 ", "0"]))))
        node.append(element("socketType", draw(st.sampled_from(["SSL", "STARTTLS", "plain"]))))
    extra = ["hostname", "port", "socketType", "username", "authentication", "other"]
    for name in draw(st.lists(st.sampled_from(extra), max_size=5)):
        node.append(element(name, draw(VALUES.get(name, XML_TEXT))))
    return node


@st.composite
def client_configs(draw: st.DrawFn) -> bytes:
    root = element(draw(st.sampled_from(["clientConfig"] * 8 + ["html", "x:clientConfig"])))
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2]))):
        provider = element("emailProvider", id=draw(XML_TEXT))
        for _ in range(draw(st.integers(0, 5))):
            tag = draw(st.sampled_from(["outgoingServer", "incomingServer", "displayName"]))
            if tag == "displayName":
                provider.append(element(tag, draw(XML_TEXT)))
            else:
                provider.append(draw(server_element(tag)))
        root.append(provider)
    try:
        return ET.tostring(root, encoding="utf-8")
    except ValueError:  # text ElementTree cannot write (lone surrogates)
        return b"<clientConfig/>"


HOSTILE_XML = [
    b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY e "x">]><clientConfig>&e;</clientConfig>',
    b'<!DOCTYPE c SYSTEM "file:///etc/passwd"><clientConfig/>',
    b'<!DOCTYPE z [<!ENTITY lol "lol"><!ENTITY l2 "&lol;&lol;">]><clientConfig>&l2;</clientConfig>',
    b"<clientConfig>" * 10000,
    b"\xef\xbb\xbf<clientConfig/>",
    b'<?xml version="1.0" encoding="utf-16"?><clientConfig/>',
    b"",
]


def well_formed(config: ClientConfig) -> None:
    for server in config.outgoing:
        assert server.protocol is Protocol.SMTP
        usable(server)
    for server in config.incoming:
        assert server.protocol in (Protocol.IMAP, Protocol.POP3)
        usable(server)
    assert len(config.display_name) <= 100
    assert all(isinstance(reason, str) and reason for reason in config.skipped)


def usable(server: Candidate) -> None:
    usable_host(server.host)
    assert 1 <= server.port <= 65535
    assert isinstance(server.security, Security)


@SETTINGS
@given(
    data=st.one_of(*[client_configs()] * 4, st.binary(max_size=500), st.sampled_from(HOSTILE_XML))
)
def test_client_config_documents(data: bytes) -> None:
    try:
        config = parse_client_config(data, EMAIL, Source.AUTOCONFIG, "https://example.test/")
    except DocumentError as exc:
        assert str(exc)  # noqa: PT017
        event("refused")
        return
    event(f"servers found: {bool(config.outgoing or config.incoming)}")
    well_formed(config)


@st.composite
def autodiscover_documents(draw: st.DrawFn) -> bytes:
    ns = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}"
    root = element(draw(st.sampled_from(["Autodiscover"] * 8 + ["Other"])))
    response = element("Response")
    if draw(st.integers(0, 8)):
        root.append(response)
    if draw(st.integers(0, 5)) == 0:
        error = element("Error")
        error.append(element("Message", draw(XML_TEXT)))
        response.append(error)
    account = element(ns + "Account" if draw(st.booleans()) else "Account")
    action = draw(st.sampled_from(["settings"] * 4 + ["redirectAddr", "redirectUrl", "", "x"]))
    account.append(element("Action", action))
    account.append(element("RedirectAddr", draw(XML_TEXT)))
    account.append(element("RedirectUrl", draw(XML_TEXT)))
    for _ in range(draw(st.integers(0, 4))):
        protocol = element("Protocol")
        kind = draw(st.sampled_from(["SMTP", "IMAP", "POP3", "EXCH", "smtp", ""]))
        protocol.append(element("Type", kind))
        extra = ["Server", "Port", "Encryption", "SSL", "LoginName", "DomainRequired"]
        names = ["Server"] if draw(st.integers(0, 9)) else []
        names += draw(st.lists(st.sampled_from(extra), max_size=6))
        for name in draw(st.permutations(names)):
            protocol.append(element(name, draw(VALUES.get(name, XML_TEXT))))
        account.append(protocol)
    response.append(account)
    try:
        return ET.tostring(root, encoding="utf-8")
    except ValueError:
        return b"<Autodiscover/>"


@SETTINGS
@given(
    data=st.one_of(
        *[autodiscover_documents()] * 4, st.binary(max_size=500), st.sampled_from(HOSTILE_XML)
    )
)
def test_autodiscover_documents(data: bytes) -> None:
    try:
        answer = parse_autodiscover(data, EMAIL, "https://autodiscover.example.test/")
    except DocumentError as exc:
        assert str(exc)  # noqa: PT017
        event("refused")
        return
    event(type(answer).__name__)
    if isinstance(answer, Redirect):
        assert (answer.address is None) != (answer.url is None) or answer == Redirect()
        return
    well_formed(answer)
    assert all(server.username for server in (*answer.outgoing, *answer.incoming))
