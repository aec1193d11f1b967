"""Writing files so that none is ever lost or left half-written.

The data goes to a temporary file in the target's folder, is flushed to the disk, and only
then takes the target's name in one step. Without ``overwrite`` an existing file is never
replaced, even one that appears while we write (the name is taken with a hard link, which
fails when the name exists).

Errors (each also the matching built-in, so callers may catch either)::

    WriteError(OSError)                 plain message for a person
     +-- TargetExists(FileExistsError)  the file exists and overwrite was not asked for
     +-- FolderMissing(FileNotFoundError)
     +-- FolderNotWritable(PermissionError)
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from smtpwizard.core.errors import FolderMissing
from smtpwizard.core.errors import FolderNotWritable
from smtpwizard.core.errors import TargetExists
from smtpwizard.core.errors import WriteError
from smtpwizard.core.i18n import _

__all__ = ["check_target", "write_atomic"]


def write_atomic(
    path: str | os.PathLike[str],
    data: str | bytes,
    *,
    overwrite: bool = False,
    private: bool = False,
) -> Path:
    """Writes ``data`` (text as UTF-8) to ``path`` all at once.

    Args:
        path: the file to write.
        data: its whole content.
        overwrite: replace the file if it exists.
        private: readable and writable by the owner only (0600); use it whenever the data
            holds a password. Otherwise a new file gets the usual permissions (umask) and a
            replaced one keeps its own.

    Returns:
        The path written.

    Raises:
        TargetExists, FolderMissing, FolderNotWritable, WriteError: see the module docstring.
    """
    target = Path(path)
    folder = target.parent
    payload = data.encode("utf-8") if isinstance(data, str) else data
    existing = _checked(target, overwrite)
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except PermissionError:
        raise FolderNotWritable(
            _("You may not create files in the folder {folder}.").format(folder=_shown(folder)),
            target,
        ) from None
    except OSError as exc:
        raise WriteError(_failed(target, exc), target) from exc
    temp = Path(temp_name)
    try:
        try:
            if private:
                mode = 0o600
            elif existing is not None:
                mode = existing
            else:
                mode = 0o666 & ~_umask()
            with os.fdopen(fd, "wb") as stream:
                stream.write(payload)
                stream.flush()
                os.fsync(stream.fileno())
                # mkstemp made it 0600; set the final mode before it gets its name.
                if hasattr(os, "fchmod"):
                    os.fchmod(stream.fileno(), mode)
            if not hasattr(os, "fchmod"):
                os.chmod(temp, mode)
            if overwrite:
                os.replace(temp, target)
            else:
                _link_new(temp, target)
        except OSError as exc:
            if isinstance(exc, WriteError):
                raise
            raise WriteError(_failed(target, exc), target) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    _sync_folder(folder)
    return target


def check_target(path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
    """Checks that :func:`write_atomic` may write ``path``, before the work that makes its
    content: the same errors, raised early (a folder may still change in between).

    Raises:
        TargetExists, FolderMissing, WriteError: see the module docstring.
    """
    _checked(Path(path), overwrite)


def _checked(target: Path, overwrite: bool) -> int | None:
    """The mode of the file ``target`` replaces (``None``: a new file), once its folder and
    name are known to take a file."""
    folder = target.parent
    if not folder.is_dir():
        message = (
            _("{folder} is a file, not a folder.")
            if folder.exists()
            else _("The folder {folder} does not exist.")
        )
        raise FolderMissing(message.format(folder=_shown(folder)), target)
    existing = _existing_mode(target)
    if existing is not None and not overwrite:
        raise TargetExists(_exists_message(target), target)
    return existing


def _link_new(temp: Path, target: Path) -> None:
    """Gives ``temp`` the name ``target`` only if that name is free, atomically."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise TargetExists(_exists_message(target), target) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        # This file system has no hard links: the check and the rename are two steps.
        if os.path.lexists(target):
            raise TargetExists(_exists_message(target), target) from None
        os.replace(temp, target)


def _existing_mode(target: Path) -> int | None:
    """The permission bits of an existing file, ``None`` when there is none."""
    try:
        info = target.lstat()
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(info.st_mode):
        raise WriteError(_("{path} is a folder, not a file.").format(path=_shown(target)), target)
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    # Elsewhere the only way is to set it and put it back at once.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _sync_folder(folder: Path) -> None:
    """Makes the new name itself durable (POSIX); best effort elsewhere."""
    flags = getattr(os, "O_DIRECTORY", None)
    if flags is None:
        return
    try:
        fd = os.open(folder, os.O_RDONLY | flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _shown(path: Path) -> str:
    return str(path) if str(path) else "."


def _exists_message(target: Path) -> str:
    return _("{path} already exists; it was left as it is.").format(path=_shown(target))


def _failed(target: Path, exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason = _("the disk is full")
    return _("{path} could not be written ({reason}); nothing was changed.").format(
        path=_shown(target), reason=reason
    )
