"""The trust a test needed, from the probe's run to the document to every export, and the
``smtpwizard secret`` command that exports run for the password."""

from __future__ import annotations

import argparse
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from smtpwizard.cli import secret as secret_cli
from smtpwizard.core.auth.keyring import CredentialStore
from smtpwizard.core.auth.keyring import keyring_service
from smtpwizard.core.exporters.base import ExportConfig
from smtpwizard.core.exporters.base import ExportOptions
from smtpwizard.core.exporters.base import export_caveats
from smtpwizard.core.exporters.base import registry
from smtpwizard.core.exporters.base import trust_notice
from smtpwizard.core.importers.reader import parse_settings
from smtpwizard.core.model import Security
from smtpwizard.core.net.certs import issued_by_file
from smtpwizard.core.net.certs import parse_certificate
from smtpwizard.core.readback import read_document
from tests.support.certs import CertSet
from tests.support.exportconfig import EMAIL
from tests.support.exportconfig import make_config
from tests.support.exportparse import parse_msmtprc
from tests.support.exportparse import parse_phpmailer
from tests.support.exportparse import parse_properties
from tests.support.exportparse import parse_ruby_smtp_settings
from tests.support.keyrings import MemoryKeyring

CA = "/srv/ca/company-ca.pem"
PIN = ":".join(["AB"] * 32)


def render(name: str, config: ExportConfig) -> str:
    out = registry()[name].render(config, ExportOptions())
    return out.decode("utf-8") if isinstance(out, bytes) else out


def with_ca(security: Security = Security.STARTTLS) -> ExportConfig:
    return replace(make_config(security), ca_file=CA)


def pinned(security: Security = Security.STARTTLS) -> ExportConfig:
    return replace(make_config(security), pinned_sha256=PIN)


# --- the CA file and the document -------------------------------------------------------------


def _der(leaf: object) -> bytes:
    import ssl

    pem = leaf.cert_chain_pems[0].bytes().decode()  # type: ignore[attr-defined]
    return ssl.PEM_cert_to_DER_cert(pem)


def test_a_ca_file_anchors_only_the_chains_it_issued(certs: CertSet, tmp_path: Path) -> None:
    good = parse_certificate(_der(certs.good))
    stranger = parse_certificate(_der(certs.unknown_ca))
    assert issued_by_file(str(certs.ca_file), [good])
    assert not issued_by_file(str(certs.ca_file), [stranger])
    assert not issued_by_file(str(tmp_path / "missing.pem"), [good])
    (tmp_path / "junk.pem").write_text("not a certificate")
    assert not issued_by_file(str(tmp_path / "junk.pem"), [good])


def _document(trust: object, **tls: object) -> dict[str, object]:
    return {
        "email": EMAIL,
        "recommended": {"host": "smtp.example.test", "port": 587, "security": "starttls"},
        "candidates": [
            {
                "host": "smtp.example.test",
                "port": 587,
                "security": "starttls",
                "outcome": "ok",
                "tls": {"cert": {"fingerprint_sha256": PIN}, **tls},
            }
        ],
        "trust": trust,
        "password_ascii": False,
    }


def test_the_reader_takes_the_ca_file_only_when_the_server_needed_it() -> None:
    needed = read_document(_document({"cafile": CA, "cafile_needed": True}))
    assert (needed.ca_file, needed.pinned_sha256, needed.password_ascii) == (CA, None, False)
    assert read_document(_document({"cafile": CA, "cafile_needed": False})).ca_file is None
    assert read_document(_document("damaged")).ca_file is None


def test_the_reader_finds_the_pin_in_the_trust_record_or_the_candidate() -> None:
    assert read_document(_document({"pinned_sha256": PIN.lower()})).pinned_sha256 == PIN
    # Documents older than the trust record: the candidate's certificate, trusted by hand.
    assert read_document(_document(None, pinned=True)).pinned_sha256 == PIN
    assert read_document(_document(None, pinned=False)).pinned_sha256 is None
    assert read_document(_document({"pinned_sha256": "not a fingerprint"})).pinned_sha256 is None


def test_a_probe_result_read_as_settings_trusts_its_pinned_certificate() -> None:
    text = json.dumps({"schema": 1, **_document({"pinned_sha256": PIN})})
    account = parse_settings(text, "result.json").default_account
    assert account.pins == (("smtp.example.test", PIN),)


# --- what each export does with it -----------------------------------------------------------


@pytest.mark.parametrize("security", [Security.TLS, Security.STARTTLS])
def test_formats_that_can_name_the_ca_file_do(security: Security) -> None:
    config = with_ca(security)
    assert parse_msmtprc(render("msmtp", config))["default"]["tls_trust_file"] == CA
    postfix = render("postfix", config)
    assert "smtp_tls_security_level = secure\n" in postfix
    assert f"smtp_tls_CAfile = {CA}\n" in postfix
    assert f'smtpSSLCertPath = "{CA}"' in render("git-send-email", config)
    assert f"'cafile' => '{CA}'" in render("phpmailer", config)
    assert f'fs.readFileSync("{CA}")' in render("nodemailer", config)
    assert parse_ruby_smtp_settings(render("rails", config))["ca_file"] == CA
    spring = parse_properties(render("spring-boot", config))
    assert spring["spring.ssl.bundle.pem.smtpwizard.truststore.certificate"] == f"file:{CA}"
    assert spring["spring.mail.ssl.bundle"] == "smtpwizard"
    assert json.loads(render("json", config))["smtp"]["ca_file"] == CA
    assert f"SMTP_CA_FILE={CA}" in render("dotenv", config)


@pytest.mark.parametrize(
    "name",
    sorted(
        n
        for n, e in registry().items()
        if not e.carries_ca and e.family != "settings sheet" and n != "flask-mail"
    ),
)
def test_formats_that_cannot_name_the_ca_file_say_so(name: str) -> None:
    text = render(name, with_ca())
    assert CA in text
    assert "cannot" in text
    assert trust_notice(registry()[name], with_ca()) is not None


def test_formats_that_can_pin_the_certificate_do() -> None:
    config = pinned()
    account = parse_msmtprc(render("msmtp", config))["default"]
    assert account["tls_fingerprint"] == PIN
    assert "tls_trust_file" not in account
    postfix = render("postfix", config)
    assert "smtp_tls_security_level = fingerprint\n" in postfix
    assert f"smtp_tls_fingerprint_cert_match = {PIN}\n" in postfix
    php = render("phpmailer", config)
    assert "'peer_fingerprint' => ['sha256' => '" + "ab" * 32 + "']" in php
    assert parse_phpmailer(php)["Host"] == "smtp.example.test"


@pytest.mark.parametrize("name", ["msmtp", "dotenv", "json"])
def test_a_pinned_export_read_back_trusts_the_same_certificate(name: str) -> None:
    """What fix-a-setup and ``troubleshoot --from`` read from an export that trusts one
    certificate by hand: that certificate, for that server (msmtp and the .env name no CA
    file beside it: msmtp's fingerprint outweighs one)."""
    imported = parse_settings(render(name, replace(pinned(), ca_file=CA)), f"exported.{name}")
    account = imported.default_account
    assert account.pinned_sha256 == PIN
    assert account.pins == ((account.host, PIN),)
    assert account.ca_file is None or name == "json"


@pytest.mark.parametrize(
    ("line", "pin", "warning"),
    [
        (f"tls_fingerprint {PIN.lower()}", PIN, None),
        ("tls_fingerprint " + "AB" * 32, PIN, None),
        ("tls_fingerprint " + ":".join(["12"] * 20), None, "is a SHA-1 fingerprint"),
        ("tls_fingerprint " + ":".join(["12"] * 16), None, "is a MD5 fingerprint"),
        ("tls_fingerprint 12:34:zz", None, "is not a certificate fingerprint"),
        ("tls_certcheck off", None, "msmtp accepts any certificate here"),
    ],
)
def test_msmtp_certificate_checks_are_read(line: str, pin: str | None, warning: str | None) -> None:
    text = f"account default\nhost smtp.example.test\ntls on\n{line}\n"
    imported = parse_settings(text, "msmtprc")
    assert imported.default_account.pinned_sha256 == pin
    if warning is None:
        assert imported.warnings == ()
    else:
        assert any(warning in w for w in imported.warnings), imported.warnings


def test_a_pin_without_encryption_is_no_pin() -> None:
    text = f"account default\nhost smtp.example.test\ntls off\ntls_fingerprint {PIN}\n"
    assert parse_settings(text, "msmtprc").default_account.pins == ()


@pytest.mark.parametrize(
    "name", sorted(n for n, e in registry().items() if not e.carries_pin and n != "flask-mail")
)
def test_formats_that_cannot_pin_say_so(name: str) -> None:
    assert PIN in render(name, pinned())
    assert trust_notice(registry()[name], pinned()) is not None


def test_flask_mail_says_it_checks_no_certificate_at_all() -> None:
    for config in (make_config(), with_ca(), pinned()):
        assert "accepts any certificate" in render("flask-mail", config)
    assert trust_notice(registry()["flask-mail"], with_ca()) is not None


def test_no_notice_without_encryption_or_special_trust() -> None:
    assert trust_notice(registry()["thunderbird-userjs"], make_config()) is None
    plain = replace(make_config(Security.NONE), ca_file=CA)
    assert trust_notice(registry()["thunderbird-userjs"], plain) is None
    assert trust_notice(registry()["msmtp"], with_ca()) is None


@pytest.mark.parametrize("name", ["django", "django-email-url", "flask-mail"])
def test_python_exports_warn_about_a_password_beyond_ascii(name: str) -> None:
    assert "UnicodeEncodeError" in render(name, replace(make_config(), password_ascii=False))
    assert "UnicodeEncodeError" not in render(name, replace(make_config(), password_ascii=True))


@pytest.mark.parametrize("name", ["django", "django-email-url", "flask-mail"])
def test_python_exports_warn_about_a_login_beyond_ascii(name: str) -> None:
    exporter = registry()[name]
    config = make_config(username="jörg@example.test")
    text = render(name, config)
    assert "Warning: the user name has characters beyond plain ASCII" in text
    [caveat] = export_caveats(exporter, config, ExportOptions())
    assert caveat.startswith("the user name has characters beyond plain ASCII")
    assert export_caveats(exporter, make_config(), ExportOptions()) == []


def test_keyring_comments_say_what_is_stored() -> None:
    stored = render("msmtp", replace(make_config(), password_stored=True))
    assert "smtpwizard stored the password in your keyring" in stored
    missing = render("msmtp", replace(make_config(), password_stored=False))
    assert "No password is stored in your keyring for this login yet" in missing
    assert "--store" in missing
    unknown = render("msmtp", make_config())
    assert "If smtpwizard stored the password" in unknown


def test_spring_checks_the_server_name_and_rails_insists_on_starttls() -> None:
    spring = parse_properties(render("spring-boot", make_config()))
    assert spring["spring.mail.properties.mail.smtp.ssl.checkserveridentity"] == "true"
    rails = render("rails", make_config())
    assert "Mail::SMTP::DEFAULTS.key?(:enable_starttls)" in rails


# --- smtpwizard secret -----------------------------------------------------------------------


def run_secret(*argv: str, backend: MemoryKeyring, stdin: str = "") -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    secret_cli.add_parser(parser.add_subparsers())
    out, err = io.StringIO(), io.StringIO()
    code = secret_cli.run(
        parser.parse_args(["secret", *argv]),
        io.StringIO(stdin),
        out,
        err,
        store=CredentialStore(backend),
    )
    return code, out.getvalue(), err.getvalue()


def test_secret_prints_the_stored_password_and_nothing_else() -> None:
    backend = MemoryKeyring()
    backend.set_password(keyring_service("smtp.example.test"), EMAIL, "pw ß")
    assert run_secret(EMAIL, "--server", "smtp.example.test", backend=backend) == (0, "pw ß\n", "")
    backend.set_password(keyring_service("smtp.example.test"), "alice", "other")
    code, out, _err = run_secret(
        EMAIL, "--server", "SMTP.example.test", "--username", "alice", backend=backend
    )
    assert (code, out) == (0, "other\n")


def test_secret_says_in_one_line_when_nothing_is_stored() -> None:
    code, out, err = run_secret(EMAIL, "--server", "smtp.example.test", backend=MemoryKeyring())
    assert (code, out) == (1, "")
    assert err.count("\n") == 1
    assert "No password is stored" in err


def test_secret_without_a_password_store_says_so_in_its_own_words() -> None:
    from keyring.backends import fail

    parser = argparse.ArgumentParser()
    secret_cli.add_parser(parser.add_subparsers())
    err = io.StringIO()
    code = secret_cli.run(
        parser.parse_args(["secret", EMAIL, "--server", "smtp.example.test"]),
        io.StringIO(),
        io.StringIO(),
        err,
        store=CredentialStore(fail.Keyring()),
    )
    assert code == 1
    assert "No stored password can be read" in err.getvalue()
    assert "type it each time" not in err.getvalue()  # the words for saving, not reading


def test_secret_stores_a_password_from_standard_input() -> None:
    backend = MemoryKeyring()
    code, out, _err = run_secret(
        EMAIL, "--server", "smtp.example.test", "--store", backend=backend, stdin="s3cret\n"
    )
    assert (code, out) == (0, "")
    assert backend.entries == {(keyring_service("smtp.example.test"), EMAIL): "s3cret"}
    # The server as the probe names it (no trailing dot), so that both find the same entry
    run_secret(EMAIL, "--server", "smtp.example.test.", "--store", backend=backend, stdin="new\n")
    assert backend.entries == {(keyring_service("smtp.example.test"), EMAIL): "new"}


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["--server", "smtp.example.test:587"], "", "not a valid server name"),
        (["--server", "smtp.example.test", "--store"], "p\udcffss\n", "not UTF-8"),
    ],
)
def test_secret_refuses_what_it_cannot_use(argv: list[str], stdin: str, message: str) -> None:
    from smtpwizard.cli.common import UsageError
    from smtpwizard.core.errors import InvalidInput

    backend = MemoryKeyring()
    with pytest.raises((InvalidInput, UsageError), match=message):
        run_secret(EMAIL, *argv, backend=backend, stdin=stdin)
    assert backend.entries == {}


def test_secret_needs_the_server(tmp_path: Path) -> None:
    from tests.support.cli import smtpwizard

    run = smtpwizard("secret", EMAIL)
    assert run.returncode == 2
    assert "--server" in run.stderr
    assert run.stdout == ""
    assert smtpwizard("secret", "not an address", "--server", "x").returncode == 2
