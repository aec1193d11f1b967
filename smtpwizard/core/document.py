"""The JSON document of a probe run (DESIGN.md, "Contracts"): keys are stable, extras allowed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from smtpwizard import __version__
from smtpwizard.core.diagnosis.common import Context
from smtpwizard.core.diagnosis.findings import explain
from smtpwizard.core.diagnosis.recommend import level_label
from smtpwizard.core.diagnosis.summary import summarize
from smtpwizard.core.discovery.discoverer import DiscoveryResult
from smtpwizard.core.discovery.providers import Provider
from smtpwizard.core.model import (
    AuthStatus,
    CertInfo,
    MatrixResult,
    Outcome,
    ProbeResult,
    Recommendation,
    Reply,
    ServerInfo,
    StageResult,
    TlsInfo,
)

SCHEMA = 1

Json = dict[str, Any]


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _reply(reply: Reply | None) -> Json | None:
    if reply is None:
        return None
    return {"code": reply.code, "enhanced": reply.enhanced, "text": reply.text}


def _stage(stage: StageResult) -> Json:
    doc: Json = {"name": str(stage.name), "ok": stage.ok, "ms": stage.ms, "detail": stage.detail}
    if stage.reply is not None:
        doc["reply"] = _reply(stage.reply)
    if stage.error is not None:
        doc["error"] = stage.error
    return doc


def _cert(cert: CertInfo | None, tls: TlsInfo) -> Json | None:
    if cert is None:
        return None
    return {**cert_document(cert), "verified": tls.verified, "error": tls.error}


def _tls(tls: TlsInfo | None) -> Json | None:
    if tls is None:
        return None
    return {
        "version": tls.version,
        "cipher": tls.cipher,
        "verified": tls.verified,
        "error": tls.error,
        "verify_code": tls.verify_code,
        "pinned": tls.pinned,
        "cert": _cert(tls.cert, tls),
        "chain": [cert_document(cert) for cert in tls.chain],
    }


def cert_document(cert: CertInfo) -> Json:
    """A certificate's fields, as the certificate view shows them."""
    return {
        "subject": cert.subject,
        "issuer": cert.issuer,
        "issuer_name": cert.issuer_name,
        "names": list(cert.names),
        "not_before": _time(cert.not_before),
        "not_after": _time(cert.not_after),
        "fingerprint_sha256": cert.fingerprint_sha256,
        "serial": cert.serial,
        "self_signed": cert.self_signed,
    }


def candidate_document(result: ProbeResult, context: Context | None = None) -> Json:
    """One candidate's entry in the document."""
    c = result.candidate
    finding = explain(result, context)
    send = result.send
    return {
        "host": c.host,
        "port": c.port,
        "security": str(c.security),
        "protocol": str(c.protocol),
        "source": str(c.source),
        "source_detail": c.source_detail or None,
        "outcome": str(result.outcome),
        "reason": str(result.reason) if result.reason else None,
        "elapsed_ms": result.elapsed_ms,
        "addresses": list(result.addresses),
        "connected_to": result.connected_to,
        "local_address": result.local_address,
        "stages": [_stage(s) for s in result.stages],
        "greeting": _reply(result.greeting),
        "features": list(result.features),
        "starttls_offered": result.starttls_offered,
        "tls": _tls(result.tls),
        "auth": {
            "offered": list(result.auth.offered),
            "result": str(result.auth.status),
            "mechanism": result.auth.mechanism,
            "username": result.auth.username,
            "attempts": result.auth.attempts,
            "reply": _reply(result.auth.reply),
        },
        "send": None
        if send is None
        else {
            "ok": send.ok,
            "mail_from": _reply(send.sender),
            "rcpt_to": _reply(send.recipient),
            "message": _reply(send.message),
        },
        "finding": {
            "headline": finding.headline,
            "explanation": finding.explanation,
            "advice": finding.advice,
            "severity": str(finding.severity),
            "evidence": dict(finding.evidence),
            "link": finding.link,
        },
        "transcript": [
            {"dir": str(line.direction), "text": line.text, "tls": line.encrypted, "ms": line.at_ms}
            for line in result.transcript
        ],
    }


def tested_from(result: ProbeResult | None) -> str:
    """The network a test ran from, in words ("IPv4 address 192.0.2.7")."""
    if result is None or not result.local_address:
        return ""
    family = "IPv6" if ":" in result.local_address else "IPv4"
    return f"{family} address {result.local_address}"


def tested_incoming(incoming: MatrixResult) -> list[ServerInfo]:
    """The incoming servers a probe run tested, the recommended one first."""
    servers: list[ServerInfo] = []
    rec = incoming.recommended
    for result in incoming.results:
        c = result.candidate
        if result.outcome not in (Outcome.OK, Outcome.INSECURE):
            continue
        username = result.auth.username if result.auth.status is AuthStatus.OK else None
        server = ServerInfo(
            c.protocol,
            c.host,
            c.port,
            c.security,
            username or (rec.username if rec else None),
            c.source,
            c.source_detail,
            result.auth.offered,
            tested=True,
        )
        if rec is not None and c == rec.candidate:
            servers.insert(0, server)
        else:
            servers.append(server)
    return servers


def _incoming_list(discovered: Sequence[ServerInfo], probed: MatrixResult | None) -> list[Json]:
    tested = tested_incoming(probed) if probed is not None else []
    keys = {(s.protocol, s.host, s.port, s.security) for s in tested}
    rest = [s for s in discovered if (s.protocol, s.host, s.port, s.security) not in keys]
    documents = [server_document(s) for s in tested + rest]
    if probed is not None:
        logged_in = {
            (r.candidate.host, r.candidate.port, str(r.candidate.protocol))
            for r in probed.results
            if r.auth.status is AuthStatus.OK
        }
        outcomes = {
            (
                r.candidate.host,
                r.candidate.port,
                str(r.candidate.protocol),
                str(r.candidate.security),
            ): r
            for r in probed.results
        }
        for doc in documents:
            doc["login_tested"] = (doc["host"], doc["port"], doc["protocol"]) in logged_in
            result = outcomes.get((doc["host"], doc["port"], doc["protocol"], doc["security"]))
            doc["test_outcome"] = str(result.outcome) if result is not None else None
    return documents


def _recommended(rec: Recommendation | None) -> Json | None:
    if rec is None:
        return None
    return {
        "host": rec.candidate.host,
        "port": rec.candidate.port,
        "security": str(rec.candidate.security),
        "protocol": str(rec.candidate.protocol),
        "username": rec.username,
        "auth_mechanism": rec.auth_mechanism,
        "reasons": list(rec.reasons),
        "warnings": list(rec.warnings),
        "security_level": str(rec.level),
        "security_level_text": level_label(rec.level),
        "alternatives": [
            {"host": a.host, "port": a.port, "security": str(a.security)} for a in rec.alternatives
        ],
    }


def matrix_document(
    matrix: MatrixResult,
    incoming: Sequence[ServerInfo] = (),
    discovery: DiscoveryResult | None = None,
    provider: Provider | None = None,
    incoming_test: MatrixResult | None = None,
) -> Json:
    """The whole run as the JSON document of the CLI contract.

    Args:
        matrix: the probe run.
        incoming: incoming (IMAP/POP3) servers known for the address.
        discovery: how the candidates were found, when they were.
        provider: the address's provider (default: the one discovery found).
        incoming_test: the probe run of the incoming (IMAP/POP3) servers, when there was one.
    """
    rec = matrix.recommended
    if provider is None and discovery is not None:
        provider = discovery.provider
    context = Context(matrix.results, provider)
    document: Json = {
        "schema": SCHEMA,
        "app_version": __version__,
        "email": matrix.email,
        "tested_at": _time(matrix.started_at),
        "tested_from": tested_from(matrix.best),
        "recommended": _recommended(rec),
        "candidates": [candidate_document(r, context) for r in matrix.results],
        "incoming": _incoming_list(incoming, incoming_test),
        "summary": summarize(matrix, provider),
        "credentials_rejected": matrix.credentials_rejected,
        "cancelled": matrix.cancelled,
        "complete": matrix.complete,
        "verdict_ms": matrix.verdict_ms,
        "elapsed_ms": matrix.elapsed_ms,
    }
    if incoming_test is not None:
        incoming_context = Context(incoming_test.results, provider)
        document["incoming_test"] = {
            "recommended": _recommended(incoming_test.recommended),
            "candidates": [candidate_document(r, incoming_context) for r in incoming_test.results],
            "summary": summarize(incoming_test, provider),
            "credentials_rejected": incoming_test.credentials_rejected,
        }
    match = discovery.provider_match if discovery is not None else "server"
    document["provider"] = provider_document(provider, match, matrix.email)
    if discovery is not None:
        document["discovery"] = discovery_document(discovery)["sources"]
    return document


def server_document(server: ServerInfo) -> Json:
    """An incoming or outgoing server named by a source."""
    return {
        "protocol": str(server.protocol),
        "host": server.host,
        "port": server.port,
        "security": str(server.security),
        "username": server.username,
        "source": str(server.source),
        "source_detail": server.source_detail or None,
        "tested": server.tested,
    }


def provider_document(provider: Provider | None, match: str | None, email: str) -> Json | None:
    """What the knowledge base says about the address's provider."""
    if provider is None:
        return None
    return {
        "id": provider.id,
        "name": provider.name,
        "kind": str(provider.kind),
        "match": match,
        "username": provider.username_for(email),
        "username_hint": provider.username_hint or None,
        "password_hint": provider.password_hint or None,
        "requirements": sorted(str(r) for r in provider.requirements),
        "help_url": provider.help_url,
        "app_password_url": provider.app_password_url,
        "notes": list(provider.notes),
        "checked": provider.checked.isoformat(),
    }


def discovery_document(result: DiscoveryResult) -> Json:
    """The document of ``smtpwizard discover --json``."""
    return {
        "schema": SCHEMA,
        "app_version": __version__,
        "email": result.email,
        "domain": result.domain,
        "provider": provider_document(result.provider, result.provider_match, result.email),
        "mx": list(result.mx),
        "candidates": [
            {
                "host": c.host,
                "port": c.port,
                "security": str(c.security),
                "source": str(c.source),
                "source_detail": c.source_detail or None,
            }
            for c in result.candidates
        ],
        "incoming": [server_document(s) for s in result.incoming],
        "usernames": list(result.usernames),
        "sources": [
            {
                "name": r.name,
                "detail": r.detail,
                "status": str(r.status),
                "message": r.message,
                "ms": r.ms,
                "warnings": list(r.warnings),
            }
            for r in result.reports
        ],
        "elapsed_ms": result.elapsed_ms,
    }
