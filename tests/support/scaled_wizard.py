"""Runs the wizard through every page on a 1600×1200 screen at 200 % (``QT_SCALE_FACTOR=2``:
800×600 in Qt's logical pixels) and prints as JSON what the screen was and what each page could
not show. The layout test runs it in a process of its own, since Qt reads the scale factor
once, at start. From the repository root::

    QT_SCALE_FACTOR=2 python -m tests.support.scaled_wizard
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

SCREEN = {"name": "screen", "x": 0, "y": 0, "width": 1600, "height": 1200}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "offscreen.json"
        config.write_text(json.dumps({"screens": [{**SCREEN, "logicalDpi": 96, "dpr": 1}]}))
        os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
        from PySide6.QtCore import QEventLoop
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        from smtpwizard.gui.pages.base import Page
        from smtpwizard.gui.wizard import SetupWizard
        from tests.support.pages import cut_off
        from tests.support.pages import every_page
        from tests.support.pages import loopback_world

        app = QApplication(sys.argv)
        report: dict[str, object] = {}
        pages: dict[str, object] = {}
        with loopback_world(Path(tmp)) as world:
            wizard = SetupWizard(world.engine)
            wizard.confirm = lambda *_args: True
            wizard.show()
            screen = wizard.screen()

            def wait(signal: object, action: Callable[[], None]) -> None:
                loop = QEventLoop()
                signal.connect(loop.quit)  # type: ignore[attr-defined]
                QTimer.singleShot(0, action)
                QTimer.singleShot(20000, loop.quit)
                loop.exec()

            def look(name: str, page: Page) -> None:
                app.processEvents()
                pages[name] = {
                    "cut_off": cut_off(page),
                    "scrolls": page.scroll_area.verticalScrollBar().maximum() > 0,
                }

            every_page(wizard, world, wait, look)
            report = {
                "device_pixel_ratio": screen.devicePixelRatio(),
                "screen": [screen.geometry().width(), screen.geometry().height()],
                "window": [wizard.frameGeometry().width(), wizard.frameGeometry().height()],
                "pages": pages,
            }
            wizard.shutdown()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
