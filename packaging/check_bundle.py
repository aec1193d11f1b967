"""Runs the built one-folder bundle the way a person would, and says what works.

    .venv/bin/python packaging/check_bundle.py dist/smtpwizard

Checks, each against the bundle's own executable (never the source tree):

- ``--version`` names the version in ``smtpwizard.__version__``;
- ``providers`` lists the bundled provider knowledge base;
- without arguments the wizard opens on the offscreen platform (the start-up time is the
  median of a few runs);
- the bundle's self-check (packaging/bundle_check.py) reads the resources, draws the icon and
  saves, reads back and deletes a password in a throwaway GNOME Keyring on a private D-Bus
  session, when the machine has those (Debian: dbus, gnome-keyring);
- ``probe --password-stdin`` finds a working configuration on an SMTP server with implicit
  TLS and a test certificate authority, on 127.0.0.1, and logs in.

Uses the test support code (aiosmtpd, trustme), so run it with the project's test
environment, as ``sh packaging/dev test`` leaves it. Exit status 0 when every check passed.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from smtpwizard import __version__  # noqa: E402
from tests.support.certs import make_certs  # noqa: E402
from tests.support.smtpd import SmtpServer  # noqa: E402

USER = "alice@example.test"
PASSWORD = "bundle check: pässwörd"
TIMEOUT = 60

# aiosmtpd logs a deprecation of its own on every login; it says nothing about the bundle.
logging.getLogger("mail.log").setLevel(logging.ERROR)


class Checks:
    """Runs the bundle's executable and keeps count of what failed."""

    def __init__(self, executable: Path) -> None:
        self.executable = executable
        self.failed: list[str] = []

    def run(
        self, *args: str, env: dict[str, str] | None = None, stdin: str = ""
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603  # the bundle just built, with fixed arguments
            [str(self.executable), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},
            check=False,
        )

    def report(self, name: str, ok: bool, detail: str = "") -> None:
        print(f"{'ok' if ok else 'FAILED':6} {name}{': ' + detail if detail else ''}", flush=True)
        if not ok:
            self.failed.append(name)

    def version(self) -> None:
        run = self.run("--version")
        self.report(
            "version",
            run.returncode == 0 and run.stdout.strip() == f"smtpwizard {__version__}",
            (run.stdout + run.stderr).strip(),
        )

    def providers(self) -> None:
        run = self.run("providers")
        lines = [line for line in run.stdout.splitlines() if line.startswith("  ")]
        self.report(
            "providers",
            run.returncode == 0 and len(lines) > 10,
            f"{len(lines)} listed" if run.returncode == 0 else run.stderr.strip(),
        )

    def formats(self) -> None:
        """The export formats load on first use, by name: the bundle must hold them all."""
        run = self.run("export", "--list")
        lines = [line for line in run.stdout.splitlines() if line.strip()]
        self.report(
            "export formats",
            run.returncode == 0 and len(lines) >= 20,
            f"{len(lines)} listed" if run.returncode == 0 else run.stderr.strip(),
        )

    def wizard_opens(self, runs: int) -> None:
        env = {"QT_QPA_PLATFORM": "offscreen", "SMTPWIZARD_QUIT_WHEN_SHOWN": "1"}
        times, problems = [], []
        for _ in range(runs):
            start = time.perf_counter()
            run = self.run(env=env)
            times.append(time.perf_counter() - start)
            # The window is shown with its first page, then every page is built.
            if run.returncode != 0 or run.stdout.split() != ["shown", "ready"]:
                problems.append(f"exit {run.returncode}: {(run.stdout + run.stderr).strip()}")
        detail = f"shown, all pages built, in {statistics.median(times):.2f} s (median of {runs})"
        self.report("wizard opens (offscreen)", not problems, "; ".join(problems) or detail)

    def self_check(self) -> None:
        if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
            self.report(
                "self-check with a keyring",
                False,
                "no Secret Service here (Debian: apt-get install dbus gnome-keyring)",
            )
            return
        with tempfile.TemporaryDirectory() as home:
            # The daemon outlives the command; its output must not hold our pipes open.
            command = (
                "printf unlock | gnome-keyring-daemon --unlock --components=secrets "
                '>/dev/null 2>&1; exec "$0"'
            )
            run = subprocess.run(  # noqa: S603
                # PATH is fixed below, to the system's folders.
                ["dbus-run-session", "--", "sh", "-c", command, str(self.executable)],  # noqa: S607
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                check=False,
                env={
                    "PATH": "/usr/bin:/bin",
                    "HOME": home,
                    "XDG_RUNTIME_DIR": home,
                    "SMTPWIZARD_BUNDLE_CHECK": "1",
                },
            )
        lines = run.stdout.strip().splitlines()
        for line in lines:
            print(f"         {line}")
        self.report(
            "self-check with a keyring",
            run.returncode == 0 and bool(lines),
            "" if run.returncode == 0 else f"exit {run.returncode}: {run.stderr.strip()[-500:]}",
        )

    def probe(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            certs = make_certs(Path(folder))
            with SmtpServer(mode="tls", cert=certs.good, users={USER: PASSWORD}) as server:
                run = self.run(
                    "probe",
                    USER,
                    "--server",
                    "127.0.0.1",
                    "--port",
                    str(server.port),
                    "--security",
                    "tls",
                    "--cafile",
                    str(certs.ca_file),
                    "--password-stdin",
                    stdin=PASSWORD + "\n",
                )
                logins = [a for a in server.seen.attempts if a.success]
        ok = run.returncode == 0 and bool(logins) and PASSWORD not in run.stdout + run.stderr
        detail = f"port {server.port}, logged in with {logins[0].mechanism}" if ok else ""
        if not ok:
            detail = f"exit {run.returncode}, logins {len(logins)}\n{run.stdout}{run.stderr}"
        self.report("probe on 127.0.0.1 (implicit TLS, login)", ok, detail)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path, help="the one-folder bundle (dist/smtpwizard)")
    parser.add_argument("--runs", type=int, default=3, help="wizard starts to time")
    args = parser.parse_args()
    name = "smtpwizard.exe" if sys.platform == "win32" else "smtpwizard"
    executable = args.bundle / name
    if not executable.is_file():
        print(f"no {name} in {args.bundle}", file=sys.stderr)
        return 2
    checks = Checks(executable)
    checks.version()
    checks.providers()
    checks.formats()
    checks.wizard_opens(args.runs)
    checks.self_check()
    checks.probe()
    if checks.failed:
        print(f"{len(checks.failed)} bundle check(s) failed: {', '.join(checks.failed)}")
        return 1
    print("every bundle check passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
