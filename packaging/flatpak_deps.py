"""Writes packaging/flatpak/python3-deps.json: the Flatpak module with smtpwizard's Python
dependencies, as wheels pinned to the versions in the project's environment.

    .venv/bin/python packaging/flatpak_deps.py

Which packages: the dependencies in pyproject.toml and theirs, as the Flatpak's Python sees
them (Linux, the runtime's Python version below), less PySide6 and shiboken6, which the
PySide base app provides, at the versions installed here (the ones the tests ran with);
plus the newest release of each build requirement, since the app itself is installed
without build isolation. Where each wheel is and its SHA-256 come from pip's own
installation report from the default package index (pip's configuration on this machine is
left out), one report per architecture; a wheel built for one architecture is marked
``only-arches``.

Run it again after a dependency changes, and commit the result. It needs the package index.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "packaging" / "flatpak" / "python3-deps.json"

#: The KDE runtime 6.8 (freedesktop SDK 24.08) has Python 3.12.
PYTHON = "3.12"
ARCHES = ("x86_64", "aarch64")
#: Provided by io.qt.PySide.BaseApp.
FROM_BASE_APP = {"pyside6", "pyside6-essentials", "pyside6-addons", "shiboken6"}

TARGET = {
    "python_version": PYTHON,
    "python_full_version": f"{PYTHON}.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "extra": "",
}


def wanted(requirement: Requirement) -> bool:
    """Whether the requirement applies inside the Flatpak."""
    if canonicalize_name(requirement.name) in FROM_BASE_APP:
        return False
    return requirement.marker is None or requirement.marker.evaluate(TARGET)


def closure(roots: list[str]) -> dict[str, str]:
    """Canonical name -> installed version, for ``roots`` and everything they need."""
    pinned: dict[str, str] = {}
    queue = [Requirement(text) for text in roots]
    while queue:
        requirement = queue.pop()
        if not wanted(requirement):
            continue
        name = canonicalize_name(requirement.name)
        if name in pinned:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise SystemExit(f"{name} is not installed here; run: sh packaging/dev test") from None
        pinned[name] = dist.version
        queue.extend(Requirement(text) for text in dist.requires or [])
    return pinned


def wheels(requirements: list[str], arch: str) -> list[tuple[str, str]]:
    """(url, sha256) of the wheel pip picks for each requirement on ``arch``."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        command = [
            sys.executable, "-m", "pip", "install", "--quiet", "--dry-run",
            "--ignore-installed", "--no-deps", "--only-binary", ":all:",
            "--target", str(Path(folder) / "target"), "--report", str(report),
            "--python-version", PYTHON, "--implementation", "cp",
            "--abi", f"cp{PYTHON.replace('.', '')}", "--abi", "abi3", "--abi", "none",
            "--platform", f"manylinux_2_28_{arch}", "--platform", f"manylinux_2_17_{arch}",
            "--platform", f"manylinux2014_{arch}", "--platform", "any",
            *requirements,
        ]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
        env["PIP_CONFIG_FILE"] = os.devnull
        # This interpreter's own pip, with the fixed arguments above.
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)  # noqa: S603
        found = json.loads(report.read_text())["install"]
    downloads = [item["download_info"] for item in found]
    return [(d["url"], d["archive_info"]["hashes"]["sha256"]) for d in downloads]


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pins = closure(project["project"]["dependencies"])
    build = project["build-system"]["requires"]
    requirements = [f"{name}=={version}" for name, version in sorted(pins.items())] + build
    names = sorted([*pins, *(canonicalize_name(Requirement(text).name) for text in build)])
    arches_of: dict[tuple[str, str], list[str]] = {}
    for arch in ARCHES:
        for source in wheels(requirements, arch):
            arches_of.setdefault(source, []).append(arch)
    sources = []
    for (url, sha256), arches in sorted(arches_of.items()):
        source: dict[str, object] = {"type": "file", "url": url, "sha256": sha256}
        if len(arches) < len(ARCHES):
            source["only-arches"] = arches
        sources.append(source)
    module = {
        "name": "python3-deps",
        "buildsystem": "simple",
        "build-commands": [
            'pip3 install --verbose --exists-action=i --no-index --find-links="file://${PWD}" '
            "--prefix=${FLATPAK_DEST} --no-build-isolation " + " ".join(names)
        ],
        "sources": sources,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(module, indent=2) + "\n")
    print(f"{OUT.relative_to(ROOT)}: {', '.join(requirements)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
