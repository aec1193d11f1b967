"""Never a false "works", never the wrong cause: the command line against servers on loopback
that answer as Microsoft 365, Gmail, Yahoo and Postfix do (IPv6 on ::1 where it matters).

"Works" (exit 0, a recommendation) means the exact configuration was shown to send: the
login accepted, or the server shown to need none for this sender and recipient, and the
sender and recipient accepted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.support.certs import CertSet
from tests.support.cli import in_process
from tests.support.cli import smtpwizard
from tests.support.dnsd import DnsServer
from tests.support.listeners import ScriptedServer
from tests.support.listeners import dialogue
from tests.support.smtpd import SmtpServer

StartSmtp = Callable[..., SmtpServer]
StartScripted = Callable[..., ScriptedServer]

HOST = "mail.example.test"
LOCAL = USER.split("@")[0]


def probe(
    ca_file: Path,
    *ports: tuple[int, str],
    password: str | None = None,
    extra: tuple[str, ...] = (),
    resolve: tuple[str, ...] = ("127.0.0.1",),
) -> tuple[int, dict[str, Any], str]:
    """``smtpwizard probe --json`` in this process; each port with its encryption."""
    args = ["probe", USER, "--server", HOST, "--cafile", str(ca_file), "--json", "--timeout", "2"]
    for address in resolve:
        args += ["--resolve", f"{HOST}={address}"]
    for port, security in ports:
        args += ["--port", str(port), "--security", security]
    if password is not None:
        args.append("--password-stdin")
    code, out, err = in_process(*args, *extra, stdin=f"{password}\n" if password else "")
    assert "Traceback" not in err
    return code, json.loads(out), err


def by_port(doc: dict[str, Any]) -> dict[tuple[int, str], dict[str, Any]]:
    return {(c["port"], c["security"]): c for c in doc["candidates"]}


# -- a login, or proof that none is needed ---------------------------------------------------------


def test_without_a_password_a_server_that_needs_a_login_is_login_needed(
    smtp_server: StartSmtp, ca_file: Path
) -> None:
    """Microsoft 365 answers MAIL FROM without a login with 5.7.57: not "works"."""
    anonymous = "530 5.7.57 Client not authenticated to send mail"
    tls = smtp_server(mode="tls", anonymous_sender_reply=anonymous)
    starttls = smtp_server(mode="starttls", anonymous_sender_reply=anonymous)
    code, doc, _ = probe(ca_file, (tls.port, "tls"), (starttls.port, "starttls"))
    assert code == 1
    assert doc["recommended"] is None
    for candidate in doc["candidates"]:
        assert (candidate["outcome"], candidate["reason"]) == ("login_needed", "login_needed")
        assert "needs a login" in candidate["finding"]["headline"]
        assert "password" in candidate["finding"]["advice"]
    assert "Nothing is proven to work yet" in doc["summary"]
    assert tls.seen.attempts == []
    assert starttls.seen.attempts == []

    code, doc, _ = probe(ca_file, (tls.port, "tls"), (starttls.port, "starttls"), password=PASSWORD)
    assert code == 0
    assert doc["recommended"]["username"] == USER


def test_without_a_password_works_only_when_mail_is_taken_without_one(
    smtp_server: StartSmtp, ca_file: Path
) -> None:
    server = smtp_server(mode="tls")  # takes mail without a login, offers one
    code, doc, _ = probe(ca_file, (server.port, "tls"))
    assert code == 0
    rec = doc["recommended"]
    assert (rec["username"], rec["auth_mechanism"]) == (None, None)  # only what was proven
    assert any("tested without a login" in warning for warning in rec["warnings"])
    (candidate,) = doc["candidates"]
    assert candidate["send"]["ok"] is True
    assert server.seen.senders == [USER]


def test_no_dry_run_and_no_password_proves_nothing(smtp_server: StartSmtp, ca_file: Path) -> None:
    server = smtp_server(mode="tls")
    code, doc, _ = probe(ca_file, (server.port, "tls"), extra=("--no-dry-run",))
    assert code == 1
    (candidate,) = doc["candidates"]
    assert "sending was not tested" in candidate["finding"]["headline"]


def test_after_a_wrong_password_no_port_claims_to_work(
    smtp_server: StartSmtp, ca_file: Path
) -> None:
    tls = smtp_server(mode="tls")
    starttls = smtp_server(mode="starttls")
    code, doc, _ = probe(
        ca_file,
        (tls.port, "tls"),
        (starttls.port, "starttls"),
        password="not-the-password",
        extra=("--all",),
    )
    assert code == 1
    untried = by_port(doc)[(starttls.port, "starttls")]
    assert untried["auth"]["result"] == "not_tried"
    assert "works" not in untried["finding"]["headline"]
    assert untried["finding"]["severity"] != "ok"
    assert "works" not in doc["summary"]


def test_a_port_where_the_login_was_not_tried_is_not_called_working(
    smtp_server: StartSmtp, ca_file: Path
) -> None:
    tls = smtp_server(mode="tls")
    starttls = smtp_server(mode="starttls")
    code, doc, _ = probe(
        ca_file, (tls.port, "tls"), (starttls.port, "starttls"), password=PASSWORD, extra=("--all",)
    )
    assert code == 0
    assert doc["recommended"]["alternatives"] == []
    untried = by_port(doc)[(starttls.port, "starttls")]
    assert "the login was not tried here" in untried["finding"]["headline"]


# -- the login name --------------------------------------------------------------------------------


def test_the_local_part_after_the_full_address_is_refused(
    smtp_server: StartSmtp, ca_file: Path
) -> None:
    server = smtp_server(mode="tls", users={LOCAL: PASSWORD})
    other = smtp_server(mode="starttls", users={LOCAL: PASSWORD})
    code, doc, _ = probe(ca_file, (server.port, "tls"), (other.port, "starttls"), password=PASSWORD)
    assert code == 0, doc["summary"]
    assert doc["recommended"]["username"] == LOCAL
    assert [(a.login, a.success) for a in server.seen.attempts] == [(USER, False), (LOCAL, True)]
    assert other.seen.attempts == []


def test_a_login_name_that_was_given_is_the_only_one_tried(
    smtp_server: StartSmtp, ca_file: Path
) -> None:
    server = smtp_server(mode="tls", users={LOCAL: PASSWORD})
    code, _doc, _ = probe(
        ca_file, (server.port, "tls"), password=PASSWORD, extra=("--username", USER)
    )
    assert code == 1
    assert [a.login for a in server.seen.attempts] == [USER]


def test_at_most_two_logins_however_many_ports(smtp_server: StartSmtp, ca_file: Path) -> None:
    servers = [
        smtp_server(mode="tls", refusal_reply="535 5.7.3 Authentication unsuccessful"),
        smtp_server(mode="starttls", login_reply="454 4.7.0 Temporary authentication failure"),
        smtp_server(mode="starttls", login_reply="454 4.7.0 Temporary authentication failure"),
    ]
    ports = [(servers[0].port, "tls"), (servers[1].port, "starttls"), (servers[2].port, "starttls")]
    code, refusals, _ = probe(ca_file, *ports, password="wrong", extra=("--all",))
    assert code == 1
    assert sum(len(s.seen.attempts) for s in servers) == 2
    assert [a.login for a in servers[0].seen.attempts] == [USER, LOCAL]
    refused = by_port(refusals)[(servers[0].port, "tls")]
    assert refused["auth"]["usernames"] == [USER, LOCAL]
    assert f"as {USER} and as {LOCAL} alike" in refused["finding"]["explanation"]

    # Temporary refusals move on to the next port, within the same two attempts.
    temporary = [
        smtp_server(mode="tls", login_reply="454 4.7.0 Temporary authentication failure")
        for _ in range(3)
    ]
    code, doc, _ = probe(
        ca_file, *((s.port, "tls") for s in temporary), password=PASSWORD, extra=("--all",)
    )
    assert code == 1
    assert [len(s.seen.attempts) for s in temporary] == [1, 1, 0]
    assert {c["outcome"] for c in doc["candidates"][:2]} == {"temporary"}


def test_a_lockout_reply_stops_every_login(smtp_server: StartSmtp, ca_file: Path) -> None:
    locked = smtp_server(mode="tls", login_reply="535 5.7.0 (#AUTH005) Too many bad auth attempts.")
    other = smtp_server(mode="starttls")
    code, doc, _ = probe(
        ca_file, (locked.port, "tls"), (other.port, "starttls"), password=PASSWORD, extra=("--all",)
    )
    assert code == 1
    assert [a.login for a in locked.seen.attempts] == [USER]
    assert other.seen.attempts == []
    assert doc["credentials_rejected"] is True


# -- plain text, only as allowed -------------------------------------------------------------------


def test_allow_plaintext_tries_the_login_where_encryption_is_not_offered(
    smtp_server: StartSmtp, ca_file: Path
) -> None:
    server = smtp_server(mode="plain", auth_require_tls=False)
    code, doc, _ = probe(ca_file, (server.port, "starttls"), password=PASSWORD)
    assert code == 1
    assert server.seen.attempts == []  # never without the person's consent
    assert doc["candidates"][0]["outcome"] == "no_starttls"

    code, doc, err = probe(
        ca_file, (server.port, "starttls"), password=PASSWORD, extra=("--allow-plaintext",)
    )
    assert code == 0
    assert f"password was sent WITHOUT encryption to {HOST} port {server.port}" in err
    rec = doc["recommended"]
    assert (rec["port"], rec["security"], rec["security_level"]) == (
        server.port,
        "none",
        "not_encrypted",
    )
    assert any("not encrypted" in warning for warning in rec["warnings"])
    encrypted, plain = doc["candidates"]
    assert (encrypted["security"], encrypted["outcome"]) == ("starttls", "no_starttls")
    assert (plain["security"], plain["outcome"]) == ("none", "insecure")
    assert "UNSAFE" in plain["finding"]["headline"]
    assert [a.success for a in server.seen.attempts] == [True]
    assert server.seen.senders == [USER]


def test_allow_plaintext_never_follows_a_failed_starttls(
    scripted: StartScripted, ca_file: Path
) -> None:
    server = scripted(
        dialogue(
            b"220 mail.example.test ESMTP",
            {
                "EHLO": b"250-mail.example.test\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS",
                "STARTTLS": b"454 4.7.0 TLS not available due to local problem",
            },
        )
    )
    code, doc, _ = probe(
        ca_file, (server.port, "starttls"), password=PASSWORD, extra=("--allow-plaintext",)
    )
    assert code == 1
    assert [c["security"] for c in doc["candidates"]] == ["starttls"]
    sent = [line["text"] for line in doc["candidates"][0]["transcript"] if line["dir"] == "C"]
    assert not any(text.startswith(("AUTH", "MAIL")) for text in sent)
    assert server.connections == 1


# -- advice that keeps the password where the person chose ----------------------------------------


def test_a_certificate_for_another_name_never_sends_you_there(
    smtp_server: StartSmtp, certs: CertSet, ca_file: Path
) -> None:
    server = smtp_server(mode="tls", cert=certs.wrong_name)
    code, doc, _ = probe(ca_file, (server.port, "tls"), password=PASSWORD)
    assert code == 1
    (candidate,) = doc["candidates"]
    assert candidate["outcome"] == "cert_name_mismatch"
    assert "other.example.test" in candidate["finding"]["headline"]
    for text in (candidate["finding"]["advice"], doc["summary"]):
        assert "Use other.example.test" not in text
        assert "smtp.other.example.test as" not in text
    assert server.seen.attempts == []


@pytest.mark.parametrize("aia", [False, True], ids=["plain", "with-issuer-address"])
def test_a_missing_intermediate_is_the_servers_incomplete_chain(
    smtp_server: StartSmtp, certs: CertSet, ca_file: Path, aia: bool
) -> None:
    leaf = certs.chain_gap_aia if aia else certs.chain_gap
    server = smtp_server(mode="tls", cert=leaf)
    code, doc, _ = probe(ca_file, (server.port, "tls"), password=PASSWORD)
    assert code == 1
    (candidate,) = doc["candidates"]
    assert (candidate["outcome"], candidate["reason"]) == ("cert_untrusted", "cert_unknown_issuer")
    finding = candidate["finding"]
    if aia:
        assert finding["headline"] == "The server sends an incomplete certificate chain"
    else:
        assert "part of its chain may be missing" in finding["headline"]
        assert "incomplete chain" in finding["explanation"]
    assert "administrator" in finding["advice"]
    assert "intermediate certificate" in finding["advice"]
    assert "intercept" not in finding["explanation"]
    assert server.seen.attempts == []


def test_no_starttls_on_a_port_is_never_advised_for_that_port(
    smtp_server: StartSmtp, ca_file: Path
) -> None:
    plain = smtp_server(mode="plain", auth_require_tls=False)
    tls = smtp_server(mode="tls")
    code, doc, _ = probe(ca_file, (plain.port, "starttls"), (tls.port, "tls"), password=PASSWORD)
    assert code == 0
    candidate = by_port(doc)[(plain.port, "starttls")]
    assert candidate["finding"]["advice"] == f"Use port {tls.port} with SSL/TLS: it works."


# -- IPv4 and IPv6 --------------------------------------------------------------------------------


@pytest.fixture
def dual_stack(
    same_port: Callable[[str | None, str, str], int],
) -> Iterator[Callable[[str, str], tuple[int, DnsServer]]]:
    """A server on one family and a port of the same number on the other that drops
    (``blocked``) or refuses (``refused``) connections; the name has both addresses in the
    test DNS responder."""
    started: list[DnsServer] = []

    def start(server_on: str, other: str) -> tuple[int, DnsServer]:
        port = same_port(server_on, "127.0.0.1" if server_on == "::1" else "::1", other)
        dns = DnsServer({HOST: [("AAAA", "::1"), ("A", "127.0.0.1")]})
        dns.__enter__()
        started.append(dns)
        return port, dns

    yield start
    for dns in reversed(started):
        dns.__exit__(None, None, None)


@pytest.mark.parametrize(
    ("server_on", "other", "works", "fails", "headline"),
    [
        ("::1", "blocked", "IPv6", "IPv4", "works over IPv6, blocked over IPv4"),
        ("127.0.0.1", "blocked", "IPv4", "IPv6", "works over IPv4, blocked over IPv6"),
        ("::1", "refused", "IPv6", "IPv4", "works over IPv6, refused over IPv4"),
    ],
)
def test_each_address_family_has_its_own_result(
    dual_stack: Callable[[str, str], tuple[int, DnsServer]],
    ca_file: Path,
    server_on: str,
    other: str,
    works: str,
    fails: str,
    headline: str,
) -> None:
    port, dns = dual_stack(server_on, other)
    probe = [
        "probe",
        USER,
        "--server",
        HOST,
        "--nameserver",
        dns.address,
        "--port",
        str(port),
        "--security",
        "tls",
        "--cafile",
        str(ca_file),
        "--timeout",
        "1",
    ]
    run = smtpwizard(*probe, "--password-stdin", "--json", stdin=PASSWORD + "\n")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    (candidate,) = doc["candidates"]
    assert candidate["outcome"] == "ok"
    assert headline in candidate["finding"]["headline"]
    assert candidate["families"] == {
        works: "ok",
        fails: "timeout" if other == "blocked" else "refused",
    }, candidate["address_results"]
    used = [a for a in candidate["address_results"] if a["used"]]
    assert [(a["family"], a["outcome"]) for a in used] == [(works, "ok")]
    failed = [a for a in candidate["address_results"] if not a["connected"]]
    assert [a["family"] for a in failed] == [fails]
    assert failed[0]["reason"] == (
        "connect_timeout" if other == "blocked" else "connection_refused"
    )
    assert any(fails in warning for warning in doc["recommended"]["warnings"])

    report = smtpwizard(*probe)
    assert report.returncode == 0, report.stderr
    assert headline in report.stdout, report.stdout


def test_a_name_with_one_family_has_no_family_results(
    smtp_server: StartSmtp, ca_file: Path
) -> None:
    server = smtp_server(mode="tls")
    code, doc, _ = probe(ca_file, (server.port, "tls"), password=PASSWORD)
    assert code == 0
    (candidate,) = doc["candidates"]
    assert (candidate["address_results"], candidate["families"]) == ([], {})
