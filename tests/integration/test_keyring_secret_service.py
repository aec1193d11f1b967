"""The keyring store against a real Secret Service (GNOME Keyring on a private D-Bus session),
where the machine has one; skipped with the reason where not."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    from smtpwizard.core.auth.keyring import CredentialStore
    store = CredentialStore()
    status = store.status()
    print("usable", status.usable, status.name)
    store.save("smtp.example.test", "alice@example.test", "pässwörd 1")
    print("loaded", store.load("smtp.example.test", "alice@example.test") == "pässwörd 1")
    print("deleted", store.delete("smtp.example.test", "alice@example.test"))
    print("gone", store.load("smtp.example.test", "alice@example.test") is None)
    print("again", store.delete("smtp.example.test", "alice@example.test"))
    """
)


@pytest.mark.skipif(
    not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")),
    reason="no Secret Service here (Debian: apt-get install dbus gnome-keyring)",
)
def test_save_load_delete_in_gnome_keyring(tmp_path: Path) -> None:
    script = tmp_path / "keyring_check.py"
    script.write_text(SCRIPT)
    # The daemon's output goes to /dev/null: it outlives the command and would otherwise
    # hold our pipes open.
    command = (
        'printf "unlock" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; '
        f'"{sys.executable}" "{script}"'
    )
    run = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", command],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "XDG_RUNTIME_DIR": str(tmp_path),
            "PYTHONPATH": str(ROOT),
        },
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "usable True SecretService"
    assert lines[1:] == ["loaded True", "deleted True", "gone True", "again False"]
