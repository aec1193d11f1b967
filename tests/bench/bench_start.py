"""How fast smtpwizard starts, against what it is built on, side by side as fresh processes.

1. ``smtpwizard --version`` against ``python -c pass`` (the same interpreter).
2. ``smtpwizard probe --help`` against ``python -c pass``.
3. The wizard from launch to its window shown (offscreen platform), against a bare
   one-page QWizard of the same PySide6 shown the same way; and to every page built (the
   window opens with its first page, the others are built right after).

Each row: medians of A and B, and the median of A/B pair by pair. Figures are printed,
never asserted.

Run:
    .venv/bin/python tests/bench/bench_start.py [--runs N] [--part cli|wizard|all]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.sidebyside import HEADER
from tests.support.sidebyside import Command
from tests.support.sidebyside import as_installed
from tests.support.sidebyside import side_by_side
from tests.support.sidebyside import smtpwizard_command

#: A wizard with one page and nothing else, shown and closed as the app does it when
#: SMTPWIZARD_QUIT_WHEN_SHOWN is set.
BARE_WIZARD = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWizard, QWizardPage
app = QApplication(sys.argv)
wizard = QWizard()
page = QWizardPage()
page.setTitle("One page")
wizard.addPage(page)
wizard.show()
def shown():
    print("shown", flush=True)
    wizard.close()
    app.quit()
QTimer.singleShot(0, shown)
sys.exit(app.exec())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="pairs per row (default 15)")
    parser.add_argument("--part", choices=["cli", "wizard", "all"], default="all")
    args = parser.parse_args()
    env = as_installed()
    python = sys.executable
    bare = Command([python, "-c", "pass"])
    if args.part in ("cli", "all"):
        smtpwizard = smtpwizard_command()
        print(f"Command line, {args.runs} pairs after a warm-up; B = python -c pass")
        print(f"   {'A':<28}{HEADER}")
        for label, argv in (
            ("smtpwizard --version", [smtpwizard, "--version"]),
            ("smtpwizard probe --help", [smtpwizard, "probe", "--help"]),
        ):
            pair = side_by_side(Command(argv), bare, args.runs, env)
            print(f"   {label:<28}{pair.row()}")
    if args.part in ("wizard", "all"):
        with tempfile.TemporaryDirectory() as config:
            shown = {
                "QT_QPA_PLATFORM": "offscreen",
                "SMTPWIZARD_QUIT_WHEN_SHOWN": "1",
                "SMTPWIZARD_CONFIG_DIR": config,
            }
            wizard = Command([python, "-m", "smtpwizard"], marker="shown", env=shown)
            ready = Command([python, "-m", "smtpwizard"], marker="ready", env=shown)
            qwizard = Command([python, "-c", BARE_WIZARD], marker="shown", env=shown)
            pair = side_by_side(wizard, qwizard, args.runs, env)
            built = side_by_side(ready, qwizard, args.runs, env)
        print(f"\nCold start to a shown window, {args.runs} pairs; B = a bare one-page QWizard")
        print(f"   {'A':<28}{HEADER}")
        print(f"   {'smtpwizard (the wizard)':<28}{pair.row()}")
        print(f"   {'  ... with every page built':<28}{built.row()}")


if __name__ == "__main__":
    main()
