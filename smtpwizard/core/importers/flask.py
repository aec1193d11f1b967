"""Flask-Mail's settings (``MAIL_SERVER``…, ``MAIL_USE_TLS``/``MAIL_USE_SSL``)."""

from __future__ import annotations

from collections.abc import Mapping

from smtpwizard.core.i18n import _
from smtpwizard.core.importers.base import Draft
from smtpwizard.core.importers.base import Notes
from smtpwizard.core.importers.base import mail_address
from smtpwizard.core.importers.django import take_flags
from smtpwizard.core.importers.django import take_host
from smtpwizard.core.importers.django import take_port
from smtpwizard.core.importers.envfile import EnvFile
from smtpwizard.core.importers.envfile import env_settings
from smtpwizard.core.importers.values import Setting
from smtpwizard.core.importers.values import live
from smtpwizard.core.importers.values import origin_of
from smtpwizard.core.importers.values import take_password
from smtpwizard.core.login import SignIn

__all__ = ["FLASK_KEYS", "env_flask", "flask_draft"]

FLASK_KEYS = ("MAIL_SERVER", "MAIL_USE_TLS", "MAIL_USE_SSL")


def flask_draft(settings: Mapping[str, Setting], notes: Notes) -> Draft:
    draft = Draft()
    if not take_host(settings.get("MAIL_SERVER"), draft, notes):
        draft.host = "127.0.0.1"
        notes.m(_("no MAIL_SERVER: Flask-Mail's default 127.0.0.1 is assumed"))
    _mode_read, ssl, tls = take_flags(settings, ("MAIL_USE_SSL", "MAIL_USE_TLS"), draft, notes)
    if ssl and tls:
        notes.w(
            _(
                "MAIL_USE_TLS and MAIL_USE_SSL are both True: Flask-Mail then tries STARTTLS "
                "inside an encrypted connection, which fails. Keep only one."
            )
        )
    if ssl is None and tls is None:
        notes.m(_("no MAIL_USE_TLS or MAIL_USE_SSL: no encryption is assumed"))
    if not take_port(settings.get("MAIL_PORT"), draft, notes):
        draft.port = 25
        notes.m(_("no MAIL_PORT: Flask-Mail's default 25 is assumed"))
    user = settings.get("MAIL_USERNAME")
    if user is not None and isinstance(user.value, str) and user.value:
        draft.username = user.value
        notes.r(_("user name {user} ({origin})").format(user=user.value, origin=origin_of(user)))
        live(user, notes)
    take_password(draft, settings.get("MAIL_PASSWORD"), notes)
    draft.auth = SignIn.PASSWORD if draft.username else SignIn.NONE
    sender = settings.get("MAIL_DEFAULT_SENDER")
    if sender is not None:
        value = (
            sender.value[-1] if isinstance(sender.value, tuple) and sender.value else sender.value
        )
        draft.email = mail_address(value)
        if draft.email:
            notes.r(
                _("sender address {email} ({origin})").format(
                    email=draft.email, origin=origin_of(sender)
                )
            )
    return draft


def env_flask(env: EnvFile, notes: Notes) -> Draft:
    keys = (*FLASK_KEYS, "MAIL_PORT", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_DEFAULT_SENDER")
    return flask_draft(env_settings(env, keys), notes)
