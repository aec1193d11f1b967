"""A real Postfix as the submission server, its logins checked by Dovecot (the usual
self-hosted setup): STARTTLS on a 587-style port, SSL/TLS on a 465-style one, logins only
after encryption, and Postfix's strict check of command pipelining
(``smtpd_forbid_unauth_pipelining``, on by default since Postfix 3.9), which disconnects a
client that sends ahead what it may not. The probe's login with its sender check in one
flight, the test message and a refused password all have to read right against it.
"""

from __future__ import annotations

import io
import json
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from smtpwizard.cli.main import main
from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.support.certs import CertSet
from tests.support.mailboxd import dovecot_unavailable
from tests.support.mailboxd import start_dovecot
from tests.support.mailboxd import stop_dovecot
from tests.support.postfix import Postfix

HOST = "mail.example.test"


@dataclass(frozen=True)
class Submission:
    starttls: int
    tls: int
    postfix: Postfix


@pytest.fixture(scope="module")
def submission(certs: CertSet) -> Iterator[Submission]:
    reason = dovecot_unavailable()
    if reason:
        pytest.skip(reason)
    postfix = Postfix()  # skips where Postfix cannot run
    dovecot = start_dovecot(certs.good, {USER: PASSWORD})
    try:
        folder = postfix.folder
        (folder / "cert.pem").write_bytes(b"".join(p.bytes() for p in certs.good.cert_chain_pems))
        certs.good.private_key_pem.write_to_path(str(folder / "key.pem"))
        postfix.configure(
            f"""
smtpd_banner = {HOST} ESMTP Postfix
smtpd_tls_cert_file = {folder}/cert.pem
smtpd_tls_key_file = {folder}/key.pem
smtpd_tls_security_level = encrypt
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = {dovecot.auth_socket}
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_forbid_unauth_pipelining = yes
# Accepted mail goes nowhere (no lookup of any name, no bounce): it is discarded.
default_transport = discard:accepted by the test server, not delivered
"""
        )
        tls = postfix.add_listener("-o smtpd_tls_wrappermode=yes")
        postfix.start()
        yield Submission(postfix.port, tls, postfix)
    finally:
        postfix.stop()
        stop_dovecot(dovecot)


def probe(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    password: str | None,
    ca_file: Path,
    *args: str,
) -> tuple[int, dict[str, object]]:
    """``smtpwizard probe --json`` of the address at the Postfix server (``password``
    ``None``: without one)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{password}\n" if password else ""))
    argv = ["probe", USER, "--server", HOST, "--resolve", f"{HOST}=127.0.0.1", *args]
    if password is not None:
        argv.append("--password-stdin")
    argv += ["--cafile", str(ca_file), "--json", "--timeout", "5"]
    code = main(argv)
    return code, json.loads(capsys.readouterr().out)


def _outcomes(document: dict[str, object]) -> dict[int, str]:
    candidates = document["candidates"]
    assert isinstance(candidates, list)
    return {entry["port"]: entry["outcome"] for entry in candidates}


def test_both_ports_work_and_the_login_with_its_sender_check_passes_postfix(
    submission: Submission,
    ca_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ports = ["--port", str(submission.starttls), "--security", "starttls"]
    ports += ["--port", str(submission.tls), "--security", "tls"]
    code, document = probe(capsys, monkeypatch, PASSWORD, ca_file, *ports, "--all")
    assert code == 0, submission.postfix.log()
    assert _outcomes(document) == {submission.starttls: "ok", submission.tls: "ok"}
    recommended = document["recommended"]
    assert isinstance(recommended, dict)
    assert recommended["username"] == USER
    log = submission.postfix.log()
    assert "improper command pipelining" not in log
    assert "SMTP protocol synchronization" not in log
    assert f"sasl_username={USER}" in log


def test_a_wrong_password_is_a_refused_login_not_a_broken_server(
    submission: Submission,
    ca_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, document = probe(
        capsys, monkeypatch, "wrong", ca_file, "--port", str(submission.tls), "--security", "tls"
    )
    assert code == 1
    assert _outcomes(document) == {submission.tls: "auth_failed"}
    assert "535 5.7.8" in json.dumps(document)


def test_without_a_password_postfix_wanting_a_login_is_not_called_broken(
    submission: Submission,
    ca_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = ["--port", str(submission.starttls), "--security", "starttls"]
    code, document = probe(capsys, monkeypatch, None, ca_file, *port)
    assert code == 1
    assert _outcomes(document) == {submission.starttls: "login_needed"}


def test_the_test_message_goes_through_postfix(
    submission: Submission,
    ca_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = ["--port", str(submission.starttls), "--security", "starttls"]
    code, document = probe(capsys, monkeypatch, PASSWORD, ca_file, *port, "--send-test")
    assert code == 0, document
    assert "250 2.0.0 Ok: queued as" in json.dumps(document)
    assert "SMTP protocol synchronization" not in submission.postfix.log()


def test_the_server_does_enforce_the_pipelining_rules(submission: Submission) -> None:
    """What makes the tests above mean something: a client that sends ahead after EHLO,
    which RFC 2920 does not allow, is cut off."""
    with socket.create_connection(("127.0.0.1", submission.starttls), timeout=10) as conn:
        reader = conn.makefile("rb")
        assert reader.readline().startswith(b"220 ")
        conn.sendall(b"EHLO client.example.test\r\nNOOP\r\n")
        replies = reader.read().decode()
    assert "554 5.5.0 Error: SMTP protocol synchronization" in replies
