"""Thunderbird's words for encryption and sign-in, written once.

Its clientConfig documents (autoconfig, the ISPDB, our exports) say ``socketType`` and
``authentication`` in words; its prefs (``prefs.js``, ``user.js``) say ``try_ssl`` and
``authMethod`` in numbers. Discovery and the importers read these; the exporters write them.
"""

from __future__ import annotations

from types import MappingProxyType

from smtpwizard.core.login import SignIn
from smtpwizard.core.model import Security

__all__ = [
    "AUTHENTICATION",
    "AUTHENTICATION_WORD",
    "AUTH_METHOD",
    "AUTH_METHOD_WORD",
    "SOCKET_TYPE",
    "SOCKET_TYPE_WORD",
    "TRY_SSL",
    "TRY_SSL_NUMBER",
]

#: ``socketType`` in a clientConfig document, as Thunderbird reads it (case matters to it).
SOCKET_TYPE = MappingProxyType(
    {"SSL": Security.TLS, "STARTTLS": Security.STARTTLS, "plain": Security.NONE}
)
#: ... and as we write it.
SOCKET_TYPE_WORD = MappingProxyType({security: word for word, security in SOCKET_TYPE.items()})

#: ``<authentication>`` words of a clientConfig document.
AUTHENTICATION = MappingProxyType(
    {
        "none": SignIn.NONE,
        "client-IP-address": SignIn.NONE,
        "smtp-after-pop": SignIn.NONE,
        "password-cleartext": SignIn.PASSWORD,
        "plain": SignIn.PASSWORD,
        "password-encrypted": SignIn.CRAM_MD5,
        "secure": SignIn.CRAM_MD5,
        "GSSAPI": SignIn.GSSAPI,
        "NTLM": SignIn.NTLM,
        "OAuth2": SignIn.OAUTH2,
        "TLS-client-cert": SignIn.CLIENT_CERTIFICATE,
    }
)

#: ... and as we write it.
AUTHENTICATION_WORD = MappingProxyType(
    {
        SignIn.NONE: "none",
        SignIn.PASSWORD: "password-cleartext",
        SignIn.CRAM_MD5: "password-encrypted",
        SignIn.OAUTH2: "OAuth2",
    }
)

#: ``try_ssl`` in prefs (nsMsgSocketType): 1 is the old "STARTTLS if the server offers it".
TRY_SSL = MappingProxyType(
    {0: Security.NONE, 1: Security.STARTTLS, 2: Security.STARTTLS, 3: Security.TLS}
)
#: ... and as we write it: 0 plain, 2 always STARTTLS, 3 SSL/TLS.
TRY_SSL_NUMBER = MappingProxyType({Security.NONE: 0, Security.STARTTLS: 2, Security.TLS: 3})

#: ``authMethod`` in prefs (nsMsgAuthMethod).
AUTH_METHOD = MappingProxyType(
    {
        1: SignIn.NONE,
        2: SignIn.PASSWORD,
        3: SignIn.PASSWORD,
        4: SignIn.CRAM_MD5,
        5: SignIn.GSSAPI,
        6: SignIn.NTLM,
        7: SignIn.CLIENT_CERTIFICATE,
        8: SignIn.CRAM_MD5,
        9: SignIn.ANY,
        10: SignIn.OAUTH2,
    }
)
#: ... and as we write it: 1 none, 3 normal password, 4 encrypted password, 10 OAuth2.
AUTH_METHOD_WORD = MappingProxyType(
    {SignIn.NONE: 1, SignIn.PASSWORD: 3, SignIn.CRAM_MD5: 4, SignIn.OAUTH2: 10}
)
