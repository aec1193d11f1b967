"""Which application a ``.env`` file belongs to (Laravel, Django, Flask, Symfony, ``SMTP_*``), and
reading it as that."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping

from smtpwizard.core.errors import ImportFailed
from smtpwizard.core.i18n import _
from smtpwizard.core.importers.base import FORMATS
from smtpwizard.core.importers.base import Draft
from smtpwizard.core.importers.base import ImportResult
from smtpwizard.core.importers.base import Notes
from smtpwizard.core.importers.base import file_label
from smtpwizard.core.importers.base import finish
from smtpwizard.core.importers.base import host_value
from smtpwizard.core.importers.django import env_django
from smtpwizard.core.importers.dotenv import env_generic
from smtpwizard.core.importers.envfile import EnvFile
from smtpwizard.core.importers.flask import FLASK_KEYS
from smtpwizard.core.importers.flask import env_flask
from smtpwizard.core.importers.laravel import env_laravel
from smtpwizard.core.importers.symfony import env_symfony

__all__ = ["env_families", "parse_env"]

#: Which variables make a .env hold which family's settings.
_ENV_FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "laravel",
        (
            "MAIL_MAILER",
            "MAIL_DRIVER",
            "MAIL_HOST",
            "MAIL_SCHEME",
            "MAIL_ENCRYPTION",
            "MAIL_URL",
            "MAIL_FROM_ADDRESS",
        ),
    ),
    ("flask-mail", FLASK_KEYS),
    ("django-email-url", ("EMAIL_URL",)),
    (
        "django-env",
        ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL", "EMAIL_HOST_USER"),
    ),
    ("symfony", ("MAILER_DSN",)),
    (
        "dotenv",
        (
            "SMTP_HOST",
            "SMTP_SERVER",
            "SMTP_HOSTNAME",
            "SMTP_PORT",
            "SMTP_SECURITY",
            "SMTP_USER",
            "SMTP_USERNAME",
        ),
    ),
)


def env_families(env: EnvFile) -> list[tuple[int, str]]:
    """The families of mail settings in a .env, by the line where each starts."""
    found: list[tuple[int, str]] = []
    for fmt, keys in _ENV_FAMILIES:
        lines = [env.assignments[k][1] for k in keys if k in env.assignments]
        if lines:
            found.append((min(lines), fmt))
    return sorted(found)


def parse_env(env: EnvFile, text: str, name: str) -> ImportResult:
    found = env_families(env)
    if not found:
        raise ImportFailed(
            _(
                "{file} looks like a .env file, but it has no mail settings smtpwizard knows "
                "(MAIL_*, EMAIL_*, MAILER_DSN or SMTP_* variables)."
            ).format(file=file_label(name))
        )
    if "django-email-url" in [f for _l, f in found] and "django-env" in [f for _l, f in found]:
        found = [(n, f) for n, f in found if f != "django-env"]
    notes = Notes()
    drafts: list[Draft] = []
    formats: list[str] = []
    for _line, fmt in found:
        notes.prefix = f"{FORMATS[fmt]}: " if len(found) > 1 else ""
        draft = _ENV_READERS[fmt](env, notes)
        if len(found) > 1:
            draft.name = FORMATS[fmt]
        drafts.append(draft)
        formats.append(fmt)
    notes.prefix = ""
    usable = [i for i, d in enumerate(drafts) if host_value(d.host)]
    first = usable[0] if usable else 0
    return finish(formats[first], drafts, notes, text, name, default=first)


_ENV_READERS: Mapping[str, Callable[[EnvFile, Notes], Draft]] = {
    "laravel": env_laravel,
    "flask-mail": env_flask,
    "django-email-url": env_django,
    "django-env": env_django,
    "symfony": env_symfony,
    "dotenv": env_generic,
}
