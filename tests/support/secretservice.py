"""A real Secret Service for tests that run smtpwizard as separate processes: a private D-Bus
session bus with GNOME Keyring's secrets component on it, unlocked, in a home of its own.
What one process stores, the next one finds, as on a desktop."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def secret_service_unavailable() -> str | None:
    """Why there is no Secret Service to start here, or ``None``."""
    for program in ("dbus-daemon", "gnome-keyring-daemon"):
        if shutil.which(program) is None:
            return f"{program} is not installed (Debian: apt-get install dbus gnome-keyring)"
    return None


@contextlib.contextmanager
def secret_service(home: Path) -> Iterator[dict[str, str]]:
    """Starts the bus and the keyring; yields the environment variables that reach them
    (``HOME``, ``XDG_RUNTIME_DIR`` and ``DBUS_SESSION_BUS_ADDRESS``). Skips the test where
    they are not installed."""
    reason = secret_service_unavailable()
    if reason:
        pytest.skip(reason)
    runtime = home / "run"
    runtime.mkdir(parents=True, mode=0o700)
    env = {"HOME": str(home), "XDG_RUNTIME_DIR": str(runtime), "PATH": os.environ["PATH"]}
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        if not address:
            pytest.fail("dbus-daemon gave no address")
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        # The keyring daemon forks away; it ends when the bus does.
        subprocess.run(
            ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
            input="unlock",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
            timeout=30,
            check=True,
        )
        yield env
    finally:
        bus.terminate()
        bus.wait(timeout=10)
        if bus.stdout is not None:
            bus.stdout.close()
