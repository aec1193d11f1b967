"""Building probe results by hand, for tests of everything that reads them."""

from __future__ import annotations

import datetime as dt

from smtpwizard.core.model import AuthInfo
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import CertInfo
from smtpwizard.core.model import MatrixResult
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Recommendation
from smtpwizard.core.model import Reply
from smtpwizard.core.model import Security
from smtpwizard.core.model import SendCheck
from smtpwizard.core.model import Source
from smtpwizard.core.model import StageName
from smtpwizard.core.model import StageResult
from smtpwizard.core.model import TlsInfo

T0 = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)


def cert(
    *names: str,
    issuer: str = "CN=R11,O=Let's Encrypt,C=US",
    issuer_name: str = "R11",
    not_before: dt.datetime = dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
    not_after: dt.datetime = dt.datetime(2026, 11, 30, tzinfo=dt.UTC),
    self_signed: bool = False,
) -> CertInfo:
    return CertInfo(
        subject=f"CN={names[0] if names else 'x'}",
        issuer=issuer,
        issuer_name=issuer_name,
        names=names,
        not_before=not_before,
        not_after=not_after,
        fingerprint_sha256="AB:" * 31 + "CD",
        serial="1234",
        self_signed=self_signed,
    )


def verified_tls(host: str = "mail.example.test") -> TlsInfo:
    return TlsInfo("TLSv1.3", "TLS_AES_256_GCM_SHA384", cert(host), verified=True)


def result(
    port: int = 587,
    security: Security = Security.STARTTLS,
    outcome: Outcome = Outcome.OK,
    reason: Reason | None = None,
    *,
    host: str = "mail.example.test",
    failed: StageName | None = None,
    detail: str = "",
    reply: Reply | None = None,
    tls: TlsInfo | None = None,
    auth: AuthInfo | None = None,
    send: SendCheck | None = None,
    features: tuple[str, ...] = (),
    starttls_offered: bool | None = None,
    source: Source = Source.USER,
    source_detail: str = "",
    elapsed_ms: float = 120.0,
    protocol: Protocol = Protocol.SMTP,
) -> ProbeResult:
    """A result whose stages end at ``failed`` (or run through when it worked)."""
    stages = [StageResult(StageName.RESOLVE, True, 1.0, "127.0.0.1")]
    if failed is StageName.RESOLVE:
        stages = [StageResult(StageName.RESOLVE, False, 1.0, detail or "no such host", reply)]
    elif failed is StageName.CONNECT:
        stages.append(StageResult(StageName.CONNECT, False, 10000.0, detail or "timed out"))
    else:
        stages.append(StageResult(StageName.CONNECT, True, 2.0, "connected to 127.0.0.1"))
        if failed is not None:
            stages.append(StageResult(failed, False, 5.0, detail or "failed", reply))
        else:
            stages.append(StageResult(StageName.GREETING, True, 3.0, "220 ready"))
    if tls is None and outcome is Outcome.OK and security is not Security.NONE:
        tls = verified_tls(host)
    if auth is None:
        auth = AuthInfo(offered=("PLAIN", "LOGIN"), status=AuthStatus.NO_CREDENTIALS)
    return ProbeResult(
        candidate=Candidate(host, port, security, source, source_detail, protocol),
        outcome=outcome,
        reason=reason,
        stages=tuple(stages),
        started_at=T0,
        elapsed_ms=elapsed_ms,
        addresses=("127.0.0.1",),
        connected_to=None if failed in (StageName.RESOLVE, StageName.CONNECT) else "127.0.0.1",
        features=features,
        starttls_offered=starttls_offered,
        tls=tls,
        auth=auth,
        send=send,
    )


def logged_in(port: int = 465, security: Security = Security.TLS, **kw: object) -> ProbeResult:
    auth = AuthInfo(
        ("PLAIN", "LOGIN"),
        AuthStatus.OK,
        "PLAIN",
        "alice@example.test",
        Reply(235, "2.7.0 Authentication successful"),
        1,
    )
    send = SendCheck(Reply(250, "2.1.0 OK"), Reply(250, "2.1.5 OK"))
    return result(port, security, auth=auth, send=send, **kw)  # type: ignore[arg-type]


def refused_login(text: str, code: int = 535, **kw: object) -> ProbeResult:
    reply = Reply(code, text)
    auth = AuthInfo(
        ("PLAIN", "LOGIN"), AuthStatus.REJECTED, "PLAIN", "alice@example.test", reply, 1
    )
    reason = Reason.AUTH_TEMPORARY if 400 <= code < 500 else Reason.AUTH_REJECTED
    return result(
        465,
        Security.TLS,
        Outcome.AUTH_FAILED,
        reason,
        failed=StageName.AUTH,
        reply=reply,
        auth=auth,
        tls=verified_tls(),
        **kw,
    )  # type: ignore[arg-type]


def matrix(
    *results: ProbeResult,
    recommended: Recommendation | None = None,
    rejected: bool = False,
    best: ProbeResult | None = None,
) -> MatrixResult:
    return MatrixResult(
        email="alice@example.test",
        results=results,
        recommended=recommended,
        credentials_rejected=rejected,
        cancelled=False,
        complete=True,
        verdict_ms=120.0,
        elapsed_ms=150.0,
        started_at=T0,
        best=best,
    )
