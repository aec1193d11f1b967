"""Every reply a person can meet (OAUTH.md §5, DIAGNOSIS-FACTS.md §1 and the provider replies
they quote), said verbatim by a real server on loopback, through the command line: never
"works", the outcome it is, and the cause named in the finding.

Each server is aiosmtpd with TLS (for replies to a login, a sender or a recipient) or a
scripted peer (for greetings and STARTTLS). The login counts show the rationing: a second
login name (the local part) only after a plain refusal of the credentials, never after a
reply that names another cause or a lockout.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.support.cli import in_process
from tests.support.listeners import ScriptedServer
from tests.support.listeners import dialogue
from tests.support.smtpd import SmtpServer

StartSmtp = Callable[..., SmtpServer]
StartScripted = Callable[..., ScriptedServer]

HOST = "mail.example.test"
LOCAL = USER.split("@")[0]
BOTH_NAMES = [(USER, False), (LOCAL, False)]
ONE_NAME = [(USER, False)]


@dataclass(frozen=True)
class Case:
    """A reply, where the server says it, and what smtpwizard must make of it."""

    id: str
    server: dict[str, Any]
    outcome: str
    reason: str
    words: str
    """Part of the finding's headline: the cause, named."""
    password: bool = True
    logins: list[tuple[str, bool]] | None = field(default=None)
    """The logins the server saw (``None``: not checked)."""


LOGIN_REPLIES = [
    Case(
        "microsoft-smtp-auth-off-tenant",
        {
            "login_reply": "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is "
            "disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information."
        },
        "auth_failed",
        "auth_rejected",
        "Logging in to send mail is turned off",
        logins=ONE_NAME,
    ),
    Case(
        "microsoft-smtp-auth-off-mailbox",
        {
            "login_reply": "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is "
            "disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more "
            "information."
        },
        "auth_failed",
        "auth_rejected",
        "Logging in to send mail is turned off",
        logins=ONE_NAME,
    ),
    Case(
        "microsoft-basic-auth-disabled",
        {
            "login_reply": "535 5.7.139 Authentication unsuccessful, basic authentication is "
            "disabled."
        },
        "auth_failed",
        "auth_rejected",
        "Password sign-in is switched off",
        logins=ONE_NAME,
    ),
    Case(
        "microsoft-security-defaults",
        {
            "login_reply": "535 5.7.139 Authentication unsuccessful, user is locked by your "
            "organization's security defaults policy. Contact your administrator."
        },
        "auth_failed",
        "auth_rejected",
        "security defaults",
        logins=ONE_NAME,
    ),
    Case(
        "microsoft-client-submission-retired",
        {"login_reply": "550 5.7.30 Basic authentication is not supported for Client Submission."},
        "auth_failed",
        "auth_rejected",
        "Password sign-in is switched off",
        logins=ONE_NAME,
    ),
    Case(
        "microsoft-authentication-unsuccessful",
        {"login_reply": "535 5.7.3 Authentication unsuccessful"},
        "auth_failed",
        "auth_rejected",
        "Microsoft refused the login",
        logins=BOTH_NAMES,
    ),
    Case(
        "gmail-app-password-required",
        {
            "login_reply": "534-5.7.9 Application-specific password required. Learn more at\r\n"
            "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor"
        },
        "auth_failed",
        "auth_rejected",
        "needs an app password",
        logins=ONE_NAME,
    ),
    Case(
        "gmail-bad-credentials",
        {
            "login_reply": "535-5.7.8 Username and Password not accepted. For more information, "
            "go to\r\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials"
        },
        "auth_failed",
        "auth_rejected",
        "username or password was not accepted",
        logins=BOTH_NAMES,
    ),
    Case(
        "gmail-sign-in-in-a-browser",
        {
            "login_reply": "534-5.7.14 <https://accounts.google.com/ContinueSignIn?plt=AKgnsbs> "
            "Please log in via your web browser and\r\n534 5.7.14 then try again."
        },
        "auth_failed",
        "auth_rejected",
        "Google blocked this sign-in",
        logins=ONE_NAME,
    ),
    Case(
        "gmail-too-many-logins",
        {"login_reply": "454 4.7.0 Too many login attempts, please try again later."},
        "temporary",
        "auth_locked",
        "Too many login attempts",
        logins=ONE_NAME,
    ),
    Case(
        "yahoo-auth005",
        {"login_reply": "535 5.7.0 (#AUTH005) Too many bad auth attempts."},
        "auth_failed",
        "auth_locked",
        "wants an app password",
        logins=ONE_NAME,
    ),
    Case(
        "oracle-too-many-auth-failures",
        {"login_reply": "421 Too many auth failures, try again later"},
        "temporary",
        "auth_locked",
        "Too many login attempts",
        logins=ONE_NAME,
    ),
    Case(
        "account-temporarily-locked",
        {"login_reply": "454 4.7.0 Account temporarily locked"},
        "temporary",
        "auth_locked",
        "The account is locked",
        logins=ONE_NAME,
    ),
    Case(
        "temporary-authentication-failure",
        {"login_reply": "454 4.7.0 Temporary authentication failure"},
        "temporary",
        "auth_temporary",
        "The login failed for now",
        logins=ONE_NAME,
    ),
    Case(
        "amazon-ses-credentials-invalid",
        {"login_reply": "535 Authentication Credentials Invalid"},
        "auth_failed",
        "auth_rejected",
        "username or password was not accepted",
        logins=BOTH_NAMES,
    ),
    Case(
        "sendgrid-bad-username-password",
        {"login_reply": "535 Authentication failed: Bad username / password"},
        "auth_failed",
        "auth_rejected",
        "username or password was not accepted",
        logins=BOTH_NAMES,
    ),
    Case(
        "mailgun-not-loving-your-login",
        {"login_reply": "535 5.7.0 Mailgun is not loving your login or password"},
        "auth_failed",
        "auth_rejected",
        "username or password was not accepted",
        logins=BOTH_NAMES,
    ),
    Case(
        "brevo-invalid-login",
        {"login_reply": "535 5.7.0 Invalid login or password"},
        "auth_failed",
        "auth_rejected",
        "username or password was not accepted",
        logins=BOTH_NAMES,
    ),
]

#: Without a password: a server that wants a login before it takes mail.
WANTS_A_LOGIN = [
    Case(
        f"without-login-{name}",
        {where: reply},
        "login_needed",
        "login_needed",
        "needs a login before it takes mail",
        password=False,
    )
    for name, where, reply in [
        (
            "microsoft-5.7.57",
            "anonymous_sender_reply",
            "530 5.7.57 Client not authenticated to send mail. [AM0PR01CA0001.eurprd01.prod]",
        ),
        (
            "microsoft-5.7.57-anonymous",
            "anonymous_sender_reply",
            "550 5.7.57 Client was not authenticated to send anonymous mail during MAIL FROM",
        ),
        (
            "gmail-authentication-required",
            "anonymous_sender_reply",
            "530-5.7.0 Authentication Required. Learn more at\r\n"
            "530 5.7.0  https://support.google.com/mail/?p=WantAuthError",
        ),
        (
            "yahoo-authentication-required",
            "anonymous_sender_reply",
            "530 5.7.1 Authentication required",
        ),
        (
            "amazon-ses-authentication-required",
            "anonymous_sender_reply",
            "530 Authentication required",
        ),
        (
            "postfix-relay-access-denied",
            "anonymous_recipient_reply",
            "554 5.7.1 <alice@example.test>: Relay access denied",
        ),
        (
            "relay-access-denied-soft",
            "anonymous_recipient_reply",
            "454 4.7.1 <alice@example.test>: Relay access denied",
        ),
        (
            "postfix-client-host-rejected",
            "anonymous_recipient_reply",
            "554 5.7.1 <unknown[127.0.0.1]>: Client host rejected: Access denied",
        ),
        (
            "google-relay-denied",
            "anonymous_sender_reply",
            "550 5.7.0 Mail relay denied [127.0.0.1]. Invalid credentials for relay for one of the "
            "domains in: example.test (as obtained from HELO and MAIL FROM).",
        ),
        (
            "microsoft-direct-send-refused",
            "anonymous_sender_reply",
            "550 5.7.68 TenantInboundAttribution; Direct Send not allowed for this organization "
            "from unauthorized sources",
        ),
    ]
]

#: After an accepted login: the sender or the recipient refused, for now or for good.
SENDING = [
    Case(
        "postfix-sender-not-owned",
        {
            "sender_reply": "553 5.7.1 <alice@example.test>: Sender address rejected: not owned "
            "by user alice@example.test"
        },
        "send_refused",
        "sender_refused",
        "refused your address as sender",
    ),
    Case(
        "postfix-sender-not-owned-at-rcpt",
        {
            "recipient_reply": "553 5.7.1 <alice@example.test>: Sender address rejected: not "
            "owned by user alice"
        },
        "send_refused",
        "sender_refused",
        "refused your address as sender",
    ),
    Case(
        "microsoft-send-as",
        {
            "sender_reply": "550 5.7.60 SMTP; Client does not have permissions to send as this "
            "sender"
        },
        "send_refused",
        "sender_refused",
        "may not send as this address",
    ),
    Case(
        "sender-domain-not-found",
        {
            "sender_reply": "553 5.1.8 <alice@example.test>: Sender address rejected: Domain not "
            "found"
        },
        "send_refused",
        "sender_refused",
        "refused your address as sender",
    ),
    Case(
        "unconfigured-sending-domain",
        {"sender_reply": "550 5.7.1 Unconfigured Sending Domain <example.test>"},
        "send_refused",
        "sender_refused",
        "refused your address as sender",
    ),
    Case(
        "recipient-unknown",
        {
            "recipient_reply": "550 5.1.1 <alice@example.test>: Recipient address rejected: User "
            "unknown in virtual mailbox table"
        },
        "send_refused",
        "recipient_refused",
        "refused your own address as recipient",
    ),
    Case(
        "relay-denied-after-login",
        {"recipient_reply": "554 5.7.1 <alice@example.test>: Relay access denied"},
        "send_refused",
        "recipient_refused",
        "will not pass mail on",
    ),
    Case(
        "postgrey-greylisted",
        {
            "recipient_reply": "450 4.2.0 <alice@example.test>: Recipient address rejected: "
            "Greylisted, see http://postgrey.schweikert.ch/help/example.test.html"
        },
        "temporary",
        "greylisted",
        "greylisting",
    ),
    Case(
        "greylisted-451",
        {"recipient_reply": "451 4.7.1 Please try again later: greylisted for 300 seconds"},
        "temporary",
        "greylisted",
        "greylisting",
    ),
    Case(
        "rate-limited-450",
        {"recipient_reply": "450 4.7.1 Please try again later, rate limited"},
        "temporary",
        "rate_limited",
        "limiting how much you send",
    ),
    Case(
        "gmail-try-again-later-421",
        {"sender_reply": "421 4.7.0 Try again later, closing connection."},
        "temporary",
        "service_unavailable",
        "busy or shutting down",
    ),
    Case(
        "gmail-unusual-rate",
        {
            "sender_reply": "421 4.7.28 Gmail has detected an unusual rate of unsolicited mail. "
            "To protect our users from spam, mail has been temporarily rate limited."
        },
        "temporary",
        "rate_limited",
        "limiting how much you send",
    ),
    Case(
        "oracle-per-minute-limit",
        {"sender_reply": "455 Maximum messages sent per minute reached : limit is 10"},
        "temporary",
        "rate_limited",
        "limiting how much you send",
    ),
    Case(
        "gmail-daily-limit",
        {"sender_reply": "550 5.4.5 Daily user sending limit exceeded."},
        "temporary",
        "rate_limited",
        "limiting how much you send",
    ),
    Case(
        "amazon-ses-rate",
        {"sender_reply": "454 Throttling failure: Maximum sending rate exceeded."},
        "temporary",
        "rate_limited",
        "limiting how much you send",
    ),
    Case(
        "amazon-ses-daily-quota",
        {"sender_reply": "554 Throttling failure: Daily message quota exceeded."},
        "temporary",
        "rate_limited",
        "limiting how much you send",
    ),
    Case(
        "yahoo-deferred-volume",
        {
            "sender_reply": "421 4.7.0 [TSS04] Messages from 127.0.0.1 temporarily deferred due to "
            "unexpected volume or user complaints - 4.16.55.1"
        },
        "temporary",
        "service_unavailable",
        "busy or shutting down",
    ),
    Case(
        "mailbox-full-for-now",
        {"recipient_reply": "452 4.2.2 <alice@example.test>: Mailbox full"},
        "temporary",
        "send_deferred",
        "could not take mail right now",
    ),
    Case(
        "too-many-recipients",
        {"recipient_reply": "452 4.5.3 Error: too many recipients"},
        "temporary",
        "rate_limited",
        "limiting how much you send",
    ),
]


def _probe(port: int, security: str, ca_file: Path, password: bool) -> tuple[int, Any, str]:
    code, out, err = in_process(
        "probe",
        USER,
        "--server",
        HOST,
        "--resolve",
        f"{HOST}=127.0.0.1",
        "--port",
        str(port),
        "--security",
        security,
        "--cafile",
        str(ca_file),
        "--timeout",
        "3",
        "--json",
        *(["--password-stdin"] if password else []),
        stdin=PASSWORD + "\n" if password else "",
    )
    assert "Traceback" not in err
    return code, json.loads(out), err


@pytest.mark.parametrize("case", LOGIN_REPLIES + WANTS_A_LOGIN + SENDING, ids=lambda c: c.id)
def test_reply_is_never_works_and_names_its_cause(
    case: Case, smtp_server: StartSmtp, ca_file: Path
) -> None:
    server = smtp_server(mode="tls", **case.server)
    code, doc, _err = _probe(server.port, "tls", ca_file, case.password)
    assert code == 1
    assert doc["recommended"] is None
    (candidate,) = doc["candidates"]
    assert (candidate["outcome"], candidate["reason"]) == (case.outcome, case.reason)
    assert case.words in candidate["finding"]["headline"]
    assert candidate["finding"]["severity"] != "ok"
    assert " works" not in candidate["finding"]["headline"]
    if case.outcome in ("temporary", "login_needed") and case.reason != "auth_locked":
        assert "Nothing is proven to work yet" in doc["summary"]
    assert "works" not in doc["summary"]
    if case.logins is not None:
        assert [(a.login, a.success) for a in server.seen.attempts] == case.logins


#: Replies before any login: the greeting, EHLO and STARTTLS, from a scripted peer.
EHLO_STARTTLS = b"250-mail.example.test\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS"
CONVERSATION = [
    (
        "greeting-421",
        b"421 4.3.2 Service not available, closing transmission channel",
        {},
        "temporary",
        "service_unavailable",
        "busy or shutting down",
    ),
    (
        "greeting-yahoo-tss04",
        b"421 4.7.0 [TSS04] Messages from 127.0.0.1 temporarily deferred due to unexpected volume "
        b"or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
        {},
        "temporary",
        "service_unavailable",
        "busy or shutting down",
    ),
    (
        "greeting-554-block-list",
        b"554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org",
        {},
        "refused",
        "greeting_rejected",
        "refuses to talk to you",
    ),
    (
        "ehlo-421",
        b"220 mail.example.test ESMTP",
        {"EHLO": b"421 4.7.0 mail.example.test Error: too many connections from 127.0.0.1"},
        "temporary",
        "service_unavailable",
        "busy or shutting down",
    ),
    (
        "starttls-454",
        b"220 mail.example.test ESMTP",
        {"EHLO": EHLO_STARTTLS, "STARTTLS": b"454 4.7.0 TLS not available due to local problem"},
        "temporary",
        "starttls_refused",
        "cannot encrypt the connection right now",
    ),
]


@pytest.mark.parametrize(
    ("greeting", "replies", "outcome", "reason", "words"),
    [case[1:] for case in CONVERSATION],
    ids=[case[0] for case in CONVERSATION],
)
def test_conversation_reply_is_never_works_and_names_its_cause(
    scripted: StartScripted,
    ca_file: Path,
    greeting: bytes,
    replies: dict[str, bytes],
    outcome: str,
    reason: str,
    words: str,
) -> None:
    server = scripted(dialogue(greeting, replies))
    code, doc, _err = _probe(server.port, "starttls", ca_file, password=True)
    assert code == 1
    assert doc["recommended"] is None
    (candidate,) = doc["candidates"]
    assert (candidate["outcome"], candidate["reason"]) == (outcome, reason)
    assert words in candidate["finding"]["headline"]
    sent = [line["text"] for line in candidate["transcript"] if line["dir"] == "C"]
    assert not any(text.startswith(("AUTH", "MAIL")) for text in sent)


def test_mail_refused_until_encrypted(scripted: StartScripted, ca_file: Path) -> None:
    """``530 5.7.0 Must issue a STARTTLS command first`` to a sender without encryption."""
    server = scripted(
        dialogue(
            b"220 mail.example.test ESMTP",
            {
                "EHLO": EHLO_STARTTLS,
                "MAIL": b"530 5.7.0 Must issue a STARTTLS command first",
                "RSET": b"250 2.0.0 Ok",
            },
        )
    )
    code, doc, _err = _probe(server.port, "none", ca_file, password=False)
    assert code == 1
    (candidate,) = doc["candidates"]
    assert (candidate["outcome"], candidate["reason"]) == ("send_refused", "encryption_required")
    assert "only over an encrypted connection" in candidate["finding"]["headline"]
