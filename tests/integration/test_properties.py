"""Property-based tests over real loopback sockets: DNS answers and whole probes.

- DNS: a UDP responder on 127.0.0.1 answers each query with what the example says (records
  of any type, odd names, error codes, truncation, or bytes that are not DNS at all), built
  with dnspython. :class:`~smtpwizard.core.net.dns.DnsClient` must return well-formed values
  or raise :class:`~smtpwizard.core.net.dns.DnsError`, within its lifetime.
- Probes: a TCP server on loopback sends the example's bytes (shaped like SMTP, IMAP or POP3,
  or not) and hangs up; :func:`~smtpwizard.core.probe.base.probe_candidate` must come back with a
  result the diagnosis and the JSON report can read, within its budget, and never log in
  where it may not.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import pytest
from hypothesis import HealthCheck
from hypothesis import event
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from smtpwizard.core.diagnosis.findings import explain
from smtpwizard.core.document import candidate_document
from smtpwizard.core.errors import DnsError
from smtpwizard.core.login import Credentials
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Security
from smtpwizard.core.net.address import parse_email
from smtpwizard.core.net.dns import DnsClient
from smtpwizard.core.net.dns import DnsResolver
from smtpwizard.core.net.dns import Nameserver
from smtpwizard.core.net.resolve import StaticResolver
from smtpwizard.core.net.tls import make_tls_context
from smtpwizard.core.probe.options import ProbeOptions
from smtpwizard.core.probe.runner import probe_candidate
from tests.support.certs import CertSet
from tests.support.dnsd import DnsServer

#: Seconds one DNS lookup may take, retries included.
DNS_TIMEOUT = 0.3
SLACK = 1.0

SETTINGS = settings(
    deadline=None,
    max_examples=60,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# -- DNS -----------------------------------------------------------------------------------------

Answer = Callable[[dns.message.Message], bytes | None]


class ScriptedDns(DnsServer):
    """A UDP responder on loopback whose answers the test sets (``answer``), query by query."""

    def __init__(self) -> None:
        super().__init__({})
        self.answer: Answer = lambda _query: None

    def reply(self, query: dns.message.Message) -> bytes | None:
        return self.answer(query)


@pytest.fixture(scope="module")
def dns_server() -> Iterator[ScriptedDns]:
    with ScriptedDns() as server:
        yield server


LABEL = st.one_of(
    st.sampled_from([b"mail", b"smtp", b"example", b"test", b"xn--bcher-kva", b"-", b"_tcp"]),
    st.binary(min_size=1, max_size=63),
)


@st.composite
def names(draw: st.DrawFn) -> dns.name.Name:
    labels = draw(st.lists(LABEL, max_size=4))
    try:
        return dns.name.Name([*labels, b""])
    except dns.name.NameTooLong:
        return dns.name.root


RDATA: dict[str, st.SearchStrategy[str]] = {
    "MX": st.builds(lambda p, n: f"{p} {n.to_text()}", st.integers(0, 65535), names()),
    "SRV": st.builds(
        lambda p, w, port, n: f"{p} {w} {port} {n.to_text()}",
        st.integers(0, 65535),
        st.integers(0, 65535),
        st.integers(0, 65535),
        names(),
    ),
    "A": st.integers(0, 2**32 - 1).map(lambda n: str(ipaddress.IPv4Address(n))),
    "AAAA": st.integers(0, 2**128 - 1).map(lambda n: str(ipaddress.IPv6Address(n))),
    "CNAME": names().map(lambda n: n.to_text()),
    "TXT": st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20).map(
        lambda t: '"' + t.replace("\\", "").replace('"', "") + '"'
    ),
}


@st.composite
def dns_behaviours(draw: st.DrawFn) -> Answer:
    """How the responder answers: a well-made response with any records, or not DNS at all."""
    mode = draw(st.sampled_from(["records"] * 6 + ["garbage", "silence", "wrong id"]))
    if mode == "silence":
        return lambda _query: None
    if mode in ("garbage", "wrong id"):
        junk = draw(st.binary(max_size=100))

        def raw(query: dns.message.Message) -> bytes:
            ident = query.id if mode == "garbage" else (query.id + 1) % 65536
            return ident.to_bytes(2, "big") + junk

        return raw
    rcode = draw(st.sampled_from([dns.rcode.NOERROR] * 5 + [1, 2, 3, 4, 5, 9]))
    truncated = draw(st.integers(0, 9)) == 0
    same_name = draw(st.integers(0, 3)) > 0
    drawn = draw(
        st.lists(
            st.tuples(
                st.sampled_from(list(RDATA)).flatmap(lambda t: st.tuples(st.just(t), RDATA[t])),
                names(),
            ),
            max_size=6,
        )
    )
    records = [
        (dns.rdata.from_text(dns.rdataclass.IN, rdtype, text), other)
        for (rdtype, text), other in drawn
    ]

    def answer(query: dns.message.Message) -> bytes:
        response = dns.message.make_response(query)
        response.set_rcode(rcode)
        if truncated:
            response.flags |= dns.flags.TC
        question = query.question[0]
        for rdata, other in records:
            owner = question.name if same_name else other
            rrset = response.find_rrset(
                response.answer, owner, dns.rdataclass.IN, rdata.rdtype, create=True
            )
            rrset.add(rdata, 300)
        return response.to_wire()  # type: ignore[no-any-return]

    return answer


def client(server: ScriptedDns) -> DnsClient:
    return DnsClient([Nameserver("127.0.0.1", server.port)], timeout=DNS_TIMEOUT)


@SETTINGS
@given(behaviour=dns_behaviours(), lookup=st.sampled_from(["mx", "srv", "addresses"]))
def test_dns_answers(dns_server: ScriptedDns, behaviour: Answer, lookup: str) -> None:
    dns_server.answer = behaviour
    dns_client = client(dns_server)
    started = time.monotonic()
    try:
        if lookup == "mx":
            hosts = dns_client.mx("example.test")
            assert all(h and h not in (".", "") and h == h.lower() for h in hosts)
            assert all(not h.endswith(".") for h in hosts)
        elif lookup == "srv":
            records = dns_client.srv("_submissions._tcp.example.test")
            for r in records:
                assert 0 <= r.priority <= 65535
                assert 0 <= r.weight <= 65535
                assert 0 <= r.port <= 65535
                assert r.target == r.target.lower()
            keys = [(r.priority, -r.weight, r.target, r.port) for r in records]
            assert keys == sorted(keys)
        else:
            for ip in dns_client.addresses("mail.example.test"):
                ipaddress.ip_address(ip)
        event("answered")
    except DnsError as exc:
        assert str(exc)  # noqa: PT017  # a message for a person
        event(f"refused: {exc.reason}")
    # AAAA then A: two lookups at most, each within its lifetime
    assert time.monotonic() - started < 2 * DNS_TIMEOUT + SLACK


@settings(SETTINGS, max_examples=30)  # silent answers cost a lookup's whole time each
@given(behaviour=dns_behaviours())
def test_dns_resolver_for_probes(dns_server: ScriptedDns, behaviour: Answer) -> None:
    from smtpwizard.core.net.channel import CancelToken

    dns_server.answer = behaviour
    with CancelToken() as cancel:
        try:
            found = DnsResolver(client(dns_server)).resolve(
                "mail.example.test", 587, timeout=DNS_TIMEOUT, cancel=cancel
            )
        except DnsError:
            return
    for address in found:
        assert address.family in (socket.AF_INET, socket.AF_INET6)
        ipaddress.ip_address(address.ip)


# -- whole probes ----------------------------------------------------------------------------------


class Holder:
    """What the scripted server answers on its next connection, item by item."""

    items: tuple[bytes, ...] = ()


def lockstep(holder: Holder) -> Callable[[socket.socket, threading.Event], None]:
    """Greets with the first item, then answers whatever the client sends with the next one
    (``{tag}`` becomes the IMAP tag of the client's last command); an answer also goes out when
    the client says nothing for a moment. After the last item it hangs up."""

    def script(conn: socket.socket, stopping: threading.Event) -> None:
        items = list(holder.items)
        tag = b"*"
        if items:
            conn.sendall(items.pop(0))
        conn.settimeout(0.1)
        while items:
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                chunk = b"..."
            if not chunk:
                return
            first = chunk.split(b" ", 1)[0]
            if b" " in chunk and first.isalnum():
                tag = first
            conn.sendall(items.pop(0).replace(b"{tag}", tag))
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(5)
        while conn.recv(65536):  # what the client still says, until it hangs up
            pass

    return script


#: A conversation that works, in plain text, with a login and the dry run; examples break it.
HAPPY = {
    Protocol.SMTP: [
        b"220 mail.example.test ESMTP",
        b"250-mail.example.test\r\n250-AUTH PLAIN LOGIN CRAM-MD5\r\n250 8BITMIME",
        b"334 PDEyMzQ1QGV4YW1wbGUudGVzdD4=",
        b"235 2.7.0 Authentication successful",
        b"250 2.1.0 OK",
        b"250 2.1.5 OK",
        b"250 2.0.0 OK",
        b"221 2.0.0 Bye",
    ],
    Protocol.IMAP: [
        b"* OK ready",
        b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK done",
        b"+ ",
        b"{tag} OK logged in",
        b"* BYE\r\n{tag} OK bye",
    ],
    Protocol.POP3: [
        b"+OK ready",
        b"+OK\r\nUSER\r\nSASL PLAIN\r\n.",
        b"+OK",
        b"+OK logged in",
        b"+OK bye",
    ],
}
NOISE = [
    b"220 go ahead",
    b"250-STARTTLS",
    b"250 AUTH XOAUTH2",
    b"334 ",
    b"535 5.7.8 no",
    b"454 4.7.0 later",
    b"421 bye",
    b"* PREAUTH hi",
    b"* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED",
    b"{tag} NO [AUTHENTICATIONFAILED] no",
    b"{tag} BAD what",
    b"* BYE",
    b"STLS",
    b"-ERR [AUTH] no",
    b".",
    b"",
]


@st.composite
def conversations(draw: st.DrawFn, protocol: Protocol) -> tuple[bytes, ...]:
    """The working conversation with a few things broken: lines dropped, replaced, added."""
    items = list(HAPPY[protocol])
    noise = st.one_of(
        *[st.sampled_from(NOISE + HAPPY[protocol])] * 3,
        st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")),
    )
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.integers(0, len(items)))
        how = draw(st.sampled_from(["drop", "replace", "insert", "cut"]))
        if how == "cut":
            items = items[:where]
        elif how == "insert":
            items.insert(where, draw(noise))
        elif where < len(items):
            if how == "drop":
                del items[where]
            else:
                items[where] = draw(noise)
    ending = draw(st.sampled_from([b"\r\n"] * 4 + [b"\n", b""]))
    return tuple(item + ending for item in items)


@pytest.fixture(scope="module")
def context(certs: CertSet) -> object:
    return make_tls_context(str(certs.ca_file))


@pytest.fixture(scope="module")
def probe_server() -> Iterator[tuple[Holder, int]]:
    from tests.support.listeners import ScriptedServer

    holder = Holder()
    with ScriptedServer(lockstep(holder)) as server:
        yield holder, server.port


@SETTINGS
@given(
    case=st.sampled_from(list(Protocol)).flatmap(
        lambda p: st.tuples(
            st.just(p), conversations(p), st.sampled_from([Security.NONE] * 3 + list(Security))
        )
    ),
    with_login=st.booleans(),
    allow_plaintext=st.booleans(),
)
def test_whole_probes(
    probe_server: tuple[Holder, int],
    context: object,
    case: tuple[Protocol, tuple[bytes, ...], Security],
    with_login: bool,
    allow_plaintext: bool,
) -> None:
    protocol, items, security = case
    holder, port = probe_server
    holder.items = items
    options = ProbeOptions(timeout=0.5, total_timeout=2.0, allow_plaintext=allow_plaintext)
    started = time.monotonic()
    result = probe_candidate(
        Candidate("mail.example.test", port, security, protocol=protocol),
        options,
        email=parse_email("alice@example.test"),
        credentials=Credentials("alice@example.test", "pw ß 9!") if with_login else None,
        context=context,  # type: ignore[arg-type]
        resolver=StaticResolver({"mail.example.test": ["127.0.0.1"]}),
    )
    elapsed = time.monotonic() - started
    event(f"{protocol.name} {result.outcome}" + (" logged in" if result.auth.attempts else ""))
    assert elapsed < options.budget + SLACK
    assert isinstance(result.outcome, Outcome)
    assert (result.reason is None) == (result.outcome is Outcome.OK)
    # a login only ever travels encrypted, or in plain text with consent
    if result.auth.attempts:
        assert result.encrypted or (security is Security.NONE and allow_plaintext)
    finding = explain(result)
    assert finding.headline
    assert finding.explanation
    json.dumps(candidate_document(result))
