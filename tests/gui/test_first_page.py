"""The window opens with its first page only; the other pages (and what they need: sockets
and TLS, OAuth, exports, probing) load right after it is shown, or as soon as the person goes
on. (How fast that is, tests/bench/bench_start.py says.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from smtpwizard.core.draft import Purpose
from smtpwizard.core.engine import Engine
from smtpwizard.gui.pages import AccountPage
from smtpwizard.gui.pages import StartPage
from smtpwizard.gui.pages import TestingPage
from smtpwizard.gui.wizard import PageId
from smtpwizard.gui.wizard import SetupWizard

#: Runs the app as ``smtpwizard`` does and writes the modules loaded when the window is on
#: screen ("shown") and once every page is built ("ready").
APP = """
import builtins, sys
real_print = builtins.print
def spy(*args, **kwargs):
    if args in (("shown",), ("ready",)):
        with open(sys.argv[1] + "." + args[0], "w") as out:
            out.write("\\n".join(sorted(sys.modules)))
    real_print(*args, **kwargs)
builtins.print = spy
from smtpwizard.gui.app import run_app
sys.exit(run_app([]))
"""

#: Not needed to show the first page.
LATER = (
    "ssl",
    "socket",
    "dns",
    "oauthlib",
    "cryptography",
    "http.server",
    "smtpwizard.core.net.channel",
    "smtpwizard.core.probe.matrix",
    "smtpwizard.core.exporters.",
    "smtpwizard.core.importers",
    "smtpwizard.core.troubleshoot",
    "smtpwizard.core.auth.flows",
    "smtpwizard.gui.advanced",
    "smtpwizard.gui.pages.account",
    "smtpwizard.gui.pages.testing",
    "smtpwizard.gui.pages.export",
)


def test_the_window_opens_before_the_heavy_parts_load(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "SMTPWIZARD_QUIT_WHEN_SHOWN": "1",
        "SMTPWIZARD_CONFIG_DIR": str(tmp_path / "config"),
    }
    record = tmp_path / "modules"
    run = subprocess.run(
        [sys.executable, "-c", APP, str(record)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["shown", "ready"]
    shown = Path(f"{record}.shown").read_text().split()
    ready = Path(f"{record}.ready").read_text().split()
    assert "smtpwizard.gui.pages.start" in shown
    assert sorted(m for m in shown if m.startswith(LATER)) == []
    assert "smtpwizard.gui.pages.testing" in ready  # built right after, without a click


def test_going_on_from_the_first_page_builds_the_others(qtbot: QtBot, services: Engine) -> None:
    wizard = SetupWizard(services, defer_pages=True)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    assert wizard.pageIds() == [PageId.START]
    start = wizard.currentPage()
    assert isinstance(start, StartPage)
    start.buttons[Purpose.APPLICATION].setChecked(True)
    wizard.next()
    assert isinstance(wizard.currentPage(), AccountPage)
    assert len(wizard.pageIds()) == len(PageId)
    wizard.shutdown()


def test_asking_for_a_page_builds_it(qtbot: QtBot, services: Engine) -> None:
    wizard = SetupWizard(services, defer_pages=True)
    qtbot.addWidget(wizard)
    assert isinstance(wizard.page(PageId.TESTING), TestingPage)
    assert wizard.currentId() == -1  # nothing shown, nothing moved
    wizard.shutdown()


def test_the_pages_are_built_one_per_turn_of_the_event_loop(qtbot: QtBot, services: Engine) -> None:
    wizard = SetupWizard(services, defer_pages=True)
    qtbot.addWidget(wizard)
    wizard.show()
    with qtbot.waitSignal(wizard.pages_ready):
        wizard.build_pages_gradually()
        assert wizard.pageIds() == [PageId.START, PageId.ACCOUNT]  # the rest on later turns
    assert len(wizard.pageIds()) == len(PageId)
    wizard.shutdown()
