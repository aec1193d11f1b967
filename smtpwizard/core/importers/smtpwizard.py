"""smtpwizard's own files: a probe result (``smtpwizard probe --json``, read through
:mod:`smtpwizard.core.document`) and the JSON export.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from smtpwizard.core.errors import ImportFailed
from smtpwizard.core.i18n import _
from smtpwizard.core.importers.base import Draft
from smtpwizard.core.importers.base import ImportResult
from smtpwizard.core.importers.base import Notes
from smtpwizard.core.importers.base import Stamp
from smtpwizard.core.importers.base import ca_file_value
from smtpwizard.core.importers.base import file_label
from smtpwizard.core.importers.base import finish
from smtpwizard.core.importers.base import iso_time
from smtpwizard.core.importers.base import mail_address
from smtpwizard.core.importers.base import mode_words
from smtpwizard.core.importers.base import pinned_note
from smtpwizard.core.importers.base import port_value
from smtpwizard.core.importers.base import security_value
from smtpwizard.core.importers.base import text_value
from smtpwizard.core.model import Protocol
from smtpwizard.core.net.certs import read_fingerprint
from smtpwizard.core.readback import read_document

__all__ = ["parse_json"]


def parse_json(text: str, name: str) -> ImportResult:
    label = file_label(name)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            _("{file} is damaged JSON (line {line}, column {column}: {problem}).").format(
                file=label, line=exc.lineno, column=exc.colno, problem=exc.msg
            )
        ) from None
    except RecursionError:  # valid, but deeper than any file smtpwizard writes
        raise ImportFailed(
            _("{file} is nested too deeply to be a settings file.").format(file=label)
        ) from None
    except ValueError:
        raise ImportFailed(_("{file} is damaged JSON.").format(file=label)) from None
    if isinstance(doc, dict):
        if doc.get("format") == "smtpwizard-settings":
            return _from_json_export(doc, name)
        if "schema" in doc and ("recommended" in doc or "candidates" in doc):
            return _from_probe(doc, name)
    raise ImportFailed(
        _(
            "{file} is JSON, but not a file smtpwizard wrote (a probe result or a JSON export)."
        ).format(file=label)
    )


def _from_probe(doc: dict[str, Any], name: str) -> ImportResult:
    result = read_document(doc)
    notes = Notes()
    email = mail_address(result.email)
    if email:
        notes.r(_("email address {email} (email)").format(email=email))
    drafts: list[Draft] = []
    rec = result.recommended
    if rec is not None:
        draft = Draft(
            host=rec.host,
            port=rec.port,
            security=rec.security,
            username=rec.username,
            email=email,
            auth=rec.mechanism,
        )
        _read_server(notes, draft, "recommended")
        drafts.append(draft)
    else:
        notes.w(
            _(
                "The previous test found no working configuration; the servers it tried "
                "are listed instead."
            )
        )
        seen: set[tuple[object, ...]] = set()
        for entry in result.candidates:
            server = entry.server
            if server.protocol is not Protocol.SMTP:
                continue
            key = (server.host, server.port, server.security)
            if key in seen:
                continue
            seen.add(key)
            draft = Draft(
                host=server.host,
                port=server.port,
                security=server.security,
                username=server.username,
                email=email,
            )
            if draft.host:
                notes.r(
                    _("tried {host} port {port}: {outcome}").format(
                        host=draft.host, port=draft.port, outcome=entry.outcome or "?"
                    )
                )
            drafts.append(draft)
    ca_file = ca_file_value(result.trusted_ca_file)
    if ca_file is not None and drafts:
        notes.r(_("CA file {path} (trust.cafile)").format(path=ca_file))
        for draft in drafts:
            draft.ca_file = ca_file
    rec = result.recommended
    pinned_for = [d for d in drafts if rec is not None and d.host == rec.host]
    if result.pinned_sha256 is not None and pinned_for:
        notes.r(pinned_note(result.pinned_sha256, f"for {pinned_for[0].host}, trust.pinned_sha256"))
        for draft in pinned_for:
            draft.pinned_sha256 = result.pinned_sha256
    if drafts and all(d.security is None or d.port is None for d in drafts):
        notes.w(_("The probe result is damaged: a server has no valid port or encryption."))
    stamp = Stamp(found=True, tested=True, at=result.tested_at, origin=result.tested_from)
    return finish("probe", drafts, notes, "", name, stamp=stamp, previous=MappingProxyType(doc))


def _read_server(notes: Notes, draft: Draft, origin: str) -> None:
    if draft.host:
        notes.r(_("server {host} ({origin})").format(host=draft.host, origin=origin))
    if draft.port:
        notes.r(_("port {port} ({origin})").format(port=draft.port, origin=origin))
    if draft.security:
        notes.r(
            _("encryption {mode} ({origin})").format(mode=mode_words(draft.security), origin=origin)
        )
    if draft.username:
        notes.r(_("user name {user} ({origin})").format(user=draft.username, origin=origin))


def _from_json_export(doc: dict[str, Any], name: str) -> ImportResult:
    notes = Notes()
    smtp = doc.get("smtp")
    if not isinstance(smtp, Mapping):
        smtp = {}
    email = mail_address(doc.get("email"))
    draft = Draft(
        host=text_value(smtp.get("host")),
        port=port_value(smtp.get("port")),
        security=security_value(smtp.get("security")),
        username=text_value(smtp.get("username")),
        email=email,
        auth=text_value(smtp.get("auth_mechanism")),
    )
    _read_server(notes, draft, "smtp")
    draft.ca_file = ca_file_value(smtp.get("ca_file"))
    if draft.ca_file is not None:
        notes.r(_("CA file {path} (smtp.ca_file)").format(path=draft.ca_file))
    pinned = smtp.get("pinned_sha256")
    draft.pinned_sha256 = read_fingerprint(pinned) if isinstance(pinned, str) else None
    if draft.pinned_sha256 is not None:
        notes.r(pinned_note(draft.pinned_sha256, "smtp.pinned_sha256"))
    if email:
        notes.r(_("sender address {email} (email)").format(email=email))
    password = smtp.get("password")
    keyring = smtp.get("password_keyring")
    if isinstance(password, str) and password:
        draft.password = password
        draft.password_source = _("the file")
        notes.r(_("password: written in the file (smtp.password)"))
    elif isinstance(smtp.get("password_env"), str):
        draft.password_source = _("the environment variable {name}").format(
            name=smtp["password_env"]
        )
        notes.r(
            _("password: from the environment variable {name} (smtp.password_env)").format(
                name=smtp["password_env"]
            )
        )
    if isinstance(keyring, Mapping) and isinstance(keyring.get("service"), str):
        if draft.password_source is None:
            draft.password_source = _("the keyring ({service})").format(service=keyring["service"])
        notes.r(
            _("the password may be in the keyring as {service} (smtp.password_keyring)").format(
                service=keyring["service"]
            )
        )
    if draft.username and draft.password is None and draft.password_source is None:
        notes.m(_("no password and no word on where it is"))
    tested = doc.get("tested")
    if not isinstance(tested, Mapping):
        tested = {}
    ok = tested.get("ok") is True
    at = iso_time(tested.get("at_iso")) if ok else None
    origin = text_value(tested.get("from")) if ok else None
    stamp = Stamp(found=True, tested=ok, at=at, origin=origin)
    return finish("json", [draft], notes, "", name, stamp=stamp)
