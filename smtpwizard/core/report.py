"""The JSON document of a probe run (DESIGN.md, "Contracts"): keys are stable, extras allowed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from smtpwizard import __version__
from smtpwizard.core.diagnosis import explain, summarize
from smtpwizard.core.model import (
    CertInfo,
    MatrixResult,
    ProbeResult,
    Reply,
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
        "verified": tls.verified,
        "error": tls.error,
    }


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
    }


def candidate_document(result: ProbeResult, others: tuple[ProbeResult, ...] = ()) -> Json:
    """One candidate's entry in the document."""
    c = result.candidate
    finding = explain(result, others)
    send = result.send
    return {
        "host": c.host,
        "port": c.port,
        "security": str(c.security),
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


def matrix_document(matrix: MatrixResult, incoming: Sequence[Json] = ()) -> Json:
    """The whole run as the JSON document of the CLI contract.

    Args:
        matrix: the probe run.
        incoming: incoming (IMAP/POP3) servers known for the address, as
            ``{protocol, host, port, security, username, source, tested}``.
    """
    rec = matrix.recommended
    return {
        "schema": SCHEMA,
        "app_version": __version__,
        "email": matrix.email,
        "tested_at": _time(matrix.started_at),
        "tested_from": tested_from(matrix.best),
        "recommended": None
        if rec is None
        else {
            "host": rec.candidate.host,
            "port": rec.candidate.port,
            "security": str(rec.candidate.security),
            "username": rec.username,
            "auth_mechanism": rec.auth_mechanism,
            "reasons": list(rec.reasons),
            "warnings": list(rec.warnings),
        },
        "candidates": [candidate_document(r, matrix.results) for r in matrix.results],
        "incoming": [dict(server) for server in incoming],
        "summary": summarize(matrix),
        "credentials_rejected": matrix.credentials_rejected,
        "cancelled": matrix.cancelled,
        "complete": matrix.complete,
        "verdict_ms": matrix.verdict_ms,
        "elapsed_ms": matrix.elapsed_ms,
    }
