"""What a refused sender, recipient or test message means: a login that is missing, a "not
now" (greylisting, a rate limit, a busy server) that says nothing against the settings, or a
refusal for good."""

from __future__ import annotations

from smtpwizard.core.diagnosis.common import Context
from smtpwizard.core.diagnosis.common import finding
from smtpwizard.core.diagnosis.common import one_line
from smtpwizard.core.diagnosis.common import place
from smtpwizard.core.i18n import _
from smtpwizard.core.model import AuthStatus
from smtpwizard.core.model import Finding
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Reply
from smtpwizard.core.model import ReplyCode
from smtpwizard.core.model import Severity

__all__ = ["SENDING_REASONS", "explain_sending", "read_sending", "refused_reply"]

#: The causes read here: how a dry run or a test message ended when the server refused it.
SENDING_REASONS = (
    Reason.LOGIN_NEEDED,
    Reason.GREYLISTED,
    Reason.RATE_LIMITED,
    Reason.SEND_DEFERRED,
    Reason.SENDER_REFUSED,
    Reason.RECIPIENT_REFUSED,
    Reason.MESSAGE_REFUSED,
)

_NOT_AGAINST_YOU = _("This is temporary and says nothing against your settings.")


def refused_reply(result: ProbeResult) -> Reply | None:
    """The first refused reply of the dry run or the test message."""
    send = result.send
    if send is None:
        return None
    for reply in (send.sender, send.recipient, send.message):
        if reply is not None and not ReplyCode.positive(reply.code):
            return reply
    return None


def read_sending(result: ProbeResult, context: Context) -> Finding:
    """The reading of a refused dry run or test message, by its cause."""
    where = place(result.candidate)
    text = one_line(refused_reply(result))
    reason = result.reason
    if reason is Reason.LOGIN_NEEDED:
        offered = bool(result.auth.offered)
        return finding(
            _("{where} needs a login before it takes mail").format(where=where),
            _(
                "Without a login, the server refused to take mail from your address ({reply}). "
                "Servers that pass mail on to others want to know who you are first."
            ).format(reply=text),
            _(
                "Test again with your password: only a test that logs in shows whether these "
                "settings work."
            )
            if offered
            else _(
                "This port offers no login: use the port meant for sending with a login "
                "(usually 465 or 587) and test again with your password."
            ),
            Severity.WARNING,
        )
    if reason is Reason.GREYLISTED:
        return finding(
            _("{where} asked to try again later (greylisting)").format(where=where),
            _(
                "The server put off your address for now ({reply}). This is greylisting: a "
                "defence against spam that turns away the first attempt from an unknown sender "
                "for a few minutes and accepts the next one."
            ).format(reply=text)
            + " "
            + _NOT_AGAINST_YOU,
            _("Test again in a few minutes."),
            Severity.WARNING,
        )
    if reason is Reason.RATE_LIMITED:
        return finding(
            _("{where} is limiting how much you send right now").format(where=where),
            _(
                "The server refused for now because of a sending limit ({reply}): too many "
                "messages or connections in a short time, or a daily quota. It passes by itself."
            ).format(reply=text)
            + " "
            + _NOT_AGAINST_YOU,
            _("Wait (a few minutes, or until tomorrow for a daily limit), then test again."),
            Severity.WARNING,
        )
    if reason is Reason.SEND_DEFERRED:
        return finding(
            _("{where} could not take mail right now").format(where=where),
            _("The server answered “not now” ({reply}): a passing problem on its side.").format(
                reply=text
            )
            + " "
            + _NOT_AGAINST_YOU,
            _("Test again in a few minutes."),
            Severity.WARNING,
        )
    refusal = explain_sending(result)
    if refusal is None:  # a cause of this kind always comes with a refused reply
        return finding(
            _("{where} refused to take mail").format(where=where),
            _("The server refused the dry run."),
            _("See the details for what the server said."),
        )
    return refusal


def explain_sending(result: ProbeResult) -> Finding | None:
    """What a refused dry run (MAIL FROM, RCPT TO) or test message means for good."""
    send = result.send
    if send is None or send.ok:
        return None
    logged_in = result.auth.status is AuthStatus.OK
    for step, reply in (
        ("sender", send.sender),
        ("recipient", send.recipient),
        ("message", send.message),
    ):
        if reply is None or ReplyCode.positive(reply.code):
            continue
        text = one_line(reply)
        lowered = text.lower()
        if "sender address rejected" in lowered:
            step = "sender"  # Postfix holds a sender's refusal back until RCPT TO by default
        if (
            "5.7.57" in text
            or reply.code == ReplyCode.AUTH_REQUIRED
            or "authentication required" in lowered
        ):
            return finding(
                _("The server wants a login before sending"),
                _("The server refused to take mail without a login ({reply}).").format(reply=text),
                _("Give your username and password."),
                Severity.WARNING,
            )
        if "5.7.60" in text or "send as" in lowered:
            return finding(
                _("This login may not send as this address"),
                _(
                    "The server refused the sender ({reply}): the account you log in with has no "
                    "right to send as this address."
                ).format(reply=text),
                _(
                    "Send from the account's own address, or ask the administrator for “Send As” "
                    "rights."
                ),
                Severity.WARNING,
            )
        if step == "sender":
            return finding(
                _("The server refused your address as sender"),
                _(
                    "The server refused {reply}. Usually the address does not belong to the "
                    "account you log in with, or its domain is not verified with the sending "
                    "service."
                ).format(reply=text),
                _(
                    "Check that the address belongs to the account you log in with (or is verified "
                    "as a sender with your sending service)."
                ),
                Severity.WARNING,
            )
        if step == "recipient":
            if "relay" in lowered:
                return finding(
                    _("The server will not pass mail on for you"),
                    (
                        _(
                            "The server refused to pass your mail on ({reply}) although the login "
                            "was accepted: this account may not send through this server."
                        )
                        if logged_in
                        else _(
                            "The server refused to relay ({reply}): it only delivers to its own "
                            "addresses unless you are logged in."
                        )
                    ).format(reply=text),
                    _("Log in, or use the port meant for sending (465 or 587)."),
                    Severity.WARNING,
                )
            return finding(
                _("The server refused your own address as recipient"),
                _(
                    "The server refused {reply}. The address may not exist on this server, or the "
                    "server checks recipients strictly."
                ).format(reply=text),
                _("Check the address; sending to other people may still work."),
                Severity.WARNING,
            )
        return finding(
            _("The server refused the test message"),
            _(
                "The server refused the message itself ({reply}), often a spam or size filter."
            ).format(reply=text),
            _(
                "Try sending a normal message from your mail program; if it fails too, contact "
                "the provider."
            ),
            Severity.WARNING,
        )
    return None
