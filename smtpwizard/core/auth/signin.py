"""A fresh access token for an account: the stored sign-in first, the person only when needed.

The refresh token lives in the system keyring like a password, with what is needed to use
it (the token endpoint and the client ID), under the service ``smtpwizard-oauth:<address>``.
A stored sign-in that the provider no longer accepts (revoked, expired, the password
changed) is forgotten and, when the person is there, replaced by a new sign-in; the reason
stays with the result for the explanation.
"""

from __future__ import annotations

import json
import shlex
import time
import urllib.parse
import webbrowser
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from smtpwizard.core.auth.flows import DeviceCode
from smtpwizard.core.auth.flows import Http
from smtpwizard.core.auth.flows import OAuthFlows
from smtpwizard.core.auth.flows import OpenBrowser
from smtpwizard.core.auth.flows import Token
from smtpwizard.core.auth.keyring import CredentialStore
from smtpwizard.core.auth.oauth import ALL_PROTOCOLS
from smtpwizard.core.auth.oauth import OAuthSettings
from smtpwizard.core.errors import CredentialError
from smtpwizard.core.errors import FetchError
from smtpwizard.core.errors import SignInError
from smtpwizard.core.i18n import _
from smtpwizard.core.login import SignInProblem
from smtpwizard.core.login import SignInRecord
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.net.fetch import FetchSettings
from smtpwizard.core.net.fetch import fetch
from smtpwizard.core.net.resolve import Resolver

__all__ = [
    "SERVICE_PREFIX",
    "FetchHttp",
    "Flow",
    "SignInRequest",
    "SignedIn",
    "StoredSignIn",
    "TokenKeeper",
    "sign_in_service",
    "token_command",
]

SERVICE_PREFIX = "smtpwizard-oauth:"

Flow = Literal["browser", "device"]


def token_command(account: str) -> str:
    """The shell command that prints a fresh access token from an account's stored sign-in
    (for exports whose program runs a command for its secret), quoted for a POSIX shell."""
    return shlex.join(["smtpwizard", "token", account])


def sign_in_service(account: str) -> str:
    """The keyring service of an account's stored sign-in."""
    return f"{SERVICE_PREFIX}{account.strip().lower()}"


class FetchHttp:
    """:class:`~smtpwizard.core.auth.flows.Http` on the engine's HTTPS fetch."""

    def __init__(self, settings: FetchSettings, resolver: Resolver) -> None:
        self._settings = FetchSettings(
            context=settings.context,
            timeout=settings.timeout,
            https_port=settings.https_port,
            http_port=settings.http_port,
            max_bytes=settings.max_bytes,
            headers={"Accept": "application/json"},
        )
        self._resolver = resolver

    def post_form(self, url: str, fields: Mapping[str, str], cancel: CancelToken) -> bytes:
        """See :class:`~smtpwizard.core.auth.flows.Http`."""
        body = urllib.parse.urlencode(dict(fields)).encode("ascii")
        result = fetch(
            url,
            self._settings,
            resolver=self._resolver,
            cancel=cancel,
            method="POST",
            body=body,
            content_type="application/x-www-form-urlencoded",
        )
        if not result.encrypted:
            raise FetchError("tls", _("the sign-in server sent the answer unencrypted"))
        return result.body

    def get_json(self, url: str) -> Mapping[str, object]:
        """A JSON document (an issuer's metadata)."""
        with CancelToken() as cancel:
            result = fetch(url, self._settings, resolver=self._resolver, cancel=cancel)
        try:
            data = json.loads(result.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise FetchError("http", _("{url} is not JSON").format(url=url)) from None
        if not isinstance(data, dict):
            raise FetchError("http", _("{url} is not a JSON object").format(url=url))
        return data


@dataclass(frozen=True, slots=True)
class SignInRequest:
    """A sign-in to get.

    Attributes:
        account: the address the sign-in is for (the keyring entry's name).
        settings: where and how to sign in, with the client ID.
        scopes: what the token must cover.
        flow: in the browser, or with a code on another device.
        login_hint: the name the provider should offer to sign in as.
        cafile: the extra certificate authorities the sign-in server needs, kept with the
            stored sign-in so that ``smtpwizard token`` reaches the server alone.
    """

    account: str
    settings: OAuthSettings
    scopes: tuple[str, ...]
    flow: Flow = "browser"
    login_hint: str | None = None
    cafile: str | None = None

    def problem(self) -> SignInError | None:
        """Why this sign-in cannot start (no client ID, or nowhere to sign in), if so."""
        if not self.settings.client_id:
            return SignInError(
                SignInProblem.NO_CLIENT_ID, _("No client ID is known for this provider.")
            )
        if not self.settings.can_sign_in:
            return SignInError(SignInProblem.NO_ENDPOINTS, _("Nothing says where to sign in."))
        return None

    def record(
        self, signed: SignedIn | None = None, error: SignInError | None = None
    ) -> SignInRecord:
        """The sign-in in words for the report and the exports: how it went (``signed``)
        or why not (``error``)."""
        settings = self.settings
        return SignInRecord(
            issuer=settings.issuer,
            authorization_endpoint=settings.authorization_endpoint,
            token_endpoint=settings.token_endpoint,
            device_endpoint=settings.device_authorization_endpoint,
            client_id=settings.client_id,
            scopes=self.scopes,
            account=signed.token.account if signed is not None else None,
            flow=signed.flow if signed is not None else self.flow,
            stored=signed.stored if signed is not None else False,
            notes=signed.notes if signed is not None else (),
            problem=error.problem if error is not None else None,
            message=str(error) if error is not None else "",
            code=(error.code or None) if error is not None else None,
            description=(error.description or None) if error is not None else None,
        )


@dataclass(frozen=True, slots=True)
class StoredSignIn:
    """What a stored sign-in was made with (no secrets): ``smtpwizard token`` refreshes
    with it.

    Attributes:
        settings: the endpoints and the client.
        scopes: what its tokens cover.
        cafile: extra certificate authorities for the sign-in server, if it needed any.
        account: the signed-in account's name, when the provider said it.
    """

    settings: OAuthSettings
    scopes: tuple[str, ...]
    cafile: str | None = None
    account: str | None = None


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A token, and how it was had.

    Attributes:
        reused: the stored sign-in gave it (the person was not asked).
        stored: the refresh token is now in the keyring.
        notes: what happened on the way, in words (a stored sign-in refused, the device
            flow used because no browser opened, the keyring unusable).
    """

    token: Token
    reused: bool
    stored: bool
    notes: tuple[str, ...] = ()
    flow: str = "browser"
    """``stored`` (the keyring's refresh token), ``browser`` or ``device``."""


class TokenKeeper:
    """Gets access tokens, keeping refresh tokens in the keyring.

    Args:
        http: the HTTPS requests.
        store: the keyring (``None``: nothing is stored or reused).
        open_browser: opens the sign-in page (default: Python's webbrowser, which honours
            ``$BROWSER``).
        clock: wall-clock time.
    """

    def __init__(
        self,
        http: Http,
        store: CredentialStore | None = None,
        *,
        open_browser: OpenBrowser = webbrowser.open,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._http = http
        self._store = store
        self._open_browser = open_browser
        self._clock = clock

    def token(
        self,
        request: SignInRequest,
        *,
        cancel: CancelToken,
        interactive: bool = True,
        show_code: Callable[[DeviceCode], None] | None = None,
        opened: Callable[[str], None] | None = None,
    ) -> SignedIn:
        """A fresh access token for the request's account.

        Args:
            request: what to sign in to.
            cancel: stops the sign-in.
            interactive: the person is there to sign in when nothing stored works.
            show_code: shows the device flow's code (required for that flow).
            opened: told the sign-in page's address once a browser shows it.

        Raises:
            SignInError: no token could be had; ``problem`` says why.
        """
        notes: list[str] = []
        flows = OAuthFlows(request.settings, self._http, clock=self._clock)
        stored = self._load(request.account)
        if stored is not None and _same_client(stored, request.settings):
            refresh_token = stored.get("refresh_token")
            if isinstance(refresh_token, str) and refresh_token:
                try:
                    token = self._refresh(flows, request, refresh_token, cancel)
                except SignInError as exc:
                    if exc.problem is not SignInProblem.REFRESH_REFUSED:
                        raise
                    notes.append(
                        _(
                            "The stored sign-in was refused by the provider ({reason}), so "
                            "you sign in again."
                        ).format(reason=exc.description or exc.code)
                    )
                    if not interactive:
                        raise
                else:
                    saved = self._save(request, token, notes)
                    return SignedIn(token, True, saved, tuple(notes), "stored")
        elif not interactive:
            raise SignInError(
                SignInProblem.REFRESH_REFUSED,
                _("There is no stored sign-in for {account}.").format(account=request.account),
            )
        flows.check_client(cancel)
        token, flow = self._interactive(flows, request, cancel, notes, show_code, opened)
        saved = self._save(request, token, notes)
        return SignedIn(token, False, saved, tuple(notes), flow)

    def _refresh(
        self, flows: OAuthFlows, request: SignInRequest, refresh_token: str, cancel: CancelToken
    ) -> Token:
        """A token from the stored refresh token. A refused one is forgotten only while it
        is still the one stored: another run (``smtpwizard token`` twice at once, at a
        provider that rotates refresh tokens) may have replaced it meanwhile with a good
        one, which is then tried once instead.

        Raises:
            SignInError: ``REFRESH_REFUSED`` when the stored sign-in is no longer accepted.
        """
        try:
            return flows.refresh(refresh_token, request.scopes, cancel)
        except SignInError as exc:
            if exc.problem is not SignInProblem.REFRESH_REFUSED:
                raise
            newer = self._stored_token(request)
            if newer == refresh_token:
                self._forget(request.account)
            if newer is None or newer == refresh_token:
                raise
        try:
            return flows.refresh(newer, request.scopes, cancel)
        except SignInError as exc:
            refused = exc.problem is SignInProblem.REFRESH_REFUSED
            if refused and self._stored_token(request) == newer:
                self._forget(request.account)
            raise

    def _stored_token(self, request: SignInRequest) -> str | None:
        """The refresh token stored for the request's account and client, now."""
        stored = self._load(request.account)
        if stored is None or not _same_client(stored, request.settings):
            return None
        return _text(stored.get("refresh_token"))

    def _interactive(
        self,
        flows: OAuthFlows,
        request: SignInRequest,
        cancel: CancelToken,
        notes: list[str],
        show_code: Callable[[DeviceCode], None] | None,
        opened: Callable[[str], None] | None,
    ) -> tuple[Token, str]:
        if request.flow == "browser":
            try:
                token = flows.browser(
                    request.scopes,
                    cancel=cancel,
                    login_hint=request.login_hint,
                    open_browser=self._open_browser,
                    opened=opened,
                )
                return token, "browser"
            except SignInError as exc:
                if exc.problem is not SignInProblem.NO_BROWSER or show_code is None:
                    raise
                if not request.settings.device_authorization_endpoint:
                    raise
                notes.append(_("No browser could be opened, so you sign in with a code."))
        if show_code is None:
            raise SignInError(
                SignInProblem.DEVICE_UNSUPPORTED,
                _("Nothing here can show the sign-in code."),
            )
        return flows.device(request.scopes, cancel=cancel, show=show_code), "device"

    def fresh(self, request: SignInRequest, signed: SignedIn, cancel: CancelToken) -> SignedIn:
        """``signed`` while its access token is still good, else a new one from the stored
        sign-in without asking the person (a sign-in some time ago, before a test).

        Raises:
            SignInError: the token ran out and nothing stored renews it.
        """
        if signed.token.fresh(self._clock()):
            return signed
        renewed = self.token(request, cancel=cancel, interactive=False)
        return SignedIn(renewed.token, signed.reused, renewed.stored, signed.notes, signed.flow)

    def forget(self, account: str) -> bool:
        """Forgets an account's stored sign-in; returns whether there was one."""
        return self._forget(account)

    def stored(self, account: str) -> StoredSignIn | None:
        """What the stored sign-in of an account was made with (no secrets), if there is
        one."""
        stored = self._load(account)
        if stored is None or not _text(stored.get("refresh_token")):
            return None
        listed = stored.get("scopes")
        scopes = tuple(s for s in listed if isinstance(s, str)) if isinstance(listed, list) else ()
        settings = OAuthSettings(
            issuer=_text(stored.get("issuer")),
            authorization_endpoint=_text(stored.get("authorization_endpoint")),
            token_endpoint=_text(stored.get("token_endpoint")),
            device_authorization_endpoint=_text(stored.get("device_endpoint")),
            scopes={ALL_PROTOCOLS: scopes},
            client_id=_text(stored.get("client_id")),
            client_secret=_text(stored.get("client_secret")),
            sources=(_("your stored sign-in"),),
        )
        return StoredSignIn(
            settings, scopes, _text(stored.get("cafile")), _text(stored.get("account"))
        )

    def unreadable(self, account: str) -> str | None:
        """Why an account's stored sign-in cannot be read on this computer (no usable
        password store, or it refused), or ``None`` when it can be (whether or not there
        is one)."""
        if self._store is None:
            return _("smtpwizard keeps no sign-ins here.")
        status = self._store.status()
        if not status.usable:
            return _(
                "No stored sign-in can be read: this computer has no password store "
                "smtpwizard can use ({store})."
            ).format(store=status.name)
        try:
            self._store.load_secret(sign_in_service(account), account.strip().lower())
        except CredentialError as exc:
            return str(exc)
        return None

    # -- the keyring ----------------------------------------------------------------------

    def _load(self, account: str) -> dict[str, object] | None:
        if self._store is None:
            return None
        try:
            text = self._store.load_secret(sign_in_service(account), account.strip().lower())
        except CredentialError:
            return None
        if not text:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def _save(self, request: SignInRequest, token: Token, notes: list[str]) -> bool:
        if self._store is None or not token.refresh_token:
            return False
        settings = request.settings
        record = {
            "refresh_token": token.refresh_token,
            "issuer": settings.issuer,
            "authorization_endpoint": settings.authorization_endpoint,
            "token_endpoint": settings.token_endpoint,
            "device_endpoint": settings.device_authorization_endpoint,
            "client_id": settings.client_id,
            "client_secret": settings.client_secret,
            "scopes": list(request.scopes),
            "account": token.account,
            "cafile": request.cafile,
        }
        try:
            self._store.save_secret(
                sign_in_service(request.account),
                request.account.strip().lower(),
                json.dumps(record),
            )
        except CredentialError as exc:
            notes.append(
                _("The sign-in could not be kept for next time: {reason}").format(reason=exc)
            )
            return False
        return True

    def _forget(self, account: str) -> bool:
        if self._store is None:
            return False
        try:
            return self._store.delete_secret(sign_in_service(account), account.strip().lower())
        except CredentialError:
            return False


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _same_client(stored: Mapping[str, object], settings: OAuthSettings) -> bool:
    """Whether a stored sign-in was made with the same client at the same token endpoint
    (a refresh token only works there)."""
    return stored.get("client_id") == settings.client_id and (
        not settings.token_endpoint or stored.get("token_endpoint") == settings.token_endpoint
    )
