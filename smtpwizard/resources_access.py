"""Finding the files in ``resources/`` (installed as ``smtpwizard.resources``), safely.

Only names inside the resources folder are accepted: a name with ``..`` or an absolute path
is refused, so no caller can be led outside it.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import PurePosixPath

__all__ = ["resource"]


def resource(name: str) -> Traversable:
    """The resource file ``name`` (``"icons/smtpwizard.svg"``).

    Raises:
        ValueError: the name leaves the resources folder.
    """
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"not a resource name: {name!r}")
    node = resources.files("smtpwizard.resources")
    for part in path.parts:
        node = node.joinpath(part)
    return node
