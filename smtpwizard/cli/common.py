"""What every command of the command line shares: exit codes, usage errors, the parser,
reading a password, and running work that Ctrl-C cancels cleanly.

Exit status of every command: 0 it worked, 1 it did not (nothing works, the conversation
failed), 2 bad usage or input (one line on standard error, never a traceback), 130
interrupted, 141 the reader of standard output went away (``| head``), as a shell reports it.
"""

from __future__ import annotations

import argparse
import getpass
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import NoReturn
from typing import TextIO
from typing import TypeVar

from smtpwizard.core.i18n import _

if TYPE_CHECKING:
    from smtpwizard.core.net.channel import CancelToken

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_OUTPUT_CLOSED",
    "EXIT_USAGE",
    "Parser",
    "UsageError",
    "checked_password",
    "password_line",
    "positive_seconds",
    "read_password",
    "run_interruptibly",
]

T = TypeVar("T")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_OUTPUT_CLOSED = 141  # 128 + SIGPIPE


class UsageError(Exception):
    """Bad usage or input; the message is shown as it is."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors end with status 2 and a pointer to --help."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see --help)\n")


def positive_seconds(text: str) -> float:
    """An argparse type: a number of seconds above 0 and at most 600."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a number of seconds") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError("the timeout must be between 0 and 600 seconds")
    return value


def read_password(stdin: TextIO) -> str:
    """The password: asked for on a terminal, else the first line of standard input.

    Raises:
        UsageError: the password is empty.
    """
    password = getpass.getpass(_("Password: ")) if stdin.isatty() else password_line(stdin)
    if not password:
        raise UsageError(_("The password is empty."))
    return checked_password(password)


def password_line(stdin: TextIO) -> str:
    """The first line of ``stdin`` without its line end (LF or CRLF), as a password."""
    line = stdin.readline()
    return line.removesuffix("\n").removesuffix("\r")


def checked_password(password: str) -> str:
    """``password`` if it is text a server can be sent (UTF-8).

    Raises:
        UsageError: it holds bytes that are not UTF-8 (read in another encoding).
    """
    from smtpwizard.core.net.address import is_text

    if not is_text(password):
        raise UsageError(
            _(
                "The password is not UTF-8 text (it holds bytes of another encoding): "
                "give it as UTF-8."
            )
        )
    return password


def run_interruptibly(
    work: Callable[[CancelToken], T], meanwhile: Callable[[], object] | None = None
) -> tuple[T | None, bool]:
    """Runs ``work`` on a worker thread so that Ctrl-C cancels it cleanly: returns its
    result (``None`` if it raised nothing and returned nothing) and whether Ctrl-C came.

    ``meanwhile`` runs here while the work waits on the network: loading what showing
    its result needs, so that this costs no time after the last answer.
    """
    from smtpwizard.core.net.channel import CancelToken

    box: dict[str, object] = {}
    with CancelToken() as cancel:

        def target() -> None:
            try:
                box["result"] = work(cancel)
            except BaseException as exc:  # re-raised on the main thread
                box["error"] = exc

        worker = threading.Thread(target=target, name="smtpwizard run", daemon=True)
        worker.start()
        interrupted = False
        try:
            if meanwhile is not None:
                meanwhile()
        except KeyboardInterrupt:
            interrupted = True
            cancel.cancel()
        while worker.is_alive():
            try:
                worker.join(0.2)
            except KeyboardInterrupt:
                interrupted = True
                cancel.cancel()
    error = box.get("error")
    if isinstance(error, BaseException):
        raise error
    return box.get("result"), interrupted  # type: ignore[return-value]
