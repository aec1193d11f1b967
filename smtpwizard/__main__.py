"""``smtpwizard`` and ``python -m smtpwizard``: the wizard without arguments, the command line
with them. This is the only place that chooses between the two faces."""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from smtpwizard.core.i18n import _


def main(argv: Sequence[str] | None = None) -> int:
    """Opens the wizard when there are no arguments, else runs the command line."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        from smtpwizard.cli.main import main as command_line

        # A command runs once and the process ends. What its imports create lives until
        # then, and the cyclic collector would only walk it, again while the work imports
        # more and once more at exit (about a fifth of a probe's time); reference counting
        # still frees what the work lets go.
        gc.disable()
        try:
            return command_line(args)
        finally:
            gc.freeze()
    try:
        from smtpwizard.gui.app import run_app
    except ImportError as exc:
        print(_("smtpwizard cannot open its window: {error}").format(error=exc), file=sys.stderr)
        print(
            _("On Debian, run “sh packaging/dev run” once as root to install Qt's libraries."),
            file=sys.stderr,
        )
        return 2
    return run_app(sys.argv[:1])


def start() -> NoReturn:
    """The ``smtpwizard`` program (and ``python -m smtpwizard``): :func:`main`, then the end
    of the process; a command's process ends at once (:func:`end_now`)."""
    status = main()
    if sys.argv[1:]:
        end_now(status)
    raise SystemExit(status)


def end_now(status: int) -> NoReturn:
    """Ends a command's process without the interpreter's teardown.

    Tearing down some 250 modules object by object takes longer than a probe's whole
    conversation on a fast link (about 17 ms here, a seventh of a probe), and frees memory
    the system takes back at once anyway. What the teardown does that matters happens
    first: exit handlers run (logging's flush, among others) and both output streams are
    flushed. A thread that is not a daemon and still runs is waited for by the ordinary
    exit, so then that exit is taken instead.
    """
    main_thread = threading.main_thread()
    if any(
        thread is not main_thread and not thread.daemon and thread.is_alive()
        for thread in threading.enumerate()
    ):
        raise SystemExit(status)
    atexit._run_exitfuncs()
    status = _flush_output(status)
    os._exit(status)


def _flush_output(status: int) -> int:
    """Writes out what the streams still hold; the status, or 1 where the output was lost
    (a full disk: said on standard error). A reader that went away (``| head``) wanted no
    more, so that is no failure."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started without it (``>&-``)
            continue
        try:
            stream.flush()
        except BrokenPipeError:
            pass
        except (OSError, ValueError) as exc:
            if stream is sys.stdout and sys.stderr is not None:
                with contextlib.suppress(OSError, ValueError):
                    print(
                        _("smtpwizard: cannot write the output: {why}").format(
                            why=getattr(exc, "strerror", None) or exc
                        ),
                        file=sys.stderr,
                        flush=True,
                    )
            status = status or 1
    return status


if __name__ == "__main__":
    start()
