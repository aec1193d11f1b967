"""``smtpwizard`` and ``python -m smtpwizard``: the wizard without arguments, the command line
with them. This is the only place that chooses between the two faces."""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence

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


if __name__ == "__main__":
    raise SystemExit(main())
