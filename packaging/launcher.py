"""The bundle's entry point: ``smtpwizard`` as installed by pip (the wizard without
arguments, the command line with them)."""

from smtpwizard.__main__ import start

start()
