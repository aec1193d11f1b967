"""``smtpwizard probe`` end to end: a real process against real servers on loopback."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from smtpwizard.cli.main import main
from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.support.certs import CertSet
from tests.support.cli import probe_args
from tests.support.cli import smtpwizard
from tests.support.listeners import ScriptedServer
from tests.support.mailboxd import Behaviour
from tests.support.mailboxd import imap_script
from tests.support.mailboxd import pop3_script
from tests.support.secrets import leaks
from tests.support.smtpd import SmtpServer

StartSmtp = Callable[..., SmtpServer]


def test_json_document_for_a_working_server(smtp_server: StartSmtp, ca_file: Path) -> None:
    tls_server = smtp_server(mode="tls")
    starttls_server = smtp_server(mode="starttls")
    run = smtpwizard(
        "probe",
        USER,
        "--server",
        "mail.example.test",
        "--resolve",
        "mail.example.test=127.0.0.1",
        "--port",
        str(tls_server.port),
        "--security",
        "tls",
        "--port",
        str(starttls_server.port),
        "--security",
        "starttls",
        "--cafile",
        str(ca_file),
        "--password-stdin",
        "--json",
        "--all",  # the alternative is certain only when every test finishes
        stdin=PASSWORD + "\n",
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    doc = json.loads(run.stdout)
    assert doc["schema"] == 1
    assert doc["email"] == USER
    rec = doc["recommended"]
    assert {k: rec[k] for k in ("host", "port", "security", "username", "auth_mechanism")} == {
        "host": "mail.example.test",
        "port": tls_server.port,
        "security": "tls",
        "username": USER,
        "auth_mechanism": "PLAIN",
    }
    assert rec["security_level"] == "encrypted_verified"
    assert rec["warnings"] == []
    assert rec["alternatives"] == []  # the login was tried once: the other port is not proven
    first, second = doc["candidates"]
    for key in (
        "host",
        "port",
        "security",
        "source",
        "outcome",
        "stages",
        "tls",
        "auth",
        "finding",
    ):
        assert key in first
    assert first["outcome"] == "ok"
    assert first["source"] == "user"
    assert {"name", "ok", "ms", "detail"} <= set(first["stages"][0])
    assert first["tls"]["cert"]["verified"] is True
    assert set(first["tls"]["cert"]) >= {"subject", "issuer", "not_after", "verified", "error"}
    assert first["auth"]["result"] == "ok"
    assert "PLAIN" in first["auth"]["offered"]
    assert set(first["finding"]) >= {"headline", "explanation", "advice"}
    assert second["auth"]["result"] == "not_tried"
    assert isinstance(doc["summary"], str)
    assert doc["summary"]
    assert len(tls_server.seen.attempts) + len(starttls_server.seen.attempts) == 1
    assert leaks(run.stdout + run.stderr, PASSWORD, USER) == []


def test_human_report_and_exit_status_when_nothing_works(
    refused_port: int, blackhole_port: int
) -> None:
    run = smtpwizard(
        *probe_args(refused_port),
        "--port",
        str(blackhole_port),
        "--security",
        "starttls",
        "--timeout",
        "0.5",
    )
    assert run.returncode == 1, run.stderr
    assert "Nothing is listening on port" in run.stdout
    assert "No working configuration found" in run.stdout
    assert "Traceback" not in run.stderr


def test_human_report_recommends_settings(smtp_server: StartSmtp, ca_file: Path) -> None:
    server = smtp_server(mode="starttls")
    run = smtpwizard(
        *probe_args(server.port),
        "--cafile",
        str(ca_file),
        "-v",
    )
    assert run.returncode == 0, run.stderr
    assert "Recommended settings (encrypted and verified):" in run.stdout
    assert "STARTTLS" in run.stdout
    assert "EHLO" in run.stdout  # the conversation, with -v


def test_wrong_password_exit_status_and_no_leak(smtp_server: StartSmtp, ca_file: Path) -> None:
    server = smtp_server(mode="tls")
    wrong = "not-the-right-one"
    run = smtpwizard(
        *probe_args(server.port),
        "--cafile",
        str(ca_file),
        "--password-stdin",
        "-v",
        stdin=wrong,
    )
    assert run.returncode == 1
    assert "username or password was not accepted" in run.stdout
    assert leaks(run.stdout + run.stderr, wrong, USER) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["probe", "alice", "--server", "x.example"], "missing the @"),
        (["probe", "alice@", "--server", "x.example"], "domain after the @ is missing"),
        (["probe", USER, "--server", "bad host"], "cannot contain spaces"),
        (["probe", USER, "--server", "x.example", "--port", "0"], "ports go from 1 to 65535"),
        (["probe", USER, "--server", "x.example", "--port", "65536"], "ports go from 1 to 65535"),
        (["probe", USER, "--server", "x.example", "--port", "smtp"], "not a port number"),
        (
            ["probe", USER, "--server", "x.example", "--cafile", "/nonexistent/ca.pem"],
            "does not exist",
        ),
        (
            [
                "probe",
                USER,
                "--server",
                "x.example",
                "--port",
                "1",
                "--port",
                "2",
                "--security",
                "tls",
                "--security",
                "none",
                "--security",
                "tls",
            ],
            "once for each --port",
        ),
        (["probe", USER, "--server", "x.example", "--timeout", "-1"], "timeout"),
        (
            ["probe", USER, "--server", "x.example", "--resolve", "x.example=nope"],
            "not an IP address",
        ),
        (["probe", USER, "--port", "25"], "need --server"),
        (["probe", USER, "--server", "x.example", "--provider", "sendgrid"], "not both"),
        (["probe", USER, "--nameserver", "nonsense"], "--nameserver"),
        (
            ["probe", USER, "--server", "x.example", "--incoming-server", "ftp://x.example"],
            "not an incoming mail server",
        ),
        (["discover", USER, "--choice", "region=eu-west-1"], "--choice needs --provider"),
        (["discover", USER, "--provider", "sendgrid", "--choice", "oops"], "NAME=VALUE"),
    ],
)
def test_bad_input_gets_one_clear_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("given", "message"),
    [("\n", "password is empty"), ("p\udcfess\n", "password is not UTF-8")],  # \udcfe: a byte
)
def test_an_unusable_password_is_bad_input(
    given: str, message: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(given))
    assert main(["probe", USER, "--server", "x.example", "--password-stdin"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


# -- incoming servers too ------------------------------------------------------------------------


def test_incoming_servers_tested_alongside(
    smtp_server: StartSmtp, scripted: Callable[..., ScriptedServer], certs: CertSet
) -> None:
    smtp = smtp_server(mode="tls")
    imap = Behaviour(users={USER: PASSWORD}, cert=certs.good, implicit_tls=True)
    pop3 = Behaviour(users={USER: PASSWORD}, cert=certs.good)
    imap_port = scripted(imap_script(imap)).port
    pop3_port = scripted(pop3_script(pop3)).port
    base = [
        "probe",
        USER,
        "--server",
        "mail.example.test",
        "--resolve",
        "mail.example.test=127.0.0.1",
        "--port",
        str(smtp.port),
        "--security",
        "tls",
        "--incoming-server",
        f"imaps://mail.example.test:{imap_port}",
        "--incoming-server",
        f"pop3://mail.example.test:{pop3_port}",
        "--cafile",
        str(certs.ca_file),
        "--password-stdin",
        "--all",  # every candidate finishes, so both outcomes are certain
    ]
    run = smtpwizard(*base, "--json", stdin=PASSWORD + "\n")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["recommended"]["port"] == smtp.port
    test = doc["incoming_test"]
    assert {k: test["recommended"][k] for k in ("protocol", "port", "security", "username")} == {
        "protocol": "imap",
        "port": imap_port,
        "security": "tls",
        "username": USER,
    }
    assert [(c["protocol"], c["outcome"]) for c in test["candidates"]] == [
        ("imap", "ok"),
        ("pop3", "ok"),
    ]
    assert test["credentials_rejected"] is False
    # one login per protocol family: the outgoing server once, the best incoming server once
    assert len(smtp.seen.attempts) == 1
    assert len(imap.logins) + len(pop3.logins) == 1
    assert doc["incoming"][0]["port"] == imap_port
    assert doc["incoming"][0]["login_tested"] is True
    assert leaks(run.stdout + run.stderr, PASSWORD, USER) == []

    # a mail-program export carries the incoming server that was proven, and says so
    exported = smtpwizard("export", "--format", "thunderbird-xml", stdin=run.stdout)
    assert exported.returncode == 0, exported.stderr
    assert '<incomingServer type="imap">' in exported.stdout
    assert f"<port>{imap_port}</port>" in exported.stdout
    assert "login accepted" in exported.stdout

    human = smtpwizard(*base, stdin=PASSWORD + "\n")
    assert human.returncode == 0, human.stderr
    assert "Outgoing mail (SMTP):" in human.stdout
    assert "Incoming mail (IMAP, POP3):" in human.stdout
    assert f"mail.example.test:{imap_port}  IMAP, SSL/TLS" in human.stdout
    assert f"mail.example.test:{pop3_port}  POP3, STARTTLS" in human.stdout
    assert "  kind        IMAP\n" in human.stdout


def test_incoming_failure_is_a_failed_run(
    smtp_server: StartSmtp, refused_port: int, ca_file: Path
) -> None:
    smtp = smtp_server(mode="tls")
    run = smtpwizard(
        *probe_args(smtp.port),
        "--security",
        "tls",
        "--incoming-server",
        f"imap://127.0.0.1:{refused_port}",
        "--cafile",
        str(ca_file),
        "--json",
    )
    assert run.returncode == 1, run.stderr
    doc = json.loads(run.stdout)
    assert doc["recommended"] is not None
    assert doc["incoming_test"]["recommended"] is None
    assert doc["incoming_test"]["candidates"][0]["outcome"] == "refused"


@pytest.mark.parametrize("mode", ["starttls", "plain"])
def test_a_port_tested_without_encryption_says_whether_it_can_encrypt(
    mode: str, smtp_server: StartSmtp, capsys: pytest.CaptureFixture[str]
) -> None:
    """Asked to test without encryption, a server that offers STARTTLS is not said to work
    "only without encryption": headline, advice and summary agree."""
    server = smtp_server(mode=mode)
    assert main(probe_args(server.port, "--security", "none")) == 1
    out = capsys.readouterr().out
    if mode == "starttls":
        assert "works only without encryption" not in out
        assert "was tested without encryption (unsafe); it offers STARTTLS" in out
        assert "choose STARTTLS for port" in out
    else:
        assert "works only without encryption: unsafe" in out
        assert "This server offers STARTTLS" not in out


def test_incoming_server_without_a_password_is_not_said_to_work(
    smtp_server: StartSmtp, scripted: Callable[..., ScriptedServer], certs: CertSet
) -> None:
    """Without a password nothing proves the login to read mail, even on a server that
    refuses every login: "login needed", no recommendation, and not the exit status of
    success."""
    smtp = smtp_server(mode="tls")
    imap = Behaviour(users={}, cert=certs.good, implicit_tls=True)
    imap_port = scripted(imap_script(imap)).port
    base = [
        *probe_args(smtp.port, "--security", "tls", server="mail.example.test"),
        "--resolve",
        "mail.example.test=127.0.0.1",
        "--incoming-server",
        f"imaps://mail.example.test:{imap_port}",
        "--cafile",
        str(certs.ca_file),
    ]
    run = smtpwizard(*base, "--json")
    assert run.returncode == 1, run.stderr
    test = json.loads(run.stdout)["incoming_test"]
    assert test["recommended"] is None
    (candidate,) = test["candidates"]
    assert (candidate["outcome"], candidate["reason"]) == ("login_needed", "login_needed")
    assert candidate["finding"]["headline"].endswith("answers; your login was not tested")
    assert imap.logins == []

    human = smtpwizard(*base)
    assert human.returncode == 1, human.stderr
    assert "Incoming mail: Works" not in human.stdout
    incoming = human.stdout[human.stdout.index("Incoming mail (IMAP, POP3):") :]
    assert "You can use these settings" not in incoming
    assert "your login was not tested" in incoming
    assert "Nothing is proven to work yet" in incoming
