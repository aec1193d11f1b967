"""How one logs in: the ways a server wants to be signed in to, the secret of a login
(a password or an OAuth 2.0 token), and how an OAuth 2.0 sign-in went."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum

__all__ = ["Credentials", "SignIn", "SignInProblem", "SignInRecord", "fallback_usernames"]


def fallback_usernames(email: str) -> tuple[str, ...]:
    """The login names to try when no source names one: the full address, then its local
    part (many servers know the account as ``alice``, not ``alice@example.com``). The second
    is only ever tried after the server refused the first (the matrix sees to that)."""
    local, at, _domain = email.rpartition("@")
    return (email, local) if at and local else (email,)


class SignIn(StrEnum):
    """How a server wants to be signed in to, as a source (autoconfig, a provider, a settings
    file) says it. Not to be confused with the SASL mechanism a login uses (``PLAIN``,
    ``XOAUTH2``: "mechanism") or with what happened when we logged in (:class:`AuthInfo`)."""

    NONE = "none"
    PASSWORD = "password"
    CRAM_MD5 = "CRAM-MD5"
    """A password, sent as a digest."""
    OAUTH2 = "OAuth2"
    GSSAPI = "GSSAPI"
    NTLM = "NTLM"
    CLIENT_CERTIFICATE = "TLS client certificate"
    ANY = "any"


class SignInProblem(StrEnum):
    """Why signing in with OAuth 2.0 did not give a token; each has its explanation."""

    NO_CLIENT_ID = "no_client_id"
    """No client ID is known for this provider: someone must register one."""
    NO_ENDPOINTS = "no_endpoints"
    """Nothing says where to sign in (no authorization or token endpoint)."""
    NO_METADATA = "no_metadata"
    """The sign-in server named could not be asked where to sign in (its description, the
    metadata, could not be read)."""
    NO_BROWSER = "no_browser"
    DEVICE_UNSUPPORTED = "device_unsupported"
    DENIED = "denied"
    """The person (or their organisation's policy) refused the sign-in."""
    CONSENT_REQUIRED = "consent_required"
    CLIENT_DISABLED = "client_disabled"
    CLIENT_UNKNOWN = "client_unknown"
    REDIRECT_MISMATCH = "redirect_mismatch"
    SCOPE_REFUSED = "scope_refused"
    EXPIRED = "expired"
    """The sign-in (the device code, or the browser's answer) came too late."""
    REFRESH_REFUSED = "refresh_refused"
    """The stored sign-in was refused (revoked or expired): the person signs in again."""
    CODE_REFUSED = "code_refused"
    """The code of a sign-in just made (from the browser, or the device code) was refused:
    expired or already used; the person signs in again."""
    STATE_MISMATCH = "state_mismatch"
    """The answer in the browser was not for this sign-in (a forged or replayed answer)."""
    ISSUER_MISMATCH = "issuer_mismatch"
    """The answer in the browser names another sign-in server than the one asked (RFC 9207)."""
    ISSUER_MISSING = "issuer_missing"
    """The answer in the browser names no sign-in server, though the server promised to."""
    PROVIDER_ERROR = "provider_error"
    UNREACHABLE = "unreachable"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class SignInRecord:
    """How an OAuth 2.0 sign-in went, for the report and the exports; never a token.

    Attributes:
        issuer: the sign-in server's identifier, when known.
        authorization_endpoint: where the person signs in.
        token_endpoint: where tokens come from (and refresh tokens are used).
        device_endpoint: where the device flow starts, when there is one.
        client_id: the application's registration used.
        scopes: what the token was asked to cover.
        account: the signed-in account's name, when the provider said it.
        flow: ``browser``, ``device`` or ``stored`` (the keyring's refresh token).
        stored: the refresh token is in the keyring for next time.
        notes: what happened on the way, in words.
        problem: why no token was had (``None``: signed in).
        message: the failure in words, when there was one.
        code: the provider's error code (``invalid_client``, ``AADSTS700016``...), if any.
        description: the provider's own description of the error, if any.
    """

    issuer: str | None = None
    authorization_endpoint: str | None = None
    token_endpoint: str | None = None
    device_endpoint: str | None = None
    client_id: str | None = None
    scopes: tuple[str, ...] = ()
    account: str | None = None
    flow: str = "browser"
    stored: bool = False
    notes: tuple[str, ...] = ()
    problem: SignInProblem | None = None
    message: str = ""
    code: str | None = None
    description: str | None = None

    @property
    def signed_in(self) -> bool:
        """Whether a token was had."""
        return self.problem is None


@dataclass(frozen=True, slots=True)
class Credentials:
    """A login: a password, or an OAuth 2.0 access token. Neither appears in ``repr``, and
    neither ever leaves memory."""

    username: str
    password: str = field(default="", repr=False)
    token: str | None = field(default=None, repr=False)
    """The OAuth 2.0 access token, when the login signs in with one instead of a password."""

    @property
    def secret(self) -> str:
        """What must stay hidden: the token, or the password."""
        return self.token if self.token is not None else self.password

    @property
    def sign_in(self) -> SignIn:
        """How these credentials sign in."""
        return SignIn.OAUTH2 if self.token is not None else SignIn.PASSWORD
