"""What each step of a conversation means: its title, its lines read in words, and what the
reply codes say (RFC 5321, RFC 3463), for a person taking a setup apart."""

from __future__ import annotations

from smtpwizard.core.i18n import _
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Reply
from smtpwizard.core.model import ReplyCode
from smtpwizard.core.model import Security
from smtpwizard.core.model import ServerSettings
from smtpwizard.core.model import Severity
from smtpwizard.core.model import StageName
from smtpwizard.core.model import StageResult

__all__ = ["TITLES", "annotate", "encryption_words", "features_words", "one_line", "reply_meaning"]

TITLES: dict[StageName, str] = {
    StageName.RESOLVE: _("Looking up the server"),
    StageName.CONNECT: _("Connecting"),
    StageName.TLS: _("Encryption and certificate"),
    StageName.GREETING: _("Greeting"),
    StageName.EHLO: _("Introduction (EHLO)"),
    StageName.STARTTLS: _("Switching to encryption (STARTTLS)"),
    StageName.EHLO_TLS: _("Introduction again, encrypted (EHLO)"),
    StageName.AUTH_MECHANISMS: _("Login methods offered"),
    StageName.AUTH: _("Login (AUTH)"),
    StageName.MAIL_FROM: _("Sender (MAIL FROM)"),
    StageName.RCPT_TO: _("Recipient (RCPT TO)"),
    StageName.RSET: _("Cancelling the test transaction (RSET)"),
    StageName.DATA: _("Test message (DATA)"),
    StageName.QUIT: _("Goodbye (QUIT)"),
}


def annotate(
    stage: StageResult, setup: ServerSettings, result: ProbeResult | None
) -> tuple[str, str, Severity]:
    """The meaning of a step that is not the run's failure."""
    reply = stage.reply
    name = stage.name
    ok = Severity.OK
    if not stage.ok:
        text = reply_meaning(reply) if reply is not None and reply.code else stage.detail
        if (
            name is StageName.AUTH
            and reply is not None
            and reply.code == ReplyCode.PARAMETER_NOT_IMPLEMENTED
        ):
            return (
                _(
                    "The server does not take this login method after all ({reply}); the next one "
                    "it offers is tried."
                ).format(reply=reply),
                "",
                Severity.INFO,
            )
        return text, "", Severity.WARNING
    if name is StageName.RESOLVE:
        return (
            _("{host} has the addresses {addresses}.").format(
                host=setup.host, addresses=stage.detail
            ),
            "",
            ok,
        )
    if name is StageName.CONNECT:
        return (
            _(
                "Your computer reached the server ({detail}) on port {port} in {ms:.0f} ms: "
                "nothing on the way blocks this port."
            ).format(detail=stage.detail, port=setup.port, ms=stage.ms),
            "",
            ok,
        )
    if name is StageName.GREETING:
        first = reply.text.split("\n")[0] if reply is not None else ""
        return (
            _("The server is ready for mail and introduced itself: “{text}”.").format(text=first),
            "",
            ok,
        )
    if name in (StageName.EHLO, StageName.EHLO_TLS):
        return features_words(stage, setup, name is StageName.EHLO_TLS), "", ok
    if name is StageName.STARTTLS:
        return (
            _("The server agreed to switch to encryption; the encryption is set up next."),
            "",
            ok,
        )
    if name is StageName.TLS:
        return encryption_words(result, stage), "", ok
    if name is StageName.AUTH_MECHANISMS:
        if "not logging in without encryption" in stage.detail:
            return (
                _(
                    "The login was not sent: the connection is not encrypted, so your password "
                    "would travel readable. Allow it explicitly only on a network you trust."
                ),
                _("Use SSL/TLS or STARTTLS instead."),
                Severity.WARNING,
            )
        return stage.detail[:1].upper() + stage.detail[1:] + ".", "", ok
    if name is StageName.AUTH:
        return _("Login accepted: {detail}.").format(detail=stage.detail), "", ok
    if name is StageName.MAIL_FROM and reply is not None and reply.code == ReplyCode.OK:
        return (
            _("The server accepts {address} as the sender.").format(
                address=setup.email or setup.username or "-"
            ),
            "",
            ok,
        )
    if (
        name is StageName.RCPT_TO
        and reply is not None
        and reply.code in (ReplyCode.OK, ReplyCode.WILL_FORWARD)
    ):
        return (
            _("The server would deliver to {address}.").format(
                address=setup.email or setup.username or "-"
            ),
            "",
            ok,
        )
    if name is StageName.DATA:
        return (
            _(
                "The test message was accepted for delivery ({reply}). If it does not arrive, "
                "the server's answer (its queue number) helps the provider trace it."
            ).format(reply=one_line(reply)),
            "",
            ok,
        )
    if name is StageName.RSET:
        return _("The test transaction was cancelled: nothing was sent."), "", ok
    if name is StageName.QUIT:
        return _("The conversation ended politely."), "", Severity.INFO
    text = reply_meaning(reply) if reply is not None and reply.code else stage.detail
    return text, "", ok


def one_line(reply: Reply | None) -> str:
    return str(reply).replace("\n", " ") if reply is not None else "-"


def features_words(stage: StageResult, setup: ServerSettings, encrypted: bool) -> str:
    reply = stage.reply
    if reply is None or reply.code != ReplyCode.OK or "HELO accepted" in stage.detail:
        return _(
            "The server refused the modern introduction (EHLO) and accepted the old one (HELO): "
            "it is very old and offers no extensions, so neither encryption nor login."
        )
    features = [line.strip() for line in reply.text.split("\n")[1:] if line.strip()]
    said: list[str] = []
    auth: list[str] = []
    starttls = False
    for feature in features:
        word, _sep, rest = feature.partition(" ")
        word = word.upper()
        if word == "STARTTLS":
            starttls = True
        elif word == "AUTH" or feature.upper().startswith("AUTH="):
            auth.extend(rest.upper().split() if word == "AUTH" else [feature[5:].upper()])
        elif word == "SIZE" and rest.strip().isdigit() and int(rest) > 0:
            said.append(_("messages up to {mb} MB").format(mb=round(int(rest) / 1_000_000)))
        elif word == "SMTPUTF8":
            said.append(_("international addresses"))
    if auth:
        said.insert(0, _("login with {methods}").format(methods=", ".join(dict.fromkeys(auth))))
    elif setup.username:
        said.insert(0, _("no login on this connection"))
    if starttls:
        said.insert(0, _("encryption (STARTTLS)"))
    if encrypted:
        lead = _("Over the encrypted connection, the server now offers: {list}.")
    else:
        lead = _("The server lists what it can do: {list}.")
    text = lead.format(list="; ".join(said) or _("no extensions"))
    if setup.security is Security.STARTTLS and not encrypted and not starttls:
        text += " " + _("STARTTLS is missing, so this connection cannot be encrypted.")
    if encrypted and auth and setup.security is Security.STARTTLS:
        text += " " + _("Login is offered now that the connection is encrypted, as it should be.")
    return text


def encryption_words(result: ProbeResult | None, stage: StageResult) -> str:
    tls = result.tls if result is not None else None
    if tls is None or tls.cert is None:
        return _("The connection is now encrypted: {detail}.").format(detail=stage.detail)
    cert = tls.cert
    names = ", ".join(cert.names[:4]) or cert.subject
    text = _(
        "The connection is now encrypted ({version}). The server's certificate is for {names}, "
        "issued by {issuer}, valid until {date}"
    ).format(
        version=tls.version or "TLS",
        names=names,
        issuer=cert.issuer_name,
        date=f"{cert.not_after.day} {cert.not_after:%B %Y}",
    )
    if tls.verified:
        return text + "; " + _("your computer checked it and trusts it.")
    if tls.pinned:
        return (
            text
            + "; "
            + _(
                "your computer cannot check it, but it is the exact certificate you chose to "
                "trust for this server."
            )
        )
    return text + "."


#: RFC 3463 / RFC 5248 enhanced codes a person meets when sending (DIAGNOSIS-FACTS §1b).
_ENHANCED_MEANINGS: dict[str, str] = {
    "5.7.8": _("the username or password is wrong"),
    "5.7.9": _("this login method is too weak for this account (often: an app password is needed)"),
    "5.7.0": _("a security rule: usually encryption or a login is needed first"),
    "4.7.0": _("a temporary security problem: try again later"),
    "5.7.1": _("not allowed: this login may not send this way (sender or relay refused)"),
    "5.7.3": _("login refused by the organisation's security settings"),
    "5.7.139": _("login by programs (SMTP AUTH) is switched off for this mailbox or organisation"),
    "5.7.10": _("encryption is needed"),
    "5.7.11": _("encryption is needed for this login method"),
    "5.7.13": _("the account is disabled"),
    "5.7.57": _("the server wants a login before sending"),
    "5.1.1": _("the recipient address does not exist"),
    "5.1.7": _("the sender address is malformed"),
    "5.1.8": _("the sender's domain is not accepted"),
    "5.3.4": _("the message is too big for the server"),
    "5.4.5": _("a daily sending limit is reached"),
    "4.7.28": _("the server sees too much mail from your address: slow down"),
    "5.5.4": _("the server does not understand an option of the command"),
}


def reply_meaning(reply: Reply | None) -> str:
    """What a reply code says, in words: its class, and its enhanced code when known."""
    if reply is None or not reply.code:
        return ""
    code = reply.code
    first = code // 100
    general = {
        2: _("{code} means it worked."),
        3: _("{code} means the server waits for more from us."),
        4: _("{code} is a temporary refusal: the same thing may work later."),
        5: _("{code} is a permanent refusal: repeating it unchanged will not help."),
    }.get(first, _("{code} is not a reply code mail servers use."))
    text = general.format(code=code)
    enhanced = reply.enhanced
    if enhanced:
        specific = _ENHANCED_MEANINGS.get(enhanced)
        if specific is None and enhanced.startswith("4."):
            specific = _ENHANCED_MEANINGS.get("5." + enhanced[2:])
        if specific:
            text += " " + _("{enhanced}: {meaning}.").format(enhanced=enhanced, meaning=specific)
    return text


# -- comparing attempts ----------------------------------------------------------------------
