"""Real consumers of exported files, for the consumer tests: where they are, and one way to
run each with nothing but an exported file (and the password where the format needs one).

The programs come from Debian (msmtp, git send-email, PHP with PHPMailer, Symfony Mailer and
Laravel, Ruby's ActionMailer, Jakarta Mail, Postfix), from npm (Nodemailer, installed by
``packaging/dev test`` into ``build/node``) and from PyPI (Django, django-environ,
Flask-Mail). A test whose program is missing skips and says how to install it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent / "consumers"
ROOT = Path(__file__).resolve().parents[2]
#: Where packaging/dev installs the npm packages (Nodemailer).
NODE_MODULES = ROOT / "build" / "node" / "node_modules"
JAKARTA = ("/usr/share/java/jakarta-mail.jar", "/usr/share/java/jakarta-activation.jar")
#: The test keyring that ``smtpwizard secret`` reads in consumer processes.
KEYRING_BACKEND = "tests.support.envkeyring.EnvKeyring"
TIMEOUT = 90


def need(binary: str, package: str) -> str:
    """The path of ``binary``, or a skip that names the package to install."""
    found = shutil.which(binary) or (binary if os.path.isabs(binary) else None)
    if found is None or not os.path.exists(found):
        pytest.skip(f"{binary} is missing (Debian: {package}; sh packaging/dev test installs it)")
    return found


def need_file(path: str, package: str) -> None:
    """Skips unless ``path`` exists (a library a consumer loads)."""
    if not os.path.exists(path):
        pytest.skip(f"{path} is missing (Debian: {package}; sh packaging/dev test installs it)")


def run(
    argv: list[str],
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdin: str = "",
) -> subprocess.CompletedProcess[str]:
    """Runs a consumer; never raises for its exit status."""
    return subprocess.run(
        argv,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        check=False,
    )


def smtpwizard_path() -> str:
    """A PATH on which ``smtpwizard`` (this checkout's) comes first."""
    return f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


def php(
    script: str, *args: str, cafile: str | None = None, env: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    """Runs a PHP harness; ``cafile`` is php.ini's openssl.cafile, as an export may ask."""
    binary = need("php", "php-cli")
    ini = ["-d", f"openssl.cafile={cafile}"] if cafile else []
    return run([binary, *ini, str(HERE / script), *args], env=env)


def sh_env(path: Path) -> dict[str, str]:
    """The variables a POSIX shell sets from a ``.env`` file (``set -a; . ./file``)."""
    binary = need("sh", "dash")
    done = run(
        [binary, "-c", 'set -a; . "$1" || exit 1; exec env -0', "sh", str(path.resolve())],
        env={"PATH": os.defpath},
    )
    assert done.returncode == 0, done.stderr
    return dict(item.split("=", 1) for item in done.stdout.split("\0") if "=" in item)


def laravel_env(path: Path, *keys: str) -> dict[str, object]:
    """What Laravel's ``env()`` returns for ``keys`` of an exported ``.env``."""
    need_file("/usr/share/php/Illuminate/Support/autoload.php", "php-laravel-framework")
    done = php("laravel_env.php", str(path.resolve()), *keys, env={})
    assert done.returncode == 0, done.stdout + done.stderr
    values: dict[str, object] = json.loads(done.stdout)
    return values


def node(*args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Runs the Nodemailer harness with the pinned Nodemailer."""
    binary = need("node", "nodejs")
    if not (NODE_MODULES / "nodemailer").is_dir():
        pytest.skip("Nodemailer is missing (sh packaging/dev test installs it into build/node)")
    return run(
        [binary, str(HERE / "nodemailer.js"), *args],
        env={**env, "NODE_PATH": str(NODE_MODULES)},
    )


def ruby(*args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Runs the ActionMailer harness."""
    binary = need("ruby", "ruby-actionmailer")
    probe = run([binary, "-e", 'require "action_mailer"'])
    if probe.returncode != 0:
        pytest.skip("ActionMailer is missing (Debian: ruby-actionmailer; packaging/dev test)")
    return run([binary, str(HERE / "rails.rb"), *args], env=env)


def compile_java(folder: Path) -> Path:
    """Compiles the Spring Boot harness once; returns its class folder."""
    javac = need("javac", "default-jdk-headless")
    for jar in JAKARTA:
        need_file(jar, "libjakarta-mail-java")
    done = run(
        [javac, "-d", str(folder), "-cp", os.pathsep.join(JAKARTA), str(HERE / "SpringMail.java")]
    )
    assert done.returncode == 0, done.stderr
    return folder


def java(classes: Path, *args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Runs the compiled Spring Boot harness."""
    binary = need("java", "default-jdk-headless")
    path = os.pathsep.join([str(classes), *JAKARTA])
    return run([binary, "-cp", path, "SpringMail", *args], env=env)
