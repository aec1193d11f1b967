"""The JSON document of a probe run (DESIGN.md, "Contracts"), written: keys are stable and
extras allowed. :mod:`smtpwizard.core.readback` reads it back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from smtpwizard import __version__
from smtpwizard.core.diagnosis.common import Context
from smtpwizard.core.diagnosis.findings import explain
from smtpwizard.core.diagnosis.network import families
from smtpwizard.core.diagnosis.recommend import level_label
from smtpwizard.core.diagnosis.signin import explain_record
from smtpwizard.core.diagnosis.summary import summarize
from smtpwizard.core.discovery.providers import Provider
from smtpwizard.core.discovery.results import DiscoveryResult
from smtpwizard.core.discovery.signin import SignInPlan
from smtpwizard.core.login import SignInProblem
from smtpwizard.core.login import SignInRecord
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import CertInfo
from smtpwizard.core.model import MatrixResult
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Recommendation
from smtpwizard.core.model import Reply
from smtpwizard.core.model import StageResult
from smtpwizard.core.model import TlsInfo
from smtpwizard.core.net.certs import issued_by_file

__all__ = [
    "SCHEMA",
    "Json",
    "candidate_document",
    "cert_document",
    "discovery_document",
    "matrix_document",
    "plan_document",
    "provider_document",
    "server_document",
    "sign_in_document",
    "sign_in_failed_document",
    "tested_from",
    "tested_incoming",
    "trust_document",
]

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
        "address_results": [
            {
                "address": a.address,
                "family": a.family,
                "used": a.used,
                "connected": a.connected,
                "reason": str(a.reason) if a.reason else None,
                "detail": a.detail,
                "outcome": str(result.outcome) if a.used else None,
            }
            for a in result.address_results
        ],
        "families": families(result),
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
            "usernames": list(result.auth.usernames),
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


def tested_incoming(incoming: MatrixResult) -> list[Candidate]:
    """The incoming servers a probe run proved, the recommended one first, each with the
    login name that worked."""
    servers: list[Candidate] = []
    rec = incoming.recommended
    for result in incoming.results:
        c = result.candidate
        if result.outcome not in (Outcome.OK, Outcome.INSECURE):
            continue
        username = result.auth.username if result.auth.status is AuthStatus.OK else None
        server = replace(c, username=username or (rec.username if rec else None))
        if rec is not None and c == rec.candidate:
            servers.insert(0, server)
        else:
            servers.append(server)
    return servers


def _incoming_list(discovered: Sequence[Candidate], probed: MatrixResult | None) -> list[Json]:
    tested = tested_incoming(probed) if probed is not None else []
    rest = [s for s in discovered if s not in tested]
    documents = [server_document(s, tested=True) for s in tested]
    documents += [server_document(s) for s in rest]
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
    incoming: Sequence[Candidate] = (),
    discovery: DiscoveryResult | None = None,
    provider: Provider | None = None,
    incoming_test: MatrixResult | None = None,
    *,
    password_ascii: bool | None = None,
) -> Json:
    """The whole run as the JSON document of the CLI contract.

    Args:
        matrix: the probe run.
        incoming: incoming (IMAP/POP3) servers known for the address.
        discovery: how the candidates were found, when they were.
        provider: the address's provider (default: the one discovery found).
        incoming_test: the probe run of the incoming (IMAP/POP3) servers, when there was one.
        password_ascii: whether the password that was tried is plain ASCII (some programs
            cannot send any other); ``None`` when none was tried. The password itself is
            never written.
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
        "trust": trust_document(matrix),
        "password_ascii": password_ascii,
    }
    if incoming_test is not None:
        incoming_context = Context(incoming_test.results, provider)
        document["incoming_test"] = {
            "recommended": _recommended(incoming_test.recommended),
            "candidates": [candidate_document(r, incoming_context) for r in incoming_test.results],
            "summary": summarize(incoming_test, provider),
            "credentials_rejected": incoming_test.credentials_rejected,
        }
    if matrix.sign_in is not None:
        document["sign_in"] = sign_in_document(matrix.sign_in, provider)
    match = discovery.provider_match if discovery is not None else "server"
    document["provider"] = provider_document(provider, match, matrix.email)
    if discovery is not None:
        document["discovery"] = discovery_document(discovery)["sources"]
    return document


def sign_in_document(record: SignInRecord, provider: Provider | None = None) -> Json:
    """An OAuth 2.0 sign-in: where and with which registration, how it went (no token)."""
    error: Json | None = None
    if record.problem is not None:
        finding = explain_record(record, provider)
        error = {
            "problem": str(record.problem),
            "message": record.message,
            "code": record.code,
            "description": record.description,
            "finding": {
                "headline": finding.headline,
                "explanation": finding.explanation,
                "advice": finding.advice,
            },
        }
    return {
        "method": "oauth2",
        "signed_in": record.signed_in,
        "flow": record.flow,
        "issuer": record.issuer,
        "authorization_endpoint": record.authorization_endpoint,
        "token_endpoint": record.token_endpoint,
        "device_endpoint": record.device_endpoint,
        "client_id": record.client_id,
        "scopes": list(record.scopes),
        "account": record.account,
        "stored": record.stored,
        "notes": list(record.notes),
        "error": error,
    }


def sign_in_failed_document(
    email: str,
    record: SignInRecord,
    discovery: DiscoveryResult | None = None,
    provider: Provider | None = None,
) -> Json:
    """The document of a probe that tested nothing because the sign-in gave no token."""
    if provider is None and discovery is not None:
        provider = discovery.provider
    finding = explain_record(record, provider)
    document: Json = {
        "schema": SCHEMA,
        "app_version": __version__,
        "email": email,
        "tested_at": _time(dt.datetime.now(dt.UTC)),
        "recommended": None,
        "candidates": [],
        "incoming": [server_document(s) for s in discovery.incoming] if discovery else [],
        "summary": f"{finding.headline}. {finding.explanation}",
        "sign_in": sign_in_document(record, provider),
        "credentials_rejected": False,
        "cancelled": record.problem is SignInProblem.CANCELLED,
        "complete": False,
    }
    match = discovery.provider_match if discovery is not None else "server"
    document["provider"] = provider_document(provider, match, email)
    if discovery is not None:
        document["discovery"] = discovery_document(discovery)["sources"]
    return document


def plan_document(plan: SignInPlan) -> Json:
    """How the sources say to sign in, and why (``smtpwizard discover``)."""
    oauth = plan.oauth
    return {
        "methods": [str(m) for m in plan.methods],
        "oauth_only": plan.oauth_only,
        "reasons": list(plan.reasons),
        "oauth2": None
        if oauth is None
        else {
            "issuer": oauth.issuer,
            "authorization_endpoint": oauth.authorization_endpoint,
            "token_endpoint": oauth.token_endpoint,
            "device_endpoint": oauth.device_authorization_endpoint,
            "scopes": {key: list(value) for key, value in oauth.scopes.items()},
            "client_id": oauth.client_id,
            "sources": list(oauth.sources),
        },
    }


def trust_document(matrix: MatrixResult) -> Json:
    """What the run trusted besides the system's authorities, and what the recommended
    server needed of it: the CA file (``cafile_needed``: its authorities anchor the
    server's certificate) or the exact certificate the person chose to trust."""
    rec = matrix.recommended
    tls = next(
        (r.tls for r in matrix.results if rec is not None and r.candidate == rec.candidate),
        None,
    )
    cafile = matrix.trust.cafile
    needed: bool | None = None
    pinned: str | None = None
    if tls is not None and tls.pinned and tls.cert is not None:
        pinned = tls.cert.fingerprint_sha256
    elif cafile and tls is not None and tls.verified:
        chain = tls.chain or ((tls.cert,) if tls.cert is not None else ())
        needed = issued_by_file(cafile, chain)
    return {
        "cafile": cafile,
        "cafile_needed": needed,
        "pinned_sha256": pinned,
        "pins": [{"host": host, "sha256": sha256} for host, sha256 in matrix.trust.pins],
    }


def server_document(server: Candidate, *, tested: bool = False) -> Json:
    """An incoming or outgoing server named by a source (``tested``: a probe proved it)."""
    return {
        "protocol": str(server.protocol),
        "host": server.host,
        "port": server.port,
        "security": str(server.security),
        "username": server.username,
        "source": str(server.source),
        "source_detail": server.source_detail or None,
        "tested": tested,
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
        "sign_in": plan_document(result.sign_in),
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
