"""git send-email's configuration (``[sendemail]`` in a git config file)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from smtpwizard.core.i18n import _
from smtpwizard.core.importers.base import SERVICE_PORTS
from smtpwizard.core.importers.base import Draft
from smtpwizard.core.importers.base import ImportResult
from smtpwizard.core.importers.base import Notes
from smtpwizard.core.importers.base import ca_file_value
from smtpwizard.core.importers.base import finish
from smtpwizard.core.importers.base import mail_address
from smtpwizard.core.importers.base import mode_words
from smtpwizard.core.importers.base import port_value
from smtpwizard.core.importers.base import shorten
from smtpwizard.core.importers.base import split_lines
from smtpwizard.core.login import SignIn
from smtpwizard.core.model import Security
from smtpwizard.core.net.tls import is_system_trust_folder

__all__ = ["parse_git"]

_GIT_SECTION_LINE = re.compile(
    r'[ \t]*\[[ \t]*([A-Za-z0-9.-]+)(?:[ \t]+"((?:[^"\\]|\\.)*)")?[ \t]*\][ \t]*(?:[#;].*)?'
)


_GIT_KEY_LINE = re.compile(r"[ \t]*([A-Za-z][A-Za-z0-9-]*)[ \t]*(?:=[ \t]*(.*))?")


def _read_cert_path(value: str, draft: Draft, notes: Notes) -> None:
    """``sendemail.smtpSSLCertPath``: a CA file, a folder of them (the system's own is
    the system's trust), or empty, which turns git's certificate check off."""
    path = ca_file_value(value)
    if path is None:
        notes.w(
            _(
                "sendemail.smtpSSLCertPath is empty: git send-email then checks no "
                "certificate at all, so anyone on the way can pose as the server; this check "
                "verifies it as it should."
            )
        )
    elif is_system_trust_folder(path):
        notes.r(
            _("the system's authorities (sendemail.smtpSSLCertPath = {path})").format(path=path)
        )
    else:
        draft.ca_file = path
        notes.r(_("CA file {path} (sendemail.smtpSSLCertPath)").format(path=path))


def _git_value(raw: str) -> str:
    """A git-config value: quotes joined, escapes read, an unquoted # or ; ends it, and
    blanks outside quotes trimmed at both ends."""
    out: list[tuple[str, bool]] = []
    quoted = False
    chars = iter(raw)
    for char in chars:
        if char == '"':
            quoted = not quoted
        elif char == "\\":
            nxt = next(chars, "")
            out.append(({"n": "\n", "t": "\t", "b": "\b"}.get(nxt, nxt), True))
        elif char in "#;" and not quoted:
            break
        else:
            out.append((char, quoted))
    while out and not out[0][1] and out[0][0].isspace():
        out.pop(0)
    while out and not out[-1][1] and out[-1][0].isspace():
        out.pop()
    return "".join(char for char, _quoted in out)


def parse_git(text: str, name: str) -> ImportResult:
    sections: dict[str, dict[str, tuple[str, int]]] = {}
    current: dict[str, tuple[str, int]] | None = None
    included: list[int] = []
    for number, line in enumerate(split_lines(text), 1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        section = _GIT_SECTION_LINE.fullmatch(line)
        if section:
            head, _dot, dotted = section.group(1).partition(".")
            if head.lower() == "sendemail":
                # [sendemail "work"], or the older [sendemail.work] (its name lower-cased)
                sub = section.group(2) or dotted.lower()
                current = sections.setdefault(sub, {})
            else:
                current = None
                if head.lower() in ("include", "includeif"):
                    included.append(number)
            continue
        if current is None:
            continue
        key = _GIT_KEY_LINE.fullmatch(line)
        if key:
            current[key.group(1).lower()] = (_git_value(key.group(2) or "true"), number)
    notes = Notes()
    drafts: list[Draft] = []
    base = sections.get("", {})
    for sub, values in sections.items():
        merged = {**base, **values} if sub else values
        notes.prefix = f"{sub}: " if sub else ""
        draft = _git_draft(merged, notes)
        draft.name = sub
        drafts.append(draft)
    notes.prefix = ""
    if included:
        notes.m(
            _("the files this one includes ([include], line {line}) are not read").format(
                line=included[0]
            )
        )
    # Without --identity git send-email uses the identity sendemail.identity names, else
    # the plain [sendemail] settings.
    identity = base.get("identity")
    chosen = identity[0] if identity and identity[0] in sections else ""
    default = list(sections).index(chosen) if chosen in sections else 0
    if chosen:
        notes.r(_("identity {name} (sendemail.identity)").format(name=chosen))
    return finish("git-send-email", drafts, notes, text, name, default=default)


def _git_draft(values: Mapping[str, tuple[str, int]], notes: Notes) -> Draft:
    draft = Draft()
    server = values.get("smtpserver")
    if server is None:
        notes.m(_("no smtpServer: git send-email hands the mail to the local sendmail program"))
        return draft
    if server[0].startswith("/"):
        notes.w(_("smtpServer is the program {path}, not an SMTP server.").format(path=server[0]))
        return draft
    draft.host = server[0]
    notes.r(_("server {host} (sendemail.smtpServer)").format(host=server[0]))
    encryption = values.get("smtpencryption")
    word = encryption[0] if encryption else ""
    # git send-email compares the value as written: "TLS" is neither "tls" nor "ssl".
    draft.security = {"ssl": Security.TLS, "tls": Security.STARTTLS}.get(word, Security.NONE)
    if encryption:
        notes.r(
            _("encryption {mode} (sendemail.smtpEncryption = {value})").format(
                mode=mode_words(draft.security), value=encryption[0]
            )
        )
        if word != word.lower() and word.lower() in ("ssl", "tls"):
            notes.w(
                _(
                    "sendemail.smtpEncryption = {value}: git send-email knows only the lower-case "
                    "words “ssl” and “tls”, so it sends without encryption. Write “{word}”."
                ).format(value=word, word=word.lower())
            )
    else:
        notes.m(_("no smtpEncryption: git send-email does not encrypt"))
    port = values.get("smtpserverport")
    if port is not None:
        draft.port = port_value(port[0]) or SERVICE_PORTS.get(port[0].lower())
        if draft.port:
            notes.r(_("port {port} (sendemail.smtpServerPort)").format(port=draft.port))
        else:
            notes.w(_("smtpServerPort “{value}” is not a port.").format(value=shorten(port[0])))
    if draft.port is None:
        draft.port = 465 if draft.security is Security.TLS else 25
        notes.m(
            _("no smtpServerPort: git send-email's default {port} is assumed").format(
                port=draft.port
            )
        )
    cert_path = values.get("smtpsslcertpath")
    if cert_path is not None and draft.security is not Security.NONE:
        _read_cert_path(cert_path[0], draft, notes)
    user = values.get("smtpuser")
    if user and user[0]:
        draft.username = user[0]
        draft.auth = SignIn.PASSWORD
        notes.r(_("user name {user} (sendemail.smtpUser)").format(user=user[0]))
    password = values.get("smtppass")
    if password and password[0]:
        draft.password = password[0]
        draft.password_source = _("the file")
        notes.r(_("password: written in the file (sendemail.smtpPass)"))
    elif draft.username:
        draft.password_source = _("git's credential helper, or a prompt")
    sender = values.get("from")
    if sender and mail_address(sender[0]):
        draft.email = mail_address(sender[0])
        notes.r(_("sender address {email} (sendemail.from)").format(email=draft.email))
    return draft
