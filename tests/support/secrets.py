"""Searching output for a password or a token in every form a leak could take."""

from __future__ import annotations

import base64
import urllib.parse


def forms_of(password: str, username: str) -> dict[str, str]:
    """The password and what could be derived from it on its way out."""
    raw = password.encode("utf-8")
    plain_blob = base64.b64encode(b"\0" + username.encode("utf-8") + b"\0" + raw).decode()
    return {
        "password": password,
        "base64": base64.b64encode(raw).decode(),
        "AUTH PLAIN": plain_blob,
        "url-encoded": urllib.parse.quote(password, safe=""),
        "url-encoded (plus)": urllib.parse.quote_plus(password),
    }


def token_forms(token: str, username: str) -> dict[str, str]:
    """An OAuth 2.0 token and its SASL forms (XOAUTH2, OAUTHBEARER), besides its plain ones."""
    user = username.encode("utf-8")
    raw = token.encode("ascii")
    xoauth2 = b"user=" + user + b"\x01auth=Bearer " + raw + b"\x01\x01"
    oauthbearer = b"n,a=" + user + b",\x01auth=Bearer " + raw + b"\x01\x01"
    return {
        **forms_of(token, username),
        "XOAUTH2": base64.b64encode(xoauth2).decode(),
        "OAUTHBEARER": base64.b64encode(oauthbearer).decode(),
    }


def leaks(text: str, password: str, username: str) -> list[str]:
    """Names of the password's forms found in ``text``."""
    return [name for name, form in forms_of(password, username).items() if form in text]
