"""The sign-in server's answers as smtpwizard reads them: a token answer that is no token, an
error page, a refused code told from a refused stored sign-in, the server's words made safe
to show, and the words of a sign-in that failed."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from smtpwizard.core.auth.flows import OAuthFlows
from smtpwizard.core.auth.flows import token_answer
from smtpwizard.core.auth.keyring import CredentialStore
from smtpwizard.core.auth.oauth import OAuthSettings
from smtpwizard.core.auth.signin import TokenKeeper
from smtpwizard.core.diagnosis.signin import explain_sign_in
from smtpwizard.core.errors import FetchError
from smtpwizard.core.errors import SignInError
from smtpwizard.core.login import SignInProblem
from smtpwizard.core.net.channel import CancelToken

SETTINGS = OAuthSettings(
    issuer="https://login.example.test",
    authorization_endpoint="https://login.example.test/authorize",
    token_endpoint="https://login.example.test/token",
    client_id="client",
)


class Answers:
    """The token endpoint: answers with ``body``, or fails with ``error``."""

    def __init__(self, body: bytes = b"", error: FetchError | None = None) -> None:
        self.body = body
        self.error = error

    def post_form(self, url: str, fields: Mapping[str, str], cancel: CancelToken) -> bytes:
        if self.error is not None:
            raise self.error
        return self.body


def refresh(http: Answers) -> SignInError:
    with CancelToken() as cancel, pytest.raises(SignInError) as raised:
        OAuthFlows(SETTINGS, http).refresh("stored", ["mail.send"], cancel)
    return raised.value


@pytest.mark.parametrize(
    "body",
    [
        b"[1,2,3]",
        b"123",
        b"null",
        b"true",
        b"{}",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"access_token":"t","token_type":"Bearer","scope":123}',
        b'{"access_token":"t","token_type":"Bearer","scope":{}}',
        b'{"access_token":{"x":1},"token_type":"Bearer"}',
        b'{"access_token":"t","token_type":"Bearer","refresh_token":42}',
        b'{"error":["a"]}',
    ],
    ids=[
        "array",
        "number",
        "null",
        "true",
        "empty-object",
        "deeply-nested",
        "scope-number",
        "scope-object",
        "token-object",
        "refresh-number",
        "error-list",
    ],
)
def test_json_that_is_no_token_is_a_plain_sign_in_failure(body: bytes) -> None:
    error = refresh(Answers(body))
    assert error.problem is SignInProblem.PROVIDER_ERROR
    assert "answer is not a token" in str(error)
    with pytest.raises(SignInError):
        token_answer(body)


def test_an_error_description_that_is_not_text_is_left_out() -> None:
    error = refresh(Answers(b'{"error":"invalid_grant","error_description":42}'))
    assert (error.problem, error.code, error.description) == (
        SignInProblem.REFRESH_REFUSED,
        "invalid_grant",
        "",
    )


def test_a_form_encoded_token_answer_is_still_read() -> None:
    assert token_answer(b"access_token=t&token_type=Bearer") == "access_token=t&token_type=Bearer"


@pytest.mark.parametrize(
    ("error", "problem", "words"),
    [
        (
            FetchError("http", "answered 500", status=500, body=b"<html>Internal</html>"),
            SignInProblem.PROVIDER_ERROR,
            "answered with an error (HTTP 500)",
        ),
        (
            FetchError("too_large", "the document is larger than 1024 KiB"),
            SignInProblem.PROVIDER_ERROR,
            "too long to be a token",
        ),
        (
            FetchError("unreachable", "cannot connect"),
            SignInProblem.UNREACHABLE,
            "could not be reached",
        ),
    ],
    ids=["error-page", "too-long", "unreachable"],
)
def test_a_server_that_answered_is_not_called_unreachable(
    error: FetchError, problem: SignInProblem, words: str
) -> None:
    failed = refresh(Answers(error=error))
    assert failed.problem is problem
    assert words in str(failed)


def test_invalid_grant_is_a_stored_sign_in_only_for_a_refresh_token() -> None:
    refused = FetchError(
        "http",
        "answered 400",
        status=400,
        body=b'{"error":"invalid_grant","error_description":"x"}',
    )
    assert refresh(Answers(error=refused)).problem is SignInProblem.REFRESH_REFUSED
    finding = explain_sign_in(SignInError(SignInProblem.CODE_REFUSED, "m", "invalid_grant", "x"))
    assert "stored" not in finding.explanation
    assert finding.advice.startswith("Sign in again")


def test_the_servers_words_lose_their_control_characters() -> None:
    body = b'{"error":"access_denied","error_description":"no\\u001b[2J\\u0007 way"}'
    failed = refresh(Answers(error=FetchError("http", "400", status=400, body=body)))
    assert "\x1b" not in str(failed)
    assert "\x07" not in failed.description
    finding = explain_sign_in(failed)
    assert "\\x1b[2J\\x07" in finding.explanation
    assert "\x1b" not in finding.explanation + "".join(v for _l, v in finding.evidence)


@pytest.mark.parametrize("problem", list(SignInProblem))
def test_no_sign_in_failure_reads_with_empty_parentheses_or_lower_case(
    problem: SignInProblem,
) -> None:
    finding = explain_sign_in(SignInError(problem, "The sign-in failed."))
    assert "()" not in finding.headline + finding.explanation + finding.advice
    assert finding.headline[:1].isupper()


def test_the_token_command_is_told_when_no_keyring_can_be_read() -> None:
    from keyring.backends import fail

    keeper = TokenKeeper(Answers(), CredentialStore(fail.Keyring()))
    assert keeper.stored("alice@example.test") is None
    reason = keeper.unreadable("alice@example.test")
    assert reason is not None
    assert "no password store" in reason
