"""The encryption steps of a conversation (STARTTLS, the TLS handshake, certificates), shared
by the SMTP, IMAP and POP3 probes."""

from __future__ import annotations

import socket
import ssl
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar

from smtpwizard.core.errors import Cancelled
from smtpwizard.core.errors import ConnectFailed
from smtpwizard.core.errors import ConnectionLost
from smtpwizard.core.errors import NetworkTimeout
from smtpwizard.core.errors import ProbeError
from smtpwizard.core.model import CertInfo
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Reply
from smtpwizard.core.model import ReplyCode
from smtpwizard.core.model import Security
from smtpwizard.core.model import StageName
from smtpwizard.core.model import TlsInfo
from smtpwizard.core.net.channel import Channel
from smtpwizard.core.net.channel import open_connection
from smtpwizard.core.net.tls import unverified_context
from smtpwizard.core.net.transcript import Transcript
from smtpwizard.core.probe.options import POKE_TIMEOUT
from smtpwizard.core.probe.options import SNIFF_TIMEOUT
from smtpwizard.core.probe.peer import TLS_RECORD
from smtpwizard.core.probe.peer import certificate_detail
from smtpwizard.core.probe.peer import certificate_failure
from smtpwizard.core.probe.peer import handshake_failure
from smtpwizard.core.probe.peer import not_smtp_kind
from smtpwizard.core.probe.peer import parse_or_none
from smtpwizard.core.probe.peer import peer_certificate
from smtpwizard.core.probe.peer import peer_chain
from smtpwizard.core.probe.peer import seconds_waited
from smtpwizard.core.probe.peer import show
from smtpwizard.core.probe.peer import sniff
from smtpwizard.core.probe.peer import sniff_after_hello
from smtpwizard.core.probe.stages import ProbeSteps

__all__ = ["EncryptionStages"]


class EncryptionStages(ProbeSteps):
    """The encryption steps of a conversation, and what happens when it does not start as
    expected: STARTTLS, the TLS handshake and its certificate check (with a certificate the
    person chose to trust), and a greeting that never comes. Mixed into :class:`Probe`."""

    if TYPE_CHECKING:
        PROTOCOL: ClassVar[Protocol]
        _context: ssl.SSLContext
        _conv: Any
        _clean: bool
        _tls: TlsInfo | None
        _total_deadline: float
        _starttls_offered: bool | None

        def _looks_like_greeting(self, received: bytes) -> bool: ...
        def _starttls_command(self) -> Reply: ...
        def _starttls_accepted(self, reply: Reply) -> bool: ...
        def _make_conversation(self, channel: Channel, host: str, local_name: str) -> Any: ...
        def _fetch_preamble(self, conv: Any) -> bool: ...
        def _converse_on(self, sock: socket.socket) -> Channel: ...

    def _silent_greeting(self, started: float, exc: NetworkTimeout) -> None:
        """The greeting did not come: find out what listens instead, if anything."""
        received = exc.received
        conv = self._conv
        if received:
            if not_smtp_kind(received) is Reason.HTTP_SERVER:
                raise self._fail(
                    StageName.GREETING,
                    started,
                    Outcome.NOT_SMTP,
                    Reason.HTTP_SERVER,
                    f"a web server answered: {show(received)}",
                    error=exc,
                )
            if not self._looks_like_greeting(received):
                raise self._fail(
                    StageName.GREETING,
                    started,
                    Outcome.NOT_SMTP,
                    Reason.NOT_SMTP_REPLY,
                    f"not a {self.PROTOCOL.name} greeting: {show(received)}",
                    error=exc,
                )
            return  # a greeting started but never finished: a plain timeout
        if conv.channel.encrypted:
            return
        self.transcript.note("no greeting; checking whether this port expects encryption first")
        kind, data = sniff(conv.channel, self.candidate.host, self._step_timeout(SNIFF_TIMEOUT))
        if kind is Reason.EXPECTS_IMPLICIT_TLS:
            raise self._fail(
                StageName.GREETING,
                started,
                Outcome.TLS_ERROR,
                Reason.EXPECTS_IMPLICIT_TLS,
                "no greeting in plain text, but the port answered a TLS handshake: "
                "it expects SSL/TLS from the first byte",
                error=exc,
            )
        if kind is not None:
            raise self._fail(
                StageName.GREETING,
                started,
                Outcome.NOT_SMTP,
                kind,
                f"something else listens here: {show(data)}",
                error=exc,
            )
        raise self._fail(
            StageName.GREETING,
            started,
            Outcome.TIMEOUT,
            Reason.GREETING_TIMEOUT,
            f"no greeting within {seconds_waited(exc, self.options.timeout)} seconds, and "
            "no answer to a TLS handshake or a line end after it either",
            error=exc,
        )

    def _starttls(self) -> None:
        with self._stage(StageName.STARTTLS) as started:
            if not self._starttls_offered:
                raise self._fail(
                    StageName.STARTTLS,
                    started,
                    Outcome.NO_STARTTLS,
                    Reason.STARTTLS_NOT_OFFERED,
                    "the server does not offer STARTTLS, so the connection cannot be encrypted",
                )
            self._conv.channel.start_step(self._step_timeout())
            reply = self._starttls_command()
            if not self._starttls_accepted(reply):
                raise self._fail(
                    StageName.STARTTLS,
                    started,
                    Outcome.TEMPORARY if ReplyCode.temporary(reply.code) else Outcome.TLS_ERROR,
                    Reason.STARTTLS_REFUSED,
                    f"the server offered STARTTLS but refused it: {reply}",
                    reply,
                )
            self._record(StageName.STARTTLS, started, True, str(reply), reply)

    def _handshake(self) -> None:
        conv = self._conv
        channel = conv.channel
        host = self.candidate.host
        with self._stage(StageName.TLS) as started:
            channel.start_step(self._step_timeout())
            try:
                conv.secure(self._context)
            except ssl.SSLCertVerificationError as exc:
                self._clean = False
                code = exc.verify_code
                message = str(exc.verify_message or exc.reason or exc)
                outcome, reason = certificate_failure(code)
                self.transcript.note(f"certificate rejected: {message}")
                cert, chain = self._fetch_certificate()
                if cert is not None and cert.fingerprint_sha256 in self.options.pinned_for(host):
                    self._use_pinned(started, cert, message, code)
                    return
                self._tls = TlsInfo(
                    cert=cert, verified=False, error=message, verify_code=code, chain=chain
                )
                raise self._fail(
                    StageName.TLS,
                    started,
                    outcome,
                    reason,
                    certificate_detail(message, code, cert, host),
                    error=exc,
                ) from None
            except ssl.SSLError as exc:
                self._clean = False
                raw = channel.handshake_bytes
                outcome, reason = handshake_failure(exc, raw, self._looks_like_greeting)
                self._tls = TlsInfo(error=str(exc.reason or exc))
                detail = f"the encryption could not be set up: {exc.reason or exc}"
                if raw and not raw.startswith(TLS_RECORD):
                    detail = f"the server answered in plain text: {show(raw)}"
                raise self._fail(
                    StageName.TLS, started, outcome, reason, detail, error=exc
                ) from None
            except NetworkTimeout as exc:
                self._clean = False
                if not channel.handshake_bytes:
                    kind, data = sniff_after_hello(channel, self._step_timeout(POKE_TIMEOUT))
                    if kind is not None:
                        raise self._fail(
                            StageName.TLS,
                            started,
                            Outcome.NOT_SMTP,
                            kind,
                            f"no TLS here; something else listens: {show(data)}",
                        ) from None
                self._tls = TlsInfo(error="no answer to the TLS handshake")
                if not channel.handshake_bytes:
                    raise self._fail(
                        StageName.TLS,
                        started,
                        Outcome.TIMEOUT,
                        Reason.HANDSHAKE_TIMEOUT,
                        "no answer to the TLS handshake within "
                        f"{seconds_waited(exc, self.options.timeout)} seconds, nor to a line "
                        "end after it",
                        error=exc,
                    ) from None
                raise
            except ConnectionLost as exc:
                self._clean = False
                self._tls = TlsInfo(error=str(exc))
                raise self._fail(
                    StageName.TLS,
                    started,
                    Outcome.TLS_ERROR,
                    Reason.HANDSHAKE_EOF,
                    f"the server broke off the encryption handshake ({exc})",
                    error=exc,
                ) from None
            tls = channel.tls
            assert tls is not None
            cert = peer_certificate(tls)
            cipher = tls.cipher()
            self._tls = TlsInfo(
                version=tls.version(),
                cipher=cipher[0] if cipher else None,
                cert=cert,
                verified=self._context.verify_mode == ssl.CERT_REQUIRED,
                chain=peer_chain(tls),
            )
            checked = "verified" if self._tls.verified else "not checked"
            summary = f"{tls.version()}, certificate {checked}"
            if cert is not None:
                summary += (
                    f" (issued to {', '.join(cert.names[:3]) or cert.subject} by "
                    f"{cert.issuer_name}, valid until {cert.not_after:%Y-%m-%d})"
                )
            self.transcript.note(f"encryption established: {summary}", encrypted=True)
            self._record(StageName.TLS, started, True, summary)

    def _use_pinned(self, started: float, pinned: CertInfo, message: str, code: int | None) -> None:
        """Continues on a new connection with the certificate the person trusts for this host.

        The fingerprint is checked again on that connection: the conversation goes on only
        with the exact certificate that was pinned.
        """
        host = self.candidate.host
        self.transcript.note(
            "this is the certificate you chose to trust for this server "
            f"(SHA-256 {pinned.fingerprint_sha256}); connecting again to use it"
        )
        self._conv.channel.close()
        assert self._connected is not None
        try:
            channel = self._reconnect_pinned()
        except (ConnectFailed, ssl.SSLError, ValueError) as exc:
            self._clean = False
            self._tls = TlsInfo(cert=pinned, verified=False, error=message, verify_code=code)
            raise self._fail(
                StageName.TLS,
                started,
                Outcome.TLS_ERROR,
                Reason.HANDSHAKE_FAILED,
                f"could not connect again to use the certificate you trust ({exc})",
                error=exc,
            ) from None
        if channel is None:
            raise self._fail(
                StageName.TLS,
                started,
                Outcome.TLS_ERROR,
                Reason.STARTTLS_REFUSED,
                "the server refused STARTTLS on the second connection",
            )
        tls = channel.tls
        assert tls is not None
        cert = parse_or_none(tls.getpeercert(binary_form=True))
        if cert is None or cert.fingerprint_sha256 not in self.options.pinned_for(host):
            self._clean = False
            outcome, reason = certificate_failure(code)
            self._tls = TlsInfo(cert=cert, verified=False, error=message, verify_code=code)
            raise self._fail(
                StageName.TLS,
                started,
                outcome,
                reason,
                "the server showed another certificate than the one you trust for it",
            )
        self._clean = True
        cipher = tls.cipher()
        self._tls = TlsInfo(
            version=tls.version(),
            cipher=cipher[0] if cipher else None,
            cert=cert,
            verified=False,
            error=message,
            verify_code=code,
            pinned=True,
            chain=peer_chain(tls),
        )
        summary = (
            f"{tls.version()}, certificate not verifiable ({message}) but trusted by you "
            f"for {host} (SHA-256 {cert.fingerprint_sha256[:23]}…)"
        )
        self.transcript.note(f"encryption established: {summary}", encrypted=True)
        self._record(StageName.TLS, started, True, summary)

    def _reconnect_pinned(self) -> Channel | None:
        """A new connection, encrypted without verification (the caller checks the pin);
        ``None`` when STARTTLS was refused on it."""
        assert self._connected is not None
        sock, _ = open_connection(
            [self._connected],
            self.candidate.port,
            timeout=self._step_timeout(),
            cancel=self._cancel,
            clock=self._clock,
        )
        channel = self._converse_on(sock)
        channel.start_step(self._step_timeout())
        if self.candidate.security is Security.STARTTLS and not self._fetch_preamble(self._conv):
            return None
        self._conv.secure(unverified_context())
        return channel

    def _fetch_certificate(self) -> tuple[CertInfo | None, tuple[CertInfo, ...]]:
        """Reads the rejected certificate (and the chain sent with it) on a second connection
        that does not verify it."""
        if self._connected is None:
            return None, ()
        self.transcript.note("reading the certificate on a second connection, without trusting it")
        timeout = self._step_timeout()
        try:
            sock, _ = open_connection(
                [self._connected],
                self.candidate.port,
                timeout=timeout,
                cancel=self._cancel,
                clock=self._clock,
            )
            channel = Channel(
                sock, cancel=self._cancel, clock=self._clock, total_deadline=self._total_deadline
            )
            try:
                channel.start_step(timeout)
                conv = self._make_conversation(
                    channel,
                    self.candidate.host,
                    "[127.0.0.1]",
                )
                conv.transcript = Transcript(self.transcript.redactor, self._clock)
                if self.candidate.security is Security.STARTTLS and not self._fetch_preamble(conv):
                    return None, ()
                conv.secure(unverified_context())
                tls = channel.tls
                if tls is None:
                    return None, ()
                return parse_or_none(tls.getpeercert(binary_form=True)), peer_chain(tls)
            finally:
                channel.close()
        except Cancelled:
            raise
        except (ProbeError, OSError, ValueError):
            return None, ()
