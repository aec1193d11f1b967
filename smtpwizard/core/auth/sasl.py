"""SASL: the login mechanisms the probes speak, and the strings they send.

Credentials travel as UTF-8 (RFC 4616 for PLAIN). Whoever sends a string registers it with
the transcript's redactor first: the password or token itself, and the blob built from it.

OAuth 2.0 tokens sign in with ``OAUTHBEARER`` (RFC 7628) or ``XOAUTH2`` (Google's and
Microsoft's older form). A server that refuses a token first sends a challenge, base64 JSON
such as ``{"status":"401","schemes":"bearer"}``; the client answers it (``\\x01`` for
OAUTHBEARER, nothing for XOAUTH2) and then gets the final refusal.
"""

from __future__ import annotations

import base64
import binascii
import json

from smtpwizard.core.login import Credentials

__all__ = [
    "OAUTH_MECHANISMS",
    "PLAINTEXT_PREFERENCE",
    "SUPPORTED_MECHANISMS",
    "TOKEN_MECHANISMS",
    "TokenChallenge",
    "challenge_answer",
    "oauthbearer_message",
    "plain_message",
    "plain_response",
    "read_token_challenge",
    "token_message",
    "xoauth2_message",
]

#: Login mechanisms we can use with a password, best first on an encrypted connection.
SUPPORTED_MECHANISMS = ("PLAIN", "LOGIN", "CRAM-MD5")
#: On a connection without encryption, the mechanism that does not reveal the password first.
PLAINTEXT_PREFERENCE = ("CRAM-MD5", "PLAIN", "LOGIN")
#: Mechanisms that sign in with an OAuth 2.0 token, the standard one first.
TOKEN_MECHANISMS = ("OAUTHBEARER", "XOAUTH2")
OAUTH_MECHANISMS = frozenset(TOKEN_MECHANISMS)


def plain_message(credentials: Credentials) -> bytes:
    """The PLAIN message (RFC 4616): no authorization identity, then the login and password."""
    user = credentials.username.encode("utf-8")
    secret = credentials.password.encode("utf-8")
    return b"\0" + user + b"\0" + secret


def plain_response(credentials: Credentials) -> str:
    """The PLAIN message as a protocol sends it: base64."""
    return base64.b64encode(plain_message(credentials)).decode("ascii")


def xoauth2_message(username: str, token: str) -> bytes:
    """The XOAUTH2 initial response (before base64)."""
    return f"user={username}\x01auth=Bearer {token}\x01\x01".encode()


def _saslname(name: str) -> str:
    """A name in a GS2 header (RFC 5801 §4): ``,`` and ``=`` escaped."""
    return name.replace("=", "=3D").replace(",", "=2C")


def oauthbearer_message(username: str, token: str, host: str, port: int) -> bytes:
    """The OAUTHBEARER initial response (RFC 7628 §3.1), before base64."""
    host = host.strip("[]")
    return (
        f"n,a={_saslname(username)},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01"
    ).encode()


def token_message(mechanism: str, credentials: Credentials, host: str, port: int) -> bytes:
    """The initial response of a token mechanism.

    Raises:
        ValueError: the mechanism is not a token mechanism, or the credentials hold no token.
    """
    if credentials.token is None:
        raise ValueError("no token to sign in with")
    if mechanism == "XOAUTH2":
        return xoauth2_message(credentials.username, credentials.token)
    if mechanism == "OAUTHBEARER":
        return oauthbearer_message(credentials.username, credentials.token, host, port)
    raise ValueError(f"not a token mechanism: {mechanism}")


def challenge_answer(mechanism: str) -> bytes:
    """What a client sends back to a token refusal's challenge to end the exchange."""
    return b"\x01" if mechanism == "OAUTHBEARER" else b""


class TokenChallenge(dict[str, str]):
    """The JSON of a token refusal's challenge (``status``, ``schemes``, ``scope``…)."""

    @property
    def status(self) -> str:
        """``400`` (a bad request), ``401`` (the token is not accepted), ``403`` (it does not
        cover mail), or what the server said."""
        return self.get("status", "")


def read_token_challenge(text: str) -> TokenChallenge | None:
    """The challenge of a refused token (base64 JSON), or ``None`` when it is not one."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        data = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    return TokenChallenge({str(k): str(v) for k, v in data.items() if not isinstance(v, dict)})
