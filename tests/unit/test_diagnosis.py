"""Each outcome, in each context that changes its meaning, gets the right finding."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from smtpwizard.core.diagnosis.certificates import interceptor
from smtpwizard.core.diagnosis.common import Context
from smtpwizard.core.diagnosis.findings import explain
from smtpwizard.core.diagnosis.recommend import recommend
from smtpwizard.core.diagnosis.recommend import security_level
from smtpwizard.core.diagnosis.sending import explain_sending
from smtpwizard.core.diagnosis.summary import summarize
from smtpwizard.core.discovery.providers import load
from smtpwizard.core.model import AuthInfo
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Reply
from smtpwizard.core.model import Security
from smtpwizard.core.model import SecurityLevel
from smtpwizard.core.model import SendCheck
from smtpwizard.core.model import Severity
from smtpwizard.core.model import Source
from smtpwizard.core.model import StageName
from smtpwizard.core.model import TlsInfo
from tests.support.results import cert
from tests.support.results import logged_in
from tests.support.results import matrix
from tests.support.results import refused_login
from tests.support.results import result
from tests.support.results import verified_tls

KB = load()
TLS, STARTTLS, NONE = Security.TLS, Security.STARTTLS, Security.NONE


def timeout(port: int, host: str = "mail.example.test") -> object:
    return result(
        port, STARTTLS, Outcome.TIMEOUT, Reason.CONNECT_TIMEOUT, failed=StageName.CONNECT, host=host
    )


# -- network ---------------------------------------------------------------------------------


def test_a_port_that_times_out_while_another_answers_is_blocked_on_the_way() -> None:
    blocked = timeout(25)
    working = result(587)
    finding = explain(blocked, Context([blocked, working]))
    assert finding.headline == "Port 25 is blocked on the way"
    assert "587" in finding.explanation
    assert "normal" in finding.explanation
    assert finding.severity is Severity.WARNING


def test_every_port_timing_out_means_unreachable_from_here() -> None:
    results = [timeout(465), timeout(587), timeout(25)]
    finding = explain(results[1], Context(results))
    assert finding.headline == "mail.example.test cannot be reached from here"
    assert "None of the ports tried (25, 465, 587) answered" in finding.explanation


def test_a_lone_timeout_names_the_port_and_what_networks_do() -> None:
    finding = explain(timeout(587))
    assert "does not answer on port 587" in finding.headline
    assert "Linode" in finding.explanation


def test_refused_means_the_host_answered() -> None:
    refused = result(
        2525, STARTTLS, Outcome.REFUSED, Reason.CONNECTION_REFUSED, failed=StageName.CONNECT
    )
    finding = explain(refused)
    assert finding.headline == "Nothing is listening on port 2525 of mail.example.test"
    assert "The network on the way is fine" in finding.explanation


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        (Reason.NO_SUCH_HOST, "does not exist"),
        (Reason.NO_ADDRESS, "points to no server"),
        (Reason.DNS_TIMEOUT, "could not be looked up"),
        (Reason.DNS_FAILURE, "could not be looked up"),
    ],
)
def test_name_lookups(reason: Reason, words: str) -> None:
    failed = result(587, STARTTLS, Outcome.DNS_ERROR, reason, failed=StageName.RESOLVE)
    assert words in explain(failed).headline
    assert "DNS" in explain(failed).explanation  # the term is explained where it appears


# -- certificates ----------------------------------------------------------------------------


def cert_result(reason: Reason, outcome: Outcome, the_cert: object, code: int) -> object:
    tls = TlsInfo(cert=the_cert, verified=False, error="rejected", verify_code=code)  # type: ignore[arg-type]
    return result(465, TLS, outcome, reason, failed=StageName.TLS, tls=tls)


def test_expired_certificate_names_the_date() -> None:
    expired = cert_result(
        Reason.CERT_EXPIRED,
        Outcome.CERT_EXPIRED,
        cert("mail.example.test", not_after=dt.datetime(2026, 5, 3, tzinfo=dt.UTC)),
        10,
    )
    finding = explain(expired)
    assert finding.headline == "The server's certificate expired on 3 May 2026"
    evidence = dict(finding.evidence)
    assert "2026-05-03" in evidence["valid"]
    assert evidence["fingerprint (SHA-256)"].startswith("AB:")


def test_wrong_name_says_which_names_and_never_to_follow_them() -> None:
    wrong = cert_result(
        Reason.CERT_NAME_MISMATCH,
        Outcome.CERT_NAME_MISMATCH,
        cert("smtp.provider.example", "*.provider.example"),
        62,
    )
    finding = explain(wrong)
    assert finding.headline == (
        "The certificate belongs to smtp.provider.example, *.provider.example, "
        "not to mail.example.test"
    )
    # Following the certificate would send the password to whatever machine it names.
    assert "smtp.provider.example" not in finding.advice
    assert "Do not switch to a name only because the certificate shows it" in finding.advice


@pytest.mark.parametrize(
    ("issuer", "product"),
    [
        ("CN=Avast Web/Mail Shield Root,OU=generated by Avast Antivirus", "Avast"),
        ("CN=Kaspersky Anti-Virus Personal Root Certificate,O=AO Kaspersky Lab", "Kaspersky"),
        ("CN=ESET SSL Filter CA,O=ESET, spol. s r. o.", "ESET"),
        ("CN=Zscaler Root CA,O=Zscaler Inc.", "Zscaler"),
        ("CN=FortiGate CA,O=Fortinet", "Fortinet"),
        ("CN=Sophos SSL CA_C1234,O=Sophos", "Sophos"),
    ],
)
def test_interceptors_are_named_by_their_issuer(issuer: str, product: str) -> None:
    assert product in (interceptor(issuer) or "")
    intercepted = cert_result(
        Reason.CERT_UNKNOWN_ISSUER,
        Outcome.CERT_UNTRUSTED,
        cert("mail.example.test", issuer=issuer),
        19,
    )
    assert product in explain(intercepted).headline


def test_untrusted_and_self_signed_certificates() -> None:
    private = cert_result(
        Reason.CERT_UNKNOWN_ISSUER,
        Outcome.CERT_UNTRUSTED,
        cert("mail.example.test", issuer="CN=Corp Root,O=Corp", issuer_name="Corp Root"),
        20,
    )
    assert (
        explain(private).headline == "The server's certificate is not trusted (issued by Corp Root)"
    )
    own = cert_result(
        Reason.CERT_SELF_SIGNED,
        Outcome.CERT_UNTRUSTED,
        cert("mail.example.test", self_signed=True),
        18,
    )
    assert "made its own" in explain(own).explanation


def test_not_yet_valid_points_at_the_clock() -> None:
    early = cert_result(
        Reason.CERT_NOT_YET_VALID,
        Outcome.CERT_EXPIRED,
        cert("mail.example.test", not_before=dt.datetime(2027, 1, 1, tzinfo=dt.UTC)),
        9,
    )
    finding = explain(early)
    assert "1 January 2027" in finding.headline
    assert "date" in finding.advice


# -- encryption ------------------------------------------------------------------------------


def test_starttls_not_offered_and_masked_by_a_firewall() -> None:
    plain = result(
        587,
        STARTTLS,
        Outcome.NO_STARTTLS,
        Reason.STARTTLS_NOT_OFFERED,
        failed=StageName.STARTTLS,
        starttls_offered=False,
    )
    assert "cannot encrypt" in explain(plain).headline
    masked = result(
        25,
        STARTTLS,
        Outcome.NO_STARTTLS,
        Reason.STARTTLS_NOT_OFFERED,
        failed=StageName.STARTTLS,
        features=("XXXXXXXA", "8BITMIME"),
    )
    assert "Cisco" in explain(masked).explanation


def test_mode_mix_ups_say_which_mode_to_choose() -> None:
    wants_tls = result(
        465, STARTTLS, Outcome.TLS_ERROR, Reason.EXPECTS_IMPLICIT_TLS, failed=StageName.GREETING
    )
    assert explain(wants_tls).advice == "Choose SSL/TLS (sometimes called SSL) for port 465."
    wants_starttls = result(587, TLS, Outcome.TLS_ERROR, Reason.PLAIN_PORT, failed=StageName.TLS)
    assert explain(wants_starttls).advice == "Choose STARTTLS for port 587."


def test_unencrypted_is_flagged_unsafe() -> None:
    insecure = result(587, NONE, Outcome.INSECURE, Reason.UNENCRYPTED, starttls_offered=True)
    finding = explain(insecure)
    assert "unsafe" in finding.headline
    assert finding.severity is Severity.WARNING
    assert "STARTTLS" in finding.advice
    assert security_level(insecure) is SecurityLevel.NONE


# -- login -----------------------------------------------------------------------------------


def test_port_25_offers_no_login_because_it_is_for_relay() -> None:
    relay = result(
        25,
        STARTTLS,
        Outcome.AUTH_UNAVAILABLE,
        Reason.AUTH_NOT_OFFERED,
        failed=StageName.AUTH_MECHANISMS,
        tls=verified_tls(),
    )
    finding = explain(relay)
    assert finding.headline == "Port 25 does not offer login"
    assert "relay" in finding.explanation


@pytest.mark.parametrize(
    ("code", "text", "provider", "words"),
    [
        (535, "5.7.8 Authentication credentials invalid", None, "username or password"),
        (534, "5.7.9 Application-specific password required.", "gmail", "app password"),
        (
            535,
            "5.7.8 Username and Password not accepted. - gsmtp",
            "gmail",
            "Google does not accept your normal password",
        ),
        (535, "5.7.8 Username and Password not accepted.", None, "username or password"),
        (534, "5.7.14 Please log in via your web browser", "gmail", "suspicious"),
        (
            535,
            "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for "
            "the Tenant.",
            "microsoft-365",
            "turned off for this mailbox",
        ),
        (
            535,
            "5.7.139 Authentication unsuccessful, user is locked by your organization's "
            "security defaults policy.",
            "microsoft-365",
            "security defaults",
        ),
        (
            535,
            "5.7.139 Authentication unsuccessful, basic authentication is disabled.",
            "outlook-com",
            "Password sign-in is switched off",
        ),
        (535, "5.7.3 Authentication unsuccessful", "microsoft-365", "Microsoft refused"),
        (
            550,
            "5.7.30 Basic authentication is not supported for Client Submission.",
            "microsoft-365",
            "Password sign-in is switched off",
        ),
        (535, "5.7.0 (#AUTH005) Too many bad auth attempts.", "yahoo", "app password"),
        (454, "4.7.0 Too many login attempts, please try again later.", "gmail", "Too many"),
        (454, "4.7.0 Temporary authentication failure", None, "failed for now"),
        (535, "Authentication failed: Bad username / password", "sendgrid", "SendGrid"),
        (535, "Authentication Credentials Invalid", "amazon-ses", "SES"),
        (535, "5.7.0 Mailgun is not loving your login or password", "mailgun-us", "Mailgun"),
        (535, "5.7.8 nope", "outlook-com", "accepts only its own sign-in"),
    ],
)
def test_login_refusals(code: int, text: str, provider: str | None, words: str) -> None:
    refused = refused_login(text, code)
    finding = explain(refused, Context(provider=KB.get(provider) if provider else None))
    assert words in finding.headline


@pytest.mark.parametrize(
    ("code", "text", "words"),
    [
        (
            535,
            "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for "
            "the Mailbox.",
            "turned off for this mailbox",
        ),
        (535, "5.7.3 Authentication unsuccessful", "did not accept the token"),
        (535, "5.7.8 Username and Password not accepted. BadCredentials", "did not accept"),
    ],
)
def test_token_login_refusals_speak_of_the_sign_in(code: int, text: str, words: str) -> None:
    refused = refused_login(text, code)
    with_token = replace(refused, auth=replace(refused.auth, mechanism="XOAUTH2"))
    finding = explain(with_token, Context(provider=KB.get("microsoft-365")))
    assert words in finding.headline
    assert "password" not in finding.headline.lower()


def test_a_refused_token_is_read_for_what_it_is() -> None:
    refused = replace(refused_login("5.7.8 Invalid credentials"), reason=Reason.TOKEN_REJECTED)
    tried = replace(
        refused.auth,
        mechanism="XOAUTH2",
        username="alice",  # the variant tried after the address
        usernames=("alice@example.test", "alice"),
    )
    finding = explain(replace(refused, auth=tried), Context())
    assert "Sign in again, as alice@example.test:" in finding.advice  # the account, whole
    temporary = replace(
        refused,
        outcome=Outcome.TEMPORARY,
        auth=replace(tried, reply=Reply(454, "4.7.0 Temporary authentication failure")),
    )
    finding = explain(temporary, Context())
    assert "could not check your sign-in just now" in finding.headline
    assert "expired" not in finding.explanation  # not a verdict on the sign-in
    assert "Try again in a few minutes" in finding.advice


def test_password_refusals_where_only_oauth_works_say_smtpwizard_can_sign_in() -> None:
    refused = refused_login(
        "5.7.139 Authentication unsuccessful, basic authentication is disabled."
    )
    finding = explain(refused, Context(provider=KB.get("outlook-com")))
    assert "--auth oauth2" in finding.advice
    assert "app password will not help" in finding.advice


def test_the_providers_own_steps_and_link_are_given() -> None:
    refused = refused_login("5.7.8 Authentication credentials invalid")
    fastmail = KB.get("fastmail")
    assert fastmail is not None
    finding = explain(refused, Context(provider=fastmail))
    assert "app password" in finding.advice
    assert finding.link == fastmail.app_password_url


def test_oauth_only_and_encryption_required() -> None:
    oauth = result(
        587,
        STARTTLS,
        Outcome.AUTH_UNAVAILABLE,
        Reason.OAUTH_ONLY,
        failed=StageName.AUTH_MECHANISMS,
        auth=AuthInfo(("XOAUTH2",), AuthStatus.UNSUPPORTED),
    )
    assert "sign-in, not a password" in explain(oauth).headline
    needs = result(
        587,
        NONE,
        Outcome.AUTH_UNAVAILABLE,
        Reason.ENCRYPTION_REQUIRED,
        failed=StageName.AUTH,
        auth=AuthInfo(
            ("PLAIN",),
            AuthStatus.UNSUPPORTED,
            "PLAIN",
            "a",
            Reply(530, "5.7.0 Must issue a STARTTLS command first"),
            1,
        ),
    )
    finding = explain(needs)
    assert "only over an encrypted connection" in finding.headline
    assert "530 5.7.0" in finding.explanation


# -- sending ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sender", "recipient", "words"),
    [
        (
            Reply(553, "5.7.1 <a@b>: Sender address rejected: not owned by user x"),
            None,
            "refused your address as sender",
        ),
        (
            Reply(550, "5.7.60 SMTP; Client does not have permissions to send as this sender"),
            None,
            "may not send as this address",
        ),
        (Reply(530, "5.7.57 Client not authenticated to send mail"), None, "wants a login"),
        (Reply(250, "OK"), Reply(554, "5.7.1 <a@b>: Relay access denied"), "will not pass mail on"),
        (Reply(250, "OK"), Reply(550, "5.1.1 <a@b>: Recipient address rejected"), "as recipient"),
    ],
)
def test_dry_run_refusals(sender: Reply, recipient: Reply | None, words: str) -> None:
    worked = logged_in()
    refused = result(465, TLS, auth=worked.auth, send=SendCheck(sender, recipient))
    finding = explain_sending(refused)
    assert finding is not None
    assert words in finding.headline
    assert explain(refused).headline == finding.headline  # never "works"


# -- recommendation and summary ----------------------------------------------------------------


def test_recommendation_reasons_level_and_alternatives() -> None:
    best = logged_in(465, TLS, source=Source.PROVIDER)
    other = logged_in(587, STARTTLS, source=Source.PROVIDER)
    rec = recommend(best, "alice@example.test", [best, other], KB.get("gmail"))
    assert rec.level is SecurityLevel.VERIFIED
    assert rec.reasons[:2] == ("it works from here", "encrypted from the first byte (SSL/TLS)")
    assert "Gmail documents it" in rec.reasons
    assert [a.port for a in rec.alternatives] == [587]
    assert rec.username == "alice@example.test"
    assert rec.auth_mechanism == "PLAIN"


def test_a_pinned_certificate_is_encrypted_but_accepted() -> None:
    pinned = logged_in(
        tls=TlsInfo("TLSv1.3", "x", cert("mail.example.test"), verified=False, pinned=True)
    )
    rec = recommend(pinned, "alice@example.test")
    assert rec.level is SecurityLevel.ACCEPTED
    assert any("you chose to trust it" in w for w in rec.warnings)


def test_summary_paragraph_of_a_whole_run() -> None:
    best = logged_in(465, TLS)
    alt = logged_in(587, STARTTLS)
    blocked = timeout(25)
    rec = recommend(best, "alice@example.test", [alt])
    text = summarize(matrix(best, alt, blocked, recommended=rec, best=best))
    assert text == (
        "mail.example.test port 465 with SSL/TLS works (encrypted and verified). "
        "Also working: 587 (STARTTLS). "
        "Port 25 is blocked by your network on the way to the server, which is normal for home "
        "and cloud connections."
    )


def test_summary_when_the_login_is_refused_everywhere() -> None:
    refused = refused_login("5.7.9 Application-specific password required", 534)
    text = summarize(matrix(refused, result(587), rejected=True))
    assert text.startswith(
        "The servers can be reached, but the login was refused: This account needs an app password."
    )


# -- incoming servers get their own ports and protocol in the advice ------------------------------


@pytest.mark.parametrize(
    ("protocol", "port", "security", "reason", "outcome", "wanted"),
    [
        (Protocol.IMAP, 143, STARTTLS, Reason.STARTTLS_NOT_OFFERED, Outcome.REFUSED, "993"),
        (Protocol.POP3, 110, STARTTLS, Reason.STARTTLS_REFUSED, Outcome.REFUSED, "995"),
        (Protocol.POP3, 995, TLS, Reason.HTTP_SERVER, Outcome.REFUSED, "995"),
        (Protocol.IMAP, 993, TLS, Reason.NOT_SMTP_REPLY, Outcome.NOT_SMTP, "(IMAP)"),
        (Protocol.IMAP, 143, NONE, Reason.PLAINTEXT_LOGIN_REFUSED, Outcome.OK, "993"),
        (Protocol.POP3, 995, TLS, Reason.AUTH_NOT_OFFERED, Outcome.REFUSED, "POP3"),
        (Protocol.IMAP, 993, TLS, Reason.GREETING_REJECTED, Outcome.REFUSED, "block list"),
    ],
)
def test_incoming_advice_names_incoming_ports(
    protocol: Protocol,
    port: int,
    security: Security,
    reason: Reason,
    outcome: Outcome,
    wanted: str,
) -> None:
    found = explain(result(port, security, outcome, reason, protocol=protocol))
    text = " ".join((found.headline, found.explanation, found.advice))
    assert wanted in text
    for smtp_only in ("465", "587", "port 25", "SMTP"):
        assert smtp_only not in text


def test_smtp_advice_keeps_submission_ports() -> None:
    found = explain(result(25, STARTTLS, Outcome.REFUSED, Reason.GREETING_REJECTED))
    assert "465 or 587" in found.advice
    found = explain(result(143, STARTTLS, Outcome.REFUSED, Reason.STARTTLS_NOT_OFFERED))
    assert "port 465 with SSL/TLS or port 587 with STARTTLS" in found.advice
