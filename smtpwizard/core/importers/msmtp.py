"""msmtp's configuration (``~/.msmtprc``): its accounts, defaults and ``account default``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

from smtpwizard.core.i18n import _
from smtpwizard.core.importers.base import Draft
from smtpwizard.core.importers.base import ImportResult
from smtpwizard.core.importers.base import Notes
from smtpwizard.core.importers.base import ca_file_value
from smtpwizard.core.importers.base import finish
from smtpwizard.core.importers.base import host_value
from smtpwizard.core.importers.base import mail_address
from smtpwizard.core.importers.base import mode_words
from smtpwizard.core.importers.base import pinned_note
from smtpwizard.core.importers.base import shorten
from smtpwizard.core.importers.base import split_lines
from smtpwizard.core.login import SignIn
from smtpwizard.core.model import Security
from smtpwizard.core.net.certs import SHA256_BYTES
from smtpwizard.core.net.certs import read_fingerprint

__all__ = ["looks_like_msmtp", "parse_msmtp"]

_MSMTP_COMMANDS = frozenset(
    {
        "defaults",
        "account",
        "host",
        "port",
        "source_ip",
        "proxy_host",
        "proxy_port",
        "socket",
        "timeout",
        "connect_timeout",
        "protocol",
        "domain",
        "auth",
        "user",
        "password",
        "passwordeval",
        "ntlmdomain",
        "tls",
        "tls_starttls",
        "tls_trust_file",
        "tls_crl_file",
        "tls_fingerprint",
        "tls_key_file",
        "tls_cert_file",
        "tls_certcheck",
        "tls_min_dh_prime_bits",
        "tls_priorities",
        "tls_host_override",
        "tls_force_sslv3",
        "from",
        "from_full_name",
        "allow_from_override",
        "auto_from",
        "maildomain",
        "dsn_notify",
        "dsn_return",
        "add_missing_from_header",
        "add_missing_date_header",
        "remove_bcc_headers",
        "undisclosed_recipients",
        "logfile",
        "logfile_time_format",
        "syslog",
        "aliases",
        "set_from_header",
        "set_date_header",
        "set_msgid_header",
        "eval",
        "keepbcc",
    }
)


def _msmtp_lines(text: str) -> Iterator[tuple[int, str, str]]:
    """``(line number, command, argument)`` as msmtp splits each line.

    Only lines whose first non-blank character is ``#`` are comments; the argument is the
    rest of the line, blanks at its ends and one pair of enclosing double quotes removed.
    """
    for number, line in enumerate(split_lines(text), 1):
        stripped = line.strip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        blank = re.search(r"[ \t]", stripped)
        if blank is None:
            yield number, stripped, ""
        else:
            yield number, stripped[: blank.start()], _msmtp_trim(stripped[blank.end() :])


def _msmtp_trim(text: str) -> str:
    text = text.strip(" \t")
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1]
    return text


def looks_like_msmtp(text: str) -> bool:
    total = known = 0
    anchors = False
    for _number, command, _arg in _msmtp_lines(text):
        total += 1
        if command in _MSMTP_COMMANDS:
            known += 1
            anchors = anchors or command in ("host", "account")
        if total >= 400:
            break
    return anchors and known * 10 >= total * 8


@dataclass
class _MsmtpAccount:
    name: str
    line: int
    effective: dict[str, tuple[str, int]] = field(default_factory=dict)
    explicit: dict[str, tuple[str, int]] = field(default_factory=dict)
    parents: list[str] = field(default_factory=list)
    own: bool = False
    """Whether the account sets anything itself (else it is another's alias)."""


def parse_msmtp(text: str, name: str) -> ImportResult:
    notes = Notes()
    defaults: dict[str, tuple[str, int]] = {}
    accounts: dict[str, _MsmtpAccount] = {}
    current: _MsmtpAccount | None = None
    in_defaults = False
    started = False
    for number, command, arg in _msmtp_lines(text):
        if command == "defaults":
            in_defaults, current, started = True, None, True
            continue
        if command == "account":
            started, in_defaults = True, False
            current = _msmtp_account(arg, number, defaults, accounts, notes)
            continue
        if not started:
            # msmtp before accounts existed: settings at the top form the account "default".
            started = True
            current = accounts.setdefault("default", _MsmtpAccount("default", number))
        if in_defaults:
            defaults[command] = (arg, number)
        elif current is not None:
            current.effective[command] = (arg, number)
            current.explicit[command] = (arg, number)
            current.own = True
    drafts: list[Draft] = []
    for account in accounts.values():
        notes.prefix = f"{account.name}: " if len(accounts) > 1 else ""
        alias = len(account.parents) == 1 and not account.own
        # An alias ("account default : work") says nothing the parent's lines did not.
        drafts.append(_msmtp_draft(account, Notes() if alias else notes))
    notes.prefix = ""
    names = list(accounts)
    if "default" in accounts:
        index = names.index("default")
    else:
        index = 0
        if len(names) > 1:
            notes.m(
                _(
                    "no account named default: msmtp then needs --account; the first one, "
                    "{name}, is assumed"
                ).format(name=names[0])
            )
    # Only accounts with a host count; find the default among those that stay.
    usable = [i for i, d in enumerate(drafts) if host_value(d.host)]
    if index not in usable and usable:
        index = usable[0]
    return finish("msmtp", drafts, notes, text, name, default=index)


def _msmtp_account(
    arg: str,
    number: int,
    defaults: Mapping[str, tuple[str, int]],
    accounts: dict[str, _MsmtpAccount],
    notes: Notes,
) -> _MsmtpAccount | None:
    own, colon, parents = arg.partition(":")
    own = _msmtp_trim(own)
    if not own or "," in own:
        notes.w(_("line {line}: an account without a valid name is skipped.").format(line=number))
        return None
    if own in accounts:
        notes.w(
            _("line {line}: account {name} is defined twice; msmtp refuses that.").format(
                line=number, name=own
            )
        )
        return None
    account = _MsmtpAccount(own, number, effective=dict(defaults))
    for parent in parents.split(",") if colon else []:
        parent = _msmtp_trim(parent)
        if parent in accounts:
            account.parents.append(parent)
            account.effective.update(accounts[parent].explicit)
            account.explicit.update(accounts[parent].explicit)
            notes.r(
                _("account {name} takes the settings of {parent}").format(name=own, parent=parent)
            )
        else:
            notes.w(
                _(
                    "line {line}: account {name} inherits from {parent}, which is not defined "
                    "before it; msmtp refuses that."
                ).format(line=number, name=own, parent=parent or "?")
            )
    accounts[own] = account
    return account


def _read_certificate_check(
    values: Mapping[str, tuple[str, int]], draft: Draft, notes: Notes
) -> None:
    """``tls_fingerprint`` (one certificate trusted whatever it says; it outweighs the CA
    file) and ``tls_certcheck off`` (any certificate accepted)."""
    pinned = values.get("tls_fingerprint")
    if pinned is not None and pinned[0].strip():
        fingerprint = read_fingerprint(pinned[0], size=None)
        size = len(fingerprint.split(":")) if fingerprint is not None else 0
        if fingerprint is not None and size == SHA256_BYTES:
            draft.pinned_sha256 = fingerprint
            draft.ca_file = None
            notes.r(pinned_note(fingerprint, f"tls_fingerprint, line {pinned[1]}"))
        elif size in (20, 16):
            notes.w(
                _(
                    "line {line}: tls_fingerprint is a {kind} fingerprint. msmtp trusts that "
                    "certificate; this check trusts a certificate by its SHA-256 fingerprint "
                    "only, so it verifies the server's certificate as usual (give the SHA-256 "
                    "one to trust it by hand)."
                ).format(line=pinned[1], kind="SHA-1" if size == 20 else "MD5")
            )
        else:
            notes.w(
                _("line {line}: “{value}” is not a certificate fingerprint.").format(
                    line=pinned[1], value=shorten(pinned[0])
                )
            )
    check = values.get("tls_certcheck")
    accepts_any = check is not None and _msmtp_switch(check, "tls_certcheck", notes) is False
    if check is not None and accepts_any and draft.pinned_sha256 is None:
        notes.w(
            _(
                "line {line}: tls_certcheck off: msmtp accepts any certificate here, even "
                "a forged one, so it may send where this check refuses the certificate."
            ).format(line=check[1])
        )


def _msmtp_switch(value: tuple[str, int] | None, command: str, notes: Notes) -> bool | None:
    if value is None:
        return None
    arg, number = value
    if arg in ("", "on"):
        return True
    if arg == "off":
        return False
    notes.w(
        _("line {line}: “{command} {value}” is neither on nor off.").format(
            line=number, command=command, value=shorten(arg)
        )
    )
    return None


def _c_number(text: str) -> int | None:
    """A number as C's strtol(..., 0) reads it (msmtp does): 0x hex, leading-0 octal."""
    match = re.fullmatch(r"\+?(0[xX][0-9A-Fa-f]{1,8}|0[0-7]{0,11}|[1-9][0-9]{0,9})", text)
    if not match:
        return None
    digits = match.group(1)
    if digits[:2].lower() == "0x":
        return int(digits, 16)
    if digits.startswith("0"):
        return int(digits, 8)
    return int(digits)


def _msmtp_draft(account: _MsmtpAccount, notes: Notes) -> Draft:
    values = account.effective
    draft = Draft(name=account.name)
    host = values.get("host")
    if host and host[0]:
        draft.host = host[0]
        notes.r(_("server {host} (host, line {line})").format(host=host[0], line=host[1]))
    tls = _msmtp_switch(values.get("tls"), "tls", notes)
    starttls = _msmtp_switch(values.get("tls_starttls"), "tls_starttls", notes)
    if tls is None and "tls" not in values:
        notes.m(_("no tls line: msmtp's default, no encryption, is assumed"))
    if not tls:
        draft.security = Security.NONE
    elif starttls is False:
        draft.security = Security.TLS
    else:
        draft.security = Security.STARTTLS
    if "tls" in values:
        notes.r(
            _("encryption {mode} (tls, line {line})").format(
                mode=mode_words(draft.security), line=values["tls"][1]
            )
        )
    trust = values.get("tls_trust_file")
    # "system" (and an empty value) is msmtp's word for the system's authorities.
    if draft.security is not Security.NONE and trust is not None and trust[0] != "system":
        draft.ca_file = ca_file_value(trust[0])
        if draft.ca_file is not None:
            notes.r(
                _("CA file {path} (tls_trust_file, line {line})").format(
                    path=draft.ca_file, line=trust[1]
                )
            )
    if draft.security is not Security.NONE:
        _read_certificate_check(values, draft, notes)
    port = values.get("port")
    if port is not None:
        number = _c_number(port[0])
        if number is not None and 0 < number < 65536:
            draft.port = number
            notes.r(_("port {port} (port, line {line})").format(port=number, line=port[1]))
        else:
            notes.w(
                _(
                    "line {line}: “{value}” is not a port number (msmtp reads # as a comment "
                    "only at the start of a line)."
                ).format(line=port[1], value=shorten(port[0]))
            )
    if draft.port is None:
        draft.port = 465 if draft.security is Security.TLS else 25
        notes.m(
            _("no valid port: msmtp's default for {mode}, {port}, is assumed").format(
                mode=mode_words(draft.security), port=draft.port
            )
        )
    protocol = values.get("protocol")
    if protocol is not None and protocol[0] == "lmtp":
        notes.w(_("this account speaks LMTP to a local delivery agent, not SMTP."))
    user = values.get("user")
    if user and user[0]:
        draft.username = user[0]
        notes.r(_("user name {user} (user, line {line})").format(user=user[0], line=user[1]))
    sender = values.get("from")
    if sender and sender[0]:
        draft.email = mail_address(sender[0]) or sender[0]
        notes.r(
            _("sender address {email} (from, line {line})").format(
                email=draft.email, line=sender[1]
            )
        )
    auth = values.get("auth")
    if auth is None or auth[0] == "off":
        draft.auth = SignIn.NONE
        if draft.username:
            notes.w(_("a user name is given, but auth is not on: msmtp will not log in."))
        elif auth is None:
            notes.m(_("no auth line: msmtp does not log in"))
    elif auth[0].lower() in ("xoauth2", "oauthbearer"):
        draft.auth = SignIn.OAUTH2
        notes.r(
            _("login: an OAuth 2.0 token ({mechanism}, auth, line {line})").format(
                mechanism=auth[0].upper(), line=auth[1]
            )
        )
    else:
        draft.auth = "password" if auth[0] in ("", "on") else auth[0].upper()
        notes.r(_("login: {auth} (auth, line {line})").format(auth=draft.auth, line=auth[1]))
    password = values.get("password")
    command = values.get("passwordeval")
    if password and password[0]:
        draft.password = password[0]
        draft.password_source = _("the file")
        notes.r(_("password: written in the file (password, line {line})").format(line=password[1]))
    elif command and command[0]:
        # smtpwizard's own commands: "smtpwizard secret ..." (older exports ran keyring).
        if "smtpwizard token " in command[0]:
            draft.password_source = _("a fresh token from smtpwizard's stored sign-in")
        elif "smtpwizard secret " in command[0] or "keyring get smtpwizard:" in command[0]:
            draft.password_source = _("the keyring, where smtpwizard stored it (passwordeval)")
        else:
            draft.password_source = _("the passwordeval command")
        notes.r(
            _("password: from the passwordeval command (line {line}), not run here").format(
                line=command[1]
            )
        )
    elif draft.auth != "none":
        draft.password_source = _(
            "the system keyring or ~/.netrc, where msmtp looks when the file names no password"
        )
        notes.m(_("no password: msmtp looks in the system keyring, then ~/.netrc, then asks"))
    return draft
