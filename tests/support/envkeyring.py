"""A keyring backend for tests that reads entries from an environment variable.

``python3 -m keyring get SERVICE USER`` run by an exported command (msmtp's passwordeval)
finds the entry the test put in ``SMTPWIZARD_TEST_KEYRING`` (JSON: ``{"SERVICE USER": pw}``),
so the command, its quoting and its naming are exercised without a desktop keyring daemon.
Select it with ``PYTHON_KEYRING_BACKEND=tests.support.envkeyring.EnvKeyring``.
"""

from __future__ import annotations

import json
import os

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from keyring.errors import PasswordSetError

VARIABLE = "SMTPWIZARD_TEST_KEYRING"


class EnvKeyring(KeyringBackend):  # type: ignore[misc]
    """Read-only entries from ``SMTPWIZARD_TEST_KEYRING``."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        entries = json.loads(os.environ.get(VARIABLE, "{}"))
        value = entries.get(f"{service} {username}")
        return value if isinstance(value, str) else None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("the test keyring is read-only")

    def delete_password(self, service: str, username: str) -> None:
        raise PasswordDeleteError("the test keyring is read-only")
