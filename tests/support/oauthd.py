"""An OAuth 2.0 authorization server on loopback, built on oauthlib's server classes.

It speaks HTTPS with the test CA on 127.0.0.1 and offers what a provider's sign-in server
does: its metadata (RFC 8414), the authorization endpoint (authorization code with PKCE S256,
loopback redirects on any port, RFC 8252), the token endpoint (codes, refresh tokens, device
codes), the device authorization endpoint (RFC 8628) and token introspection (RFC 7662), which
Dovecot's oauth2 passdb asks to check the tokens mail clients present.

The person's part is played by the test: ``consent`` says what the person does on the sign-in
page, ``approve_device`` enters a device code. Knobs reproduce what real servers answer:
an error on the page (``page_error``, with Microsoft's AADSTS words), a refused refresh, an
``iss`` of another server, a client ID that is unknown or disabled.
"""

from __future__ import annotations

import http.server
import json
import secrets
import ssl
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import trustme
from oauthlib.oauth2 import RequestValidator
from oauthlib.oauth2 import Server
from oauthlib.oauth2.rfc6749.endpoints.introspect import IntrospectEndpoint
from oauthlib.oauth2.rfc8628.endpoints.pre_configured import DeviceApplicationServer

from tests.support.certs import server_context

CLIENT_ID = "smtpwizard-test-client"
DISABLED_CLIENT = "disabled-client"
#: The client Dovecot introspects tokens as.
DOVECOT_CLIENT = "dovecot"
DOVECOT_SECRET = "dovecot-introspection-secret"
MAIL_SCOPES = ("mail.send", "mail.read", "offline_access")


@dataclass
class Grant:
    """An access token the server issued, and what it covers."""

    user: str
    scopes: list[str]
    expires: float
    client_id: str


@dataclass
class Behaviour:
    """What the person and the server do.

    Attributes:
        user: the account the person signs in as on the sign-in page.
        consent: "approve", or "deny" (the person refuses).
        page_error: an (error, description) the sign-in page answers with instead.
        iss: the ``iss`` the redirect carries (``None``: the server's own issuer).
        send_iss: whether the redirect carries ``iss`` at all.
        refresh_refused: refresh tokens are refused (revoked).
        access_lifetime: seconds an access token lives.
        device_scope_refused: the device flow refuses mail scopes (as Google does).
        token_answer: what the token endpoint answers instead, to everything but the client
            check: (HTTP status, content type, body).
        single_use_refresh: a refresh token is gone once used (rotation, as Microsoft
            and Google may do).
    """

    user: str = "alice@example.test"
    consent: str = "approve"
    page_error: tuple[str, str] | None = None
    iss: str | None = None
    send_iss: bool = True
    refresh_refused: bool = False
    access_lifetime: int = 3600
    device_scope_refused: bool = False
    slow_down_first: bool = False
    token_answer: tuple[int, str, str] | None = None
    single_use_refresh: bool = False


@dataclass
class State:
    """What the server remembers."""

    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    refresh: dict[str, Grant] = field(default_factory=dict)
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    introspected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Validator(RequestValidator):  # type: ignore[misc]
    """oauthlib's questions, answered from :class:`State` and :class:`Behaviour`."""

    def __init__(self, server: OAuthServer) -> None:
        self.server = server

    @property
    def state(self) -> State:
        return self.server.state

    # clients ----------------------------------------------------------------------------
    def client_authentication_required(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        basic = request.headers.get("Authorization", "").startswith("Basic ")
        return basic or bool(request.client_secret) or request.client_id == DOVECOT_CLIENT

    def authenticate_client(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        client_id, secret = request.client_id, request.client_secret
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            import base64

            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if client_id == DOVECOT_CLIENT and secret == DOVECOT_SECRET:
            request.client = type("Client", (), {"client_id": client_id})()
            return True
        return False

    def authenticate_client_id(self, client_id: str, request: Any, *a: Any, **k: Any) -> bool:
        if client_id != CLIENT_ID:
            return False
        request.client = type("Client", (), {"client_id": client_id})()
        return True

    def validate_client_id(self, client_id: str, request: Any, *a: Any, **k: Any) -> bool:
        return client_id == CLIENT_ID

    def validate_grant_type(self, client_id: str, grant_type: str, *a: Any, **k: Any) -> bool:
        return True

    def validate_response_type(self, client_id: str, response_type: str, *a: Any) -> bool:
        return response_type == "code"

    # redirects (RFC 8252 §7.3: a loopback address at any port) --------------------------
    def validate_redirect_uri(self, client_id: str, redirect_uri: str, *a: Any) -> bool:
        parts = urllib.parse.urlsplit(redirect_uri)
        return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1")

    def get_default_redirect_uri(self, client_id: str, request: Any, *a: Any) -> None:
        return None

    # scopes -----------------------------------------------------------------------------
    def validate_scopes(self, client_id: str, scopes: list[str], *a: Any, **k: Any) -> bool:
        return all(s in MAIL_SCOPES for s in scopes)

    def get_default_scopes(self, client_id: str, request: Any, *a: Any, **k: Any) -> list[str]:
        return ["mail.send"]

    # codes and PKCE ---------------------------------------------------------------------
    def is_pkce_required(self, client_id: str, request: Any) -> bool:
        return True

    def save_authorization_code(self, client_id: str, code: dict[str, str], request: Any) -> None:
        with self.state.lock:
            self.state.codes[code["code"]] = {
                "client_id": client_id,
                "redirect_uri": request.redirect_uri,
                "scopes": request.scopes,
                "user": self.server.behaviour.user,
                "challenge": request.code_challenge,
                "method": request.code_challenge_method,
            }

    def validate_code(self, client_id: str, code: str, client: Any, request: Any) -> bool:
        with self.state.lock:
            saved = self.state.codes.get(code)
        if saved is None or saved["client_id"] != client_id:
            return False
        request.user = saved["user"]
        request.scopes = saved["scopes"]
        return True

    def get_code_challenge(self, code: str, request: Any) -> str | None:
        with self.state.lock:
            saved = self.state.codes.get(code)
        return saved["challenge"] if saved else None

    def get_code_challenge_method(self, code: str, request: Any) -> str | None:
        with self.state.lock:
            saved = self.state.codes.get(code)
        return saved["method"] if saved else None

    def confirm_redirect_uri(
        self, client_id: str, code: str, redirect_uri: str, client: Any, *a: Any
    ) -> bool:
        with self.state.lock:
            saved = self.state.codes.get(code)
        return saved is not None and saved["redirect_uri"] == redirect_uri

    def invalidate_authorization_code(self, client_id: str, code: str, request: Any) -> None:
        with self.state.lock:
            self.state.codes.pop(code, None)

    # tokens -----------------------------------------------------------------------------
    def save_bearer_token(self, token: dict[str, Any], request: Any, *a: Any) -> None:
        behaviour = self.server.behaviour
        grant = Grant(
            user=request.user,
            scopes=list(request.scopes or []),
            expires=time.time() + behaviour.access_lifetime,
            client_id=request.client_id or CLIENT_ID,
        )
        with self.state.lock:
            self.state.grants[token["access_token"]] = grant
            if "refresh_token" in token:
                self.state.refresh[token["refresh_token"]] = grant
            if behaviour.single_use_refresh and request.grant_type == "refresh_token":
                self.state.refresh.pop(request.refresh_token, None)

    save_token = save_bearer_token

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Any, *a: Any
    ) -> bool:
        if self.server.behaviour.refresh_refused:
            return False
        with self.state.lock:
            grant = self.state.refresh.get(refresh_token)
        if grant is None:
            return False
        request.user = grant.user
        return True

    def get_original_scopes(self, refresh_token: str, request: Any, *a: Any) -> list[str]:
        with self.state.lock:
            grant = self.state.refresh.get(refresh_token)
        return grant.scopes if grant else []

    def rotate_refresh_token(self, request: Any) -> bool:
        return True

    # device codes -----------------------------------------------------------------------
    def validate_device_code(self, client_id: str, code: str, request: Any, *a: Any) -> str:
        with self.state.lock:
            device = self.state.devices.get(code)
            if device is None:
                return "invalid"
            if self.server.behaviour.slow_down_first and not device.get("slowed"):
                device["slowed"] = True
                return "slow_down"
            status = device["status"]
            if status == "authorized":
                request.user = device["user"]
                request.scopes = device["scopes"]
            return str(status)

    # introspection (RFC 7662), for Dovecot ------------------------------------------------
    def introspect_token(
        self, token: str, token_type_hint: str | None, request: Any, *a: Any
    ) -> dict[str, Any] | None:
        with self.state.lock:
            self.state.introspected.append(token)
            grant = self.state.grants.get(token)
        if grant is None or grant.expires < time.time():
            return None
        return {
            "username": grant.user,
            "scope": " ".join(grant.scopes),
            "client_id": grant.client_id,
            "exp": int(grant.expires),
        }


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Https

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, headers: dict[str, str], body: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.server.owner.handle_get(self)

    def do_POST(self) -> None:
        self.server.owner.handle_post(self)


class _Https(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: OAuthServer, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner
        self.socket = context.wrap_socket(self.socket, server_side=True)

    def server_bind(self) -> None:
        # As HTTPServer does, without looking up this machine's name in the DNS.
        import socketserver

        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = self.server_address[1]


class OAuthServer:
    """The authorization server; a context manager (``with OAuthServer(cert) as server``)."""

    def __init__(self, cert: trustme.LeafCert, behaviour: Behaviour | None = None) -> None:
        self.behaviour = behaviour or Behaviour()
        self.state = State()
        self._https = _Https(self, server_context(cert))
        self.port: int = self._https.server_address[1]
        self.issuer = f"https://127.0.0.1:{self.port}"
        validator = Validator(self)
        self._server = Server(
            validator, token_expires_in=lambda _request: self.behaviour.access_lifetime
        )
        # RFC 8628 leaves refresh tokens to the server; this one gives them, as Microsoft does.
        self._server.device_code_grant.register_token_modifier(self._with_refresh_token)
        self._device = DeviceApplicationServer(
            validator, verification_uri=f"{self.issuer}/device/enter", interval=1
        )
        self._introspect = IntrospectEndpoint(validator)
        self._thread = threading.Thread(
            target=self._https.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- the endpoints ----------------------------------------------------------------------

    @property
    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "device_authorization_endpoint": f"{self.issuer}/device",
            "introspection_endpoint": f"{self.issuer}/introspect",
            "scopes_supported": list(MAIL_SCOPES),
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": self.behaviour.send_iss,
        }

    def handle_get(self, handler: _Handler) -> None:
        path, _, query = handler.path.partition("?")
        if path in ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"):
            handler._reply(200, {"Content-Type": "application/json"}, json.dumps(self.metadata))
            return
        if path == "/authorize":
            self._authorize(handler, query)
            return
        handler._reply(404, {}, "not here")

    def _authorize(self, handler: _Handler, query: str) -> None:
        params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        with self.state.lock:
            self.state.authorize_requests.append(params)
        uri = f"{self.issuer}/authorize?{query}"
        behaviour = self.behaviour
        redirect = params.get("redirect_uri", "")
        if params.get("client_id") == DISABLED_CLIENT:
            # As Microsoft does for a disabled application: on the page, no redirect.
            handler._reply(
                400,
                {"Content-Type": "text/plain"},
                "AADSTS7000112: Application is disabled.",
            )
            return
        try:
            scopes, _credentials = self._server.validate_authorization_request(uri)
        except Exception as exc:  # the page shows the error
            handler._reply(400, {"Content-Type": "text/plain"}, f"invalid request: {exc}")
            return
        if behaviour.page_error is not None or behaviour.consent != "approve":
            error, description = behaviour.page_error or ("access_denied", "The user declined.")
            answer = {"error": error, "error_description": description}
            if "state" in params:
                answer["state"] = params["state"]
            self._redirect(handler, redirect, answer)
            return
        headers, _body, status = self._server.create_authorization_response(
            uri, scopes=scopes, credentials={"user": behaviour.user}
        )
        location = headers["Location"]
        if behaviour.send_iss:
            location += "&" + urllib.parse.urlencode({"iss": behaviour.iss or self.issuer})
        handler._reply(status, {"Location": location}, "")

    def _redirect(self, handler: _Handler, redirect: str, params: dict[str, str]) -> None:
        if self.behaviour.send_iss:
            params["iss"] = self.behaviour.iss or self.issuer
        target = redirect + ("&" if "?" in redirect else "?") + urllib.parse.urlencode(params)
        handler._reply(302, {"Location": target}, "")

    def handle_post(self, handler: _Handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode("utf-8")
        headers = dict(handler.headers.items())
        path = handler.path.partition("?")[0]
        uri = f"{self.issuer}{path}"
        if path == "/token":
            form = dict(urllib.parse.parse_qsl(body))
            with self.state.lock:
                self.state.token_requests.append(form)
            answer_instead = self.behaviour.token_answer
            if answer_instead is not None and form.get("code") != "smtpwizard-client-check":
                status, content_type, text = answer_instead
                handler._reply(status, {"Content-Type": content_type}, text)
                return
            if form.get("client_id") == DISABLED_CLIENT:
                answer = {
                    "error": "unauthorized_client",
                    "error_description": "AADSTS7000112: Application is disabled.",
                }
                handler._reply(400, {"Content-Type": "application/json"}, json.dumps(answer))
                return
            out_headers, text, status = self._server.create_token_response(
                uri, "POST", body, headers, credentials=None
            )
            handler._reply(status, out_headers, text)
            return
        if path == "/device":
            form = dict(urllib.parse.parse_qsl(body))
            if self.behaviour.device_scope_refused:
                answer = {"error": "invalid_scope", "error_description": "Not allowed."}
                handler._reply(400, {"Content-Type": "application/json"}, json.dumps(answer))
                return
            out_headers, text, status = self._device.create_device_authorization_response(
                uri, "POST", body, headers
            )
            if status == 200:
                answer = json.loads(text) if isinstance(text, str) else text
                with self.state.lock:
                    self.state.devices[answer["device_code"]] = {
                        "user_code": answer["user_code"],
                        "status": "authorization_pending",
                        "user": self.behaviour.user,
                        "scopes": form.get("scope", "").split(),
                    }
                text = json.dumps(answer)
            handler._reply(status, {"Content-Type": "application/json", **out_headers}, text)
            return
        if path == "/introspect":
            out_headers, text, status = self._introspect.create_introspect_response(
                uri, "POST", body, headers
            )
            handler._reply(status, out_headers, text)
            return
        handler._reply(404, {}, "not here")

    def _with_refresh_token(self, token: dict[str, Any]) -> dict[str, Any]:
        token.setdefault("refresh_token", secrets.token_urlsafe(32))
        return token

    # -- the person's part -------------------------------------------------------------------

    def approve_device(self, user_code: str, status: str = "authorized") -> None:
        """The person enters ``user_code`` and accepts (or ``status="access_denied"``)."""
        with self.state.lock:
            for device in self.state.devices.values():
                if device["user_code"] == user_code:
                    device["status"] = status
                    return
        raise KeyError(user_code)

    def issue(self, user: str, scopes: tuple[str, ...] = MAIL_SCOPES) -> str:
        """An access token for ``user``, as if they had signed in (for mail-server tests)."""
        token = secrets.token_urlsafe(32)
        with self.state.lock:
            self.state.grants[token] = Grant(
                user, list(scopes), time.time() + self.behaviour.access_lifetime, CLIENT_ID
            )
        return token

    def expire_all(self) -> None:
        """Every access token issued so far expires now."""
        with self.state.lock:
            for grant in self.state.grants.values():
                grant.expires = time.time() - 1

    # -- running ------------------------------------------------------------------------------

    def __enter__(self) -> OAuthServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._https.shutdown()
        self._https.server_close()
        self._thread.join(2)


@contextmanager
def oauth_server(
    cert: trustme.LeafCert, behaviour: Behaviour | None = None
) -> Iterator[OAuthServer]:
    """An :class:`OAuthServer`, running for the block."""
    with OAuthServer(cert, behaviour) as server:
        yield server


__all__ = [
    "CLIENT_ID",
    "DISABLED_CLIENT",
    "DOVECOT_CLIENT",
    "DOVECOT_SECRET",
    "MAIL_SCOPES",
    "Behaviour",
    "OAuthServer",
    "oauth_server",
]
