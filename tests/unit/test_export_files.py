"""Atomic writes: nothing lost, nothing half-written, nothing replaced unasked."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from smtpwizard.core.errors import FolderMissing
from smtpwizard.core.errors import FolderNotWritable
from smtpwizard.core.errors import TargetExists
from smtpwizard.core.errors import WriteError
from smtpwizard.core.store import files
from smtpwizard.core.store.files import write_atomic


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_writes_text_as_utf8_and_bytes_as_they_are(tmp_path: Path) -> None:
    assert write_atomic(tmp_path / "a.txt", "ß€\n") == tmp_path / "a.txt"
    assert (tmp_path / "a.txt").read_bytes() == "ß€\n".encode()
    write_atomic(tmp_path / "b.bin", b"\x00\xff")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    assert leftovers(tmp_path) == []


def test_new_files_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "shared.txt", "x")
    finally:
        os.umask(old)
    assert mode(tmp_path / "shared.txt") == 0o640


def test_private_files_are_for_the_owner_only(tmp_path: Path) -> None:
    write_atomic(tmp_path / "secret", "pw", private=True)
    assert mode(tmp_path / "secret") == 0o600
    (tmp_path / "open").write_text("old")
    (tmp_path / "open").chmod(0o644)
    write_atomic(tmp_path / "open", "pw", private=True, overwrite=True)
    assert mode(tmp_path / "open") == 0o600


def test_an_existing_file_is_kept_unless_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "keep.txt"
    target.write_text("precious")
    with pytest.raises(TargetExists) as caught:
        write_atomic(target, "new")
    assert isinstance(caught.value, FileExistsError)
    assert str(caught.value) == f"{target} already exists; it was left as it is."
    assert caught.value.filename == str(target)
    assert target.read_text() == "precious"
    assert leftovers(tmp_path) == []


def test_overwrite_replaces_and_keeps_the_files_permissions(tmp_path: Path) -> None:
    target = tmp_path / "conf"
    target.write_text("old")
    target.chmod(0o640)
    write_atomic(target, "new", overwrite=True)
    assert target.read_text() == "new"
    assert mode(target) == 0o640


def test_a_file_that_appears_while_writing_is_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "race"
    real_mkstemp = files.tempfile.mkstemp

    def mkstemp_then_someone_writes(*args: Any, **kwargs: Any) -> tuple[int, str]:
        result = real_mkstemp(*args, **kwargs)
        target.write_text("theirs")
        return result

    monkeypatch.setattr(files.tempfile, "mkstemp", mkstemp_then_someone_writes)
    with pytest.raises(TargetExists):
        write_atomic(target, "ours")
    assert target.read_text() == "theirs"
    assert leftovers(tmp_path) == []


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FolderMissing) as caught:
        write_atomic(tmp_path / "nope" / "f", "x")
    assert isinstance(caught.value, FileNotFoundError)
    assert str(caught.value) == f"The folder {tmp_path / 'nope'} does not exist."


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    with pytest.raises(WriteError, match="is a folder"):
        write_atomic(tmp_path / "dir", "x", overwrite=True)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in any folder")
def test_unwritable_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(FolderNotWritable, match="You may not create files"):
            write_atomic(folder / "f", "x")
    finally:
        folder.chmod(0o700)


def test_unwritable_folder_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As root the real check cannot fail; the refusal the system would give is simulated.
    def refuse(*args: Any, **kwargs: Any) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)
    with pytest.raises(FolderNotWritable) as caught:
        write_atomic(tmp_path / "f", "x")
    assert isinstance(caught.value, PermissionError)
    assert str(caught.value) == f"You may not create files in the folder {tmp_path}."


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_a_failure_leaves_the_old_file_whole_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    target = tmp_path / "conf"
    target.write_text("old and whole")

    def fail(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, step, fail)
    with pytest.raises(WriteError) as caught:
        write_atomic(target, "new" * 1000, overwrite=True)
    assert (
        str(caught.value)
        == f"{target} could not be written (the disk is full); nothing was changed."
    )
    assert target.read_text() == "old and whole"
    assert leftovers(tmp_path) == []
