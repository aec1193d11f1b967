"""Signing in with OAuth 2.0 against a real authorization server on loopback (oauthlib's server
classes over HTTPS with the test CA): the browser flow with PKCE and a loopback redirect, the
device flow, refresh, the keyring, and every way a sign-in goes wrong."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from pathlib import Path

import pytest

from smtpwizard.core.auth.flows import DEVICE_TIMEOUT
from smtpwizard.core.auth.flows import DeviceCode
from smtpwizard.core.auth.flows import OAuthFlows
from smtpwizard.core.auth.keyring import CredentialStore
from smtpwizard.core.auth.oauth import OAuthSettings
from smtpwizard.core.auth.oauth import read_metadata
from smtpwizard.core.auth.signin import FetchHttp
from smtpwizard.core.auth.signin import SignInRequest
from smtpwizard.core.auth.signin import TokenKeeper
from smtpwizard.core.errors import SignInError
from smtpwizard.core.login import SignInProblem
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.net.fetch import FetchSettings
from smtpwizard.core.net.resolve import StaticResolver
from smtpwizard.core.net.tls import make_tls_context
from tests.support.browser import visit
from tests.support.certs import CertSet
from tests.support.keyrings import MemoryKeyring
from tests.support.oauthd import CLIENT_ID
from tests.support.oauthd import DISABLED_CLIENT
from tests.support.oauthd import Behaviour
from tests.support.oauthd import OAuthServer

ACCOUNT = "alice@example.test"
SCOPES = ("mail.send", "offline_access")


@pytest.fixture
def server(certs: CertSet) -> Iterator[OAuthServer]:
    with OAuthServer(certs.good) as running:
        yield running


@pytest.fixture
def http(ca_file: Path) -> FetchHttp:
    settings = FetchSettings(context=make_tls_context(str(ca_file)), timeout=5.0)
    return FetchHttp(settings, StaticResolver({}))


def settings_for(server: OAuthServer, http: FetchHttp, client_id: str = CLIENT_ID) -> OAuthSettings:
    return read_metadata(server.issuer, http.get_json).with_client(client_id, "test")


def browser(ca_file: Path, seen: list[str] | None = None) -> Callable[[str], bool]:
    """The person's browser: opens the page and follows the redirect."""

    def open_page(url: str) -> bool:
        if seen is not None:
            seen.append(url)
        visit(url, str(ca_file))
        return True

    return open_page


def test_metadata_names_the_endpoints(server: OAuthServer, http: FetchHttp) -> None:
    settings = read_metadata(server.issuer, http.get_json)
    assert settings.authorization_endpoint == f"{server.issuer}/authorize"
    assert settings.token_endpoint == f"{server.issuer}/token"
    assert settings.device_authorization_endpoint == f"{server.issuer}/device"
    assert settings.iss_in_response


def test_browser_flow_with_pkce_and_a_loopback_redirect(
    server: OAuthServer, http: FetchHttp, ca_file: Path
) -> None:
    seen: list[str] = []
    flows = OAuthFlows(settings_for(server, http), http)
    with CancelToken() as cancel:
        token = flows.browser(
            SCOPES, cancel=cancel, login_hint=ACCOUNT, open_browser=browser(ca_file, seen)
        )
    assert token.access_token in server.state.grants
    assert server.state.grants[token.access_token].user == ACCOUNT
    assert token.refresh_token is not None
    [request] = server.state.authorize_requests
    assert request["code_challenge_method"] == "S256"
    assert len(request["code_challenge"]) == 43
    assert request["login_hint"] == ACCOUNT
    redirect = urllib.parse.urlsplit(request["redirect_uri"])
    assert (redirect.scheme, redirect.hostname) == ("http", "127.0.0.1")
    assert redirect.port not in (None, 80)
    [exchange] = server.state.token_requests
    assert exchange["grant_type"] == "authorization_code"
    assert len(exchange["code_verifier"]) == 64
    assert seen == [seen[0]]
    assert seen[0].startswith(f"{server.issuer}/authorize?")


def test_a_browser_command_that_does_not_return_holds_nothing_up(
    server: OAuthServer, http: FetchHttp, ca_file: Path
) -> None:
    """Some browser commands run until their window closes (a terminal browser, a $BROWSER
    script): the sign-in goes on while they run, and its time limit counts all the same."""
    never = threading.Event()
    told: list[str] = []

    def signs_in_then_stays(url: str) -> bool:
        visit(url, str(ca_file))
        never.wait()
        return True

    flows = OAuthFlows(settings_for(server, http), http)
    with CancelToken() as cancel:
        token = flows.browser(
            SCOPES, cancel=cancel, open_browser=signs_in_then_stays, opened=told.append
        )
        assert token.access_token in server.state.grants
        [url] = told  # said as the browser was asked, not after it returned
        assert url.startswith(f"{server.issuer}/authorize?")

        with pytest.raises(SignInError) as refused:
            flows.browser(
                SCOPES, cancel=cancel, open_browser=lambda _url: never.wait(), timeout=0.3
            )
    assert refused.value.problem is SignInProblem.EXPIRED


def test_an_answer_for_another_sign_in_is_refused(
    server: OAuthServer, http: FetchHttp, ca_file: Path
) -> None:
    def forging_browser(url: str) -> bool:
        forged = url.replace("state=", "state=forged")
        visit(forged, str(ca_file))
        return True

    flows = OAuthFlows(settings_for(server, http), http)
    with CancelToken() as cancel, pytest.raises(SignInError) as raised:
        flows.browser(SCOPES, cancel=cancel, open_browser=forging_browser)
    assert raised.value.problem is SignInProblem.STATE_MISMATCH
    assert server.state.token_requests == []  # the code was never exchanged


def test_an_answer_from_another_issuer_is_refused(
    certs: CertSet, http: FetchHttp, ca_file: Path
) -> None:
    with OAuthServer(certs.good, Behaviour(iss="https://attacker.example")) as server:
        flows = OAuthFlows(settings_for(server, http), http)
        with CancelToken() as cancel, pytest.raises(SignInError) as raised:
            flows.browser(SCOPES, cancel=cancel, open_browser=browser(ca_file))
    assert raised.value.problem is SignInProblem.ISSUER_MISMATCH
    assert raised.value.description == (
        f"expected {server.issuer}, received https://attacker.example"
    )


def test_a_missing_iss_is_refused_when_the_server_promises_it(
    server: OAuthServer, http: FetchHttp, ca_file: Path
) -> None:
    settings = settings_for(server, http)
    assert settings.iss_in_response
    server.behaviour.send_iss = False
    flows = OAuthFlows(settings, http)
    with CancelToken() as cancel, pytest.raises(SignInError) as raised:
        flows.browser(SCOPES, cancel=cancel, open_browser=browser(ca_file))
    assert raised.value.problem is SignInProblem.ISSUER_MISSING


@pytest.mark.parametrize(
    ("behaviour", "problem"),
    [
        (Behaviour(consent="deny"), SignInProblem.DENIED),
        (
            Behaviour(
                page_error=(
                    "invalid_request",
                    "AADSTS50011: The redirect URI specified in the request does not match.",
                )
            ),
            SignInProblem.REDIRECT_MISMATCH,
        ),
        (
            Behaviour(
                page_error=(
                    "consent_required",
                    "AADSTS65001: The user or administrator has not consented to use the "
                    "application.",
                )
            ),
            SignInProblem.CONSENT_REQUIRED,
        ),
    ],
    ids=["refused-consent", "redirect-mismatch", "consent-required"],
)
def test_refusals_in_the_browser_say_why(
    certs: CertSet,
    http: FetchHttp,
    ca_file: Path,
    behaviour: Behaviour,
    problem: SignInProblem,
) -> None:
    with OAuthServer(certs.good, behaviour) as server:
        flows = OAuthFlows(settings_for(server, http), http)
        with CancelToken() as cancel, pytest.raises(SignInError) as raised:
            flows.browser(SCOPES, cancel=cancel, open_browser=browser(ca_file))
    assert raised.value.problem is problem
    assert server.state.token_requests == []


@pytest.mark.parametrize(
    ("client_id", "problem"),
    [
        ("no-such-client", SignInProblem.CLIENT_UNKNOWN),
        (DISABLED_CLIENT, SignInProblem.CLIENT_DISABLED),
    ],
)
def test_a_wrong_client_id_is_found_before_the_browser_opens(
    server: OAuthServer, http: FetchHttp, ca_file: Path, client_id: str, problem: SignInProblem
) -> None:
    seen: list[str] = []
    keeper = TokenKeeper(http, open_browser=browser(ca_file, seen))
    request = SignInRequest(ACCOUNT, settings_for(server, http, client_id), SCOPES)
    with CancelToken() as cancel, pytest.raises(SignInError) as raised:
        keeper.token(request, cancel=cancel)
    assert raised.value.problem is problem
    assert seen == []


def test_no_browser_falls_back_to_the_device_code(server: OAuthServer, http: FetchHttp) -> None:
    shown: list[DeviceCode] = []

    def show(code: DeviceCode) -> None:
        shown.append(code)
        server.approve_device(code.user_code)

    keeper = TokenKeeper(http, open_browser=lambda _url: False)
    request = SignInRequest(ACCOUNT, settings_for(server, http), SCOPES)
    with CancelToken() as cancel:
        signed = keeper.token(request, cancel=cancel, show_code=show)
    [code] = shown
    assert code.verification_uri == f"{server.issuer}/device/enter"
    assert signed.token.access_token in server.state.grants
    assert any("No browser" in note for note in signed.notes)


def test_device_flow_waits_at_its_interval_and_slows_down(certs: CertSet, http: FetchHttp) -> None:
    with OAuthServer(certs.good, Behaviour(slow_down_first=True)) as server:
        flows = OAuthFlows(settings_for(server, http), http)
        polls_before: list[int] = []
        shown: list[DeviceCode] = []

        def show(code: DeviceCode) -> None:
            shown.append(code)

            def later() -> None:
                polls_before.append(len(server.state.token_requests))
                server.approve_device(code.user_code)

            threading.Timer(1.5, later).start()

        with CancelToken() as cancel:
            token = flows.device(SCOPES, cancel=cancel, show=show)
    assert token.access_token in server.state.grants
    # The validity shown is the time really waited: the server's (30 minutes), or the cap.
    assert shown[0].expires_in == min(1800, DEVICE_TIMEOUT)
    polls = [r for r in server.state.token_requests if "device_code" in r]
    # the first poll after one interval was told to slow down; the next came 5 s later
    assert 1 <= len(polls) <= 3
    assert all(r["grant_type"].endswith("device_code") for r in polls)


def test_device_flow_refused_and_cancelled(server: OAuthServer, http: FetchHttp) -> None:
    flows = OAuthFlows(settings_for(server, http), http)
    with CancelToken() as cancel, pytest.raises(SignInError) as denied:
        flows.device(
            SCOPES,
            cancel=cancel,
            show=lambda code: server.approve_device(code.user_code, "access_denied"),
        )
    assert denied.value.problem is SignInProblem.DENIED
    with CancelToken() as cancel, pytest.raises(SignInError) as stopped:
        flows.device(SCOPES, cancel=cancel, show=lambda _code: cancel.cancel())
    assert stopped.value.problem is SignInProblem.CANCELLED


def test_the_device_flow_refused_for_mail_scopes_says_so(certs: CertSet, http: FetchHttp) -> None:
    with OAuthServer(certs.good, Behaviour(device_scope_refused=True)) as server:
        flows = OAuthFlows(settings_for(server, http), http)
        with CancelToken() as cancel, pytest.raises(SignInError) as raised:
            flows.device(SCOPES, cancel=cancel, show=lambda _code: None)
    assert raised.value.problem is SignInProblem.SCOPE_REFUSED


def test_the_refresh_token_is_kept_and_used_before_asking_again(
    server: OAuthServer, http: FetchHttp, ca_file: Path
) -> None:
    keyring = MemoryKeyring()
    seen: list[str] = []
    keeper = TokenKeeper(http, CredentialStore(keyring), open_browser=browser(ca_file, seen))
    request = SignInRequest(ACCOUNT, settings_for(server, http), SCOPES)
    with CancelToken() as cancel:
        first = keeper.token(request, cancel=cancel)
        second = keeper.token(request, cancel=cancel)
    assert (first.reused, first.stored) == (False, True)
    assert (second.reused, second.stored) == (True, True)
    assert len(seen) == 1  # the browser opened once
    assert second.token.access_token != first.token.access_token
    assert second.token.access_token in server.state.grants
    stored = "".join(keyring.entries.values())
    assert first.token.access_token not in stored  # only the refresh token is kept
    assert keeper.stored(ACCOUNT) is not None


def test_a_revoked_refresh_token_leads_to_a_new_sign_in_explained(
    server: OAuthServer, http: FetchHttp, ca_file: Path
) -> None:
    keyring = MemoryKeyring()
    seen: list[str] = []
    keeper = TokenKeeper(http, CredentialStore(keyring), open_browser=browser(ca_file, seen))
    request = SignInRequest(ACCOUNT, settings_for(server, http), SCOPES)
    with CancelToken() as cancel:
        keeper.token(request, cancel=cancel)
        server.behaviour.refresh_refused = True
        with pytest.raises(SignInError) as raised:
            keeper.token(request, cancel=cancel, interactive=False)
        assert raised.value.problem is SignInProblem.REFRESH_REFUSED
        keeper.token(request, cancel=cancel)  # stored sign-in forgotten: nothing to refresh
        server.behaviour.refresh_refused = True
        again = keeper.token(request, cancel=cancel)
    assert not again.reused
    assert any("stored sign-in was refused" in note for note in again.notes)
    assert len(seen) == 3


def test_a_token_that_ran_out_is_renewed_from_the_stored_sign_in(
    server: OAuthServer, http: FetchHttp, ca_file: Path
) -> None:
    now = [1_000_000.0]
    seen: list[str] = []
    keeper = TokenKeeper(
        http,
        CredentialStore(MemoryKeyring()),
        open_browser=browser(ca_file, seen),
        clock=lambda: now[0],
    )
    request = SignInRequest(ACCOUNT, settings_for(server, http), SCOPES)
    with CancelToken() as cancel:
        signed = keeper.token(request, cancel=cancel)
        assert keeper.fresh(request, signed, cancel) is signed  # still good: unchanged
        now[0] += 7200  # two hours later, the hour-long token has run out
        renewed = keeper.fresh(request, signed, cancel)
    assert renewed.token.access_token != signed.token.access_token
    assert renewed.token.access_token in server.state.grants
    assert len(seen) == 1  # renewed without the person


@pytest.mark.parametrize(
    ("answer", "problem", "words"),
    [
        ((200, "application/json", "[1,2,3]"), SignInProblem.PROVIDER_ERROR, "not a token"),
        (
            (500, "text/html", "<html><body>Internal error</body></html>"),
            SignInProblem.PROVIDER_ERROR,
            "answered with an error (HTTP 500)",
        ),
        (
            (400, "application/json", '{"error":"invalid_grant","error_description":"expired"}'),
            SignInProblem.CODE_REFUSED,
            "expired",
        ),
    ],
    ids=["json-not-an-object", "html-error-page", "code-refused"],
)
def test_a_bad_answer_to_the_code_exchange_says_what_it_was(
    certs: CertSet,
    http: FetchHttp,
    ca_file: Path,
    answer: tuple[int, str, str],
    problem: SignInProblem,
    words: str,
) -> None:
    with OAuthServer(certs.good, Behaviour(token_answer=answer)) as server:
        flows = OAuthFlows(settings_for(server, http), http)
        with CancelToken() as cancel, pytest.raises(SignInError) as raised:
            flows.browser(SCOPES, cancel=cancel, open_browser=browser(ca_file))
    assert raised.value.problem is problem
    assert words in str(raised.value)


def test_a_refused_device_code_is_not_called_a_stored_sign_in(
    server: OAuthServer, http: FetchHttp
) -> None:
    def forget_the_code(code: DeviceCode) -> None:
        with server.state.lock:
            server.state.devices.clear()  # the server no longer knows the code: invalid_grant

    flows = OAuthFlows(settings_for(server, http), http)
    with CancelToken() as cancel, pytest.raises(SignInError) as raised:
        flows.device(SCOPES, cancel=cancel, show=forget_the_code)
    assert raised.value.code == "invalid_grant"
    assert raised.value.problem is SignInProblem.CODE_REFUSED


def test_a_sign_in_renewed_meanwhile_by_another_run_is_used_not_forgotten(
    certs: CertSet, http: FetchHttp, ca_file: Path
) -> None:
    keyring = MemoryKeyring()
    store = CredentialStore(keyring)
    with OAuthServer(certs.good, Behaviour(single_use_refresh=True)) as server:
        request = SignInRequest(ACCOUNT, settings_for(server, http), SCOPES)
        with CancelToken() as cancel:
            TokenKeeper(http, store, open_browser=browser(ca_file)).token(request, cancel=cancel)
        first_run = TokenKeeper(http, store)

        class Overtaken:
            """The second run's requests: the first run refreshes just before its own."""

            overtaken = False

            def post_form(self, url: str, fields: Mapping[str, str], cancel: CancelToken) -> bytes:
                if not self.overtaken:
                    self.overtaken = True
                    first_run.token(request, cancel=cancel, interactive=False)
                return http.post_form(url, fields, cancel)

        with CancelToken() as cancel:
            second = TokenKeeper(Overtaken(), store).token(
                request, cancel=cancel, interactive=False
            )
        assert second.token.access_token in server.state.grants
        assert TokenKeeper(http, store).stored(ACCOUNT) is not None
