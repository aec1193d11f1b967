"""Signing in with OAuth 2.0 as a native app does (RFC 8252), and keeping the token fresh.

- In the system browser: the authorization code grant with PKCE (S256, RFC 7636) and a
  redirect to a listener on 127.0.0.1 at a free port; ``state`` is checked, and ``iss``
  when the server sends it or promises to (RFC 9207).
- Without a browser: the device authorization grant (RFC 8628): the person types a short
  code on another device; we poll at the interval the server asks, slower on ``slow_down``.
- Later: the refresh token gives a new access token without asking the person again.

oauthlib builds the requests and reads the answers; the requests travel over the engine's
own HTTPS fetch (verified certificates, bounded, cancellable). Every wait is bounded and ends
at once when the cancel token is cancelled.
"""

from __future__ import annotations

import base64
import hmac
import http.server
import json
import secrets
import socketserver
import threading
import time
import urllib.parse
import webbrowser
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any
from typing import Literal
from typing import Protocol

from smtpwizard.core.auth.oauth import OAuthSettings
from smtpwizard.core.auth.oauth import parse_json
from smtpwizard.core.errors import FetchError
from smtpwizard.core.errors import SignInError
from smtpwizard.core.i18n import _
from smtpwizard.core.login import SignInProblem
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.net.transcript import readable

if TYPE_CHECKING:
    from oauthlib.oauth2 import DeviceClient
    from oauthlib.oauth2 import WebApplicationClient

__all__ = [
    "BROWSER_TIMEOUT",
    "DEVICE_TIMEOUT",
    "DeviceCode",
    "Http",
    "OAuthFlows",
    "Token",
    "problem_for",
]

#: How long the person may take to sign in in the browser.
BROWSER_TIMEOUT = 300.0
#: How long a code typed on another device is waited for at most: the device flow means
#: fetching a phone or another computer (codes are valid 15 minutes at Microsoft, 30 at Google).
DEVICE_TIMEOUT = 900.0
#: The device flow's polling interval when the server names none (RFC 8628 §3.2).
DEFAULT_INTERVAL = 5.0
#: A token this close to its end is refreshed before use.
EXPIRY_MARGIN = 60.0


@dataclass(frozen=True, slots=True)
class Token:
    """What a sign-in gives. The tokens never appear in ``repr``.

    Attributes:
        access_token: what the mail server takes (XOAUTH2, OAUTHBEARER).
        refresh_token: what gets the next access token without the person, if given.
        expires_at: when the access token ends (seconds since the epoch), when known.
        scopes: what the token covers, as the server said.
        account: the signed-in account's name from the ID token, when there is one (not
            verified: it only serves to compare with the login name).
    """

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: float | None = None
    scopes: tuple[str, ...] = ()
    account: str | None = None

    def fresh(self, now: float) -> bool:
        """Whether the access token is still good for a while."""
        return self.expires_at is None or now < self.expires_at - EXPIRY_MARGIN


@dataclass(frozen=True, slots=True)
class DeviceCode:
    """What the person needs for the device flow: where to go, and the code to type there."""

    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: float


class Http(Protocol):
    """The HTTPS requests a sign-in makes."""

    def post_form(self, url: str, fields: Mapping[str, str], cancel: CancelToken) -> bytes:
        """POSTs a form and returns the body of a success.

        Raises:
            FetchError: the request failed; an error answer's body is in ``body``.
        """
        ...


#: Opens the browser at a URL; returns whether a browser could be opened.
OpenBrowser = Callable[[str], bool]

#: What a token request presents: a refresh token (the stored sign-in), a code from the
#: browser, a device code, or anything else (the client check, the device code request).
Grant = Literal["refresh", "code", "device", "other"]


#: Provider error codes (OAuth 2.0 and Microsoft Entra's AADSTS numbers) by their cause.
_AADSTS = {
    "AADSTS65001": SignInProblem.CONSENT_REQUIRED,
    "AADSTS65004": SignInProblem.DENIED,
    "AADSTS7000112": SignInProblem.CLIENT_DISABLED,
    "AADSTS700016": SignInProblem.CLIENT_UNKNOWN,
    "AADSTS50011": SignInProblem.REDIRECT_MISMATCH,
    "AADSTS70011": SignInProblem.SCOPE_REFUSED,
    "AADSTS50076": SignInProblem.DENIED,
    "AADSTS53003": SignInProblem.DENIED,
    "AADSTS70000": SignInProblem.REFRESH_REFUSED,
    "AADSTS700082": SignInProblem.REFRESH_REFUSED,
    "AADSTS50173": SignInProblem.REFRESH_REFUSED,
}
_CODES = {
    "access_denied": SignInProblem.DENIED,
    "consent_required": SignInProblem.CONSENT_REQUIRED,
    "interaction_required": SignInProblem.CONSENT_REQUIRED,
    "invalid_client": SignInProblem.CLIENT_UNKNOWN,
    "unauthorized_client": SignInProblem.CLIENT_UNKNOWN,
    "invalid_scope": SignInProblem.SCOPE_REFUSED,
    "redirect_uri_mismatch": SignInProblem.REDIRECT_MISMATCH,
    "invalid_grant": SignInProblem.REFRESH_REFUSED,
    "expired_token": SignInProblem.EXPIRED,
    "server_error": SignInProblem.PROVIDER_ERROR,
    "temporarily_unavailable": SignInProblem.PROVIDER_ERROR,
}


def problem_for(code: str, description: str) -> SignInProblem:
    """The cause behind a provider's error code and words."""
    for prefix, problem in _AADSTS.items():
        if description.startswith(prefix) or f"{prefix}:" in description:
            return problem
    return _CODES.get(code, SignInProblem.PROVIDER_ERROR)


def _failure(code: str, description: str, during: str, grant: Grant = "other") -> SignInError:
    # The server's words reach a terminal or a page: no control characters that steer it.
    code, description = readable(code), readable(description)
    problem = problem_for(code, description)
    if problem is SignInProblem.REFRESH_REFUSED and grant != "refresh":
        # invalid_grant names whatever was presented: only a refresh token is a stored sign-in.
        problem = SignInProblem.CODE_REFUSED
    words = description or code
    return SignInError(
        problem,
        _("The sign-in server refused {during}: {words}").format(during=during, words=words),
        code,
        description,
    )


def _account(id_token: object) -> str | None:
    """The account named in an ID token (its signature is not checked: a hint only)."""
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        return None
    payload = id_token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(claims, dict):
        return None
    for key in ("preferred_username", "email", "upn"):
        value = claims.get(key)
        if isinstance(value, str) and value:
            return value
    return None


class _Redirect(http.server.BaseHTTPRequestHandler):
    """Takes the browser's redirect on 127.0.0.1 and says, in the page, what happens next."""

    server: _Listener

    def do_GET(self) -> None:
        query = urllib.parse.urlsplit(self.path).query
        params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        if not ({"code", "error"} & params.keys()):
            self.send_response(404)
            self.end_headers()
            return
        self.server.answer(params)
        ok = "code" in params
        text = (
            _("You are signed in. You can close this tab and go back to smtpwizard.")
            if ok
            else _("The sign-in did not complete. Go back to smtpwizard to see why.")
        )
        page = (
            "<!doctype html><meta charset=utf-8><title>smtpwizard</title>"
            f"<p style='font:1.2em sans-serif;margin:3em'>{text}</p>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, format: str, *args: Any) -> None:
        """Nothing is logged: the request carries the authorization code."""


class _Listener(http.server.HTTPServer):
    """The loopback listener for one sign-in (127.0.0.1, a free port)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Redirect)
        self.params: dict[str, str] | None = None
        self.arrived = threading.Event()

    def answer(self, params: dict[str, str]) -> None:
        if self.params is None:
            self.params = params
            self.arrived.set()

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def server_bind(self) -> None:
        # As HTTPServer does, without looking up this machine's name in the DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = self.server_address[1]


class OAuthFlows:
    """The OAuth 2.0 exchanges with one provider.

    Args:
        settings: where to sign in, and the client ID (required).
        http: the HTTPS requests.
        clock: wall-clock time (token expiry).
    """

    def __init__(
        self,
        settings: OAuthSettings,
        http: Http,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not settings.client_id:
            raise SignInError(
                SignInProblem.NO_CLIENT_ID, _("No client ID is known for this provider.")
            )
        self.settings = settings
        self._client_id = settings.client_id
        self._http = http
        self._clock = clock

    # -- the token endpoint ---------------------------------------------------------------

    def _post(
        self,
        endpoint: str,
        fields: Mapping[str, str],
        cancel: CancelToken,
        during: str,
        grant: Grant = "other",
    ) -> bytes:
        """Posts a form to the sign-in server; its OAuth 2.0 error answer (or no answer)
        becomes a :class:`SignInError` saying what failed ``during``."""
        try:
            return self._http.post_form(endpoint, fields, cancel)
        except FetchError as exc:
            error = parse_json(exc.body)
            code = error.get("error")
            if isinstance(code, str) and code:
                description = error.get("error_description")
                raise _failure(
                    code, description if isinstance(description, str) else "", during, grant
                ) from None
            raise _no_answer(exc) from None

    def _token_request(
        self, client: Any, body: str, cancel: CancelToken, during: str, grant: Grant
    ) -> Token:
        endpoint = self.settings.token_endpoint
        if not endpoint:
            raise SignInError(SignInProblem.NO_ENDPOINTS, _("Nothing says where to get a token."))
        fields = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
        if self.settings.client_secret:
            fields["client_secret"] = self.settings.client_secret
        answer = self._post(endpoint, fields, cancel, during, grant)
        from oauthlib.oauth2 import OAuth2Error

        try:
            data = client.parse_request_body_response(token_answer(answer))
        except OAuth2Error as exc:
            raise _failure(exc.error, exc.description or "", during, grant) from None
        except (ValueError, Warning) as exc:
            raise SignInError(
                SignInProblem.PROVIDER_ERROR,
                _("The sign-in server's answer is not a token ({error}).").format(error=exc),
            ) from None
        expires_in = data.get("expires_in")
        scope = data.get("scope")
        return Token(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token"),
            expires_at=self._clock() + float(expires_in)
            if isinstance(expires_in, int | float | str) and str(expires_in).isdigit()
            else None,
            scopes=tuple(scope) if isinstance(scope, list) else tuple(str(scope or "").split()),
            account=_account(data.get("id_token")),
        )

    def check_client(self, cancel: CancelToken) -> None:
        """Asks the token endpoint whether it knows the client ID, before a person is sent to
        sign in: an unknown or disabled client would otherwise end on an error page in the
        browser that smtpwizard never sees. The question is a code that cannot be valid; the
        answer says ``invalid_client`` (RFC 6749 §5.2) when the client itself is wrong, and
        anything else is left to the sign-in.

        Raises:
            SignInError: the client is unknown or disabled, or the server cannot be reached.
        """
        client = _web_client(self._client_id)
        body = client.prepare_request_body(
            code="smtpwizard-client-check",
            redirect_uri="http://127.0.0.1/",
            code_verifier=client.create_code_verifier(64),
            include_client_id=True,
        )
        try:
            self._token_request(client, body, cancel, _("the application (client ID)"), "other")
        except SignInError as exc:
            if exc.problem in (
                SignInProblem.CLIENT_UNKNOWN,
                SignInProblem.CLIENT_DISABLED,
                SignInProblem.UNREACHABLE,
            ):
                raise

    # -- in the browser -------------------------------------------------------------------

    def browser(
        self,
        scopes: Sequence[str],
        *,
        cancel: CancelToken,
        login_hint: str | None = None,
        open_browser: OpenBrowser = webbrowser.open,
        timeout: float = BROWSER_TIMEOUT,
        opened: Callable[[str], None] | None = None,
    ) -> Token:
        """Signs in through the system browser.

        Args:
            scopes: what to ask for.
            cancel: stops waiting for the person.
            login_hint: the address, so the provider offers the right account.
            open_browser: opens a URL (default: Python's webbrowser, which honours
                ``$BROWSER``).
            timeout: how long the person may take, from the moment the browser is asked.
            opened: told the URL as the browser is asked to open it (for a face to show
                it, also for when no window opens).

        Raises:
            SignInError: no browser, a refusal, a forged answer, or no answer in time.
        """
        endpoint = self.settings.authorization_endpoint
        if not endpoint:
            raise SignInError(SignInProblem.NO_ENDPOINTS, _("Nothing says where to sign in."))
        client = _web_client(self._client_id)
        verifier = client.create_code_verifier(64)
        challenge = client.create_code_challenge(verifier, "S256")
        state = secrets.token_urlsafe(32)
        listener = _Listener()
        thread = threading.Thread(
            target=listener.serve_forever, args=(0.05,), name="sign-in redirect", daemon=True
        )
        thread.start()
        try:
            extra = {"login_hint": login_hint} if login_hint else {}
            url = client.prepare_request_uri(
                endpoint,
                redirect_uri=listener.redirect_uri,
                scope=list(scopes),
                state=state,
                code_challenge=challenge,
                code_challenge_method="S256",
                **extra,
            )
            deadline = time.monotonic() + timeout
            if opened is not None:
                opened(url)
            # A browser command may run until its window closes (a terminal browser, some
            # $BROWSER scripts): it is started aside, and the answer is waited for meanwhile.
            launched: list[bool] = []
            threading.Thread(
                target=lambda: launched.append(bool(open_browser(url))),
                name="sign-in browser",
                daemon=True,
            ).start()
            while not listener.arrived.wait(0.05):
                if launched and not launched[0]:
                    raise SignInError(
                        SignInProblem.NO_BROWSER, _("No web browser could be opened here.")
                    )
                if cancel.cancelled:
                    raise SignInError(SignInProblem.CANCELLED, _("The sign-in was stopped."))
                if time.monotonic() > deadline:
                    raise SignInError(
                        SignInProblem.EXPIRED,
                        _("Nobody signed in within {minutes:g} minutes.").format(
                            minutes=timeout / 60
                        ),
                    )
            params = listener.params or {}
        finally:
            listener.shutdown()
            listener.server_close()
            thread.join(2)
        self._check_answer(params, state)
        if "error" in params:
            raise _failure(params["error"], params.get("error_description", ""), _("the sign-in"))
        body = client.prepare_request_body(
            code=params.get("code", ""),
            redirect_uri=listener.redirect_uri,
            code_verifier=verifier,
            include_client_id=True,
        )
        return self._token_request(client, body, cancel, _("the sign-in code"), "code")

    def _check_answer(self, params: Mapping[str, str], state: str) -> None:
        """Refuses an answer that is not for this sign-in (``state``) or not from this
        server (``iss``, RFC 9207)."""
        if not hmac.compare_digest(params.get("state", ""), state):
            raise SignInError(
                SignInProblem.STATE_MISMATCH,
                _("The browser brought back an answer that is not for this sign-in."),
            )
        issuer = params.get("iss")
        expected = self.settings.issuer
        if issuer is None and self.settings.iss_in_response:
            said = _(
                "the sign-in server promised to name itself in its answer (iss), and the "
                "answer names no sign-in server"
            )
            raise SignInError(
                SignInProblem.ISSUER_MISSING,
                _("The answer does not say which sign-in server sent it."),
                description=said,
            )
        if issuer is not None and expected and issuer.rstrip("/") != expected.rstrip("/"):
            said = _("expected {expected}, received {issuer}").format(
                expected=expected, issuer=readable(issuer)
            )
            raise SignInError(
                SignInProblem.ISSUER_MISMATCH,
                _("The answer came from another sign-in server ({said}).").format(said=said),
                description=said,
            )

    # -- on another device ----------------------------------------------------------------

    def device(
        self,
        scopes: Sequence[str],
        *,
        cancel: CancelToken,
        show: Callable[[DeviceCode], None],
        timeout: float = DEVICE_TIMEOUT,
    ) -> Token:
        """Signs in with a code the person types on another device (RFC 8628).

        Raises:
            SignInError: the provider has no device flow, refused, or nobody entered the code
                in time.
        """
        endpoint = self.settings.device_authorization_endpoint
        if not endpoint or not self.settings.device_flow:
            raise SignInError(
                SignInProblem.DEVICE_UNSUPPORTED,
                _("This provider does not let mail programs sign in with a code."),
            )
        fields = {"client_id": self._client_id, "scope": " ".join(scopes)}
        answer = parse_json(self._post(endpoint, fields, cancel, _("the code")))
        device_code = answer.get("device_code")
        user_code = answer.get("user_code")
        # Google names it verification_url; RFC 8628 verification_uri.
        uri = answer.get("verification_uri") or answer.get("verification_url")
        if not (isinstance(device_code, str) and isinstance(user_code, str)):
            raise SignInError(
                SignInProblem.PROVIDER_ERROR,
                _("The sign-in server gave no code to type."),
            )
        if not isinstance(uri, str):
            raise SignInError(
                SignInProblem.PROVIDER_ERROR,
                _("The sign-in server did not say where to type the code."),
            )
        complete = answer.get("verification_uri_complete")
        # The code is shown with the time it is really waited for: its validity, or less.
        expires_in = min(_seconds(answer.get("expires_in"), timeout), timeout)
        interval = _seconds(answer.get("interval"), DEFAULT_INTERVAL)
        show(
            DeviceCode(user_code, uri, complete if isinstance(complete, str) else None, expires_in)
        )
        client = _device_client(self._client_id)
        deadline = time.monotonic() + expires_in
        while True:
            if cancel.sleep(interval):
                raise SignInError(SignInProblem.CANCELLED, _("The sign-in was stopped."))
            if time.monotonic() > deadline:
                raise SignInError(SignInProblem.EXPIRED, _("Nobody entered the code in time."))
            body = client.prepare_request_body(device_code, include_client_id=True)
            try:
                return self._token_request(client, body, cancel, _("the code"), "device")
            except SignInError as exc:
                if exc.code == "authorization_pending":
                    continue
                if exc.code == "slow_down":
                    interval += 5  # RFC 8628 §3.5
                    continue
                raise

    # -- later ----------------------------------------------------------------------------

    def refresh(self, refresh_token: str, scopes: Sequence[str], cancel: CancelToken) -> Token:
        """A new access token from a refresh token; the refresh token is kept when the
        server does not rotate it.

        Raises:
            SignInError: ``REFRESH_REFUSED`` when the stored sign-in is no longer accepted.
        """
        client = _web_client(self._client_id)
        body = client.prepare_refresh_body(
            refresh_token=refresh_token, scope=list(scopes), client_id=self._client_id
        )
        token = self._token_request(client, body, cancel, _("the stored sign-in"), "refresh")
        if token.refresh_token is None:
            token = Token(
                token.access_token, refresh_token, token.expires_at, token.scopes, token.account
            )
        return token


def _web_client(client_id: str) -> WebApplicationClient:
    """oauthlib's client for the code flow (oauthlib loads when a sign-in starts)."""
    from oauthlib.oauth2 import WebApplicationClient

    return WebApplicationClient(client_id)


def _device_client(client_id: str) -> DeviceClient:
    """oauthlib's client for the device flow."""
    from oauthlib.oauth2 import DeviceClient

    return DeviceClient(client_id)


def _no_answer(exc: FetchError) -> SignInError:
    """Why a request to the sign-in server gave no usable answer: the server answered with
    an error that is not OAuth 2.0's (an error page), or too much, or it was not reached."""
    if exc.status is not None:
        return SignInError(
            SignInProblem.PROVIDER_ERROR,
            _("The sign-in server answered with an error (HTTP {status}).").format(
                status=exc.status
            ),
            description=f"HTTP {exc.status}",
        )
    if exc.kind == "too_large":
        return SignInError(
            SignInProblem.PROVIDER_ERROR,
            _("The sign-in server's answer is too long to be a token ({error}).").format(error=exc),
            description=str(exc),
        )
    return SignInError(
        SignInProblem.UNREACHABLE,
        _("The sign-in server could not be reached: {error}").format(error=exc),
        description=str(exc),
    )


def _not_a_token() -> SignInError:
    return SignInError(
        SignInProblem.PROVIDER_ERROR, _("The sign-in server's answer is not a token.")
    )


#: The members of a token answer (RFC 6749 §5.1, §5.2) that must be text when present.
_TEXT_FIELDS = ("error", "access_token", "token_type", "refresh_token")
#: Those that only explain or hint, left out when they are not text.
_OPTIONAL_TEXT = ("error_description", "error_uri", "id_token")


def token_answer(body: bytes) -> str:
    """The token endpoint's answer, as text for oauthlib to read: a JSON answer must be an
    object whose members have the types RFC 6749 gives them (oauthlib trips over others),
    and hints of the wrong type are left out. Other text (a form-encoded answer, which some
    servers give) is passed on as it is.

    Raises:
        SignInError: the answer is JSON, but not a token (nor an error).
    """
    text = body.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except RecursionError:
        raise _not_a_token() from None
    except ValueError:
        return text
    if not isinstance(data, dict):
        raise _not_a_token()
    for key in _TEXT_FIELDS:
        if key in data and not (isinstance(data[key], str) and data[key]):
            raise _not_a_token()
    if "error" not in data and "access_token" not in data:
        raise _not_a_token()
    scope = data.get("scope")
    if scope is not None and not (
        isinstance(scope, str)
        or (isinstance(scope, list) and all(isinstance(s, str) for s in scope))
    ):
        raise _not_a_token()
    for key in _OPTIONAL_TEXT:
        if key in data and not isinstance(data[key], str):
            del data[key]
    return json.dumps(data)


def _seconds(value: object, default: float) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return float(value)
    return default
