"""A self-check that travels inside the PyInstaller bundle (a runtime hook of the spec).

It does nothing unless SMTPWIZARD_BUNDLE_CHECK is set in the environment. Then, instead of
starting the app, it proves that the frozen app can read its resources, draw its icon and
reach the system keyring, prints one line per check and exits (0 when every check passed):

    SMTPWIZARD_BUNDLE_CHECK=1 dist/smtpwizard/smtpwizard

The keyring check saves, reads back and deletes one entry under a service name no real
account uses; packaging/build-check runs it against a throwaway GNOME Keyring.
"""

import os
import sys

if os.environ.get("SMTPWIZARD_BUNDLE_CHECK"):

    def _bundle_check() -> int:
        from PySide6.QtGui import QImage

        from smtpwizard.core.auth.keyring import CredentialStore
        from smtpwizard.core.discovery.providers import load
        from smtpwizard.resources_access import resource

        failed = 0

        def report(ok: bool, what: str) -> None:
            nonlocal failed
            failed += not ok
            print(f"{'ok' if ok else 'FAILED'} {what}", flush=True)

        knowledge = load()
        report(bool(knowledge.providers), f"providers: {len(knowledge.providers)} entries")
        # Drawn by Qt's SVG image plugin, as the window icon is.
        icon = QImage.fromData(resource("icons/smtpwizard.svg").read_bytes(), "SVG")
        report(not icon.isNull(), f"icon: {icon.width()}x{icon.height()} from the SVG")

        store = CredentialStore()
        status = store.status()
        report(status.usable, f"keyring: {status.name} {status.reason}".rstrip())
        if status.usable:
            host, user, secret = "bundle-check.invalid", "smtpwizard", "bundle check ✓"
            store.save(host, user, secret)
            report(store.load(host, user) == secret, "keyring: saved and read back")
            report(store.delete(host, user), "keyring: deleted")
        return 1 if failed else 0

    sys.exit(_bundle_check())
