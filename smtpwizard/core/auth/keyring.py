"""Where passwords live: the operating system's keyring, through the ``keyring`` package.

Entries are stored under the service ``smtpwizard:<host>`` with the login name as the
keyring username, so exports can tell people (and programs) how to look a password up:
``smtpwizard secret alice@example.com --server smtp.example.com`` prints it.

A store is only used when it is a real one: keyring's ``fail`` backend (nothing found), its
``null`` backend (switched off) and low-priority stores (such as plain-text files) are refused
with a plain explanation, and the person types the password each time instead.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from smtpwizard.core.errors import CredentialError
from smtpwizard.core.i18n import _

__all__ = [
    "SERVICE_PREFIX",
    "CredentialStore",
    "KeyringStatus",
    "keyring_service",
    "lookup_command",
]

SERVICE_PREFIX = "smtpwizard:"


def keyring_service(host: str) -> str:
    """The keyring service name for a server's password."""
    return f"{SERVICE_PREFIX}{host.lower()}"


def lookup_command(email: str, host: str, username: str) -> str:
    """A shell command that prints the stored password (for exports that reference it):
    ``smtpwizard secret``, quoted for a POSIX shell."""
    words = ["smtpwizard", "secret", email, "--server", host]
    if username != email:
        words += ["--username", username]
    return shlex.join(words)


@dataclass(frozen=True, slots=True)
class KeyringStatus:
    """Whether passwords can be saved, and if not, why."""

    usable: bool
    name: str
    reason: str = ""


class CredentialStore:
    """Saves, loads and deletes passwords in the system keyring.

    Args:
        backend: a keyring backend to use instead of keyring's own choice (tests pass one).
    """

    def __init__(self, backend: Any = None) -> None:
        self._backend = backend

    def _keyring(self) -> Any:
        if self._backend is not None:
            return self._backend
        import keyring

        return keyring.get_keyring()

    def status(self) -> KeyringStatus:
        """Whether a real password store is available."""
        try:
            from keyring.backends import chainer
            from keyring.backends import fail
            from keyring.backends import null

            store = self._keyring()
        except Exception as exc:  # keyring's detection can fail on broken D-Bus setups
            return KeyringStatus(
                False, "?", _("The password store could not be opened: {error}").format(error=exc)
            )
        backends = list(store.backends) if isinstance(store, chainer.ChainerBackend) else [store]
        name = ", ".join(type(b).__module__.rsplit(".", 1)[-1] for b in backends) or "none"
        if not backends or any(isinstance(b, fail.Keyring) for b in backends):
            return KeyringStatus(
                False,
                name,
                _(
                    "No password store was found on this computer (such as GNOME Keyring, "
                    "KWallet, the macOS Keychain or the Windows Credential Manager), so your "
                    "password cannot be saved. You will type it each time."
                ),
            )
        if any(isinstance(b, null.Keyring) for b in backends):
            return KeyringStatus(
                False,
                name,
                _(
                    "Saving passwords is switched off on this computer (keyring's null backend). "
                    "You will type your password each time."
                ),
            )
        if any(_priority(b) < 1 for b in backends):
            return KeyringStatus(
                False,
                name,
                _(
                    "The only password store available is not a safe one (it may keep passwords "
                    "unencrypted in a file), so smtpwizard does not use it."
                ),
            )
        return KeyringStatus(True, name)

    def save(self, host: str, username: str, password: str) -> None:
        """Stores the password for ``username`` on ``host``.

        Raises:
            CredentialError: no usable store, or it refused.
        """
        self.save_secret(keyring_service(host), username, password)

    def load(self, host: str, username: str) -> str | None:
        """The stored password, or None (also when there is no usable store)."""
        return self.load_secret(keyring_service(host), username)

    def delete(self, host: str, username: str) -> bool:
        """Forgets the stored password; returns whether there was one."""
        return self.delete_secret(keyring_service(host), username)

    def save_secret(self, service: str, username: str, secret: str) -> None:
        """Stores a secret under a keyring service and user name.

        Raises:
            CredentialError: no usable store, or it refused.
        """
        store = self._usable()
        try:
            store.set_password(service, username, secret)
        except Exception as exc:
            raise CredentialError(_describe(exc)) from None

    def load_secret(self, service: str, username: str) -> str | None:
        """A stored secret, or None (also when there is no usable store)."""
        if not self.status().usable:
            return None
        try:
            value = self._keyring().get_password(service, username)
        except Exception as exc:
            raise CredentialError(_describe(exc)) from None
        return value if isinstance(value, str) else None

    def delete_secret(self, service: str, username: str) -> bool:
        """Forgets a stored secret; returns whether there was one."""
        store = self._usable()
        try:
            from keyring.errors import PasswordDeleteError

            try:
                store.delete_password(service, username)
            except PasswordDeleteError:
                return False
        except Exception as exc:
            raise CredentialError(_describe(exc)) from None
        return True

    def _usable(self) -> Any:
        status = self.status()
        if not status.usable:
            raise CredentialError(status.reason)
        return self._keyring()


def _priority(backend: Any) -> float:
    try:
        return float(backend.priority)
    except Exception:
        return 0.0


def _describe(exc: BaseException) -> str:
    from keyring.errors import KeyringLocked

    if isinstance(exc, KeyringLocked):
        return _(
            "The password store is locked. Unlock it (it usually asks for your login "
            "password) and try again."
        )
    return _("The password store refused: {error}").format(error=str(exc) or type(exc).__name__)
