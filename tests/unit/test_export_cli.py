"""``smtpwizard export``: formats, input, output files and passwords, without a traceback."""

from __future__ import annotations

import argparse
import copy
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from smtpwizard.cli import export as export_cli
from smtpwizard.core.exporters.base import registry
from tests.support.exportparse import check_thunderbird_xml
from tests.support.exportparse import parse_env
from tests.support.exportparse import parse_msmtprc
from tests.support.secrets import leaks

SAMPLE: dict[str, Any] = {
    "schema": 1,
    "email": "alice@example.test",
    "tested_at": "2026-11-22T17:34:40Z",
    "tested_from": "IPv4 address 192.0.2.7",
    "recommended": {
        "host": "smtp.example.test",
        "port": 465,
        "security": "tls",
        "username": "alice@example.test",
        "auth_mechanism": "PLAIN",
        "reasons": ["it works from here"],
        "warnings": ["a warning"],
    },
    "candidates": [
        {
            "host": "smtp.example.test",
            "port": 587,
            "security": "starttls",
            "outcome": "timeout",
            "tls": None,
            "auth": {"result": "not_tried"},
        },
        {
            "host": "smtp.example.test",
            "port": 465,
            "security": "tls",
            "outcome": "ok",
            "tls": {"cert": {"issuer_name": "Example CA", "issuer": "CN=Example CA"}},
            "auth": {"result": "ok"},
        },
    ],
    "incoming": [
        {
            "protocol": "pop3",
            "host": "pop.example.test",
            "port": 995,
            "security": "tls",
            "username": "alice@example.test",
            "source": "provider",
            "tested": False,
        },
        {
            "protocol": "imap",
            "host": "imap.example.test",
            "port": 993,
            "security": "tls",
            "username": None,
            "source": "provider",
            "tested": True,
        },
    ],
    "summary": "Use smtp.example.test, port 465, SSL/TLS.",
    "provider": {"id": "example", "name": "Example Mail", "kind": "mailbox"},
}
PASSWORD = "correct horse ß battery 9!"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def parse(*argv: str) -> argparse.Namespace:
    # The way cli.py wires it: a subcommand of the main parser.
    parser = argparse.ArgumentParser(prog="smtpwizard")
    export_cli.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["export", *argv])


def run(*argv: str, stdin: str | io.StringIO = "", ask: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    source = stdin if isinstance(stdin, io.StringIO) else io.StringIO(stdin)
    asked: list[str] = []

    def ask_password(prompt: str) -> str:
        asked.append(prompt)
        if ask is None:
            raise AssertionError("the password was asked for")
        return ask

    code = export_cli.run(parse(*argv), source, out, err, ask_password=ask_password)
    assert "Traceback" not in err.getvalue()
    if code == 2:
        assert err.getvalue().count("\n") == 1, err.getvalue()
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def result_file(tmp_path: Path) -> Path:
    path = tmp_path / "result.json"
    path.write_text(json.dumps(SAMPLE))
    return path


def test_list_names_every_format() -> None:
    code, out, _err = run("--list")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()]
    assert sorted(names) == sorted(registry())
    assert "(needs the incoming server)" in out


def test_stdin_to_stdout() -> None:
    code, out, err = run("--format", "dotenv", stdin=json.dumps(SAMPLE))
    assert (code, err) == (0, "")
    assert parse_env(out)["SMTP_HOST"] == "smtp.example.test"


def test_document_details_reach_the_export(result_file: Path) -> None:
    code, out, _err = run("--format", "json", "--input", str(result_file), "--name", "Alice  A.")
    assert code == 0
    doc = json.loads(out)
    assert doc["display_name"] == "Alice A."
    assert doc["incoming"]["protocol"] == "imap"  # IMAP first, though POP3 is listed first
    assert doc["incoming"]["tested"] is True
    assert doc["tested"]["certificate_issuer"] == "Example CA"
    assert doc["tested"]["login_tested"] is True
    assert doc["tested"]["warnings"] == ["a warning"]


def test_incoming_from_the_command_line(result_file: Path) -> None:
    doc = copy.deepcopy(SAMPLE)
    doc["incoming"] = []
    code, out, err = run("--format", "thunderbird-xml", stdin=json.dumps(doc))
    assert code == 2
    assert "--incoming-server" in err
    code, out, _err = run(
        "--format",
        "thunderbird-xml",
        "--incoming-server",
        "pop.example.test",
        "--incoming-protocol",
        "pop3",
        stdin=json.dumps(doc),
    )
    assert code == 0
    incoming = check_thunderbird_xml(out)["incoming"]
    assert (incoming["type"], incoming["hostname"], incoming["port"]) == (
        "pop3",
        "pop.example.test",
        995,
    )


def test_mobileconfig_bytes_to_a_file(result_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "mail.mobileconfig"
    code, out, err = run("-f", "mobileconfig", "-i", str(result_file), "-o", str(target))
    assert code == 0
    assert out == ""
    assert str(target) in err
    assert target.read_bytes().startswith(b"<?xml")


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["--format", "dotenv", "--input", "/nonexistent/r.json"], "", "does not exist"),
        (["--format", "dotenv"], "not json", "is not JSON (line 1"),
        (["--format", "dotenv"], "", "is empty"),
        (["--format", "dotenv"], "[1, 2]", "is not a probe result"),
        (["--format", "dotenv"], "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (["--format", "dotenv"], '{"email": "a@b"}', "not a result of"),
        (["--format", "nope"], "{}", "the formats are: django,"),
        ([], "{}", "choose a format"),
        (["--format", "dotenv", "--password-stdin"], "{}", "add --include-password"),
        (
            ["--format", "dotenv", "--include-password", "--password-stdin"],
            "{}",
            "--password-stdin needs --input",
        ),
    ],
)
def test_bad_usage_is_one_line_and_status_2(argv: list[str], stdin: str, message: str) -> None:
    code, out, err = run(*argv, stdin=stdin)
    assert code == 2
    assert out == ""
    assert err.startswith("smtpwizard export: ")
    assert message in err


def test_no_working_configuration() -> None:
    doc = copy.deepcopy(SAMPLE)
    doc["recommended"] = None
    code, _out, err = run("--format", "dotenv", stdin=json.dumps(doc))
    assert code == 2
    assert "no working configuration" in err


def test_damaged_recommendation() -> None:
    doc = copy.deepcopy(SAMPLE)
    doc["recommended"]["port"] = "465"
    code, _out, err = run("--format", "dotenv", stdin=json.dumps(doc))
    assert code == 2
    assert "incomplete or damaged" in err


BREAKS = [
    (("recommended", "username"), 'al"ice\nauth off\n', "SMTP user name"),
    (("tested_from",), "IPv4 address 192.0.2.7\rrelayhost = evil", "test address"),
    (("email",), "alice@example.test\u2028x", "email address"),
    (("recommended", "warnings", 0), "first\x00second", "warning"),
    (("candidates", 1, "tls", "cert", "issuer_name"), "Example\tCA", "certificate issuer"),
    (("summary",), "one\x85two", "summary"),
]


@pytest.mark.parametrize(("where", "value", "field"), BREAKS)
@pytest.mark.parametrize("name", sorted(registry()))
def test_every_format_refuses_a_value_with_a_line_break(
    name: str, where: tuple[str | int, ...], value: str, field: str
) -> None:
    doc = copy.deepcopy(SAMPLE)
    holder: Any = doc
    for step in where[:-1]:
        holder = holder[step]
    holder[where[-1]] = value
    code, out, err = run(
        "--format", name, "--incoming-server", "imap.example.test", stdin=json.dumps(doc)
    )
    assert (code, out) == (2, "")
    assert f"its {field} holds a line break or another control character" in err


def test_an_incoming_user_name_with_a_line_break_is_refused() -> None:
    code, _out, err = run(
        "--format",
        "thunderbird-userjs",
        "--incoming-server",
        "imap.example.test",
        "--incoming-username",
        "a\nb",
        stdin=json.dumps(SAMPLE),
    )
    assert code == 2
    assert "--incoming-username" in err


def test_a_terminal_on_stdin_is_not_read() -> None:
    code, _out, err = run("--format", "dotenv", stdin=Tty(json.dumps(SAMPLE)))
    assert code == 2
    assert "--input FILE" in err


def test_input_that_is_a_folder(tmp_path: Path) -> None:
    code, _out, err = run("--format", "dotenv", "--input", str(tmp_path))
    assert code == 2
    assert "is a folder" in err


def test_existing_file_needs_force(result_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "smtp.env"
    target.write_text("keep me")
    code, _out, err = run("-f", "dotenv", "-i", str(result_file), "-o", str(target))
    assert code == 2
    assert "already exists" in err
    assert target.read_text() == "keep me"
    code, _out, _err = run("-f", "dotenv", "-i", str(result_file), "-o", str(target), "--force")
    assert code == 0
    assert parse_env(target.read_text())["SMTP_PORT"] == "465"


def test_missing_output_folder(result_file: Path, tmp_path: Path) -> None:
    code, _out, err = run("-f", "dotenv", "-i", str(result_file), "-o", str(tmp_path / "x" / "f"))
    assert code == 2
    assert "does not exist" in err


def test_password_from_stdin_goes_into_a_private_file(result_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "msmtprc"
    code, _out, err = run(
        "-f",
        "msmtp",
        "-i",
        str(result_file),
        "-o",
        str(target),
        "--include-password",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert code == 0
    assert "only you can read it" in err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert parse_msmtprc(target.read_text())["default"]["password"] == PASSWORD


def test_what_a_format_cannot_hold_is_said_on_standard_error(result_file: Path) -> None:
    code, out, err = run(
        "--format", "dotenv", "--input", str(result_file), "--include-password", ask="a${X}b"
    )
    assert code == 0
    assert "Warning: SMTP_PASSWORD cannot be written" in out
    assert "note: SMTP_PASSWORD cannot be written so that both a POSIX shell" in err
    assert leaks(err, "a${X}b", "alice@example.test") == []


def test_password_asked_on_the_terminal(result_file: Path) -> None:
    code, out, _err = run(
        "-f", "dotenv", "-i", str(result_file), "--include-password", ask=PASSWORD
    )
    assert code == 0
    assert parse_env(out)["SMTP_PASSWORD"] == PASSWORD


def test_without_opt_in_no_password_is_asked_or_written(result_file: Path, tmp_path: Path) -> None:
    for name in registry():
        args = ["-f", name, "-i", str(result_file), "--incoming-server", "imap.example.test"]
        code, out, err = run(*args)
        assert code == 0, err
        assert leaks(out, PASSWORD, "alice@example.test") == []
    target = tmp_path / "smtp.env"
    run("-f", "dotenv", "-i", str(result_file), "-o", str(target))
    assert stat.S_IMODE(target.stat().st_mode) & 0o044  # nothing secret: normal permissions


def test_formats_that_cannot_hold_a_password_say_so_and_ask_nothing(result_file: Path) -> None:
    code, out, err = run("-f", "thunderbird-userjs", "-i", str(result_file), "--include-password")
    assert code == 0
    assert "cannot hold a password" in err
    assert "mail.smtpserver" in out


@pytest.mark.parametrize(
    ("given", "refusal"),
    [("\n", "empty"), ("p\udcffss\n", "not UTF-8")],  # \udcff: a byte read as surrogateescape
)
def test_an_unusable_password_is_refused(result_file: Path, given: str, refusal: str) -> None:
    code, out, err = run(
        "-f",
        "dotenv",
        "-i",
        str(result_file),
        "--include-password",
        "--password-stdin",
        stdin=given,
    )
    assert code == 2
    assert refusal in err
    assert out == ""


def test_without_a_terminal_the_password_is_not_read_from_the_pipe(result_file: Path) -> None:
    # A new session has no controlling terminal, as under cron or CI.
    run_ = subprocess.run(
        [sys.executable, "-m", "smtpwizard.cli.export", "-f", "dotenv", "--include-password"],
        input=json.dumps(SAMPLE),
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    assert run_.returncode == 2
    assert run_.stdout == ""
    assert "asks for the password on a terminal" in run_.stderr
    assert "Traceback" not in run_.stderr


def test_module_main_reports_usage_errors_with_status_2() -> None:
    assert export_cli.main(["--no-such-option"]) == 2


def test_the_providers_name_labels_mail_program_exports(result_file: Path) -> None:
    code, out, _err = run("-f", "thunderbird-xml", "-i", str(result_file))
    assert code == 0
    assert check_thunderbird_xml(out)["displayName"] == "Example Mail"
