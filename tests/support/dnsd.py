"""A small real DNS server on loopback (UDP), answering from a table.

Records are ``{"name.": [("MX", "10 mx.example.test."), ("A", "127.0.0.1")]}``; names not in
the table get NXDOMAIN; names in ``silent`` get no answer at all (a timeout); names in
``failing`` get SERVFAIL.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

Records = Mapping[str, Sequence[tuple[str, str]]]


def _key(name: str) -> str:
    return name.lower().rstrip(".") + "."


class DnsServer:
    """Answers DNS queries on 127.0.0.1 from a table; see the module docstring."""

    def __init__(
        self,
        records: Records,
        silent: Iterable[str] = (),
        failing: Iterable[str] = (),
    ) -> None:
        self.records: dict[str, list[tuple[str, str]]] = {
            _key(name): list(rrs) for name, rrs in records.items()
        }
        self.silent = {_key(n) for n in silent}
        self.failing = {_key(n) for n in failing}
        self.queries: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def address(self) -> str:
        """``127.0.0.1:PORT``, as ``--nameserver`` takes it."""
        return f"127.0.0.1:{self.port}"

    def add(self, name: str, rdtype: str, rdata: str) -> None:
        with self._lock:
            self.records.setdefault(_key(name), []).append((rdtype, rdata))

    def _answer(self, query: dns.message.Message) -> dns.message.Message | None:
        question = query.question[0]
        name = question.name.to_text().lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        with self._lock:
            self.queries.append((name, rdtype))
            entries = self.records.get(name)
        if name in self.silent:
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if name in self.failing:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response
        if entries is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
            return response
        matching = [data for kind, data in entries if kind == rdtype]
        if matching:
            rrset = dns.rrset.from_text_list(question.name, 300, "IN", rdtype, matching)
            response.answer.append(rrset)
        return response

    def reply(self, query: dns.message.Message) -> bytes | None:
        """The answer to a query, as bytes for the wire (``None``: stay silent)."""
        response = self._answer(query)
        return response.to_wire() if response is not None else None

    def _serve(self) -> None:
        # Closing a UDP socket does not wake recvfrom(), so the loop wakes up to look.
        self._sock.settimeout(0.05)
        while not self._stopping.is_set():
            try:
                data, peer = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                query = dns.message.from_wire(data)
            except Exception:  # a broken query gets no answer, as from a real server
                continue
            wire = self.reply(query)
            if wire is not None:
                try:
                    self._sock.sendto(wire, peer)
                except OSError:
                    return

    def __enter__(self) -> DnsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._thread.join(2)
        self._sock.close()
