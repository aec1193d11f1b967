"""TLS contexts: verifying ones for every conversation and fetch, and the one exception.

Certificates are always verified against the system's trust plus, optionally, one extra CA
file (a company's or a self-hosted server's own authority). The unverified context exists
only to read a certificate that verification already rejected, so that the diagnosis can
say what is wrong with it; nothing is ever sent over it but the handshake.
"""

from __future__ import annotations

import os
import re
import ssl
import sys

from smtpwizard.core.errors import TrustFileError
from smtpwizard.core.i18n import _

__all__ = [
    "TrustFileError",
    "is_system_trust_folder",
    "make_tls_context",
    "server_name",
    "system_trust_folder",
    "trust_context",
    "unverified_context",
]


#: A certificate in OpenSSL's hashed folder: subject hash, dot, number (``c_rehash``).
_HASHED = re.compile(r"[0-9a-f]{8}\.[0-9]+")


def system_trust_folder() -> str | None:
    """The system's folder of trusted certificates by subject hash, when it has one and
    nothing (``SSL_CERT_FILE``, ``SSL_CERT_DIR``, Windows' own store) says otherwise.

    OpenSSL reads such a folder certificate by certificate as a handshake needs one, where
    the system's bundle file is read whole first: about 20 ms at every start, for 150
    authorities of which a conversation needs one. Debian, Ubuntu and Alpine keep the
    folder and the bundle the same; where there is no such folder (Fedora, macOS), the
    bundle is read as before.
    """
    paths = ssl.get_default_verify_paths()
    if sys.platform == "win32" or any(
        os.environ.get(name) for name in (paths.openssl_cafile_env, paths.openssl_capath_env)
    ):
        return None
    folder = paths.capath
    if not folder:
        return None
    try:
        with os.scandir(folder) as entries:
            if any(_HASHED.fullmatch(entry.name) for entry in entries):
                return folder
    except OSError:
        pass
    return None


def is_system_trust_folder(path: str) -> bool:
    """Whether ``path`` is the folder of the system's own authorities (``/etc/ssl/certs``
    on Debian), which settings name to mean "the system's trust"."""
    paths = ssl.get_default_verify_paths()
    folders = {os.path.realpath(p) for p in (paths.capath, paths.openssl_capath) if p}
    return os.path.isdir(path) and os.path.realpath(path) in folders


def make_tls_context(cafile: str | None = None) -> ssl.SSLContext:
    """A verifying client context: system trust, host name check, TLS 1.2 or newer.

    Raises:
        OSError, ssl.SSLError: the CA file cannot be read or holds no certificate.
    """
    folder = system_trust_folder()
    context = ssl.create_default_context(capath=folder) if folder else ssl.create_default_context()
    if cafile:
        context.load_verify_locations(cafile=cafile)
    return context


def trust_context(cafile: str | None) -> ssl.SSLContext:
    """:func:`make_tls_context` for a CA file a person named, checked first.

    Raises:
        TrustFileError: the file is missing, a folder, unreadable or holds no certificate;
            the message says which, in words.
    """
    if cafile is None:
        return make_tls_context()
    if os.path.isdir(cafile):
        raise TrustFileError(_("The CA file {path} is a folder, not a file.").format(path=cafile))
    if not os.path.exists(cafile):  # a pipe (``--cafile <(...)``) is read like a file
        raise TrustFileError(_("The CA file {path} does not exist.").format(path=cafile))
    try:
        return make_tls_context(cafile)
    except PermissionError:
        raise TrustFileError(
            _("You may not read the CA file {path}.").format(path=cafile)
        ) from None
    except (OSError, ssl.SSLError):
        raise TrustFileError(
            _("The CA file {path} cannot be read as certificates (PEM).").format(path=cafile)
        ) from None


def unverified_context() -> ssl.SSLContext:
    """A context that accepts any certificate: only to read one we already rejected."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # no trust to load: nothing is checked
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def server_name(host: str) -> str | None:
    """The TLS server name for ``host``: the name itself, bracket-free for IP literals."""
    return host.strip("[]").rstrip(".") or None
