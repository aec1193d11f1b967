"""Bad input on the command line: each gets status 2 and one exact sentence, never a traceback;
the unusual but valid forms work against a real server; a failed write loses nothing.

Complements the tables in test_cli_probe.py, test_address.py and test_export_cli.py (which
cover a missing @ or domain, spaces in a host, ports 0, 65536 and "smtp", a missing CA file,
export inputs, an existing export target and empty passwords) without repeating them.

Unreadable files: the tests run as root, and root reads a file whatever its mode. The CLI is
then started without the two capabilities that allow that (CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH, dropped from its bounding set before it starts), so a file of mode 000
is as unreadable to it as to anyone else.
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from smtpwizard.cli.main import main
from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.support.smtpd import SmtpServer
from tests.unit.test_export_cli import SAMPLE

StartSmtp = Callable[..., SmtpServer]

# Every probe here fails on its input before anything is looked up or connected to; the host
# would otherwise be looked up in the machine's DNS, which tests never use.
NOWHERE = ["--server", "mail.example.test", "--resolve", "mail.example.test=127.0.0.1"]


def run_main(
    argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str = ""
) -> tuple[int, str, str]:
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = main(argv)
    finally:
        sys.stdin = saved
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str, command: str, message: str) -> None:
    assert err == f"smtpwizard {command}: {message}\n"


# -- addresses, hosts, ports -----------------------------------------------------------------------

ADDRESSES = [
    ("alice@@example.test", "An email address has only one @."),
    ("alice@bob@example.test", "An email address has only one @."),
    ("alice @example.test", "An email address cannot contain spaces."),
    ("@example.test", "The part before the @ is missing."),
    (" ", "Please enter your email address."),
    ("alice@example", "“example” is not a complete domain (like example.com)."),
    ("alice@exa mple.test", "“exa mple.test” is not a valid domain name."),
    ("alice@exa_mple.test", "“exa_mple.test” is not a valid domain name."),
    ("alice@[192.0.2.1]", "Please use an address with a domain name, not an IP address."),
    ("alice@192.0.2.1", "Please use an address with a domain name, not an IP address."),
    ("a" * 65 + "@example.test", "The part before the @ is too long (64 characters at most)."),
]

HOSTS = [
    ("", "The server name is empty."),
    ("   ", "The server name is empty."),
    ("bad_host.example", "“bad_host.example” is not a valid server name."),
    ("host!.example", "“host!.example” is not a valid server name."),
    ("a..b.example", "“a..b.example” is not a valid server name."),
    ("-x.example", "“-x.example” is not a valid server name."),
    ("x" * 64 + ".example", f"“{'x' * 64}.example” is not a valid server name."),
    ("[::1", "“[::1” is not a valid server name."),
    ("[mail.example.test]", "“[mail.example.test]” is not a valid server name."),
    ("::1::2", "“::1::2” is not a valid server name."),
]

PORTS = [
    ("-1", "Port -1 does not exist: ports go from 1 to 65535."),
    ("1.5", "“1.5” is not a port number (a number from 1 to 65535)."),
    ("", "“” is not a port number (a number from 1 to 65535)."),
    ("587x", "“587x” is not a port number (a number from 1 to 65535)."),
    ("99999999999999999999", "Port 99999999999999999999 does not exist: ports go from 1 to 65535."),
]


@pytest.mark.parametrize(("address", "message"), ADDRESSES)
def test_bad_addresses(address: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(["probe", address, *NOWHERE], capsys)
    assert (code, out) == (2, "")
    one_line(err, "probe", message)


@pytest.mark.parametrize(("host", "message"), HOSTS)
def test_bad_hosts(host: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(["probe", USER, f"--server={host}"], capsys)
    assert (code, out) == (2, "")
    one_line(err, "probe", message)


@pytest.mark.parametrize(("port", "message"), PORTS)
def test_bad_ports(port: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(["probe", USER, *NOWHERE, "--port", port], capsys)
    assert (code, out) == (2, "")
    one_line(err, "probe", message)


# -- the unusual forms that must work --------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "sender"),
    [
        ('"john smith"@example.test', '"john smith"@example.test'),
        ('"john@home"@example.test', '"john@home"@example.test'),
        ("alice@bücher.example", "alice@xn--bcher-kva.example"),
        ("Alice Liddell <alice@Example.TEST>", "alice@example.test"),
    ],
)
def test_unusual_addresses_work(
    address: str,
    sender: str,
    smtp_server: StartSmtp,
    ca_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = smtp_server(mode="tls", users={"login": PASSWORD})
    argv = ["probe", address, "--server", "127.0.0.1", "--port", str(server.port)]
    argv += ["--security", "tls", "--cafile", str(ca_file), "--username", "login"]
    code, out, err = run_main([*argv, "--password-stdin", "--json"], capsys, PASSWORD + "\n")
    assert code == 0, err
    assert json.loads(out)["recommended"]["port"] == server.port
    assert server.seen.senders == [sender]  # the dry run's MAIL FROM, as the server saw it


@pytest.mark.parametrize(
    ("server_arg", "listen", "extra"),
    [
        ("mail.example.test.", "127.0.0.1", ["--resolve", "mail.example.test=127.0.0.1"]),
        ("MAIL.Example.Test", "127.0.0.1", ["--resolve", "mail.example.test=127.0.0.1"]),
        ("127.0.0.1", "127.0.0.1", []),
        ("[127.0.0.1]", "127.0.0.1", []),
        ("::1", "::1", []),
        ("[::1]", "::1", []),
    ],
)
def test_unusual_hosts_work(
    server_arg: str,
    listen: str,
    extra: list[str],
    smtp_server: StartSmtp,
    ca_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = smtp_server(mode="tls", host=listen)
    argv = ["probe", USER, "--server", server_arg, *extra, "--port", str(server.port)]
    code, out, err = run_main([*argv, "--security", "tls", "--cafile", str(ca_file)], capsys)
    assert code == 0, (out, err)
    assert "Traceback" not in err


# -- files -----------------------------------------------------------------------------------------


def test_ca_file_that_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run_main(["probe", USER, *NOWHERE, "--cafile", str(tmp_path)], capsys)
    assert code == 2
    one_line(err, "probe", f"The CA file {tmp_path} is a folder, not a file.")


def test_ca_file_that_is_not_pem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ca.pem"
    path.write_text("-----BEGIN NOTHING-----\nnot a certificate\n")
    code, _out, err = run_main(["probe", USER, *NOWHERE, "--cafile", str(path)], capsys)
    assert code == 2
    one_line(err, "probe", f"The CA file {path} cannot be read as certificates (PEM).")


def test_empty_ca_file_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run_main(["probe", USER, *NOWHERE, "--cafile", ""], capsys)
    assert code == 2
    one_line(err, "probe", "--cafile needs the name of a file.")


def test_export_into_a_path_whose_folder_is_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "result.json").write_text(json.dumps(SAMPLE))
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me")
    target = blocker / "smtp.env"
    argv = ["export", "-f", "dotenv", "-i", str(tmp_path / "result.json"), "-o", str(target)]
    code, _out, err = run_main(argv, capsys)
    assert code == 2
    one_line(err, "export", f"{blocker} is a file, not a folder.")
    assert blocker.read_text() == "keep me"


# -- unreadable files, even to root ----------------------------------------------------------------

_LIBC = ctypes.CDLL(None, use_errno=True)
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def _drop_file_permission_override() -> None:
    """In the child, before the CLI starts: no capability to ignore file permissions."""
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if _LIBC.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            os._exit(97)


def smtpwizard_unprivileged(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a process that file permissions apply to, root or not."""
    run = subprocess.run(
        [sys.executable, "-m", "smtpwizard", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        preexec_fn=_drop_file_permission_override if os.geteuid() == 0 else None,
        check=False,
    )
    if run.returncode == 97:
        pytest.skip(
            "running as root without the right to drop CAP_DAC_OVERRIDE (no CAP_SETPCAP): "
            "no file can be made unreadable here"
        )
    return run


@pytest.fixture
def unreadable(tmp_path: Path) -> Path:
    path = tmp_path / "secret.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n")
    path.chmod(0)
    return path


def test_unreadable_ca_file(unreadable: Path) -> None:
    run = smtpwizard_unprivileged("probe", USER, *NOWHERE, "--cafile", str(unreadable))
    assert run.returncode == 2
    assert run.stderr == f"smtpwizard probe: You may not read the CA file {unreadable}.\n"


def test_unreadable_export_input(unreadable: Path) -> None:
    run = smtpwizard_unprivileged("export", "-f", "dotenv", "-i", str(unreadable))
    assert run.returncode == 2
    assert run.stderr == f"smtpwizard export: you may not read {unreadable}.\n"


# -- nothing lost ----------------------------------------------------------------------------------


def _small_files_only() -> None:
    """In the child: any file written beyond 64 bytes fails (EFBIG), as on a full disk."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))


def test_a_failed_write_leaves_the_existing_file_as_it_was(tmp_path: Path) -> None:
    result = tmp_path / "result.json"
    result.write_text(json.dumps(SAMPLE))
    target = tmp_path / "smtp.env"
    target.write_text("SMTP_HOST=the old one\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    argv = ["export", "-f", "dotenv", "-i", str(result), "-o", str(target), "--force"]
    run = subprocess.run(
        [sys.executable, "-m", "smtpwizard", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONDONTWRITEBYTECODE": "1"},
        preexec_fn=_small_files_only,
        check=False,
    )
    assert run.returncode == 2, run.stderr
    assert run.stderr == (
        f"smtpwizard export: {target} could not be written (File too large); nothing was changed.\n"
    )
    assert target.read_text() == "SMTP_HOST=the old one\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no half-written leftovers


@pytest.mark.parametrize("force", [False, True], ids=["without-force", "with-force"])
def test_a_folder_in_the_way_is_left_alone(
    tmp_path: Path, force: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "result.json").write_text(json.dumps(SAMPLE))
    folder = tmp_path / "smtp.env"
    folder.mkdir()
    (folder / "inside").write_text("keep me")
    argv = ["export", "-f", "dotenv", "-i", str(tmp_path / "result.json"), "-o", str(folder)]
    code, _out, err = run_main([*argv, *(["--force"] if force else [])], capsys)
    assert code == 2
    one_line(err, "export", f"{folder} is a folder, not a file.")
    assert (folder / "inside").read_text() == "keep me"


def test_an_existing_file_without_force_through_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "result.json").write_text(json.dumps(SAMPLE))
    target = tmp_path / "smtp.env"
    target.write_text("keep me")
    argv = ["export", "-f", "dotenv", "-i", str(tmp_path / "result.json"), "-o", str(target)]
    code, _out, err = run_main(argv, capsys)
    assert code == 2
    one_line(err, "export", f"{target} already exists; it was left as it is.")
    assert target.read_text() == "keep me"
