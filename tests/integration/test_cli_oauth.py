"""Signing in with OAuth 2.0 from the command line, as real processes: the address's autoconfig
names the sign-in server (the draft ``<oAuth2>`` element), ``$BROWSER`` plays the person's
browser, a real Secret Service keeps the refresh token between runs, and a real Dovecot
checks every token it is given with the authorization server."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.conftest import USER
from tests.support.certs import CertSet
from tests.support.cli import smtpwizard
from tests.support.consumers import need
from tests.support.consumers import node
from tests.support.consumers import run
from tests.support.consumers import smtpwizard_path
from tests.support.oauthcli import Setup
from tests.support.oauthcli import oauth_cli
from tests.support.oauthd import CLIENT_ID

HOST = "mail.example.test"


@pytest.fixture
def setup(certs: CertSet, tmp_path: Path) -> Iterator[Setup]:
    with oauth_cli(certs, tmp_path) as running:
        yield running


def test_signs_in_in_the_browser_proves_both_ports_then_reuses_the_sign_in(
    setup: Setup,
) -> None:
    first = setup.probe("--auth", "oauth2", "--oauth2-client-id", CLIENT_ID, "--json")
    assert first.returncode == 0, first.stderr + first.stdout
    document = json.loads(first.stdout)
    worked = {
        (c["port"], c["security"], c["auth"]["result"], c["auth"]["mechanism"])
        for c in document["candidates"]
        if c["outcome"] == "ok"
    }
    assert worked == {
        (setup.mail.dovecot.submissions, "tls", "ok", "OAUTHBEARER"),
        (setup.mail.dovecot.submission, "starttls", "ok", "OAUTHBEARER"),
    }
    assert document["recommended"]["port"] == setup.mail.dovecot.submissions
    sign_in = document["sign_in"]
    assert (sign_in["signed_in"], sign_in["flow"], sign_in["stored"]) == (True, "browser", True)
    assert sign_in["client_id"] == CLIENT_ID
    assert sign_in["token_endpoint"] == f"{setup.mail.oauth.issuer}/token"
    assert len(setup.browser_visits()) == 1
    assert "Sign in with" in first.stderr

    second = setup.probe("--auth", "oauth2", "--json")  # the client ID is remembered now
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    assert again["sign_in"]["flow"] == "stored"
    assert again["recommended"]["port"] == setup.mail.dovecot.submissions
    assert len(setup.browser_visits()) == 1  # no browser this time


def test_the_human_report_says_how_it_signed_in(setup: Setup) -> None:
    run = setup.probe("--oauth2-client-id", CLIENT_ID)
    assert run.returncode == 0, run.stderr
    assert "Signed in with OAuth 2.0 in the browser." in run.stdout
    assert "kept in your keyring for next time" in run.stdout
    assert "Recommended settings" in run.stdout


def test_the_token_command_gives_a_fresh_token_that_the_server_takes(setup: Setup) -> None:
    missing = smtpwizard("token", USER, env=setup.env)
    assert missing.returncode == 1
    assert "There is no stored sign-in for alice@example.test" in missing.stderr
    assert missing.stdout == ""
    assert setup.probe("--oauth2-client-id", CLIENT_ID).returncode == 0

    run = smtpwizard("token", USER, env=setup.env)  # no --cafile: the sign-in kept it
    assert run.returncode == 0, run.stderr
    token = run.stdout.strip()
    assert run.stdout == token + "\n"
    assert setup.mail.oauth.state.grants[token].user == USER
    assert len(setup.browser_visits()) == 1

    forgotten = smtpwizard("token", USER, "--forget", env=setup.env)
    assert forgotten.returncode == 0
    assert smtpwizard("token", USER, env=setup.env).returncode == 1


def test_a_revoked_sign_in_makes_the_token_command_fail_plainly(setup: Setup) -> None:
    assert setup.probe("--oauth2-client-id", CLIENT_ID).returncode == 0
    setup.mail.oauth.behaviour.refresh_refused = True
    run = smtpwizard("token", USER, env=setup.env)
    assert run.returncode == 1
    assert run.stderr.startswith("No token for alice@example.test:")
    assert "--auth oauth2" in run.stderr
    assert "Traceback" not in run.stderr


def test_the_device_flow_signs_in_without_a_browser(setup: Setup) -> None:
    args = [
        sys.executable,
        "-m",
        "smtpwizard",
        "probe",
        USER,
        *setup.args("--oauth2-client-id", CLIENT_ID, "--oauth2-flow", "device", "--json"),
    ]
    told: list[str] = []
    code: list[str] = []
    with subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**setup.env, "PYTHONIOENCODING": "utf-8"},
    ) as process:

        def read_stderr() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                told.append(line)
                found = re.search(r"enter the code (\S+)", line)
                if found and not code:
                    code.append(found.group(1))
                    setup.mail.oauth.approve_device(found.group(1))  # the person, elsewhere

        reader = threading.Thread(target=read_stderr)
        reader.start()
        deadline = threading.Timer(60, process.kill)  # a hang fails the test, never blocks it
        deadline.start()
        try:
            out = process.stdout.read() if process.stdout is not None else ""
            process.wait()
        finally:
            deadline.cancel()
            reader.join(timeout=10)
    assert process.returncode == 0, "".join(told)
    assert code, "".join(told)
    document = json.loads(out)
    assert document["sign_in"]["flow"] == "device"
    assert document["recommended"]["port"] == setup.mail.dovecot.submissions
    assert setup.browser_visits() == []


def test_a_wrong_client_id_is_explained_and_nothing_opens(setup: Setup) -> None:
    run = setup.probe("--oauth2-client-id", "not-registered-here")
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "Signing in with OAuth 2.0 did not work" in run.stdout
    assert "client ID" in run.stdout
    assert setup.browser_visits() == []
    as_json = json.loads(setup.probe("--oauth2-client-id", "not-registered-here", "--json").stdout)
    assert as_json["recommended"] is None
    assert as_json["sign_in"]["error"]["problem"] == "client_unknown"
    assert as_json["sign_in"]["error"]["finding"]["headline"]


def test_a_refused_consent_is_explained(setup: Setup) -> None:
    setup.mail.oauth.behaviour.consent = "deny"
    run = setup.probe("--oauth2-client-id", CLIENT_ID, "--json")
    assert run.returncode == 1
    document = json.loads(run.stdout)
    assert document["sign_in"]["error"]["problem"] == "denied"
    assert document["candidates"] == []
    assert len(setup.browser_visits()) == 1


def test_a_password_where_only_oauth_works_gets_the_finding(setup: Setup) -> None:
    run = setup.probe("--password-stdin", "--json", stdin=PASSWORD)
    assert run.returncode == 1, run.stderr
    document = json.loads(run.stdout)
    tested = [c for c in document["candidates"] if c["host"] == HOST]
    assert {c["outcome"] for c in tested} == {"auth_unavailable"}
    headlines = {c["finding"]["headline"] for c in tested}
    assert all("accepts only your provider's own sign-in" in h for h in headlines), headlines
    assert "--auth oauth2" in tested[0]["finding"]["advice"]
    assert setup.browser_visits() == []


def test_the_sources_choose_oauth_when_no_password_is_given(setup: Setup) -> None:
    assert setup.probe("--oauth2-client-id", CLIENT_ID).returncode == 0
    run = setup.probe("--json")  # autoconfig says OAuth2 only; the client ID is remembered
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["sign_in"]["flow"] == "stored"
    discover = smtpwizard("discover", USER, *setup.args(), env=setup.env)
    assert "Sign-in: OAuth 2.0 (sign in with the provider)" in discover.stdout
    assert f"{setup.mail.oauth.issuer}/token" in discover.stdout


def test_a_password_and_oauth_at_once_is_a_usage_error(setup: Setup) -> None:
    run = setup.probe("--auth", "oauth2", "--password-stdin", stdin=PASSWORD)
    assert run.returncode == 2
    assert "--password-stdin" in run.stderr
    assert "Traceback" not in run.stderr


def test_troubleshoot_signs_in_then_shows_the_token_login_step_by_step(setup: Setup) -> None:
    oauth = setup.mail.oauth
    run = smtpwizard(
        "troubleshoot",
        HOST,
        str(setup.mail.dovecot.submission),
        "--username",
        USER,
        "--auth",
        "oauth2",
        "--oauth2-issuer",
        oauth.issuer,
        "--oauth2-client-id",
        CLIENT_ID,
        "--cafile",
        str(setup.certs.ca_file),
        "--resolve",
        f"{HOST}=127.0.0.1",
        "--stop-after",
        "auth",
        env=setup.env,
    )
    assert run.returncode == 0, run.stderr + run.stdout
    assert "Signed in with OAuth 2.0 in the browser." in run.stdout
    assert "AUTH OAUTHBEARER" in run.stdout
    assert "token, hidden" in run.stdout
    tokens = list(oauth.state.grants)
    assert tokens
    assert not [t for t in tokens if t in run.stdout + run.stderr]


def _exported(setup: Setup, folder: Path, name: str) -> Path:
    """The probe's result, signed in with OAuth 2.0, exported as ``name``; the server's name
    in the file then becomes 127.0.0.1 (its certificate names both), since the consumers look
    names up with the machine's resolver, which knows nothing of example.test."""
    probe = setup.probe("--oauth2-client-id", CLIENT_ID, "--json")
    assert probe.returncode == 0, probe.stderr
    result = folder / "result.json"
    result.write_text(probe.stdout, encoding="utf-8")
    target = folder / name
    run = smtpwizard("export", "--format", name, "--input", str(result), "-o", str(target))
    assert run.returncode == 0, run.stderr
    text = target.read_text(encoding="utf-8")
    assert HOST in text
    target.write_text(text.replace(HOST, "127.0.0.1"), encoding="utf-8")
    return target


def _message(subject: str) -> str:
    return f"From: {USER}\nTo: {USER}\nSubject: {subject}\n\nsent with an exported file\n"


def _delivered(setup: Setup, subject: str) -> None:
    messages = setup.mail.relay.seen.messages
    assert [m for m in messages if f"Subject: {subject}" in (m.content or b"").decode()], [
        m.content for m in messages
    ]


def test_msmtp_sends_with_its_export_taking_tokens_from_smtpwizard_token(
    setup: Setup, tmp_path: Path
) -> None:
    msmtp = need("msmtp", "msmtp")
    config = _exported(setup, tmp_path, "msmtp")
    text = config.read_text(encoding="utf-8")
    assert "auth oauthbearer" in text.splitlines()
    assert 'passwordeval "smtpwizard token alice@example.test </dev/null"' in text
    config.chmod(0o600)
    env = {**setup.env, "PATH": smtpwizard_path()}
    grants_before = len(setup.mail.oauth.state.grants)
    sent = run([msmtp, "-C", str(config), USER], env=env, stdin=_message("msmtp oauth"))
    assert sent.returncode == 0, sent.stderr
    _delivered(setup, "msmtp oauth")
    assert len(setup.mail.oauth.state.grants) == grants_before + 1  # a fresh token for msmtp
    assert len(setup.browser_visits()) == 1  # the stored sign-in, no browser


def test_nodemailer_sends_with_its_export_asking_smtpwizard_for_tokens(
    setup: Setup, tmp_path: Path
) -> None:
    module = _exported(setup, tmp_path, "nodemailer")
    text = module.read_text(encoding="utf-8")
    assert 'type: "OAuth2"' in text
    assert "provisionCallback" in text
    env = {**setup.env, "PATH": smtpwizard_path()}
    sent = node(str(module), USER, "nodemailer oauth", env=env)
    assert sent.returncode == 0, sent.stderr
    _delivered(setup, "nodemailer oauth")


def test_formats_that_cannot_sign_in_with_oauth_say_so_instead_of_writing(
    setup: Setup, tmp_path: Path
) -> None:
    _exported(setup, tmp_path, "json")
    for name in ("django", "mobileconfig", "postfix", "dotenv"):
        target = tmp_path / f"refused-{name}"
        args = ["--input", str(tmp_path / "result.json"), "-o", str(target)]
        if name == "mobileconfig":
            args += ["--incoming-server", HOST]
        run_ = smtpwizard("export", "--format", name, *args)
        assert run_.returncode == 2, (name, run_.stderr)
        assert "cannot sign in with OAuth 2.0" in run_.stderr, name
        assert "msmtp" in run_.stderr
        assert not target.exists()


def test_troubleshooting_from_the_msmtp_export_signs_in_with_the_stored_sign_in(
    setup: Setup, tmp_path: Path
) -> None:
    config = _exported(setup, tmp_path, "msmtp")
    run_ = smtpwizard(
        "troubleshoot",
        "--from",
        str(config),
        "--cafile",
        str(setup.certs.ca_file),
        "--stop-after",
        "auth",
        env=setup.env,
    )
    assert run_.returncode == 0, run_.stdout + run_.stderr
    assert "login: an OAuth 2.0 token (OAUTHBEARER" in run_.stdout
    assert "Signed in with OAuth 2.0 with the sign-in stored in your keyring." in run_.stdout
    assert "AUTH OAUTHBEARER" in run_.stdout
    assert len(setup.browser_visits()) == 1


@pytest.mark.parametrize(
    "backend", ["keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"]
)
def test_the_token_command_without_a_usable_keyring_says_so(backend: str, tmp_path: Path) -> None:
    import os

    env = {**os.environ, "PYTHON_KEYRING_BACKEND": backend, "HOME": str(tmp_path)}
    result = smtpwizard("token", USER, env=env)
    assert result.returncode == 1
    assert "no password store smtpwizard can use" in result.stderr
    assert "There is no stored sign-in" not in result.stderr
    assert "Traceback" not in result.stderr
