"""Symfony Mailer's DSN (``MAILER_DSN``, also Laravel's ``MAIL_URL``)."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Sequence

from smtpwizard.core.i18n import _
from smtpwizard.core.importers.base import Draft
from smtpwizard.core.importers.base import Notes
from smtpwizard.core.importers.base import flag_value
from smtpwizard.core.importers.base import mode_words
from smtpwizard.core.importers.base import port_value
from smtpwizard.core.importers.envfile import EnvFile
from smtpwizard.core.importers.values import REFERENCE
from smtpwizard.core.login import SignIn
from smtpwizard.core.model import Security

__all__ = ["env_symfony", "read_dsn"]


def env_symfony(env: EnvFile, notes: Notes) -> Draft:
    value = env.assignments["MAILER_DSN"][0]
    draft = read_dsn(value, env.references.get("MAILER_DSN", []), notes, "MAILER_DSN")
    return draft if draft is not None else Draft()


def read_dsn(value: str, refs: Sequence[str], notes: Notes, key: str) -> Draft | None:
    """A Symfony Mailer DSN (``MAILER_DSN``, Laravel's ``MAIL_URL``)."""
    whole = REFERENCE.fullmatch(value.strip())
    if whole:
        notes.env(key, whole.group(1))
        return None
    match = re.fullmatch(r"([A-Za-z][A-Za-z0-9+.-]*)://(.*)", value.strip(), re.S)
    if match is None:
        notes.w(_("{key} is not a mail DSN (scheme://...).").format(key=key))
        return None
    scheme, rest = match.group(1).lower(), match.group(2)
    if scheme not in ("smtp", "smtps"):
        notes.w(
            _(
                "{key} uses the {scheme} transport, not plain SMTP; smtpwizard cannot test it."
            ).format(key=key, scheme=scheme)
        )
        return None
    authority, _slash, tail = rest.partition("/")
    authority, _q, query_text = authority.partition("?")
    if not query_text:
        query_text = tail.partition("?")[2]
    userinfo, at, hostport = authority.rpartition("@")
    if not at:
        hostport, userinfo = authority, ""
    host_match = re.fullmatch(r"(\[[^\]]*\]|[^:]*)(?::([^:]*))?", hostport)
    draft = Draft()
    if host_match is None:
        notes.w(_("{key} names no server.").format(key=key))
        return None
    draft.host = urllib.parse.unquote(host_match.group(1)) or None
    if draft.host:
        notes.r(_("server {host} ({key})").format(host=draft.host, key=key))
    port_text = host_match.group(2)
    query = urllib.parse.parse_qs(query_text)
    auto_tls = flag_value(query.get("auto_tls", [""])[0]) if "auto_tls" in query else None
    require_tls = flag_value(query.get("require_tls", [""])[0]) if "require_tls" in query else None
    if port_text:
        draft.port = port_value(port_text)
        if draft.port is None:
            notes.w(_("the port in {key} is not a number.").format(key=key))
        else:
            notes.r(_("port {port} ({key})").format(port=draft.port, key=key))
    if scheme == "smtps" or draft.port == 465:
        draft.security = Security.TLS
    elif draft.port is None and port_text is None and (draft.host or "") != "localhost":
        draft.security = Security.TLS
        draft.port = 465
        notes.m(
            _("no port in {key}: Symfony then uses implicit TLS (SSL/TLS) on port 465").format(
                key=key
            )
        )
    elif auto_tls is False:
        draft.security = Security.NONE
    else:
        draft.security = Security.STARTTLS
        if not require_tls:
            notes.m(
                _(
                    "smtp:// uses STARTTLS when the server offers it, but does not insist: if "
                    "it is not offered, the mail goes unencrypted"
                )
            )
    if draft.port is None and draft.security is not None and port_text is None:
        draft.port = 465 if draft.security is Security.TLS else 25
    notes.r(
        _("encryption {mode} ({scheme}:// in {key})").format(
            mode=mode_words(draft.security), scheme=scheme, key=key
        )
    )
    user, colon, password = userinfo.partition(":")
    if user:
        draft.username = urllib.parse.unquote(user)
        notes.r(_("user name {user} ({key})").format(user=draft.username, key=key))
    if colon and password:
        ref = REFERENCE.fullmatch(password)
        if ref and ref.group(1) in refs:
            draft.password_source = _("the environment variable {name}").format(name=ref.group(1))
            notes.r(
                _("password: from the environment variable {name} ({key})").format(
                    name=ref.group(1), key=key
                )
            )
        else:
            draft.password = urllib.parse.unquote(password)
            draft.password_source = _("the file")
            notes.r(_("password: written in the file ({key})").format(key=key))
    draft.auth = SignIn.PASSWORD if draft.username else SignIn.NONE
    return draft
