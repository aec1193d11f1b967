"""``smtpwizard troubleshoot`` against the loopback servers: each stop point, the support
report in both forms, certificates trusted by hand, exit codes and bad input."""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from smtpwizard.cli.main import main
from smtpwizard.core.model import Security
from smtpwizard.core.model import StageName
from smtpwizard.core.troubleshoot.session import stop_points
from smtpwizard.core.troubleshoot.steps import TITLES
from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.support.certs import CertSet
from tests.support.secrets import leaks
from tests.support.smtpd import SmtpServer

StartSmtp = Callable[..., SmtpServer]
HOST = "mail.example.test"


@pytest.fixture(autouse=True)
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv("SMTPWIZARD_CONFIG_DIR", str(folder))
    return folder


def troubleshoot(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["troubleshoot", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def server_args(server: SmtpServer, ca_file: Path, *extra: str) -> list[str]:
    return [
        HOST,
        str(server.port),
        "--resolve",
        f"{HOST}=127.0.0.1",
        "--cafile",
        str(ca_file),
        *extra,
    ]


@pytest.mark.parametrize("stage", stop_points(Security.STARTTLS), ids=str)
def test_each_stop_point(
    stage: StageName,
    smtp_server: StartSmtp,
    ca_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = smtp_server(mode="starttls")
    code, out, err = troubleshoot(
        capsys,
        monkeypatch,
        *server_args(
            server,
            ca_file,
            "--security",
            "starttls",
            "--username",
            USER,
            "--password-stdin",
            "--stop-after",
            str(stage),
        ),
        stdin=PASSWORD + "\n",
    )
    assert code == 0, out + err
    steps = re.findall(r"^([✓✗]) (.+?)  \(", out, flags=re.MULTILINE)
    assert all(mark == "✓" for mark, _title in steps)
    titles = [title for _mark, title in steps]
    assert titles[-1] == TITLES[StageName.QUIT]
    assert TITLES[stage] in titles
    later = stop_points(Security.STARTTLS)[stop_points(Security.STARTTLS).index(stage) + 1 :]
    assert not any(TITLES[s] in titles for s in later)
    assert "as you asked" in out
    assert len(server.seen.messages) == (1 if stage is StageName.DATA else 0)
    assert leaks(out + err, PASSWORD, USER) == []


def test_a_refused_login_exits_1_and_the_report_hides_the_password(
    smtp_server: StartSmtp,
    ca_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = smtp_server(mode="tls")
    wrong = "Wrong ß password!"
    markdown, document = tmp_path / "report.md", tmp_path / "report.json"
    for report in (markdown, document):
        code, out, err = troubleshoot(
            capsys,
            monkeypatch,
            *server_args(server, ca_file, "--security", "tls", "--username", USER),
            "--password-stdin",
            "--report",
            str(report),
            stdin=wrong + "\n",
        )
        assert code == 1
        assert "username or password was not accepted" in out
        assert "What to try:" in out
        assert f"Support report written to {report}" in err
        assert leaks(out + err + report.read_text(), wrong, USER) == []
    text = markdown.read_text()
    assert text.startswith("# smtpwizard support report")
    assert "## Attempt 1" in text
    assert "AUTH PLAIN" in text
    data = json.loads(document.read_text())
    assert data["attempts"][0]["outcome"] == "auth_failed"
    assert data["network"]["families"] == ["IPv4"]
    assert oct(document.stat().st_mode & 0o777) == "0o600"

    code, _out, err = troubleshoot(
        capsys,
        monkeypatch,
        *server_args(server, ca_file, "--security", "tls"),
        "--report",
        str(markdown),
    )
    assert code == 2
    assert "already exists" in err
    assert markdown.read_text() == text  # nothing lost


def test_json_prints_the_report(
    smtp_server: StartSmtp,
    ca_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = smtp_server(mode="starttls")
    code, out, _err = troubleshoot(capsys, monkeypatch, *server_args(server, ca_file, "--json"))
    assert code == 0
    document = json.loads(out)
    assert document["kind"] == "smtpwizard-support-report"
    steps = [step["stage"] for step in document["attempts"][0]["steps"]]
    assert steps[:4] == ["resolve", "connect", "greeting", "ehlo"]
    assert document["attempts"][0]["tls"]["certificate"]["fingerprint_sha256"]


def test_trusting_a_certificate_by_hand(
    smtp_server: StartSmtp,
    certs: CertSet,
    config: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = smtp_server(mode="starttls", cert=certs.unknown_ca)
    base = [HOST, str(server.port), "--resolve", f"{HOST}=127.0.0.1", "--username", USER]
    code, out, _err = troubleshoot(capsys, monkeypatch, *base, "--password-stdin", stdin=PASSWORD)
    assert code == 1
    fingerprint = re.search(r"--trust-certificate ([0-9A-F:]{95})", out)
    assert fingerprint is not None

    code, out, err = troubleshoot(
        capsys,
        monkeypatch,
        *base,
        "--password-stdin",
        "--trust-certificate",
        fingerprint.group(1).replace(":", "").lower(),
        stdin=PASSWORD,
    )
    assert code == 0, out
    assert "trusts this exact certificate for mail.example.test only" in err
    saved = json.loads((config / "settings.json").read_text())
    assert saved["trusted_certificates"][0]["fingerprint"] == fingerprint.group(1)

    code, out, _err = troubleshoot(capsys, monkeypatch, *base)
    assert code == 0
    assert "exact certificate you chose to trust" in out

    code, out, err = troubleshoot(capsys, monkeypatch, *base, "--forget-certificate")
    assert code == 1
    assert "Forgot 1 certificate" in err


def test_from_postfix_main_cf_with_its_password_map(
    smtp_server: StartSmtp,
    ca_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A mail admin's relay: relayhost, the TLS level, the CA file, and the login from the
    password map's source file, as Postfix would use them."""
    server = smtp_server(mode="starttls")
    password_map = tmp_path / "sasl_passwd"
    password_map.write_text(f"[{HOST}]:{server.port} {USER}:{PASSWORD}\n")
    main_cf = tmp_path / "main.cf"
    main_cf.write_text(
        f"relayhost = [{HOST}]:{server.port}\n"
        "smtp_tls_security_level = secure\n"
        f"smtp_tls_CAfile = {ca_file}\n"
        "smtp_sasl_auth_enable = yes\n"
        f"smtp_sasl_password_maps = hash:{password_map}\n"
    )
    args = ["--from", str(main_cf), "--resolve", f"{HOST}=127.0.0.1", "--email", USER]
    code, out, err = troubleshoot(capsys, monkeypatch, *args)
    assert code == 0, out + err
    assert "Using the password found in Postfix relay (main.cf)" in err
    attempt = server.seen.attempts[-1]
    assert (attempt.login, attempt.success) == (USER, True)  # the password of the map
    assert leaks(out + err, PASSWORD, USER) == []


@pytest.mark.parametrize("fmt", ["msmtprc", ".env"])
def test_from_a_file_that_trusts_one_certificate_by_hand(
    fmt: str,
    smtp_server: StartSmtp,
    certs: CertSet,
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """msmtp's tls_fingerprint (and the .env export's SMTP_TLS_FINGERPRINT_SHA256) trust one
    certificate that cannot be verified: the check trusts it too, for this run only, instead
    of reporting a certificate the program accepts as untrusted."""
    server = smtp_server(mode="starttls", cert=certs.unknown_ca)
    base = [HOST, str(server.port), "--resolve", f"{HOST}=127.0.0.1", "--username", USER]
    code, out, _err = troubleshoot(capsys, monkeypatch, *base, "--password-stdin", stdin=PASSWORD)
    assert code == 1
    found = re.search(r"--trust-certificate ([0-9A-F:]{95})", out)
    assert found is not None
    fingerprint = found.group(1)
    settings = tmp_path / fmt
    if fmt == "msmtprc":
        lines = [
            "account default",
            f"host {HOST}",
            f"port {server.port}",
            "tls on",
            "tls_trust_file /etc/ssl/certs/ca-certificates.crt",
            f"tls_fingerprint {fingerprint}",
            "auth on",
            f"user {USER}",
            f"from {USER}",
        ]
    else:
        lines = [
            f"SMTP_HOST={HOST}",
            f"SMTP_PORT={server.port}",
            "SMTP_SECURITY=starttls",
            f"SMTP_USERNAME={USER}",
            f"SMTP_TLS_FINGERPRINT_SHA256={fingerprint}",
        ]
    settings.write_text("\n".join(lines) + "\n")

    args = ["--from", str(settings), "--resolve", f"{HOST}=127.0.0.1", "--password-stdin"]
    code, out, err = troubleshoot(capsys, monkeypatch, *args, stdin=PASSWORD)
    assert code == 0, out + err
    assert f"only the certificate with SHA-256 fingerprint {fingerprint} is trusted" in out
    assert "exact certificate you chose to trust" in out
    assert not (config / "settings.json").exists()  # trusted for this run, not remembered


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Which server?"),
        ([HOST], "Which port?"),
        ([HOST, "0"], "ports go from 1 to 65535"),
        ([HOST, "587", "--security", "tls", "--stop-after", "starttls"], "the steps are"),
        ([HOST, "587", "--trust-certificate", "12:34"], "64 hexadecimal digits"),
        ([HOST, "587", "--trust-certificate", ""], "64 hexadecimal digits"),
        ([HOST, "587", "--report", " "], "--report needs the name of a file"),
        ([HOST, "587", "--email", "not an address"], "missing the @"),
        ([HOST, "587", "--from", "/nonexistent/settings.env"], "There is no file"),
        ([HOST, "587", "--report", "/nonexistent/report.md"], "/nonexistent does not exist"),
        ([HOST, "587", "--send-test"], "Sending a test message needs an address"),
        ([HOST, "587", "--stop-after", "data"], "Sending a test message needs an address"),
        (
            [HOST, "587", "--send-test", "--username", "alice"],
            "Sending a test message needs an address",
        ),
    ],
)
def test_bad_input_gets_one_clear_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["troubleshoot", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


# -- starting from a settings file -----------------------------------------------------------


def settings_files(port: int) -> dict[str, str]:
    """The same STARTTLS settings, in each format smtpwizard reads (password included where
    the format carries one)."""
    return {
        "prefs.js": (
            'user_pref("mail.smtpservers", "smtp1");\n'
            'user_pref("mail.smtp.defaultserver", "smtp1");\n'
            f'user_pref("mail.smtpserver.smtp1.hostname", "{HOST}");\n'
            f'user_pref("mail.smtpserver.smtp1.port", {port});\n'
            'user_pref("mail.smtpserver.smtp1.try_ssl", 2);\n'
            f'user_pref("mail.smtpserver.smtp1.username", "{USER}");\n'
        ),
        "msmtprc": (
            "defaults\nauth on\ntls on\n\n"
            f"account work\nhost {HOST}\nport {port}\ntls_starttls on\n"
            f"user {USER}\nfrom {USER}\npassword {PASSWORD}\n\naccount default : work\n"
        ),
        ".env": (
            "MAIL_MAILER=smtp\n"
            f"MAIL_HOST={HOST}\nMAIL_PORT={port}\nMAIL_ENCRYPTION=tls\n"
            f'MAIL_USERNAME={USER}\nMAIL_PASSWORD="{PASSWORD}"\nMAIL_FROM_ADDRESS={USER}\n'
        ),
        "settings.py": (
            "import os\n"
            f'EMAIL_HOST = "{HOST}"\nEMAIL_PORT = {port}\nEMAIL_USE_TLS = True\n'
            f'EMAIL_HOST_USER = "{USER}"\n'
            'EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")\n'
        ),
        "email-url.env": (f"EMAIL_URL=smtp+tls://alice%40example.test@{HOST}:{port}\n"),
        "smtp.env": (
            f"SMTP_HOST={HOST}\nSMTP_PORT={port}\nSMTP_SECURITY=starttls\nSMTP_USERNAME={USER}\n"
        ),
    }


@pytest.mark.parametrize(
    "name", ["prefs.js", "msmtprc", ".env", "settings.py", "email-url.env", "smtp.env"]
)
def test_from_each_settings_format(
    name: str,
    smtp_server: StartSmtp,
    ca_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = smtp_server(mode="starttls")
    path = tmp_path / name
    path.write_text(settings_files(server.port)[name])
    carries_password = name in ("msmtprc", ".env")
    code, out, err = troubleshoot(
        capsys,
        monkeypatch,
        "--from",
        str(path),
        "--resolve",
        f"{HOST}=127.0.0.1",
        "--cafile",
        str(ca_file),
        *([] if carries_password else ["--password-stdin"]),
        stdin="" if carries_password else PASSWORD + "\n",
    )
    assert code == 0, out + err
    assert "Read from " in out
    assert f"Troubleshooting {HOST}:{server.port} STARTTLS, as {USER}" in out
    assert "✓ Login (AUTH)" in out
    if carries_password:
        assert "Using the password found in" in err
    assert [(a.login, a.success) for a in server.seen.attempts] == [(USER, True)]
    assert leaks(out + err, PASSWORD, USER) == []


def test_from_an_earlier_probe_says_what_changed(
    smtp_server: StartSmtp,
    ca_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = smtp_server(mode="tls")
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    probe = [
        "probe",
        USER,
        "--server",
        HOST,
        "--port",
        str(server.port),
        "--security",
        "tls",
        "--resolve",
        f"{HOST}=127.0.0.1",
        "--cafile",
        str(ca_file),
        "--password-stdin",
        "--json",
    ]
    assert main(probe) == 0
    earlier = tmp_path / "result.json"
    earlier.write_text(capsys.readouterr().out)
    exported = tmp_path / "msmtprc"
    assert main(["export", "--format", "msmtp", "--input", str(earlier), "-o", str(exported)]) == 0
    capsys.readouterr()

    base = ["--resolve", f"{HOST}=127.0.0.1", "--cafile", str(ca_file), "--password-stdin"]
    code, out, _err = troubleshoot(
        capsys, monkeypatch, "--from", str(earlier), *base, stdin=PASSWORD
    )
    assert code == 0
    assert "Since the test on" in out
    assert "Nothing changed since the earlier test" in out

    code, out, _err = troubleshoot(
        capsys, monkeypatch, "--from", str(earlier), *base, stdin="changed since"
    )
    assert code == 1
    assert "the login worked before and is refused now" in out

    code, out, _err = troubleshoot(
        capsys, monkeypatch, "--from", str(exported), *base, stdin="changed since"
    )
    assert code == 1
    assert "Since the test on" in out
    assert "it worked then; now: Your username or password was not accepted" in out

    as_json = tmp_path / "settings.json"
    assert main(["export", "--format", "json", "--input", str(earlier), "-o", str(as_json)]) == 0
    capsys.readouterr()
    code, out, _err = troubleshoot(
        capsys, monkeypatch, "--from", str(as_json), *base, stdin=PASSWORD
    )
    assert code == 0
    assert "Read from " in out
    assert "Since the test on" in out


def test_from_a_file_with_several_accounts(
    smtp_server: StartSmtp,
    ca_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = smtp_server(mode="starttls")
    path = tmp_path / "msmtprc"
    path.write_text(
        f"account home\nhost {HOST}\nport {server.port}\ntls on\ntls_starttls on\n\n"
        "account work\nhost smtp.work.test\nport 465\ntls on\ntls_starttls off\n\n"
        "account default : work\n"
    )
    base = ["--from", str(path), "--resolve", f"{HOST}=127.0.0.1", "--cafile", str(ca_file)]
    code, out, _err = troubleshoot(capsys, monkeypatch, *base, "--account", "home")
    assert code == 0
    assert f"{HOST}:{server.port} STARTTLS" in out
    code, _out, err = troubleshoot(capsys, monkeypatch, *base, "--account", "nope")
    assert code == 2
    assert "has no account “nope”; it has: home, work" in err


@pytest.mark.parametrize("fmt", ["probe", "msmtp", "json", "dotenv", "git-send-email"])
def test_from_a_file_trusts_the_ca_file_it_names(
    fmt: str,
    smtp_server: StartSmtp,
    ca_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The CA file recorded in smtpwizard's own result and exports is trusted again without
    --cafile; when it is gone, that is said, not blamed on the server."""
    server = smtp_server(mode="tls")
    kept_ca = tmp_path / "company-ca.pem"
    kept_ca.write_bytes(ca_file.read_bytes())
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    probe = ["probe", USER, "--server", HOST, "--port", str(server.port), "--security", "tls"]
    probe += ["--resolve", f"{HOST}=127.0.0.1", "--cafile", str(kept_ca), "--password-stdin"]
    assert main([*probe, "--json"]) == 0
    settings = tmp_path / "result.json"
    settings.write_text(capsys.readouterr().out)
    if fmt != "probe":
        exported = tmp_path / f"exported.{fmt}"
        assert main(["export", "--format", fmt, "--input", str(settings), "-o", str(exported)]) == 0
        capsys.readouterr()
        settings = exported

    base = ["--from", str(settings), "--resolve", f"{HOST}=127.0.0.1", "--password-stdin"]
    code, out, err = troubleshoot(capsys, monkeypatch, *base, stdin=PASSWORD)
    assert code == 0, out + err
    assert f"CA file {kept_ca}" in out
    assert "certificate verified" in out
    assert "not trusted" not in out

    logins = len(server.seen.attempts)
    kept_ca.unlink()
    code, out, err = troubleshoot(capsys, monkeypatch, *base, stdin=PASSWORD)
    assert code == 2
    assert f"names the CA file {kept_ca}, which does not exist" in err
    assert err.count("\n") == 1
    assert len(server.seen.attempts) == logins  # said before talking to the server

    # An explicit --cafile wins over the one the file names.
    code, out, err = troubleshoot(
        capsys, monkeypatch, *base, "--cafile", str(ca_file), stdin=PASSWORD
    )
    assert code == 0, out + err


@pytest.mark.parametrize("force", [False, True])
def test_a_report_path_that_is_a_folder_is_refused_before_the_conversation(
    force: bool,
    smtp_server: StartSmtp,
    ca_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = smtp_server(mode="starttls")
    args = server_args(server, ca_file, "--report", str(tmp_path), *(["--force"] * force))
    code, out, err = troubleshoot(capsys, monkeypatch, *args)
    assert code == 2
    assert f"{tmp_path} is a folder, not a file." in err
    assert "--force" not in err
    assert err.count("\n") == 1
    assert out == ""  # nothing was tried
    assert server.seen.attempts == []


@pytest.mark.parametrize("command", ["troubleshoot", "probe"])
def test_a_sign_in_server_that_cannot_be_asked_says_why(
    command: str,
    refused_port: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--oauth2-issuer given but unreachable: the text says what failed, instead of asking
    for the option that was given; a value that is no https:// address is bad usage."""
    issuer = ["--oauth2-issuer", f"https://127.0.0.1:{refused_port}/", "--oauth2-client-id", "x"]
    if command == "troubleshoot":
        args = ["troubleshoot", "127.0.0.1", "587", "--username", USER]
    else:
        args = ["probe", USER, "--server", "127.0.0.1", "--port", "587"]
    assert main([*args, *issuer]) == 1
    out = capsys.readouterr().out
    assert "did not describe itself" in out
    assert "connection refused" in out
    assert "Nothing says where to sign in" not in out
    assert "Give the sign-in server's address" not in out

    assert main([*args, "--oauth2-issuer", "notaurl"]) == 2
    err = capsys.readouterr().err
    assert "--oauth2-issuer wants the sign-in server's https:// address, not “notaurl”" in err
    assert err.count("\n") == 1
