from __future__ import annotations

import os
import subprocess
import sys

from pytestqt.qtbot import QtBot

from smtpwizard.core.engine import Engine
from smtpwizard.gui.wizard import PageId
from smtpwizard.gui.wizard import SetupWizard


def test_wizard_opens_on_the_start_page(qtbot: QtBot, services: Engine) -> None:
    wizard = SetupWizard(services)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    assert wizard.windowTitle() == "SMTP Wizard"
    assert wizard.currentId() == PageId.START
    assert not wizard.windowIcon().isNull()


def test_no_display_points_to_the_command_line() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    run = subprocess.run(
        [sys.executable, "-m", "smtpwizard"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert "no display" in run.stderr
    assert "smtpwizard --help" in run.stderr
