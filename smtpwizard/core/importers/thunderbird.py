"""Thunderbird: its preferences (``prefs.js``, ``user.js``) and its autoconfig document
(``config-v1.1.xml``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from smtpwizard.core.discovery.vocabulary import AUTH_METHOD
from smtpwizard.core.discovery.vocabulary import AUTHENTICATION
from smtpwizard.core.discovery.vocabulary import SOCKET_TYPE
from smtpwizard.core.discovery.vocabulary import TRY_SSL
from smtpwizard.core.errors import ImportFailed
from smtpwizard.core.i18n import _
from smtpwizard.core.i18n import ngettext
from smtpwizard.core.importers.base import Draft
from smtpwizard.core.importers.base import ImportResult
from smtpwizard.core.importers.base import Notes
from smtpwizard.core.importers.base import file_label
from smtpwizard.core.importers.base import finish
from smtpwizard.core.importers.base import mail_address
from smtpwizard.core.importers.base import mode_words
from smtpwizard.core.importers.base import port_value
from smtpwizard.core.importers.base import read_stamp
from smtpwizard.core.importers.prefs import PrefScanner
from smtpwizard.core.login import SignIn
from smtpwizard.core.model import Security

__all__ = ["parse_prefs", "parse_xml"]


def parse_prefs(text: str, name: str) -> ImportResult:
    notes = Notes()
    user: dict[str, str | int | bool] = {}
    default: dict[str, str | int | bool] = {}
    locked: dict[str, str | int | bool] = {}
    bad: list[int] = []
    order: list[str] = []
    for item in PrefScanner(text).statements():
        if isinstance(item, int):
            bad.append(item)
            continue
        function, pref, value = item
        branch = {"user_pref": user, "lockPref": locked, "lock_pref": locked}.get(function, default)
        branch[pref] = value
        order.append(pref)
    if bad:
        notes.w(
            ngettext(
                "{count} line could not be read as a preference and was skipped (line {line}).",
                "{count} lines could not be read as preferences and were skipped (first at "
                "line {line}).",
                len(bad),
            ).format(count=len(bad), line=bad[0])
        )

    def get(pref: str) -> str | int | bool | None:
        for branch in (locked, user, default):
            if pref in branch:
                return branch[pref]
        return None

    listed_pref = get("mail.smtpservers")
    listed = [k.strip() for k in listed_pref.split(",")] if isinstance(listed_pref, str) else []
    listed = [k for k in dict.fromkeys(listed) if k]
    defined = [
        m.group(1)
        for pref in order
        if (m := re.fullmatch(r"mail\.smtpserver\.([^.]+)\.hostname", pref))
        and m.group(1) != "default"
    ]
    keys = listed + [k for k in dict.fromkeys(defined) if k not in listed]
    if listed:
        notes.r(_("servers {keys} (mail.smtpservers)").format(keys=", ".join(listed)))
    emails = _identity_emails(order, get)
    default_key = get("mail.smtp.defaultserver")
    drafts: list[Draft] = []
    for key in keys:
        notes.prefix = f"{key}: " if len(keys) > 1 else ""
        draft = _thunderbird_server(key, get, notes, listed=bool(listed) and key in listed)
        if draft is None:
            continue
        main = default_key if isinstance(default_key, str) and default_key else keys[0]
        draft.email = emails.get(key) or (emails.get("") if key == main else None)
        if draft.email:
            notes.r(
                _("sender address {email} (the identity using this server)").format(
                    email=draft.email
                )
            )
        drafts.append(draft)
    notes.prefix = ""
    index = 0
    if isinstance(default_key, str) and default_key:
        names = [d.name for d in drafts]
        if default_key in names:
            index = names.index(default_key)
            if len(drafts) > 1:
                notes.r(_("default server {key} (mail.smtp.defaultserver)").format(key=default_key))
        else:
            notes.w(
                _(
                    "mail.smtp.defaultserver names {key}, which is not defined here; the "
                    "first server is assumed."
                ).format(key=default_key)
            )
    elif len(drafts) > 1:
        notes.m(
            _("no mail.smtp.defaultserver: Thunderbird uses the first server, {key}").format(
                key=drafts[0].name
            )
        )
    return finish("thunderbird-prefs", drafts, notes, text, name, default=index)


def _identity_emails(
    order: Sequence[str], get: Callable[[str], str | int | bool | None]
) -> dict[str, str]:
    """Server key → the address of the first identity sending through it ("" = the default)."""
    emails: dict[str, str] = {}
    identities = dict.fromkeys(
        m.group(1)
        for pref in order
        if (m := re.fullmatch(r"mail\.identity\.([^.]+)\.useremail", pref))
    )
    for identity in identities:
        email = mail_address(get(f"mail.identity.{identity}.useremail"))
        server = get(f"mail.identity.{identity}.smtpServer")
        key = server if isinstance(server, str) and server else ""
        if email and key not in emails:
            emails[key] = email
    return emails


def _thunderbird_server(
    key: str, get: Callable[[str], str | int | bool | None], notes: Notes, listed: bool
) -> Draft | None:
    prefix = f"mail.smtpserver.{key}."
    kind = get(prefix + "type")
    if isinstance(kind, str) and kind.lower() != "smtp":
        notes.r(
            _("server type {kind}, not SMTP: left out ({pref})").format(
                kind=kind, pref=prefix + "type"
            )
        )
        return None
    draft = Draft(name=key)
    hostname = get(prefix + "hostname")
    if not isinstance(hostname, str) or not hostname.strip():
        notes.w(
            _("no hostname ({pref}), so this server is left out.").format(pref=prefix + "hostname")
        )
        return None
    draft.host = hostname.strip()
    notes.r(_("server {host} ({pref})").format(host=draft.host, pref=prefix + "hostname"))
    if not listed:
        notes.r(
            _(
                "defined, but not in mail.smtpservers: Thunderbird lists it only once it is "
                "added there"
            )
        )
    try_ssl = get(prefix + "try_ssl")
    try_ssl_pref = prefix + "try_ssl"
    if try_ssl is None:
        try_ssl = get("mail.smtpserver.default.try_ssl")
        try_ssl_pref = "mail.smtpserver.default.try_ssl"
    if try_ssl is None:
        draft.security = Security.NONE
        notes.m(_("no try_ssl: Thunderbird's default, no encryption, is assumed"))
    elif isinstance(try_ssl, int) and not isinstance(try_ssl, bool) and try_ssl in TRY_SSL:
        draft.security = TRY_SSL[try_ssl]
        notes.r(
            _("encryption {mode} ({pref} = {value})").format(
                mode=mode_words(draft.security), pref=try_ssl_pref, value=try_ssl
            )
        )
        if try_ssl == 1:
            notes.w(
                _(
                    "try_ssl = 1 is the old “STARTTLS, if available”: current Thunderbird "
                    "insists on STARTTLS with it, but older versions send the password "
                    "unencrypted when the server does not offer STARTTLS (or an attacker hides "
                    "it). Choose STARTTLS (2) or SSL/TLS (3)."
                )
            )
    else:
        notes.w(
            _("{pref} = {value} is not a known encryption setting.").format(
                pref=try_ssl_pref, value=try_ssl
            )
        )
    port = get(prefix + "port")
    number = port_value(port)
    if number is not None:
        draft.port = number
        notes.r(_("port {port} ({pref})").format(port=number, pref=prefix + "port"))
    elif port in (None, 0, "0", "") and draft.security is not None:
        # Thunderbird's SMTP client (SmtpClient.sys.mjs): 465 for SSL/TLS, else 587.
        draft.port = 465 if draft.security is Security.TLS else 587
        notes.m(
            _("no port: Thunderbird's default for {mode}, {port}, is assumed").format(
                mode=mode_words(draft.security), port=draft.port
            )
        )
    elif port in (None, 0, "0", ""):
        notes.m(_("no port"))
    else:
        notes.w(
            _("{pref} = {value} is not a port number.").format(pref=prefix + "port", value=port)
        )
    method = get(prefix + "authMethod")
    method_pref = prefix + "authMethod"
    if method is None:
        method = get("mail.smtpserver.default.authMethod")
        method_pref = "mail.smtpserver.default.authMethod"
    if method is None:
        draft.auth = SignIn.PASSWORD
        notes.m(_("no authMethod: Thunderbird's default, normal password, is assumed"))
    elif isinstance(method, int) and not isinstance(method, bool) and method in AUTH_METHOD:
        draft.auth = AUTH_METHOD[method]
        notes.r(
            _("login: {auth} ({pref} = {value})").format(
                auth=draft.auth, pref=method_pref, value=method
            )
        )
    else:
        notes.w(
            _("{pref} = {value} is not a known login method.").format(
                pref=method_pref, value=method
            )
        )
    username = get(prefix + "username")
    if isinstance(username, str) and username:
        draft.username = username
        notes.r(_("user name {user} ({pref})").format(user=username, pref=prefix + "username"))
    elif draft.auth not in ("none", None):
        notes.m(_("no user name: Thunderbird asks for one"))
    password = get(prefix + "password")
    if isinstance(password, str) and password:
        # Thunderbird before version 3 kept the password in the prefs.
        draft.password = password
        draft.password_source = _("the file")
        notes.w(
            _("the password is written in the file, unencrypted ({pref}).").format(
                pref=prefix + "password"
            )
        )
    elif draft.auth == "OAuth2":
        draft.password_source = _("an OAuth2 sign-in in Thunderbird")
        notes.r(_("password: none; Thunderbird signs in with OAuth2"))
    elif draft.auth not in ("none", None):
        draft.password_source = _("Thunderbird's saved passwords (not in this file)")
        notes.r(_("password: in Thunderbird's saved passwords, not in this file"))
    return draft


def parse_xml(text: str, name: str) -> ImportResult:
    label = file_label(name)
    try:
        root = SafeET.fromstring(text)
    except SafeET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise ImportFailed(
            _("{file} is damaged XML (line {line}, column {column}).").format(
                file=label, line=line, column=column
            )
        ) from None
    except (DefusedXmlException, ValueError):
        raise ImportFailed(
            _("{file} is XML that smtpwizard does not read safely (it defines entities).").format(
                file=label
            )
        ) from None
    if _local(root.tag) != "clientConfig":
        raise ImportFailed(
            _(
                "{file} is XML, but not a Thunderbird autoconfig file (config-v1.1.xml), "
                "the only XML smtpwizard reads."
            ).format(file=label)
        )
    stamp = read_stamp(text)
    notes = Notes()
    drafts: list[Draft] = []
    servers = [
        e
        for e in root.iter()
        if _local(e.tag) == "outgoingServer" and (e.get("type") or "").lower() == "smtp"
    ]
    for number, server in enumerate(servers, 1):
        notes.prefix = _("outgoing server {n}: ").format(n=number) if len(servers) > 1 else ""
        children: dict[str, list[str]] = {}
        for child in server:
            children.setdefault(_local(child.tag), []).append((child.text or "").strip())
        draft = Draft(name=str(number) if len(servers) > 1 else "")
        draft.host = _child(children, "hostname")
        if draft.host:
            notes.r(_("server {host} (hostname)").format(host=draft.host))
        draft.port = port_value(_child(children, "port"))
        if draft.port:
            notes.r(_("port {port} (port)").format(port=draft.port))
        else:
            notes.m(_("no valid port"))
        for word in children.get("socketType", []):
            if word in SOCKET_TYPE:
                draft.security = SOCKET_TYPE[word]
                notes.r(
                    _("encryption {mode} (socketType {word})").format(
                        mode=mode_words(draft.security), word=word
                    )
                )
                break
        else:
            notes.m(_("no socketType Thunderbird understands"))
        for word in children.get("authentication", []):
            if word in AUTHENTICATION:
                draft.auth = AUTHENTICATION[word]
                break
        username = _child(children, "username")
        if username:
            local, _at, domain = (stamp.email or "").partition("@")
            if stamp.email:
                username = (
                    username.replace("%EMAILADDRESS%", stamp.email)
                    .replace("%EMAILLOCALPART%", local)
                    .replace("%EMAILDOMAIN%", domain)
                )
            if re.search(r"%(?:EMAILADDRESS|EMAILLOCALPART|EMAILDOMAIN|REALNAME)%", username):
                notes.r(
                    _("user name {user}: Thunderbird fills in the account's address").format(
                        user=username
                    )
                )
            else:
                draft.username = username
                notes.r(_("user name {user} (username)").format(user=username))
        if draft.auth not in (None, "none", "OAuth2"):
            draft.password_source = _("Thunderbird asks for it (not in this file)")
        drafts.append(draft)
    notes.prefix = ""
    return finish("thunderbird-xml", drafts, notes, text, name, stamp=stamp)


def _child(children: Mapping[str, list[str]], tag: str) -> str | None:
    values = children.get(tag)
    return values[0] if values else None


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""
