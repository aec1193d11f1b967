"""How a command's process ends: at once (no interpreter teardown), yet with everything said,
every exit handler run and the status kept; and quietly when its reader goes away."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from smtpwizard import __version__
from smtpwizard.cli.common import EXIT_FAILED
from smtpwizard.cli.common import EXIT_OUTPUT_CLOSED
from smtpwizard.cli.common import EXIT_USAGE
from tests.conftest import PASSWORD
from tests.support.cli import probe_args
from tests.support.smtpd import SmtpServer


def started(args: list[str], prelude: str = "") -> subprocess.CompletedProcess[str]:
    """``smtpwizard ARGS`` through the program's own entry point, with ``prelude`` run first."""
    code = (
        "import sys\n"
        f"{prelude}\n"
        "from smtpwizard.__main__ import start\n"
        f"sys.argv = ['smtpwizard', *{args!r}]\n"
        "start()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


HANDLER = (
    "import atexit\n"
    "atexit.register(lambda: print('exit handler ran', file=sys.stderr, flush=False))\n"
    "sys.stdout = open(sys.stdout.fileno(), 'w', buffering=1 << 16, closefd=False)\n"
)


def test_a_command_ends_with_its_output_flushed_and_exit_handlers_run() -> None:
    run = started(["--version"], HANDLER)  # stdout fully buffered: only a flush gets it out
    assert run.returncode == 0
    assert run.stdout == f"smtpwizard {__version__}\n"
    assert "exit handler ran" in run.stderr


def test_the_status_of_a_failed_command_is_kept() -> None:
    run = started(["probe"], HANDLER)
    assert run.returncode == EXIT_USAGE
    assert "the following arguments are required: email" in run.stderr
    assert "exit handler ran" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_thread_still_running_is_waited_for() -> None:
    prelude = (
        "import threading, time\n"
        "def late():\n"
        "    time.sleep(0.3)\n"
        "    print('the thread finished', flush=True)\n"
        "threading.Thread(target=late).start()\n"
    )
    run = started(["--version"], prelude)
    assert run.returncode == 0
    assert run.stdout.splitlines() == [f"smtpwizard {__version__}", "the thread finished"]


def with_output(
    args: list[str], stdout: int | None, stdin: str = "", stdin_closed: bool = False
) -> tuple[int, str]:
    """Runs ``smtpwizard ARGS`` with standard output on the file descriptor ``stdout``
    (``None``: closed, as ``>&-`` leaves it; so is standard input with ``stdin_closed``);
    its exit status and what it wrote on standard error."""
    closed = [fd for fd, shut in ((0, stdin_closed), (1, stdout is None)) if shut]

    def close_before_start() -> None:  # in the child, before Python starts
        for fd in closed:
            os.close(fd)

    run = subprocess.run(
        [sys.executable, "-c", f"{START}sys.argv = ['smtpwizard', *{args!r}]\nstart()\n"],
        input=stdin,
        stdout=subprocess.DEVNULL if stdout is None else stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=close_before_start,  # only closes descriptors: safe after fork
    )
    return run.returncode, run.stderr


START = "import sys\nfrom smtpwizard.__main__ import start\n"


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pipe")
def test_a_reader_that_went_away_ends_the_command_quietly(
    smtp_server: Callable[..., SmtpServer], ca_file: Path
) -> None:
    server = smtp_server(mode="tls")
    probe = probe_args(
        server.port, "--security", "tls", "--password-stdin", "--cafile", str(ca_file)
    )
    for args, stdin in ((["providers"], ""), (probe, PASSWORD + "\n")):
        read_end, write_end = os.pipe()
        os.close(read_end)  # the reader is gone before the first line: as `| head -0`
        try:
            status, said = with_output(args, write_end, stdin)
        finally:
            os.close(write_end)
        assert (status, said) == (EXIT_OUTPUT_CLOSED, ""), args


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_to_a_full_disk_is_one_line_and_a_failure() -> None:
    with open("/dev/full", "w") as full:
        status, said = with_output(["providers"], full.fileno())
    assert status == EXIT_FAILED
    assert said.strip().endswith("cannot write the output: No space left on device")
    assert "Traceback" not in said


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file descriptors")
def test_closed_standard_streams_are_no_failure() -> None:
    status, said = with_output(["providers"], None)
    assert (status, said) == (0, "")
    status, said = with_output(
        ["probe", "alice@example.test", "--server", "127.0.0.1", "--password-stdin"],
        subprocess.DEVNULL,
        stdin_closed=True,
    )
    assert status == EXIT_USAGE
    assert said == "smtpwizard probe: The password is empty.\n"
