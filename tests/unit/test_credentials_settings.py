from __future__ import annotations

import json
from pathlib import Path

import pytest
from keyring.backends import chainer
from keyring.backends import fail
from keyring.backends import null

from smtpwizard.core.auth.keyring import CredentialStore
from smtpwizard.core.auth.keyring import lookup_command
from smtpwizard.core.errors import CredentialError
from smtpwizard.core.store.settings import Settings
from smtpwizard.core.store.settings import SettingsStore
from tests.support.keyrings import MemoryKeyring


class PlainFileKeyring(MemoryKeyring):
    priority = 0.5  # like keyrings.alt's plain-text file: not a safe store


def test_a_real_store_saves_loads_and_deletes() -> None:
    store = CredentialStore(MemoryKeyring())
    assert store.status().usable
    store.save("smtp.example.com", "alice", "secret")
    assert store.load("smtp.example.com", "alice") == "secret"
    assert store.delete("smtp.example.com", "alice")
    assert not store.delete("smtp.example.com", "alice")
    assert store.load("smtp.example.com", "alice") is None


@pytest.mark.parametrize(
    ("backend", "words"),
    [
        (fail.Keyring(), "No password store was found"),
        (null.Keyring(), "switched off"),
        (PlainFileKeyring(), "not a safe one"),
    ],
)
def test_unusable_stores_are_explained_and_never_written(backend: object, words: str) -> None:
    store = CredentialStore(backend)
    status = store.status()
    assert not status.usable
    assert words in status.reason
    with pytest.raises(CredentialError, match=words):
        store.save("smtp.example.com", "alice", "secret")
    assert store.load("smtp.example.com", "alice") is None


def test_a_chain_with_a_fail_backend_is_unusable() -> None:
    chain = chainer.ChainerBackend()
    chain.__dict__["backends"] = [fail.Keyring()]
    assert not CredentialStore(chain).status().usable


def test_lookup_command_quotes_for_the_shell() -> None:
    assert lookup_command("a@example.com", "SMTP.Example.com", "a b") == (
        "smtpwizard secret a@example.com --server SMTP.Example.com --username 'a b'"
    )
    assert lookup_command("a@example.com", "smtp.example.com", "a@example.com") == (
        "smtpwizard secret a@example.com --server smtp.example.com"
    )


def test_settings_round_trip(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path)
    settings = Settings()
    for i in range(12):
        settings.remember_address(f"user{i}@example.com", f"User {i}")
    settings.remember_address("user5@example.com")
    store.save(settings)
    loaded = store.load()
    assert loaded.recent_addresses[0] == "user5@example.com"
    assert len(loaded.recent_addresses) == 10
    assert loaded.display_names["user5@example.com"] == "User 5"
    assert (tmp_path / "settings.json").stat().st_mode & 0o077 == 0


def test_a_damaged_settings_file_is_set_aside_not_lost(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text("{not json")
    assert SettingsStore(tmp_path).load() == Settings()
    assert (tmp_path / "settings.json.broken").read_text() == "{not json"


def test_wrong_types_in_settings_fall_back_to_defaults(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text(
        json.dumps({"recent_addresses": "oops", "use_ispdb": "yes", "purpose": "application"})
    )
    loaded = SettingsStore(tmp_path).load()
    assert loaded.recent_addresses == []
    assert loaded.use_ispdb is True
    assert loaded.purpose == "application"


#: The keys and value types of the settings file as versions before the trust and DNS
#: choices wrote and read it.
EARLIER_KEYS = {
    "recent_addresses": list,
    "display_names": dict,
    "purpose": str,
    "send_address": bool,
    "use_ispdb": bool,
    "remember_password": bool,
    "export_formats": dict,
    "window_geometry": str,
    "trusted_certificates": list,
}


def test_the_ca_file_and_dns_servers_are_remembered_in_a_file_earlier_versions_read(
    tmp_path: Path,
) -> None:
    store = SettingsStore(tmp_path)
    settings = Settings(cafile="/etc/company-ca.pem", nameservers=["192.0.2.53", "[::1]:5353"])
    store.save(settings)
    assert store.load() == settings
    data = json.loads((tmp_path / "settings.json").read_text())
    # an earlier loader takes the keys it knows, each of the type it expects, and skips the rest
    assert {key: type(data[key]) for key in EARLIER_KEYS} == EARLIER_KEYS
    earlier = {key: data[key] for key in EARLIER_KEYS}
    (tmp_path / "settings.json").write_text(json.dumps(earlier))
    assert store.load() == Settings()  # and the other way round: the new keys take defaults


def test_damaged_dns_entries_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text(
        json.dumps({"nameservers": ["192.0.2.53", 53, None], "cafile": 7})
    )
    loaded = SettingsStore(tmp_path).load()
    assert loaded.nameservers == ["192.0.2.53"]
    assert loaded.cafile == ""
