"""The wizard's working state, kept in the engine so every step can be tested without a screen.

The pages write what the person chose into a :class:`SetupDraft`; the draft turns it into the
engine's inputs (discovery settings, candidates, credentials) and the results back into what
the next page shows (the export configuration).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from enum import StrEnum
from typing import TYPE_CHECKING

from smtpwizard.core.discovery.providers import Provider
from smtpwizard.core.discovery.results import DiscoveryResult
from smtpwizard.core.discovery.signin import SignInPlan
from smtpwizard.core.discovery.signin import plan_sign_in
from smtpwizard.core.discovery.typed import incoming_to_test
from smtpwizard.core.login import SignIn
from smtpwizard.core.login import SignInRecord
from smtpwizard.core.login import fallback_usernames
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import MatrixResult
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import ServerSettings
from smtpwizard.core.net.address import EmailAddress

if TYPE_CHECKING:
    from smtpwizard.core.auth.signin import SignedIn
    from smtpwizard.core.auth.signin import SignInRequest
    from smtpwizard.core.exporters.base import ExportConfig
    from smtpwizard.core.importers.reader import ImportedAccount
    from smtpwizard.core.importers.reader import ImportResult
    from smtpwizard.core.troubleshoot.session import Troubleshooter

__all__ = ["FixDraft", "Purpose", "SetupDraft"]


class Purpose(StrEnum):
    """What the person is setting up."""

    MAIL_PROGRAM = "mail_program"
    APPLICATION = "application"
    FIX = "fix"


@dataclass
class FixDraft:
    """The "fix a setup" path: the settings to take apart, and where they came from."""

    setup: ServerSettings | None = None
    imported: ImportResult | None = None
    account: ImportedAccount | None = None
    session: Troubleshooter | None = None


@dataclass
class SetupDraft:
    """Everything chosen and found so far. The password lives here, in memory only."""

    purpose: Purpose = Purpose.MAIL_PROGRAM
    email: EmailAddress | None = None
    display_name: str = ""
    service_id: str | None = None
    choices: dict[str, str] = field(default_factory=dict)
    discovery: DiscoveryResult | None = None
    candidates: list[Candidate] = field(default_factory=list)
    username: str = ""
    password: str = field(default="", repr=False)
    remember: bool = False
    allow_plaintext: bool = False
    matrix: MatrixResult | None = None
    incoming_server: str = ""
    """The incoming server the person typed (``imaps://host:port``, ``host``…), if any."""
    incoming_candidates: list[Candidate] = field(default_factory=list)
    incoming_matrix: MatrixResult | None = None
    fix: FixDraft = field(default_factory=lambda: FixDraft())
    sign_in: SignIn = SignIn.PASSWORD
    """How the person logs in: a password, or their provider's sign-in (OAuth 2.0)."""
    oauth_client_id: str = ""
    """The client ID the person typed, when no source names one."""
    signed_in: SignedIn | None = field(default=None, repr=False)
    """The OAuth 2.0 sign-in once it worked: its token lives here, in memory only."""
    sign_in_request: SignInRequest | None = None
    """What the sign-in was made with (endpoints, client, scopes), for the report."""
    password_saved: bool | None = None
    """Whether the password went to the keyring after it worked (``None``: not known yet);
    exports that read it from there say so honestly."""

    @property
    def provider(self) -> Provider | None:
        """The provider discovery recognised (or the service the person chose)."""
        return self.discovery.provider if self.discovery is not None else None

    @property
    def incoming(self) -> tuple[Candidate, ...]:
        """The incoming servers known for the address (exports for mail programs need one)."""
        return self.discovery.incoming if self.discovery is not None else ()

    @property
    def tests_incoming(self) -> bool:
        """Mail programs need the incoming server too; applications only send."""
        return self.purpose is Purpose.MAIL_PROGRAM

    def choose_incoming(self) -> list[Candidate]:
        """The incoming modes to test: the server the person typed, else the ones found, else
        the standard IMAP and POP3 modes on the first outgoing server's host.

        Raises:
            InvalidInput: what the person typed is not a server.
        """
        if not self.tests_incoming:
            return []
        typed = [self.incoming_server] if self.incoming_server.strip() else []
        return incoming_to_test(typed, self.incoming, self.candidates)

    def usernames(self) -> list[str]:
        """The login names to try: the person's, else discovery's suggestions, else the address."""
        if self.username.strip():
            return [self.username.strip()]
        if self.discovery is not None and self.discovery.usernames:
            return list(self.discovery.usernames)
        return list(fallback_usernames(str(self.email))) if self.email is not None else []

    def suggested_username(self) -> str:
        """What the sign-in page pre-fills."""
        if self.discovery is not None and self.discovery.usernames:
            return self.discovery.usernames[0]
        provider = self.provider
        if provider is not None and not provider.username:
            return ""  # the service issues one; the hint says where to find it
        return str(self.email) if self.email is not None else ""

    @property
    def sign_in_plan(self) -> SignInPlan:
        """How the sources say to sign in (the provider, autoconfig, the servers)."""
        if self.discovery is not None:
            return self.discovery.sign_in
        return plan_sign_in(self.provider, self.candidates)

    @property
    def uses_oauth(self) -> bool:
        """Whether the login is the provider's sign-in rather than a password."""
        return self.sign_in is SignIn.OAUTH2

    def oauth_protocols(self) -> list[Protocol]:
        """What the token must cover: sending, and receiving when that is tested too."""
        protocols = [Protocol.SMTP]
        protocols += [c.protocol for c in self.incoming_candidates if c.protocol not in protocols]
        if self.tests_incoming and len(protocols) == 1:
            protocols += [Protocol.IMAP, Protocol.POP3]
        return protocols

    def sign_in_record(self) -> SignInRecord | None:
        """The sign-in for the result document (no token), once there is one."""
        if self.sign_in_request is None or self.signed_in is None:
            return None
        return self.sign_in_request.record(self.signed_in)

    def forget_sign_in(self) -> None:
        """Drops the token (another account, another way of signing in)."""
        self.signed_in = None
        self.sign_in_request = None
        self.forget_results()

    def forget_account(self) -> None:
        """Drops what belonged to the address before (another address): its login name,
        password and sign-in, and the results."""
        self.username = ""
        self.password = ""
        self.password_saved = None
        self.sign_in = SignIn.PASSWORD
        self.forget_sign_in()

    def forget_results(self) -> None:
        """Drops the test results (the inputs changed)."""
        self.matrix = None
        self.incoming_matrix = None

    def document(self) -> dict[str, object]:
        """The JSON document of the last test (as ``smtpwizard probe --json`` writes it)."""
        from smtpwizard.core.document import matrix_document  # loads when a result is kept

        if self.matrix is None:
            raise ValueError("nothing tested yet")
        matrix = self.matrix
        record = self.sign_in_record() if self.uses_oauth else None
        if record is not None and matrix.sign_in is None:
            matrix = replace(matrix, sign_in=record)
        return matrix_document(
            matrix,
            self.incoming,
            self.discovery,
            self.provider,
            self.incoming_matrix,
            password_ascii=self.password.isascii() if self.password and not record else None,
        )

    def export_config(self, include_password: bool = False) -> ExportConfig:
        """The configuration exporters write, from the last test.

        Raises:
            ExportError: nothing works, so there is nothing to export.
        """
        from smtpwizard.core.exporters.base import config_from_document  # on the export page

        config = config_from_document(self.document())
        if self.display_name:
            config = _replace(config, display_name=self.display_name)
        if include_password and self.password and config.sign_in is None:
            config = _replace(config, password=self.password)
        elif config.sign_in is None and self.password_saved is not None:
            config = _replace(config, password_stored=self.password_saved)
        return config


def _replace(config: ExportConfig, **changes: object) -> ExportConfig:
    return replace(config, **changes)  # type: ignore[arg-type]
