"""SASL: the login mechanisms the probes speak, and the strings they send.

The credentials are UTF-8 (RFC 4616 for PLAIN); whoever sends a string registers it with the
transcript's redactor first.
"""

from __future__ import annotations

import base64

from smtpwizard.core.model import Credentials

__all__ = [
    "OAUTH_MECHANISMS",
    "PLAINTEXT_PREFERENCE",
    "SUPPORTED_MECHANISMS",
    "plain_message",
    "plain_response",
]

#: Login mechanisms we can use with a password, best first on an encrypted connection.
SUPPORTED_MECHANISMS = ("PLAIN", "LOGIN", "CRAM-MD5")
#: On a connection without encryption, the mechanism that does not reveal the password first.
PLAINTEXT_PREFERENCE = ("CRAM-MD5", "PLAIN", "LOGIN")
#: Mechanisms that sign in with an OAuth 2.0 token instead of a password.
OAUTH_MECHANISMS = frozenset({"XOAUTH2", "OAUTHBEARER"})


def plain_message(credentials: Credentials) -> bytes:
    """The PLAIN message (RFC 4616): no authorization identity, then the login and password."""
    user = credentials.username.encode("utf-8")
    secret = credentials.password.encode("utf-8")
    return b"\0" + user + b"\0" + secret


def plain_response(credentials: Credentials) -> str:
    """The PLAIN message as a protocol sends it: base64."""
    return base64.b64encode(plain_message(credentials)).decode("ascii")
