"""Mail that signs in with OAuth 2.0, on loopback: an authorization server, a private Dovecot
that checks each token by asking it (its oauth2 passdb, RFC 7662 introspection) for IMAP,
POP3 and SMTP submission, and the SMTP server Dovecot's submission relays to."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.support.certs import CertSet
from tests.support.mailboxd import Dovecot
from tests.support.mailboxd import TokenCheck
from tests.support.mailboxd import dovecot_unavailable
from tests.support.mailboxd import start_dovecot
from tests.support.mailboxd import stop_dovecot
from tests.support.oauthd import DOVECOT_CLIENT
from tests.support.oauthd import DOVECOT_SECRET
from tests.support.oauthd import Behaviour
from tests.support.oauthd import OAuthServer
from tests.support.smtpd import SmtpServer


@dataclass
class Mail:
    """The authorization server, the relay behind Dovecot's submission, and Dovecot."""

    oauth: OAuthServer
    relay: SmtpServer
    dovecot: Dovecot


def oauth_mail(
    certs: CertSet, behaviour: Behaviour | None = None, *, tokens_only: bool = False
) -> Iterator[Mail]:
    """Starts the three (skips where Dovecot is not installed); for a fixture to yield from.
    ``tokens_only``: Dovecot offers no password login, as Outlook.com."""
    reason = dovecot_unavailable()
    if reason:
        pytest.skip(reason)
    with (
        OAuthServer(certs.good, behaviour) as oauth,
        SmtpServer(mode="plain", cert=certs.good, users={}) as relay,
    ):
        check = TokenCheck(
            f"{oauth.issuer}/introspect", DOVECOT_CLIENT, DOVECOT_SECRET, certs.ca_file
        )
        dovecot = start_dovecot(certs.good, {}, check, relay.port, tokens_only=tokens_only)
        try:
            yield Mail(oauth, relay, dovecot)
        finally:
            stop_dovecot(dovecot)
