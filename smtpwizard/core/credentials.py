"""Where passwords live: the operating system's keyring, through the ``keyring`` package.

Entries are stored under the service ``smtpwizard:<host>`` with the login name as the
keyring username, so exports can tell people (and programs) how to look a password up:
``python3 -m keyring get smtpwizard:smtp.example.com alice@example.com``.
"""

from __future__ import annotations

SERVICE_PREFIX = "smtpwizard:"


def keyring_service(host: str) -> str:
    """The keyring service name for a server's password."""
    return f"{SERVICE_PREFIX}{host.lower()}"


def lookup_command(host: str, username: str) -> str:
    """A shell command that prints the stored password (for exports that reference it)."""
    return f"python3 -m keyring get {keyring_service(host)} {_quote(username)}"


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)
