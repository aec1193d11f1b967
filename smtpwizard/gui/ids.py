"""The wizard's page ids, shared by the wizard and its pages."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["PageId"]


class PageId(IntEnum):
    """The wizard's pages, in order."""

    START = 0
    ACCOUNT = 1
    SERVERS = 2
    SIGN_IN = 3
    TESTING = 4
    RESULT = 5
    EXPORT = 6
    FIX_SETTINGS = 7
    TROUBLESHOOT = 8
