"""How a command's process ends: at once (no interpreter teardown), yet with everything said,
every exit handler run and the status kept; and quietly when its reader goes away."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from smtpwizard import __version__
from smtpwizard.cli.common import EXIT_OUTPUT_CLOSED
from smtpwizard.cli.common import EXIT_USAGE


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


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pipe")
def test_a_reader_that_went_away_ends_the_command_quietly() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line: as `| head -0`
    try:
        run = subprocess.run(
            [
                sys.executable,
                "-c",
                "from smtpwizard.__main__ import start; import sys;"
                " sys.argv = ['smtpwizard', 'providers']; start()",
            ],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert run.returncode == EXIT_OUTPUT_CLOSED
    assert run.stderr == ""
