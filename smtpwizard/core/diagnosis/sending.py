"""What a refused sender, recipient or test message usually means."""

from __future__ import annotations

from smtpwizard.core.diagnosis.common import finding
from smtpwizard.core.diagnosis.common import one_line
from smtpwizard.core.i18n import _
from smtpwizard.core.model import Finding
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import ReplyCode
from smtpwizard.core.model import Severity

__all__ = ["explain_sending"]


def explain_sending(result: ProbeResult) -> Finding | None:
    """What a refused dry run (MAIL FROM, RCPT TO) or test message usually means."""
    send = result.send
    if send is None or send.ok:
        return None
    for step, reply in (
        ("sender", send.sender),
        ("recipient", send.recipient),
        ("message", send.message),
    ):
        if reply is None or ReplyCode.positive(reply.code):
            continue
        text = one_line(reply)
        lowered = text.lower()
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
                    _(
                        "The server refused to relay ({reply}): it only delivers to its own "
                        "addresses unless you are logged in."
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
