"""The one translation function for every user-facing string.

English is the only language so far; routing text through ``_`` from the start keeps
translation a data change later (gettext catalogues under ``resources/locale``).
"""

from __future__ import annotations

import gettext

__all__ = ["ngettext"]

_translation = gettext.NullTranslations()


def _(message: str) -> str:
    """Returns ``message`` in the user's language."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Returns the singular or plural form of a message for ``n``."""
    return _translation.ngettext(singular, plural, n)
