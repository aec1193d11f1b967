"""The bundle recipes: the PyInstaller spec for every platform, the Flatpak manifest and its
Python modules, and the bundle's self-check. Building them is packaging/build-check's job;
these tests read the recipes the way the builders would."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import re
import runpy
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from smtpwizard import __version__
from smtpwizard.cli.main import COMMANDS
from smtpwizard.gui.app import APP_ID

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "smtpwizard.spec"
FLATPAK = ROOT / "packaging" / "flatpak"
MANIFEST = FLATPAK / f"{APP_ID}.yml"
DEPS = FLATPAK / "python3-deps.json"
FINISH_ARGS = {
    "--share=network",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--talk-name=org.freedesktop.secrets",
}


@dataclass
class Built:
    """What the spec asked PyInstaller to build (a stand-in for its build classes)."""

    analysis: dict[str, Any] = field(default_factory=dict)
    executables: list[dict[str, Any]] = field(default_factory=list)
    bundles: list[dict[str, Any]] = field(default_factory=list)

    def globals(self) -> dict[str, Any]:
        def analysis(scripts: list[str], **options: Any) -> Any:
            self.analysis = {"scripts": scripts, **options}
            return type("A", (), {"pure": [], "scripts": scripts, "binaries": [], "datas": []})()

        def exe(*parts: Any, **options: Any) -> dict[str, Any]:
            self.executables.append(options)
            return options

        def bundle(*parts: Any, **options: Any) -> None:
            self.bundles.append(options)

        return {
            "SPECPATH": str(SPEC.parent),
            "Analysis": analysis,
            "PYZ": lambda *a, **k: None,
            "EXE": exe,
            "COLLECT": lambda *a, **k: None,
            "BUNDLE": bundle,
        }


def run_spec(monkeypatch: pytest.MonkeyPatch, platform: str) -> Built:
    built = Built()
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the spec puts the checkout first
    runpy.run_path(str(SPEC), init_globals=built.globals())
    return built


@pytest.mark.parametrize("platform", ["linux", "win32", "darwin"])
def test_spec_collects_the_resources_on_every_platform(
    monkeypatch: pytest.MonkeyPatch, platform: str
) -> None:
    built = run_spec(monkeypatch, platform)
    datas = {(Path(source).relative_to(ROOT / "resources").as_posix(), Path(target).as_posix())
             for source, target in built.analysis["datas"]}  # fmt: skip
    assert ("providers.json", "smtpwizard/resources") in datas
    assert ("__init__.py", "smtpwizard/resources") in datas
    assert ("icons/smtpwizard.svg", "smtpwizard/resources/icons") in datas
    assert not [source for source, _ in datas if source.startswith("screenshots")]
    assert [Path(s).name for s in built.analysis["scripts"]] == ["launcher.py"]
    assert [Path(h).name for h in built.analysis["runtime_hooks"]] == ["bundle_check.py"]


def test_spec_names_every_command_module_the_command_line_imports_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = run_spec(monkeypatch, "linux")
    hidden = set(built.analysis["hiddenimports"])
    commands = {
        f"smtpwizard.cli.{info.name}"
        for info in pkgutil.iter_modules([str(ROOT / "smtpwizard" / "cli")])
        if hasattr(importlib.import_module(f"smtpwizard.cli.{info.name}"), "run")
    }
    assert commands == {f"smtpwizard.cli.{name}" for name in COMMANDS}
    assert commands <= hidden


def test_spec_on_linux_builds_one_executable_without_icon(monkeypatch: pytest.MonkeyPatch) -> None:
    built = run_spec(monkeypatch, "linux")
    assert [(e["name"], e["icon"]) for e in built.executables] == [("smtpwizard", None)]
    assert not built.bundles


def test_spec_on_windows_adds_a_console_executable_with_the_ico(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = run_spec(monkeypatch, "win32")
    assert [(e["name"], e["console"]) for e in built.executables] == [
        ("smtpwizard", False),
        ("smtpwizard-cli", True),
    ]
    for executable in built.executables:
        (icon,) = executable["icon"]
        assert icon.endswith(".ico")
        assert Path(icon).is_file()


def test_spec_on_macos_makes_an_app_named_after_the_app_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = run_spec(monkeypatch, "darwin")
    (bundle,) = built.bundles
    assert bundle["name"] == "SMTP Wizard.app"
    assert bundle["bundle_identifier"] == APP_ID
    assert bundle["version"] == __version__
    assert bundle["info_plist"]["CFBundleShortVersionString"] == __version__
    assert bundle["icon"].endswith(".icns")
    assert Path(bundle["icon"]).is_file()


def test_spec_names_no_absolute_path() -> None:
    literals = re.findall(r"""["']([^"'\n]*)["']""", SPEC.read_text(encoding="utf-8"))
    assert not [s for s in literals if s.startswith("/") or re.match(r"[A-Za-z]:\\", s)]


def test_bundle_check_does_nothing_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMTPWIZARD_BUNDLE_CHECK", raising=False)
    namespace = runpy.run_path(str(ROOT / "packaging" / "bundle_check.py"))
    assert "_bundle_check" not in namespace


def test_flatpak_manifest_names_the_app_runtime_and_permissions() -> None:
    lines = MANIFEST.read_text(encoding="utf-8").splitlines()
    assert f"app-id: {APP_ID}" in lines
    assert "command: smtpwizard" in lines
    assert "runtime: org.kde.Platform" in lines
    assert "base: io.qt.PySide.BaseApp" in lines
    arguments = {line.strip().removeprefix("- ") for line in lines if line.startswith("  - --")}
    assert arguments >= FINISH_ARGS


@pytest.mark.skipif(not shutil.which("flatpak-builder"), reason="flatpak-builder not installed")
def test_flatpak_builder_reads_the_manifest_as_written(tmp_path: Path) -> None:
    run = subprocess.run(
        ["flatpak-builder", "--show-manifest", str(MANIFEST)],
        cwd=tmp_path,  # where it leaves its state folder
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "LC_ALL": "C"},
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == "", "flatpak-builder warns about a key it does not know"
    manifest = json.loads(run.stdout)
    assert manifest["id"] == APP_ID
    assert set(manifest["finish-args"]) >= FINISH_ARGS
    assert [module["name"] for module in manifest["modules"]] == ["python3-deps", "smtpwizard"]
    commands = " ".join(manifest["modules"][1]["build-commands"]).replace("${FLATPAK_ID}", APP_ID)
    paths = re.findall(r"(?<!#)\bresources/[\w./-]+", commands)
    assert len(paths) >= 4
    for path in paths:
        assert (ROOT / path).exists(), path


def test_flatpak_modules_carry_every_runtime_dependency_as_a_pinned_wheel() -> None:
    module = json.loads(DEPS.read_text(encoding="utf-8"))
    wheels = [Path(source["url"]).name for source in module["sources"]]
    names = {canonicalize_name(wheel.split("-")[0]) for wheel in wheels}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for text in project["project"]["dependencies"] + project["build-system"]["requires"]:
        name = canonicalize_name(Requirement(text).name)
        if not name.startswith(("pyside6", "shiboken6")):  # the base app has them
            assert name in names, f"{name} is missing from {DEPS.name}"
            assert name in module["build-commands"][0].split()
    for source in module["sources"]:
        assert source["type"] == "file"
        assert source["url"].startswith("https://")
        assert source["url"].endswith(".whl")
        assert re.fullmatch(r"[0-9a-f]{64}", source["sha256"])


def test_flatpak_binary_wheels_exist_for_both_architectures() -> None:
    module = json.loads(DEPS.read_text(encoding="utf-8"))
    arches: dict[str, set[str]] = {}
    for source in module["sources"]:
        name = Path(source["url"]).name.split("-")[0]
        for arch in source.get("only-arches", ["x86_64", "aarch64"]):
            arches.setdefault(name, set()).add(arch)
    assert arches
    assert all(found == {"x86_64", "aarch64"} for found in arches.values()), arches
