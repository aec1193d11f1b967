"""The engine must run without Qt: importing all of it loads no Qt module."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import smtpwizard.core


def test_core_imports_no_qt() -> None:
    modules = [m.name for m in pkgutil.walk_packages(smtpwizard.core.__path__, "smtpwizard.core.")]
    assert "smtpwizard.core.probe.matrix" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "import smtpwizard.cli.main\n"
        "qt = ('PySide6', 'shiboken6', 'smtpwizard.gui')\n"
        "loaded = [m for m in sys.modules if m.startswith(qt)]\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
