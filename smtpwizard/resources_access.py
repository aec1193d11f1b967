"""Finding the files in ``resources/`` (installed as ``smtpwizard.resources``), safely.

Only names inside the resources folder are accepted: a name with ``..`` or an absolute path
is refused, so no caller can be led outside it.

Where the package is a folder on disk (an installed wheel, a checkout, the bundle), its
files are read from there; ``importlib.resources``, which also reads packages from zip
files, costs more to load than the knowledge base costs to read, so it loads only where the
package is not a folder.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = ["resource"]

PACKAGE = "smtpwizard.resources"


def resource(name: str) -> Traversable:
    """The resource file ``name`` (``"icons/smtpwizard.svg"``).

    Raises:
        ValueError: the name leaves the resources folder.
    """
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"not a resource name: {name!r}")
    node: Traversable | None = _folder()
    if node is None:
        from importlib import resources

        node = resources.files(PACKAGE)
    for part in path.parts:
        node = node.joinpath(part)
    return node


@cache
def _folder() -> Path | None:
    """The resources package's folder, when it is one on disk."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.origin:
        return None
    folder = Path(spec.origin).parent
    return folder if folder.is_dir() else None
