"""What a refusal says about the settings: for now or for good, a login that is missing, a
login that is locked. Facts only, read from the reply code, the enhanced status code and a
few words servers use (DIAGNOSIS-FACTS.md §1, OAUTH.md §5); the diagnosis words them.

The first digit decides first: 4xx is "not now" (RFC 5321 §4.2.1) and never turns settings
into broken ones, whatever the text says.
"""

from __future__ import annotations

import re

from smtpwizard.core.model import Outcome
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Reply
from smtpwizard.core.model import ReplyCode
from smtpwizard.core.model import SendCheck

__all__ = ["credentials_refused", "login_lockout", "mailbox_in_use", "sending_refusal"]

#: A login refusal that says the account (or our address) is refused logins for a while:
#: no more attempts, anywhere (Yahoo's #AUTH005, Gmail's and Oracle's "too many").
_LOCKOUT = re.compile(
    r"too many|#AUTH005|temporarily (?:locked|blocked)|account (?:is )?(?:temporarily )?locked",
    re.IGNORECASE,
)

#: A refused IMAP or POP3 login whose mailbox is open in another session (RFC 5530 [INUSE],
#: RFC 2449 [IN-USE]): not a lockout of logins, and no verdict on the password.
_IN_USE = re.compile(r"\[IN-?USE\]", re.IGNORECASE)

#: A refused sender or recipient that asks for a login (Microsoft's 5.7.57, "Authentication
#: required" of Gmail, Yahoo and Amazon SES, Postfix's "Relay access denied").
_WANTS_LOGIN = re.compile(
    r"\b5\.7\.57\b|not authenticated|authentication (?:is )?required|auth(?:entication)? first"
    r"|must (?:first )?(?:be )?authenticat|log ?in first|relay(?:ing)? (?:access )?(?:denied|not)",
    re.IGNORECASE,
)
_STARTTLS_FIRST = re.compile(r"starttls|\b5\.7\.11\b|\b5\.7\.10\b", re.IGNORECASE)
_GREYLISTED = re.compile(r"gr[ea]y-?list", re.IGNORECASE)
#: Postfix by default holds back a refusal of the sender until RCPT TO (smtpd_delay_reject).
_SENDER_REJECTED = re.compile(r"sender address rejected", re.IGNORECASE)
#: Rate limits and sending quotas: they pass by themselves, even those sent as 5xx
#: (Gmail's 5.4.5 "Daily user sending limit exceeded", Amazon SES's daily quota).
_RATE = re.compile(
    r"\b[45]\.7\.28\b|\b[45]\.4\.5\b|\b4\.5\.3\b|rate.?limit|too many (?:messages|mails?|"
    r"recipients|connections)|throttl|quota|limit (?:exceeded|reached)|(?:limit|rate) is"
    r"|sending limit|unusual rate|try again later.*(?:rate|volume)|slow down",
    re.IGNORECASE,
)


#: A refused login that names its cause, which another login name would not change: an app
#: password needed, a sign-in to confirm in a browser, login switched off (Microsoft's
#: 5.7.139 and 5.7.30), an account disabled (5.7.13).
_NOT_THE_NAME = re.compile(
    r"\b5\.7\.(?:9|13|14|30|139)\b|\b534\b|application-specific|app password|web ?browser"
    r"|basic auth\w* is disabled|is disabled for the|security defaults",
    re.IGNORECASE,
)


def credentials_refused(reply: Reply) -> bool:
    """Whether a refused login judged the credentials themselves (so another login name may
    do), rather than naming another cause."""
    return not _NOT_THE_NAME.search(str(reply)) and not login_lockout(reply)


def login_lockout(reply: Reply) -> bool:
    """Whether a refused login says logins are refused for a while (stop trying)."""
    return not mailbox_in_use(reply) and bool(_LOCKOUT.search(reply.text))


def mailbox_in_use(reply: Reply) -> bool:
    """Whether a refused IMAP or POP3 login says the mailbox is in use by another session
    (another mail program has it open), whatever words about a lock go with it."""
    return bool(_IN_USE.search(reply.text))


def sending_refusal(
    send: SendCheck, *, logged_in: bool, login_offered: bool
) -> tuple[Outcome, Reason] | None:
    """How a refused dry run (or test message) ends the probe; ``None`` when nothing was
    refused.

    Args:
        send: the replies to MAIL FROM, RCPT TO and the message.
        logged_in: a login was accepted before.
        login_offered: the server offered a login (so an unexplained policy refusal of a
            stranger is a request to log in).
    """
    for step, reply in (
        (Reason.SENDER_REFUSED, send.sender),
        (Reason.RECIPIENT_REFUSED, send.recipient),
        (Reason.MESSAGE_REFUSED, send.message),
    ):
        if reply is not None and not ReplyCode.positive(reply.code):
            return _refusal(step, reply, logged_in=logged_in, login_offered=login_offered)
    return None


def _refusal(
    step: Reason, reply: Reply, *, logged_in: bool, login_offered: bool
) -> tuple[Outcome, Reason]:
    text = str(reply)
    enhanced = reply.enhanced or ""
    if step is Reason.RECIPIENT_REFUSED and _SENDER_REJECTED.search(text):
        step = Reason.SENDER_REFUSED
    temporary = ReplyCode.temporary(reply.code)
    if temporary and _GREYLISTED.search(text):
        return Outcome.TEMPORARY, Reason.GREYLISTED
    if _RATE.search(text) and "size" not in text.lower():
        return Outcome.TEMPORARY, Reason.RATE_LIMITED
    if reply.code == ReplyCode.SERVICE_UNAVAILABLE:
        return Outcome.TEMPORARY, Reason.SERVICE_UNAVAILABLE
    if not logged_in:
        if _STARTTLS_FIRST.search(text) and reply.code == ReplyCode.AUTH_REQUIRED:
            return Outcome.SEND_REFUSED, Reason.ENCRYPTION_REQUIRED
        if reply.code == ReplyCode.AUTH_REQUIRED or _WANTS_LOGIN.search(text):
            return Outcome.LOGIN_NEEDED, Reason.LOGIN_NEEDED
        if login_offered and not temporary and enhanced.startswith("5.7."):
            return Outcome.LOGIN_NEEDED, Reason.LOGIN_NEEDED
    if temporary:
        return Outcome.TEMPORARY, Reason.SEND_DEFERRED
    return Outcome.SEND_REFUSED, step
