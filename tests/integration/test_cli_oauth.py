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
