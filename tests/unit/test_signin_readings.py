"""The words for a sign-in: refusals by their cause, the signed-in account that is not the
login name, and how an organisation registers its own client."""

from __future__ import annotations

import pytest

from smtpwizard.core.diagnosis.signin import account_mismatch
from smtpwizard.core.diagnosis.signin import explain_sign_in
from smtpwizard.core.diagnosis.signin import registration_advice
from smtpwizard.core.discovery.providers import load
from smtpwizard.core.errors import SignInError
from smtpwizard.core.login import SignInProblem


@pytest.mark.parametrize(
    ("account", "username"),
    [
        ("alice@example.test", "alice@example.test"),
        ("Alice@Example.test ", "alice@example.test"),
        (None, "alice@example.test"),
        ("", "alice@example.test"),
    ],
)
def test_the_same_account_or_an_unknown_one_is_no_mismatch(
    account: str | None, username: str
) -> None:
    assert account_mismatch(account, username) is None


def test_another_account_is_named_with_the_login_name() -> None:
    text = account_mismatch("bob@example.test", "alice@example.test")
    assert text is not None
    assert "bob@example.test" in text
    assert "alice@example.test" in text


@pytest.mark.parametrize(
    "problem",
    [
        SignInProblem.CONSENT_REQUIRED,
        SignInProblem.CLIENT_UNKNOWN,
        SignInProblem.REDIRECT_MISMATCH,
        SignInProblem.SCOPE_REFUSED,
        SignInProblem.NO_CLIENT_ID,
    ],
)
def test_every_refusal_has_words_and_advice(problem: SignInProblem) -> None:
    finding = explain_sign_in(SignInError(problem, "raw"), None)
    assert finding.headline
    assert finding.explanation
    assert finding.advice


def test_microsoft_registration_advice_names_a_public_client_with_localhost() -> None:
    provider = next(p for p in load().providers if p.id == "microsoft-365")
    advice = registration_advice(provider)
    assert "localhost" in advice
