"""smtpwizard: find, test, explain and export a working outgoing mail configuration."""

__version__ = "0.1.0"
