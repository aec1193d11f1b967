"""The command line imports only what its command uses: a fresh interpreter running
``smtpwizard --version`` or ``smtpwizard probe --help`` loads none of the heavy modules, and
``--help`` still lists every command. (How fast that is, tests/bench/bench_start.py says.)"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from smtpwizard.cli.main import COMMANDS
from smtpwizard.cli.main import wanted_commands
from tests.support.cli import HEAVY as CLI_HEAVY
from tests.support.cli import modules_loaded_by

#: What none of these command lines may load: the heavy modules, and also the probing and
#: the diagnosis (they do no work).
HEAVY = (*CLI_HEAVY, "smtpwizard.core.diagnosis", "smtpwizard.core.probe")


def loaded_by(args: Sequence[str], tmp_path: Path) -> tuple[list[str], str]:
    modules, run = modules_loaded_by(args, tmp_path / "modules.txt")
    assert run.returncode == 0, run.stderr
    return modules, run.stdout


def heavy(modules: list[str]) -> list[str]:
    return sorted(m for m in modules if m.startswith(HEAVY))


@pytest.mark.parametrize("args", [["--version"], ["probe", "--help"]])
def test_a_command_line_that_does_no_work_loads_nothing_heavy(
    args: list[str], tmp_path: Path
) -> None:
    modules, _printed = loaded_by(args, tmp_path)
    assert heavy(modules) == []


def test_version_imports_no_command(tmp_path: Path) -> None:
    modules, printed = loaded_by(["--version"], tmp_path)
    assert printed.startswith("smtpwizard ")
    commands = sorted(m for m in modules if m.startswith("smtpwizard.cli."))
    assert commands == ["smtpwizard.cli.common", "smtpwizard.cli.main"]


def test_help_still_lists_every_command(tmp_path: Path) -> None:
    _modules, printed = loaded_by(["--help"], tmp_path)
    for name in COMMANDS:
        assert name in printed


@pytest.mark.parametrize(
    ("args", "wanted"),
    [
        (["--version"], ()),
        (["probe", "a@example.test"], ("probe",)),
        (["token", "--help"], ("token",)),
        (["--help"], COMMANDS),
        ([], COMMANDS),
        (["nonsense"], COMMANDS),
        (["-x", "probe"], ("probe",)),
    ],
)
def test_the_parser_is_built_for_the_command_named(
    args: list[str], wanted: tuple[str, ...]
) -> None:
    assert wanted_commands(args) == wanted
