"""Generic ``SMTP_*`` variables in a ``.env`` file."""

from __future__ import annotations

from collections.abc import Sequence

from smtpwizard.core.i18n import _
from smtpwizard.core.importers.base import Draft
from smtpwizard.core.importers.base import Notes
from smtpwizard.core.importers.base import ca_file_value
from smtpwizard.core.importers.base import flag_value
from smtpwizard.core.importers.base import mail_address
from smtpwizard.core.importers.base import mode_words
from smtpwizard.core.importers.base import pinned_note
from smtpwizard.core.importers.base import port_value
from smtpwizard.core.importers.base import shorten
from smtpwizard.core.importers.envfile import EnvFile
from smtpwizard.core.importers.envfile import from_environment
from smtpwizard.core.importers.values import Setting
from smtpwizard.core.importers.values import take_password
from smtpwizard.core.login import SignIn
from smtpwizard.core.model import Security
from smtpwizard.core.model import implied_security
from smtpwizard.core.net.certs import read_fingerprint

__all__ = ["env_generic"]

_GENERIC_HOST = ("SMTP_HOST", "SMTP_SERVER", "SMTP_HOSTNAME", "SMTP_ADDRESS")


_GENERIC_USER = ("SMTP_USERNAME", "SMTP_USER", "SMTP_LOGIN")


_GENERIC_PASSWORD = ("SMTP_PASSWORD", "SMTP_PASS")


_GENERIC_FROM = ("SMTP_FROM", "SMTP_FROM_EMAIL", "SMTP_FROM_ADDRESS", "SMTP_SENDER")


def _first(env: EnvFile, keys: Sequence[str]) -> tuple[str, str] | None:
    for key in keys:
        if key in env.assignments and env.assignments[key][0].strip():
            return key, env.assignments[key][0]
    return None


def env_generic(env: EnvFile, notes: Notes) -> Draft:
    draft = Draft()
    host = _first(env, _GENERIC_HOST)
    if host is not None:
        refs = env.references.get(host[0], [])
        if refs:
            notes.env(host[0], refs[0])
        else:
            draft.host = host[1].strip()
            notes.r(_("server {host} ({key})").format(host=draft.host, key=host[0]))
    port = _first(env, ("SMTP_PORT",))
    if port is not None and from_environment(env, port[0], notes):
        pass
    elif port is not None:
        draft.port = port_value(port[1])
        if draft.port is None:
            notes.w(_("SMTP_PORT “{value}” is not a port number.").format(value=shorten(port[1])))
        else:
            notes.r(_("port {port} (SMTP_PORT)").format(port=draft.port))
    else:
        notes.m(_("no SMTP_PORT"))
    draft.security = _generic_security(env, draft.port, notes)
    ca_file = _first(env, ("SMTP_CA_FILE",))
    if ca_file is not None and draft.security is not Security.NONE:
        draft.ca_file = ca_file_value(ca_file[1])
        if draft.ca_file is not None:
            notes.r(_("CA file {path} (SMTP_CA_FILE)").format(path=draft.ca_file))
    pinned = _first(env, ("SMTP_TLS_FINGERPRINT_SHA256",))
    if pinned is not None and pinned[1].strip() and draft.security is not Security.NONE:
        draft.pinned_sha256 = read_fingerprint(pinned[1])
        if draft.pinned_sha256 is None:
            notes.w(
                _("SMTP_TLS_FINGERPRINT_SHA256 “{value}” is not a SHA-256 fingerprint.").format(
                    value=shorten(pinned[1])
                )
            )
        else:
            notes.r(pinned_note(draft.pinned_sha256, "SMTP_TLS_FINGERPRINT_SHA256"))
    user = _first(env, _GENERIC_USER)
    if user is not None and not from_environment(env, user[0], notes):
        draft.username = user[1]
        notes.r(_("user name {user} ({key})").format(user=user[1], key=user[0]))
    password = _first(env, _GENERIC_PASSWORD)
    if password is not None:
        secret_refs = tuple(env.references.get(password[0], []))
        take_password(draft, Setting(password[1], password[0], refs=secret_refs), notes)
    draft.auth = SignIn.PASSWORD if draft.username else None
    sender = _first(env, _GENERIC_FROM)
    if sender is not None and mail_address(sender[1]):
        draft.email = mail_address(sender[1])
        notes.r(_("sender address {email} ({key})").format(email=draft.email, key=sender[0]))
    return draft


_SECURITY_WORDS = {
    "tls": Security.TLS,
    "ssl": Security.TLS,
    "ssl/tls": Security.TLS,
    "implicit": Security.TLS,
    "smtps": Security.TLS,
    "starttls": Security.STARTTLS,
    "none": Security.NONE,
    "plain": Security.NONE,
    "off": Security.NONE,
    "false": Security.NONE,
    "no": Security.NONE,
}


def _generic_security(env: EnvFile, port: int | None, notes: Notes) -> Security | None:
    """The encryption of an ``SMTP_*`` .env, in the spellings apps use for it."""
    security = _first(env, ("SMTP_SECURITY",))
    if security is not None:
        mode = _SECURITY_WORDS.get(security[1].strip().lower())
        if mode is not None:
            notes.r(
                _("encryption {mode} (SMTP_SECURITY={value})").format(
                    mode=mode_words(mode), value=security[1]
                )
            )
            return mode
        notes.w(
            _("SMTP_SECURITY={value} is not tls, starttls or none.").format(
                value=shorten(security[1])
            )
        )
    for key in ("SMTP_ENCRYPTION", "SMTP_SECURE"):
        entry = _first(env, (key,))
        if entry is None:
            continue
        word = entry[1].strip().lower()
        flag = flag_value(word)
        if word == "tls":
            # PHPMailer and most PHP apps: "tls" is STARTTLS, "ssl" implicit TLS.
            mode = Security.STARTTLS
        elif flag is True and key == "SMTP_SECURE":
            # Nodemailer's secure: true is implicit TLS.
            mode = Security.TLS
        elif flag is False and key == "SMTP_SECURE":
            mode = Security.STARTTLS if port != 25 else Security.NONE
        else:
            mode = _SECURITY_WORDS.get(word)
        if mode is None:
            notes.w(
                _("{key}={value} is not an encryption setting smtpwizard knows.").format(
                    key=key, value=shorten(entry[1])
                )
            )
            continue
        notes.r(
            _("encryption {mode} ({key}={value})").format(
                mode=mode_words(mode), key=key, value=entry[1]
            )
        )
        if mode is Security.TLS and port not in (None, 465):
            notes.w(
                _(
                    "{key}={value} means implicit TLS (SSL/TLS), but port {port} usually "
                    "expects STARTTLS."
                ).format(key=key, value=entry[1], port=port)
            )
        return mode
    for key, mode in (
        ("SMTP_SSL", Security.TLS),
        ("SMTP_USE_SSL", Security.TLS),
        ("SMTP_STARTTLS", Security.STARTTLS),
        ("SMTP_TLS", None),
        ("SMTP_USE_TLS", None),
    ):
        entry = _first(env, (key,))
        if entry is None or not flag_value(entry[1]):
            continue
        chosen = mode or (implied_security(port))
        notes.r(
            _("encryption {mode} ({key}={value})").format(
                mode=mode_words(chosen), key=key, value=entry[1]
            )
        )
        if mode is None:
            notes.m(
                _("{key} does not say which kind of TLS: {mode} is assumed from the port").format(
                    key=key, mode=mode_words(chosen)
                )
            )
        return chosen
    if port is None:
        notes.m(_("no encryption setting and no port: smtpwizard tries the usual ones"))
        return None
    guess = implied_security(port)
    notes.m(
        _("no encryption setting: {mode} is assumed from port {port}").format(
            mode=mode_words(guess), port=port
        )
    )
    return guess
