"""The wizard's pages, one module each.

A page's module loads when the page is first asked for, so that the window can open with
only its first page built.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smtpwizard.gui.pages.account import AccountPage
    from smtpwizard.gui.pages.export import ExportPage
    from smtpwizard.gui.pages.fix import FixSettingsPage
    from smtpwizard.gui.pages.result import ResultPage
    from smtpwizard.gui.pages.servers import ServersPage
    from smtpwizard.gui.pages.signin import SignInPage
    from smtpwizard.gui.pages.start import StartPage
    from smtpwizard.gui.pages.testing import TestingPage
    from smtpwizard.gui.pages.troubleshoot import TroubleshootPage

__all__ = [
    "PAGE_MODULES",
    "AccountPage",
    "ExportPage",
    "FixSettingsPage",
    "ResultPage",
    "ServersPage",
    "SignInPage",
    "StartPage",
    "TestingPage",
    "TroubleshootPage",
]

#: Each page's module, by the page's name.
PAGE_MODULES = {
    "AccountPage": "account",
    "ExportPage": "export",
    "FixSettingsPage": "fix",
    "ResultPage": "result",
    "ServersPage": "servers",
    "SignInPage": "signin",
    "StartPage": "start",
    "TestingPage": "testing",
    "TroubleshootPage": "troubleshoot",
}


def __getattr__(name: str) -> object:
    module = PAGE_MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
