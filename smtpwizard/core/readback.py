"""A probe result document read back (``smtpwizard probe --json``, the wizard's saved
result) into typed values, leniently: a damaged or older document gives ``None`` where a value
is missing or unusable. For the exporters, the importers and troubleshooting's comparison
with an earlier test; :mod:`smtpwizard.core.document` writes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace
from typing import Any

from smtpwizard.core.login import SignInRecord
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Security
from smtpwizard.core.model import ServerSettings
from smtpwizard.core.net.certs import read_fingerprint

__all__ = ["CandidateEntry", "ResultDocument", "ServerEntry", "read_document"]


@dataclass(frozen=True, slots=True)
class ServerEntry:
    """A server as a document records it; ``None`` wherever the document is silent or damaged.

    Attributes:
        tested, login_tested, test_outcome: what the probe proved (for incoming servers).
    """

    host: str | None
    port: int | None
    security: Security | None
    protocol: Protocol | None = Protocol.SMTP
    username: str | None = None
    mechanism: str | None = None
    tested: bool = False
    login_tested: bool = False
    test_outcome: str | None = None

    @property
    def complete(self) -> bool:
        """Whether the host, port and encryption are all there and usable."""
        return self.host is not None and self.port is not None and self.security is not None

    def settings(self, protocol: Protocol | None = None) -> ServerSettings | None:
        """The entry as settings a program uses (``None`` when incomplete)."""
        if self.host is None or self.port is None or self.security is None:
            return None
        return ServerSettings(
            self.host,
            self.port,
            self.security,
            self.username,
            mechanism=self.mechanism,
            protocol=protocol or self.protocol or Protocol.SMTP,
            tested=self.tested,
            login_tested=self.login_tested,
            test_outcome=self.test_outcome,
        )


@dataclass(frozen=True, slots=True)
class CandidateEntry:
    """A tried candidate as a document records it.

    Attributes:
        server: where it was (``username`` is the login name the probe used).
        outcome: the outcome word (``ok``, ``timeout``…).
        login: what happened to the login (``ok``, ``rejected``…), when it was tried.
        addresses: the addresses the name led to.
        cert_issuer: the certificate's issuer, in words.
        cert_fingerprint: its SHA-256 fingerprint.
    """

    server: ServerEntry
    outcome: str | None
    login: str | None = None
    addresses: tuple[str, ...] = ()
    cert_issuer: str | None = None
    cert_fingerprint: str | None = None
    has_cert: bool = False
    """Whether the document recorded the server's certificate at all."""

    @property
    def worked(self) -> bool:
        """Whether the candidate worked (with or without encryption)."""
        return self.outcome in ("ok", "insecure")


@dataclass(frozen=True, slots=True)
class ResultDocument:
    """A probe result read back.

    Attributes:
        is_result: the document looks like a probe result (it has ``recommended``).
        recommended: the recommended outgoing server; ``None`` when there was none, and
            also when the entry is not an object (``recommended_damaged`` says so).
        candidates: every candidate tried, in order.
        incoming: the incoming servers, tested ones first.
    """

    is_result: bool
    email: str | None
    tested_at: dt.datetime | None
    tested_from: str | None
    summary: str | None
    provider: str | None
    recommended: ServerEntry | None
    recommended_damaged: bool
    candidates: tuple[CandidateEntry, ...]
    incoming: tuple[ServerEntry, ...]
    warnings: tuple[str, ...] = ()
    ca_file: str | None = None
    """The CA file the recommended server's certificate needed (besides the system's)."""
    trusted_ca_file: str | None = None
    """The CA file the run trusted besides the system's, needed or not."""
    pinned_sha256: str | None = None
    """The fingerprint of the certificate the person trusted by hand for that server."""
    password_ascii: bool | None = None
    """Whether the password that was tried is plain ASCII (``None``: not recorded)."""
    sign_in: SignInRecord | None = None
    """The OAuth 2.0 sign-in the logins used, when they used one and it worked."""

    def candidate_for(self, server: ServerEntry) -> CandidateEntry | None:
        """The candidate that tried the same server and mode (a working one first)."""
        same = [
            c
            for c in self.candidates
            if (c.server.host, c.server.port, c.server.security)
            == (server.host, server.port, server.security)
        ]
        same.sort(key=lambda c: not c.worked)
        return same[0] if same else None


def read_document(document: object) -> ResultDocument:
    """Reads a probe result (``smtpwizard probe --json``), whatever state it is in."""
    doc: Mapping[str, Any] = document if isinstance(document, Mapping) else {}
    rec = doc.get("recommended")
    candidates = doc.get("candidates")
    incoming = doc.get("incoming")
    warnings = doc.get("recommended", {}).get("warnings") if isinstance(rec, Mapping) else None
    return ResultDocument(
        is_result=isinstance(document, Mapping) and "recommended" in doc,
        email=_text(doc.get("email")),
        tested_at=_when(doc.get("tested_at")),
        tested_from=_text(doc.get("tested_from")),
        summary=_text(doc.get("summary")),
        provider=_provider_name(doc.get("provider")),
        recommended=_server_entry(rec, mechanism_key="auth_mechanism")
        if isinstance(rec, Mapping)
        else None,
        recommended_damaged=rec is not None and not isinstance(rec, Mapping),
        candidates=tuple(
            _candidate_entry(c)
            for c in (candidates if isinstance(candidates, list) else ())
            if isinstance(c, Mapping)
        ),
        incoming=tuple(
            _server_entry(e, protocol=None)
            for e in (incoming if isinstance(incoming, list) else ())
            if isinstance(e, Mapping)
        ),
        warnings=tuple(w for w in warnings if isinstance(w, str))
        if isinstance(warnings, list)
        else (),
        ca_file=_ca_file(doc.get("trust")),
        trusted_ca_file=_text(doc["trust"].get("cafile"))
        if isinstance(doc.get("trust"), Mapping)
        else None,
        pinned_sha256=_pinned(doc.get("trust"), rec, candidates),
        password_ascii=doc.get("password_ascii")
        if isinstance(doc.get("password_ascii"), bool)
        else None,
        sign_in=_sign_in(doc.get("sign_in")),
    )


def _ca_file(trust: object) -> str | None:
    """The CA file, when the recommended server needed it."""
    if not isinstance(trust, Mapping) or trust.get("cafile_needed") is not True:
        return None
    return _text(trust.get("cafile"))


def _pinned(trust: object, rec: object, candidates: object) -> str | None:
    """The pinned fingerprint: the trust record's, else (older documents) the one of the
    recommended candidate's certificate when that was trusted by hand."""
    value = trust.get("pinned_sha256") if isinstance(trust, Mapping) else None
    if value is None and isinstance(rec, Mapping) and isinstance(candidates, list):
        for entry in candidates:
            if not isinstance(entry, Mapping) or any(
                entry.get(key) != rec.get(key) for key in ("host", "port", "security")
            ):
                continue
            tls = entry.get("tls")
            cert = tls.get("cert") if isinstance(tls, Mapping) else None
            if isinstance(tls, Mapping) and tls.get("pinned") is True and isinstance(cert, Mapping):
                value = cert.get("fingerprint_sha256")
                break
    return read_fingerprint(value) if isinstance(value, str) else None


def _sign_in(entry: object) -> SignInRecord | None:
    """A working OAuth 2.0 sign-in as the document records it (no secret is ever there)."""
    if not isinstance(entry, Mapping) or entry.get("signed_in") is not True:
        return None
    if entry.get("method") != "oauth2":
        return None
    scopes = entry.get("scopes")
    notes = entry.get("notes")
    return SignInRecord(
        issuer=_text(entry.get("issuer")),
        authorization_endpoint=_text(entry.get("authorization_endpoint")),
        token_endpoint=_text(entry.get("token_endpoint")),
        device_endpoint=_text(entry.get("device_endpoint")),
        client_id=_text(entry.get("client_id")),
        scopes=tuple(s for s in scopes if isinstance(s, str)) if isinstance(scopes, list) else (),
        account=_text(entry.get("account")),
        flow=_text(entry.get("flow")) or "browser",
        stored=entry.get("stored") is True,
        notes=tuple(n for n in notes if isinstance(n, str)) if isinstance(notes, list) else (),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _host(value: object) -> str | None:
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        return None
    return value


def _port(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value < 65536 else None


def _enum(kind: type[Security] | type[Protocol], value: object) -> Any:
    try:
        return kind(str(value))
    except ValueError:
        return None


def _when(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _provider_name(value: object) -> str | None:
    """The provider's name: the knowledge base entry's ``name`` (older documents: a string)."""
    if isinstance(value, Mapping):
        return _text(value.get("name"))
    return _text(value)


def _server_entry(
    entry: Mapping[str, Any], mechanism_key: str = "mechanism", protocol: str | None = "smtp"
) -> ServerEntry:
    return ServerEntry(
        host=_host(entry.get("host")),
        port=_port(entry.get("port")),
        security=_enum(Security, entry.get("security")),
        protocol=_enum(Protocol, entry.get("protocol", protocol)),
        username=_text(entry.get("username")),
        mechanism=_text(entry.get(mechanism_key)),
        tested=entry.get("tested") is True,
        login_tested=entry.get("login_tested") is True,
        test_outcome=_text(entry.get("test_outcome")),
    )


def _candidate_entry(entry: Mapping[str, Any]) -> CandidateEntry:
    auth = entry.get("auth")
    auth = auth if isinstance(auth, Mapping) else {}
    tls = entry.get("tls")
    recorded = tls.get("cert") if isinstance(tls, Mapping) else None
    cert = recorded if isinstance(recorded, Mapping) else {}
    addresses = entry.get("addresses")
    server = replace(_server_entry(entry), username=_text(auth.get("username")))
    return CandidateEntry(
        server=server,
        outcome=_text(entry.get("outcome")),
        login=_text(auth.get("result")),
        addresses=tuple(str(a) for a in addresses) if isinstance(addresses, list) else (),
        cert_issuer=_text(cert.get("issuer_name")) or _text(cert.get("issuer")),
        cert_fingerprint=_text(cert.get("fingerprint_sha256")),
        has_cert=isinstance(recorded, Mapping),
    )
