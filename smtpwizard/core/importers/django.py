"""Django's mail settings (``EMAIL_HOST``…, ``EMAIL_USE_TLS``/``EMAIL_USE_SSL``) and django-
environ's ``EMAIL_URL``."""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

from smtpwizard.core.i18n import _
from smtpwizard.core.importers.base import Draft
from smtpwizard.core.importers.base import Notes
from smtpwizard.core.importers.base import flag_value
from smtpwizard.core.importers.base import mail_address
from smtpwizard.core.importers.base import mode_words
from smtpwizard.core.importers.base import port_value
from smtpwizard.core.importers.base import shorten
from smtpwizard.core.importers.envfile import EnvFile
from smtpwizard.core.importers.envfile import env_settings
from smtpwizard.core.importers.values import UNKNOWN
from smtpwizard.core.importers.values import Setting
from smtpwizard.core.importers.values import live
from smtpwizard.core.importers.values import origin_of
from smtpwizard.core.importers.values import take_password
from smtpwizard.core.login import SignIn
from smtpwizard.core.model import Security

__all__ = [
    "DJANGO_KEYS",
    "django_draft",
    "django_url_settings",
    "env_django",
    "take_flags",
    "take_host",
    "take_port",
]

DJANGO_KEYS = (
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_URL",
)


def django_url_settings(url: str) -> dict[str, Any]:
    """An ``EMAIL_URL`` as django-environ (and dj-email-url) turn it into settings.

    ``smtps://`` and ``smtp+tls://`` mean STARTTLS there, ``smtp+ssl://`` implicit TLS;
    dj-email-url adds ``submission://`` (STARTTLS, port 587) and ``?ssl=``/``?tls=``.
    """
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return {"_url": url, "EMAIL_HOST": UNKNOWN, "_error": "damaged"}
    scheme = parts.scheme.lower()
    settings: dict[str, Any] = {
        "_url": url,
        "_scheme": scheme,
        "EMAIL_HOST": parts.hostname or "",
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": urllib.parse.unquote(parts.username) if parts.username else "",
        "EMAIL_HOST_PASSWORD": urllib.parse.unquote(parts.password) if parts.password else "",
        "EMAIL_USE_TLS": scheme in ("smtps", "smtp+tls", "submission", "submit"),
        "EMAIL_USE_SSL": scheme == "smtp+ssl",
    }
    if scheme in ("submission", "submit") and port is None:
        settings["EMAIL_PORT"] = 587
    query = urllib.parse.parse_qs(parts.query)
    for key, values in query.items():
        upper = key.upper()
        if upper in ("EMAIL_USE_TLS", "EMAIL_USE_SSL") and values:
            settings[upper] = flag_value(values[0]) is True
        elif key in ("ssl", "tls") and values and flag_value(values[0]):
            settings["EMAIL_USE_SSL"] = key == "ssl"
            settings["EMAIL_USE_TLS"] = key == "tls"
    return settings


def django_draft(settings: Mapping[str, Setting], notes: Notes) -> Draft:
    settings = dict(settings)
    url = settings.get("EMAIL_URL")
    if url is not None and isinstance(url.value, str) and url.value:
        _django_url(url, settings, notes)
    elif url is not None and url.env:
        live(url, notes)
    draft = Draft()
    backend = settings.get("EMAIL_BACKEND")
    if (
        backend is not None
        and isinstance(backend.value, str)
        and not backend.value.endswith("smtp.EmailBackend")
    ):
        notes.w(
            _(
                "EMAIL_BACKEND is {backend}: Django does not send mail over SMTP with it, "
                "so the mail settings below are not used."
            ).format(backend=backend.value)
        )
    if not take_host(settings.get("EMAIL_HOST"), draft, notes) and url is None:
        draft.host = "localhost"
        notes.m(_("no EMAIL_HOST: Django's default localhost is assumed"))
    security, ssl, tls = take_flags(settings, ("EMAIL_USE_SSL", "EMAIL_USE_TLS"), draft, notes)
    if ssl and tls:
        notes.w(
            _(
                "EMAIL_USE_TLS and EMAIL_USE_SSL are both True: Django refuses to send "
                "(“mutually exclusive”). Keep EMAIL_USE_SSL for port 465, EMAIL_USE_TLS "
                "otherwise."
            )
        )
    if ssl is None and tls is None:
        notes.m(_("no EMAIL_USE_TLS or EMAIL_USE_SSL: Django's default, no encryption, is assumed"))
    port = settings.get("EMAIL_PORT")
    if not take_port(port, draft, notes):
        if port is not None and port.known:
            notes.w(
                _("EMAIL_PORT “{value}” is not a port number.").format(
                    value=shorten(str(port.value))
                )
            )
        elif port is not None:
            live(port, notes)
        from_url = port is not None and port.origin == "EMAIL_URL"
        draft.port = 465 if from_url and security is Security.TLS else 25
        if from_url:
            notes.m(
                _("no port in EMAIL_URL: Python's default for {mode}, {port}, is assumed").format(
                    mode=mode_words(security), port=draft.port
                )
            )
        else:
            notes.m(_("no EMAIL_PORT: Django's default 25 is assumed"))
    user = settings.get("EMAIL_HOST_USER")
    if user is not None and isinstance(user.value, str) and user.value:
        draft.username = user.value
        notes.r(_("user name {user} ({origin})").format(user=user.value, origin=origin_of(user)))
        live(user, notes)
    elif user is not None and user.env and not user.known:
        live(user, notes)
    else:
        notes.m(_("no EMAIL_HOST_USER: Django does not log in"))
    take_password(draft, settings.get("EMAIL_HOST_PASSWORD"), notes)
    draft.auth = SignIn.PASSWORD if draft.username else SignIn.NONE
    sender = settings.get("DEFAULT_FROM_EMAIL")
    if sender is not None and isinstance(sender.value, str):
        draft.email = mail_address(sender.value)
        if draft.email:
            notes.r(
                _("sender address {email} ({origin})").format(
                    email=draft.email, origin=origin_of(sender)
                )
            )
    return draft


def take_host(setting: Setting | None, draft: Draft, notes: Notes) -> bool:
    """Reads the server from a Django or Flask-Mail setting; ``False`` when it names none."""
    if setting is None:
        return False
    if setting.known:
        draft.host = str(setting.value)
        notes.r(_("server {host} ({origin})").format(host=draft.host, origin=origin_of(setting)))
    if setting.known or setting.env:
        live(setting, notes)
        return True
    return False


def take_port(setting: Setting | None, draft: Draft, notes: Notes) -> bool:
    """Reads the port from a Django or Flask-Mail setting; ``False`` when it gives none."""
    number = port_value(setting.value) if setting is not None else None
    if setting is None or number is None:
        return False
    draft.port = number
    notes.r(_("port {port} ({origin})").format(port=number, origin=origin_of(setting)))
    live(setting, notes)
    return True


def take_flags(
    settings: Mapping[str, Setting], keys: tuple[str, str], draft: Draft, notes: Notes
) -> tuple[Security, bool | None, bool | None]:
    """Reads the encryption from a pair of (SSL, TLS) flags, as Django and Flask-Mail have:
    the mode, and each flag as the file gives it."""
    ssl_setting, tls_setting = settings.get(keys[0]), settings.get(keys[1])
    ssl = _django_flag(ssl_setting, notes)
    tls = _django_flag(tls_setting, notes)
    security = Security.TLS if ssl else Security.STARTTLS if tls else Security.NONE
    draft.security = security
    _flags_read(security, ssl_setting, tls_setting, keys, notes)
    return security, ssl, tls


def _flags_read(
    security: Security,
    ssl: Setting | None,
    tls: Setting | None,
    keys: tuple[str, str],
    notes: Notes,
) -> None:
    """Says which setting gave the encryption (Django's and Flask-Mail's pair of flags)."""
    given = ssl if security is Security.TLS else tls if security is Security.STARTTLS else None
    if given is not None:
        key = keys[0] if security is Security.TLS else keys[1]
        where = _("{key} = True").format(key=key) if given.origin != "EMAIL_URL" else "EMAIL_URL"
        notes.r(_("encryption {mode} ({where})").format(mode=mode_words(security), where=where))
    elif ssl is not None or tls is not None:
        notes.r(_("no encryption ({ssl} and {tls} are off)").format(ssl=keys[0], tls=keys[1]))


def _django_url(url: Setting, settings: dict[str, Setting], notes: Notes) -> None:
    values = django_url_settings(str(url.value))
    scheme = values.get("_scheme", "")
    origin = "EMAIL_URL"
    if values.get("_error") or not values.get("EMAIL_HOST"):
        notes.w(_("EMAIL_URL is not a mail URL with a server in it."))
        return
    if scheme not in ("smtp", "smtps", "smtp+tls", "smtp+ssl", "submission", "submit"):
        notes.w(
            _("EMAIL_URL uses {scheme}://, which does not send over SMTP.").format(
                scheme=scheme or "?"
            )
        )
        return
    if scheme == "smtps":
        notes.w(
            _(
                "EMAIL_URL uses smtps://, which django-environ and dj-email-url read as "
                "STARTTLS (not implicit TLS, as elsewhere). smtp+tls:// or smtp+ssl:// say "
                "which one is meant."
            )
        )
    notes.r(_("mail URL {scheme}:// ({origin})").format(scheme=scheme, origin=origin_of(url)))
    for key, value in values.items():
        if not key.startswith("EMAIL_"):
            continue
        if key in ("EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD") and not value and key in settings:
            # A login set next to the URL counts when the URL has none.
            continue
        settings[key] = Setting(value, origin, url.env, url.refs)
    live(url, notes)


def _django_flag(setting: Setting | None, notes: Notes) -> bool | None:
    if setting is None:
        return None
    if setting.value is UNKNOWN or setting.value is None:
        live(setting, notes)
        return None
    value = flag_value(setting.value)
    if value is None:
        notes.w(
            _("{key} = “{value}” is not True or False.").format(
                key=setting.origin, value=shorten(str(setting.value))
            )
        )
    if setting.origin != "EMAIL_URL":
        live(setting, notes)
    return value


def env_django(env: EnvFile, notes: Notes) -> Draft:
    keys = (*DJANGO_KEYS, "DEFAULT_FROM_EMAIL", "EMAIL_BACKEND")
    return django_draft(env_settings(env, keys), notes)
