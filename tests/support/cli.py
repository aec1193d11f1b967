"""The command line as a program runs it: a fresh ``python -m smtpwizard`` process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path

from tests.conftest import USER


def smtpwizard(
    *args: str,
    stdin: str = "",
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Runs ``smtpwizard ARGS`` (output as UTF-8 text); never raises for its exit status."""
    return subprocess.run(
        [sys.executable, "-m", "smtpwizard", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**(env if env is not None else os.environ), "PYTHONIOENCODING": "utf-8"},
        cwd=cwd,
        check=False,
    )


def probe_args(port: int, *more: str, server: str = "127.0.0.1", email: str = USER) -> list[str]:
    """``probe EMAIL --server SERVER --port PORT`` followed by ``more``."""
    return ["probe", email, "--server", server, "--port", str(port), *more]


#: What a command line that does not need them must not load: big third-party libraries,
#: and the rooms of the product that other commands (or the wizard) use.
HEAVY = (
    "cryptography",
    "dns",
    "oauthlib",
    "keyring",
    "PySide6",
    "imaplib",
    "poplib",
    "http.server",
    "smtpwizard.gui",
    "smtpwizard.core.importers",
    "smtpwizard.core.exporters",
    "smtpwizard.core.troubleshoot",
    "smtpwizard.core.document",
    "smtpwizard.core.discovery.discoverer",
    "smtpwizard.core.auth.flows",
)


def modules_loaded_by(
    args: Sequence[str], listing: Path, stdin: str = ""
) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    """The modules a fresh interpreter has loaded once ``smtpwizard ARGS`` ends (listed in
    the file ``listing``), and the finished process."""
    code = (
        "import atexit, sys\n"
        f"atexit.register(lambda: open({str(listing)!r}, 'w').write('\\n'.join(sys.modules)))\n"
        "from smtpwizard.__main__ import main\n"
        f"sys.exit(main({list(args)!r}))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    return listing.read_text().split("\n"), run


def in_process(*args: str, stdin: str = "") -> tuple[int, str, str]:
    """Runs ``smtpwizard ARGS`` in this process (quicker than a fresh one, for long tables
    of cases): its exit status, standard output and standard error."""
    import contextlib
    import io

    from smtpwizard.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        sys.stdin = saved
    return code, out.getvalue(), err.getvalue()
