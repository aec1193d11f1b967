"""Laravel's ``MAIL_*`` settings, as the framework versions read them."""

from __future__ import annotations

import re

from smtpwizard.core.i18n import _
from smtpwizard.core.importers.base import Draft
from smtpwizard.core.importers.base import Notes
from smtpwizard.core.importers.base import mail_address
from smtpwizard.core.importers.base import mode_words
from smtpwizard.core.importers.base import port_value
from smtpwizard.core.importers.base import shorten
from smtpwizard.core.importers.envfile import EnvFile
from smtpwizard.core.importers.envfile import from_environment
from smtpwizard.core.importers.symfony import read_dsn
from smtpwizard.core.importers.values import Setting
from smtpwizard.core.importers.values import take_password
from smtpwizard.core.login import SignIn
from smtpwizard.core.model import Security
from smtpwizard.core.model import implied_security

__all__ = ["env_laravel"]


def _laravel_value(env: EnvFile, key: str) -> str | None:
    """A variable as Laravel's env() returns it: ``null`` and ``(null)`` mean unset, and one
    pair of quotes around the whole value is taken off (so ``"true"`` is the word, not
    the truth value)."""
    if key not in env.assignments:
        return None
    value = env.assignments[key][0]
    if value.strip().lower() in ("null", "(null)", "", "empty", "(empty)"):
        return None
    quoted = _QUOTED.fullmatch(value)
    return quoted.group(2) if quoted else value


#: A value in a pair of quotes of one kind, which env() takes off.
_QUOTED = re.compile(r"(['\"])(.*)\1", re.DOTALL)


def env_laravel(env: EnvFile, notes: Notes) -> Draft:
    draft = Draft()
    mailer = _laravel_value(env, "MAIL_MAILER") or _laravel_value(env, "MAIL_DRIVER")
    mailer_key = "MAIL_MAILER" if "MAIL_MAILER" in env.assignments else "MAIL_DRIVER"
    if mailer is None:
        notes.m(
            _(
                "no MAIL_MAILER: config/mail.php decides (log, which sends nothing, in "
                "Laravel 11 and later; smtp before)"
            )
        )
    elif mailer.lower() != "smtp":
        notes.w(
            _(
                "{key}={mailer}: Laravel does not send over SMTP with this, so the MAIL_HOST "
                "settings are not used. Set {key}=smtp to use them."
            ).format(key=mailer_key, mailer=mailer)
        )
    url = _laravel_value(env, "MAIL_URL")
    if url:
        dsn = read_dsn(url, env.references.get("MAIL_URL", []), notes, "MAIL_URL")
        if dsn is not None:
            return dsn
    host = _laravel_value(env, "MAIL_HOST")
    if host is not None:
        refs = env.references.get("MAIL_HOST", [])
        if refs:
            notes.env("MAIL_HOST", refs[0])
        else:
            draft.host = host
            notes.r(_("server {host} (MAIL_HOST)").format(host=host))
    port_text = _laravel_value(env, "MAIL_PORT")
    if port_text is not None and from_environment(env, "MAIL_PORT", notes):
        pass
    elif port_text is not None:
        draft.port = port_value(port_text)
        if draft.port is None:
            notes.w(_("MAIL_PORT “{value}” is not a port number.").format(value=shorten(port_text)))
        else:
            notes.r(_("port {port} (MAIL_PORT)").format(port=draft.port))
    else:
        notes.m(
            _(
                "no MAIL_PORT: config/mail.php's default applies (2525 in Laravel 11 and "
                "later, 587 before)"
            )
        )
    scheme = _laravel_value(env, "MAIL_SCHEME")
    encryption = _laravel_value(env, "MAIL_ENCRYPTION")
    if scheme is not None:
        lower = scheme.lower()
        if lower == "smtps":
            draft.security = Security.TLS
            notes.r(
                _("encryption {mode} (MAIL_SCHEME=smtps)").format(mode=mode_words(Security.TLS))
            )
            if draft.port is not None and draft.port != 465:
                notes.w(
                    _(
                        "MAIL_SCHEME=smtps is implicit TLS (SSL/TLS), but port {port} usually "
                        "expects STARTTLS (MAIL_SCHEME=smtp)."
                    ).format(port=draft.port)
                )
        elif lower == "smtp":
            draft.security = implied_security(draft.port)
            notes.r(
                _("encryption {mode} (MAIL_SCHEME=smtp with port {port})").format(
                    mode=mode_words(draft.security), port=draft.port or "?"
                )
            )
        else:
            notes.w(
                _(
                    "MAIL_SCHEME={scheme} is not a scheme Laravel accepts: only smtp or smtps "
                    "(implicit TLS). For STARTTLS write MAIL_SCHEME=smtp."
                ).format(scheme=scheme)
            )
            draft.security = implied_security(draft.port)
    elif draft.port is not None:
        draft.security = implied_security(draft.port)
        notes.m(
            _("no MAIL_SCHEME: Laravel decides by the port, {port}: {mode}").format(
                port=draft.port, mode=mode_words(draft.security)
            )
        )
    if draft.security is Security.STARTTLS:
        notes.m(
            _(
                "Laravel uses STARTTLS when the server offers it, but does not insist: if it "
                "is not offered, the mail goes unencrypted"
            )
        )
    if encryption is not None:
        _laravel_encryption(encryption, scheme, draft.port, notes)
    user = _laravel_value(env, "MAIL_USERNAME")
    if user is not None:
        refs = env.references.get("MAIL_USERNAME", [])
        if refs:
            notes.env("MAIL_USERNAME", refs[0])
        else:
            draft.username = user
            notes.r(_("user name {user} (MAIL_USERNAME)").format(user=user))
    else:
        notes.m(_("no MAIL_USERNAME: Laravel does not log in"))
    password = _laravel_value(env, "MAIL_PASSWORD")
    if password is not None:
        secret_refs = tuple(env.references.get("MAIL_PASSWORD", []))
        take_password(draft, Setting(password, "MAIL_PASSWORD", refs=secret_refs), notes)
    draft.auth = SignIn.PASSWORD if draft.username else SignIn.NONE
    sender = mail_address(_laravel_value(env, "MAIL_FROM_ADDRESS"))
    if sender:
        draft.email = sender
        notes.r(_("sender address {email} (MAIL_FROM_ADDRESS)").format(email=sender))
    return draft


def _laravel_encryption(
    encryption: str, scheme: str | None, port: int | None, notes: Notes
) -> None:
    lower = encryption.lower()
    if scheme is not None:
        notes.r(
            _(
                "MAIL_ENCRYPTION={value} is for Laravel 10 and older configs; MAIL_SCHEME "
                "decides here"
            ).format(value=encryption)
        )
        return
    if lower == "tls" and port == 465:
        notes.w(
            _(
                "MAIL_ENCRYPTION=tls with port 465: Laravel 12 ignores MAIL_ENCRYPTION (it reads "
                "MAIL_SCHEME); both old and new Laravel use implicit TLS (SSL/TLS) on port 465, "
                "so add MAIL_SCHEME=smtps to say so."
            )
        )
    elif lower == "tls":
        notes.w(
            _(
                "MAIL_ENCRYPTION=tls: Laravel 12 ignores MAIL_ENCRYPTION (it reads "
                "MAIL_SCHEME); on port {port} both old and new Laravel use STARTTLS when the "
                "server offers it."
            ).format(port=port or "?")
        )
    elif lower == "ssl":
        notes.w(
            _(
                "MAIL_ENCRYPTION=ssl has had no effect since Laravel 9: the port decides "
                "(465 implicit TLS, else STARTTLS when offered). For implicit TLS on another "
                "port write MAIL_SCHEME=smtps."
            )
        )
    else:
        notes.w(
            _("MAIL_ENCRYPTION={value} is not a value Laravel knows.").format(
                value=shorten(encryption)
            )
        )
