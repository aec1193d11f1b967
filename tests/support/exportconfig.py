"""Export configurations for tests: every security mode, with and without a login."""

from __future__ import annotations

import datetime as dt

from smtpwizard.core.discovery.providers import Protocol
from smtpwizard.core.exporters.base import ExportConfig
from smtpwizard.core.model import Security
from smtpwizard.core.model import ServerSettings

EMAIL = "alice@example.test"
#: A password with every character some format treats specially.
NASTY = "p@ss:w/o\"rd' $HOME ${X} \\n #;%20 ß€😀"
TESTED_AT = dt.datetime(2026, 11, 22, 17, 34, 40, tzinfo=dt.UTC)
PORTS = {Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}


def make_config(
    security: Security = Security.STARTTLS,
    *,
    port: int | None = None,
    username: str | None = EMAIL,
    password: str | None = None,
    incoming: bool = True,
    pop3: bool = False,
    host: str = "smtp.example.test",
    display_name: str = "Alice Ångström",
    mechanism: str | None = "PLAIN",
) -> ExportConfig:
    """A tested configuration like the probe's document would give."""
    server = (
        ServerSettings(
            protocol=Protocol.POP3 if pop3 else Protocol.IMAP,
            host="pop.example.test" if pop3 else "imap.example.test",
            port=995 if pop3 else 993,
            security=Security.TLS,
            username=EMAIL,
        )
        if incoming
        else None
    )
    return ExportConfig(
        email=EMAIL,
        smtp=ServerSettings(
            protocol=Protocol.SMTP,
            host=host,
            port=port or PORTS[security],
            security=security,
            username=username,
            mechanism=mechanism if username else None,
            tested=True,
        ),
        incoming=server,
        display_name=display_name,
        provider="Example Mail",
        tested_at=TESTED_AT,
        tested_from="IPv4 address 192.0.2.7",
        summary="Use smtp.example.test: it works from here.",
        cert_issuer="Example CA",
        password=password,
        login_tested=True,
        warnings=("a warning for the sheet",),
    )
