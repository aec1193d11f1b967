"""Postfix relaying through a server (``/etc/postfix/main.cf``): ``relayhost``, the TLS
level, wrapper mode, the CA file or pinned certificate, and the login from the password
map (its source text file, e.g. ``/etc/postfix/sasl_passwd``, when it can be read).

Read as Postfix reads ``main.cf``: a line that starts with blanks continues the one before,
``#`` starts a comment only at the start of a line, the last assignment of a name wins, and
``$name`` is replaced by that parameter where the file sets it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from smtpwizard.core.errors import ImportFailed
from smtpwizard.core.i18n import _
from smtpwizard.core.importers.base import SERVICE_PORTS
from smtpwizard.core.importers.base import Draft
from smtpwizard.core.importers.base import ImportResult
from smtpwizard.core.importers.base import Notes
from smtpwizard.core.importers.base import ca_file_value
from smtpwizard.core.importers.base import file_label
from smtpwizard.core.importers.base import finish
from smtpwizard.core.importers.base import flag_value
from smtpwizard.core.importers.base import mode_words
from smtpwizard.core.importers.base import pinned_note
from smtpwizard.core.importers.base import port_value
from smtpwizard.core.importers.base import read_bytes
from smtpwizard.core.importers.base import shorten
from smtpwizard.core.importers.base import split_lines
from smtpwizard.core.model import Security
from smtpwizard.core.net.certs import SHA256_BYTES
from smtpwizard.core.net.certs import read_fingerprint
from smtpwizard.core.net.tls import is_system_trust_folder

__all__ = ["looks_like_postfix", "parse_postfix"]

_ASSIGNMENT = re.compile(r"^([A-Za-z0-9_]+)[ \t]*=[ \t]*(.*)$")
_RELAYHOST = re.compile(r"^[ \t]*relayhost[ \t]*=", re.M)
_REFERENCE = re.compile(r"\$(?:\{([A-Za-z0-9_]+)\}|\(([A-Za-z0-9_]+)\)|([A-Za-z0-9_]+))")
#: TLS levels that insist on encryption; "verify" and stronger also check the certificate.
_ENCRYPTED = ("encrypt", "dane", "dane-only", "fingerprint", "verify", "secure")
#: Password map types whose source is a text file of "key value" lines (postmap's input).
_FILE_MAPS = ("hash", "btree", "lmdb", "cdb", "dbm", "sdbm", "texthash")
#: The password map line smtpwizard's own export writes as a comment.
_EXPORTED_MAP_LINE = re.compile(r"^#[ \t]+(\[[^\]\s]+\](?::\S+)?)[ \t]+([^:\s]+):(.*)$")
#: What the export writes in that line when the password was left out.
_PASSWORD_LEFT_OUT = "YOUR-PASSWORD"


def looks_like_postfix(text: str) -> bool:
    """Whether the text is Postfix's main.cf with a relay (a ``relayhost`` assignment)."""
    return bool(_RELAYHOST.search(text))


def parse_postfix(text: str, name: str) -> ImportResult:
    """Reads the relay Postfix sends through."""
    notes = Notes()
    written = _parameters(text)
    values = _expanded(written, notes)
    draft = Draft()
    relay = values.get("relayhost", "").strip()
    if not relay and "$" in written.get("relayhost", ""):
        raise ImportFailed(
            _(
                "{file} sets relayhost = {value}, a parameter this file does not set, so the "
                "relay cannot be read from it."
            ).format(file=file_label(name), value=shorten(written["relayhost"]))
        )
    if not relay:
        raise ImportFailed(
            _(
                "{file} sets relayhost empty: this Postfix delivers mail itself, to each "
                "recipient's own servers, instead of through one server, so there is no relay "
                "to test."
            ).format(file=file_label(name))
        )
    relays = [r for r in re.split(r"[\s,]+", relay) if r]
    if len(relays) > 1:
        notes.w(
            _("relayhost names {count} servers; the first, {relay}, is read.").format(
                count=len(relays), relay=relays[0]
            )
        )
    key = relays[0]
    _read_relay(key, draft, notes)
    _read_security(values, draft, notes)
    if draft.port is None:
        draft.port = 465 if draft.security is Security.TLS else 25
        notes.m(
            _("no port in relayhost: Postfix uses the smtp port, {port}").format(port=draft.port)
        )
    if draft.security is not Security.NONE:
        _read_trust(values, draft, notes)
    _read_login(values, key, draft, notes, text)
    return finish("postfix", [draft], notes, text, name)


def _parameters(text: str) -> dict[str, str]:
    """The file's parameters as written, continuation lines joined; the last assignment of
    a name wins."""
    logical: list[str] = []
    for line in split_lines(text):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0] in " \t" and logical:
            logical[-1] += " " + line.strip()
        else:
            logical.append(line.strip())
    values: dict[str, str] = {}
    for line in logical:
        match = _ASSIGNMENT.match(line)
        if match:
            values[match.group(1)] = match.group(2).strip()
    return values


def _expanded(values: Mapping[str, str], notes: Notes) -> dict[str, str]:
    """The parameters with ``$name`` references in those read here replaced by what the
    file sets."""

    def expand(value: str, depth: int = 0) -> str:
        def one(match: re.Match[str]) -> str:
            key = match.group(1) or match.group(2) or match.group(3)
            if key in values and depth < 5:
                return expand(values[key], depth + 1)
            notes.w(
                _(
                    "${name} is set outside this file (Postfix's default); it is read as empty."
                ).format(name=key)
            )
            return ""

        return _REFERENCE.sub(one, value)

    wanted = ("relayhost", "smtp_sasl_password_maps", "smtp_tls_CAfile", "smtp_tls_CApath")
    return {k: expand(v) if k in wanted and "$" in v else v for k, v in values.items()}


def _read_relay(relay: str, draft: Draft, notes: Notes) -> None:
    """``[host]:port``, ``[host]``, ``host:port`` or ``host`` (Postfix then asks for the
    domain's MX records first)."""
    bracketed = re.fullmatch(r"\[([^\]]+)\](?::(\S+))?", relay)
    if bracketed:
        host, port = bracketed.group(1), bracketed.group(2)
        if host.lower().startswith("ipv6:"):
            host = host[5:]
    else:
        host, _sep, port = relay.partition(":")
        notes.w(
            _(
                "relayhost {relay} has no brackets: Postfix first looks up the mail servers "
                "(MX) of {host} and sends to those; this check tests {host} itself. Write "
                "[{host}] to send to it directly."
            ).format(relay=relay, host=host)
        )
        port = port or None
    if not host or any(c in host for c in "[]"):
        notes.w(_("relayhost “{relay}” names no server.").format(relay=shorten(relay)))
        return
    draft.host = host
    notes.r(_("server {host} (relayhost)").format(host=host))
    if port:
        number = port_value(port) or SERVICE_PORTS.get(port.lower())
        if number is None:
            notes.w(_("relayhost port “{value}” is not a port.").format(value=shorten(port)))
        else:
            draft.port = number
            notes.r(_("port {port} (relayhost)").format(port=number))


def _read_security(values: Mapping[str, str], draft: Draft, notes: Notes) -> None:
    level = values.get("smtp_tls_security_level", "").strip().lower()
    source = "smtp_tls_security_level"
    if not level and flag_value(values.get("smtp_enforce_tls")) is True:
        level, source = "encrypt", "smtp_enforce_tls"
    elif not level and flag_value(values.get("smtp_use_tls")) is True:
        level, source = "may", "smtp_use_tls"
    if flag_value(values.get("smtp_tls_wrappermode")) is True:
        draft.security = Security.TLS
        notes.r(_("encryption SSL/TLS (smtp_tls_wrappermode = yes)"))
        if level not in _ENCRYPTED:
            notes.w(
                _(
                    "smtp_tls_wrappermode needs smtp_tls_security_level = encrypt or stronger; "
                    "with “{level}” Postfix does not send."
                ).format(level=level or "none")
            )
    elif not level or level == "none":
        draft.security = Security.NONE
        if not level:
            notes.m(_("no smtp_tls_security_level: Postfix's default, no encryption, is assumed"))
        else:
            notes.r(
                _("encryption {mode} ({source} = none)").format(
                    mode=mode_words(Security.NONE), source=source
                )
            )
        return
    else:
        draft.security = Security.STARTTLS
        notes.r(
            _("encryption {mode} ({source} = {level})").format(
                mode=mode_words(Security.STARTTLS), source=source, level=level
            )
        )
    if level == "may" and draft.security is Security.STARTTLS:
        notes.w(
            _(
                "{source} = may: when STARTTLS fails, or an attacker hides it, Postfix sends "
                "without encryption, the password too. This check insists on STARTTLS; "
                "smtp_tls_security_level = secure (or encrypt) makes Postfix insist too."
            ).format(source=source)
        )
    elif level == "encrypt":
        notes.w(
            _(
                "{source}: Postfix encrypts but checks no certificate, so anyone on the way "
                "can pose as the server. This check verifies it; smtp_tls_security_level = "
                "secure makes Postfix verify it too."
            ).format(source=f"{source} = encrypt" if source != "smtp_enforce_tls" else source)
        )
    elif level and level not in (*_ENCRYPTED, "may", "none"):
        notes.w(
            _("smtp_tls_security_level = {level} is not a level Postfix knows.").format(
                level=shorten(level)
            )
        )


def _read_trust(values: Mapping[str, str], draft: Draft, notes: Notes) -> None:
    """The CA file (``smtp_tls_CAfile``, or the system's folder in ``smtp_tls_CApath``), or
    the pinned certificate at level ``fingerprint``."""
    level = values.get("smtp_tls_security_level", "").strip().lower()
    if level == "fingerprint":
        digest = values.get("smtp_tls_fingerprint_digest", "sha256").strip().lower()
        matches = [
            m for m in re.split(r"[\s,|]+", values.get("smtp_tls_fingerprint_cert_match", "")) if m
        ]
        pinned = read_fingerprint(matches[0], size=SHA256_BYTES) if matches else None
        if digest == "sha256" and pinned is not None:
            draft.pinned_sha256 = pinned
            notes.r(pinned_note(pinned, "smtp_tls_fingerprint_cert_match"))
        else:
            notes.w(
                _(
                    "smtp_tls_fingerprint_cert_match is not one SHA-256 certificate "
                    "fingerprint; this check verifies the server's certificate as usual."
                )
            )
        return
    ca_file = ca_file_value(values.get("smtp_tls_CAfile"))
    if ca_file is not None:
        draft.ca_file = ca_file
        notes.r(_("CA file {path} (smtp_tls_CAfile)").format(path=ca_file))
    folder = ca_file_value(values.get("smtp_tls_CApath"))
    if folder is not None and not is_system_trust_folder(folder):
        notes.w(
            _(
                "smtp_tls_CApath {path} is a folder of authorities, which this check does "
                "not read: give the authority's certificate file with --cafile if it is "
                "needed."
            ).format(path=folder)
        )


def _read_login(
    values: Mapping[str, str], relay: str, draft: Draft, notes: Notes, text: str
) -> None:
    if flag_value(values.get("smtp_sasl_auth_enable")) is not True:
        notes.m(_("smtp_sasl_auth_enable is not yes: Postfix does not log in"))
        return
    draft.auth = "password"
    mechanisms = values.get("smtp_sasl_mechanism_filter", "").split(",")
    chosen = [m.strip().upper() for m in mechanisms if m.strip()]
    if len(chosen) == 1 and "/" not in chosen[0] and ":" not in chosen[0]:
        draft.auth = chosen[0]
        notes.r(
            _("login method {mechanism} (smtp_sasl_mechanism_filter)").format(mechanism=chosen[0])
        )
    maps = values.get("smtp_sasl_password_maps", "").split(",")
    source = maps[0].strip() if maps and maps[0].strip() else ""
    kind, _sep, path = source.partition(":")
    if not source:
        notes.w(_("smtp_sasl_auth_enable = yes, but no smtp_sasl_password_maps names the login."))
    elif kind.lower() not in _FILE_MAPS or not path.startswith("/"):
        notes.m(
            _(
                "the login is in {map}, which this check cannot read: give it with --username"
            ).format(map=shorten(source))
        )
    else:
        entry = _map_entry(path, relay, notes)
        if entry is not None:
            draft.username, password = entry
            notes.r(_("user name {user} ({path})").format(user=draft.username, path=path))
            if password:
                draft.password = password
                draft.password_source = path
                notes.r(_("password: written in {path}").format(path=path))
            return
    for line in split_lines(text):
        exported = _EXPORTED_MAP_LINE.match(line)
        if exported and exported.group(1) == relay:
            draft.username = exported.group(2)
            notes.r(
                _("user name {user} (smtpwizard's comment on the password map)").format(
                    user=draft.username
                )
            )
            draft.password_source = path
            written = exported.group(3)
            if written and written != _PASSWORD_LEFT_OUT:
                draft.password = written
                draft.password_source = _("the file")
                notes.r(_("password: written in the file (the comment on the password map)"))
            return


def _map_entry(path: str, relay: str, notes: Notes) -> tuple[str, str] | None:
    """The ``user:password`` of the relay in the password map's source file, looked up as
    Postfix does (the relayhost exactly as written, then the host alone)."""
    if not os.path.lexists(path):
        notes.w(_("the password map {path} does not exist.").format(path=path))
        return None
    try:
        data = read_bytes(Path(path), path)
    except ImportFailed as exc:
        notes.m(
            _(
                "the login is in {path}, but {problem} Run as root if it is root's only, or "
                "give the user name and the password."
            ).format(path=path, problem=exc)
        )
        return None
    entries: dict[str, str] = {}
    for line in data.decode("utf-8", "replace").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split(None, 1)
        if len(fields) == 2:
            entries.setdefault(fields[0].lower(), fields[1].strip())
    host = relay.split("]")[0].lstrip("[") if relay.startswith("[") else relay.split(":")[0]
    for key in (relay, f"[{host}]", host):
        found = entries.get(key.lower())
        if found is not None:
            user, _colon, password = found.partition(":")
            return user, password
    notes.w(
        _(
            "the password map {path} has no line for {relay}, so Postfix logs in with nothing."
        ).format(path=path, relay=relay)
    )
    return None
