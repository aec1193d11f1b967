"""The wizard's pages, one module each."""

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
