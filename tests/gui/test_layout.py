"""The window at 800×600 and at 200 %: every page fits or scrolls, no control is cut off, the
list of servers shows several rows, and long explanations wrap instead of ending in "…"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from smtpwizard.gui.pages import ResultPage
from smtpwizard.gui.pages import ServersPage
from smtpwizard.gui.pages import TestingPage
from smtpwizard.gui.pages.base import Page
from smtpwizard.gui.wizard import SetupWizard
from tests.support.pages import OUTGOING
from tests.support.pages import World
from tests.support.pages import cut_off
from tests.support.pages import every_page
from tests.support.pages import loopback_world

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with loopback_world(tmp_path) as world:
        yield world


def test_every_page_fits_at_800_by_600(qtbot: QtBot, world: World) -> None:
    wizard = SetupWizard(world.engine)
    qtbot.addWidget(wizard)
    wizard.confirm = lambda *_args: True
    wizard.resize(800, 600)
    wizard.show()
    qtbot.waitExposed(wizard)
    assert (wizard.width(), wizard.height()) == (800, 600)
    seen: dict[str, list[str]] = {}
    rows: list[float] = []

    def wait(signal: object, action: Callable[[], None]) -> None:
        with qtbot.waitSignal(signal, timeout=15000):
            action()

    def look(name: str, page: Page) -> None:
        QApplication.processEvents()  # lets the layouts settle
        problems = cut_off(page)
        if page.scroll_area.verticalScrollBar().maximum() > 0:
            problems.append("the page scrolls")
        seen[name] = problems
        if isinstance(page, ServersPage) and not page.details.isVisible():
            table = page.table
            assert table.rowCount() == OUTGOING
            rows.append(table.viewport().height() / table.rowHeight(0))

    every_page(wizard, world, wait, look)
    assert seen == {name: [] for name in seen}
    assert len(seen) == 10
    assert rows[0] >= 4, f"the servers list shows {rows[0]:.1f} rows"
    wizard.shutdown()


def test_every_page_fits_or_scrolls_at_200_percent(tmp_path: Path) -> None:
    env = {**os.environ, "QT_SCALE_FACTOR": "2", "SMTPWIZARD_CONFIG_DIR": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-m", "tests.support.scaled_wizard"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["device_pixel_ratio"] == 2.0
    width, height = report["screen"]
    assert report["window"][0] <= width
    assert report["window"][1] <= height
    pages = report["pages"]
    assert len(pages) == 10
    assert {name: page["cut_off"] for name, page in pages.items()} == {name: [] for name in pages}


def test_long_explanations_wrap(qtbot: QtBot, world: World) -> None:
    """A failure explained at 600 pixels wide, on the testing page and the result page: the
    text takes more lines instead of ending in "…"."""
    wizard = SetupWizard(world.engine)
    qtbot.addWidget(wizard)
    wizard.confirm = lambda *_args: True
    wizard.resize(600, 600)
    wizard.show()
    qtbot.waitExposed(wizard)

    def wait(signal: object, action: Callable[[], None]) -> None:
        with qtbot.waitSignal(signal, timeout=15000):
            action()

    checked: list[str] = []

    def look(name: str, page: Page) -> None:
        if isinstance(page, TestingPage):
            QApplication.processEvents()
            table = page.table
            refused = next(
                row
                for row in range(table.rowCount())
                if "Nothing is listening" in table.item(row, 6).text()
            )
            text = table.item(refused, 6).text()
            assert table.fontMetrics().horizontalAdvance(text) > table.columnWidth(6)
            assert table.rowHeight(refused) >= 2 * table.fontMetrics().lineSpacing()
            checked.append(name)
        if not isinstance(page, ResultPage):
            return
        QApplication.processEvents()
        tree = page.problems
        top = tree.topLevelItem(0)
        assert "Nothing is listening" in top.text(0)
        top.setExpanded(True)
        QApplication.processEvents()
        explanation = top.child(0)
        lines = tree.visualItemRect(explanation).height() / tree.fontMetrics().lineSpacing()
        width = tree.fontMetrics().horizontalAdvance(explanation.text(0))
        assert width > tree.viewport().width()  # too long for one line…
        assert lines >= 2  # …so it takes two or more
        checked.append(name)

    every_page(wizard, world, wait, look)
    assert checked == ["testing", "result"]
    wizard.shutdown()
