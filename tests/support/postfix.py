"""A throwaway Postfix instance for one test: its own folder, configuration and queue, one
SMTP listener on a loopback port, no chroot, never the system's daemon.

The instance's master runs in the foreground (``master -c DIR -i`` style, as root, which
Postfix requires); mail goes in through its listener and out through its smtp client, which
is configured by the exported ``main.cf`` lines.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

MASTER = "/usr/lib/postfix/sbin/master"
POSTMAP = "/usr/sbin/postmap"
#: The services a relaying instance needs, without chroot (fields: type, private, unpriv,
#: chroot, wakeup, maxproc, command).
SERVICES = """\
{listen} inet n - n - - smtpd
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
tlsmgr unix - - n 1000? 1 tlsmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
"""
QUEUES = ("active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming")
QUEUES += ("saved", "trace")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Postfix:
    """A private Postfix with the given ``main.cf`` lines added to its own base settings.

    Args:
        relay_lines: the exported lines (``/etc/postfix/`` already pointed at ``folder``).
    """

    def __init__(self) -> None:
        for path in (MASTER, POSTMAP):
            if not os.path.exists(path):
                pytest.skip(f"{path} is missing (Debian: postfix; packaging/dev test installs it)")
        if os.geteuid() != 0:
            pytest.skip("Postfix's master runs as root only; run the tests as root")
        # Postfix's processes run as its own user: the folder must be open to it.
        self.folder = Path(tempfile.mkdtemp(prefix="smtpwizard-postfix-"))
        self.folder.chmod(0o755)
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def configure(self, relay_lines: str) -> None:
        folder = self.folder
        postfix = pwd.getpwnam("postfix")
        postdrop = grp.getgrnam("postdrop").gr_gid
        queue = folder / "queue"
        for name in (*QUEUES, "private", "public", "maildrop", "pid"):
            path = queue / name
            path.mkdir(parents=True)
            if name != "pid":
                os.chown(path, postfix.pw_uid, postdrop if name in ("public", "maildrop") else -1)
        (queue / "private").chmod(0o700)
        data = folder / "data"
        data.mkdir()
        os.chown(data, postfix.pw_uid, postfix.pw_gid)
        (folder / "master.cf").write_text(
            SERVICES.format(listen=f"127.0.0.1:{self.port}"), encoding="utf-8"
        )
        base = f"""\
compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = localhost
mydomain = localdomain
myorigin = localhost
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
local_transport = error:no local delivery here
alias_maps =
alias_database =
smtp_host_lookup = native
smtp_dns_support_level = disabled
maillog_file = {folder}/maillog
maillog_file_prefixes = {folder}
smtputf8_enable = no
"""
        (folder / "main.cf").write_text(base + relay_lines, encoding="utf-8")

    def add_listener(self, options: str) -> int:
        """Another smtpd on a free loopback port with these ``-o`` options (after
        :meth:`configure`, before :meth:`start`); returns its port."""
        port = _free_port()
        with (self.folder / "master.cf").open("a", encoding="utf-8") as services:
            services.write(f"127.0.0.1:{port} inet n - n - - smtpd {options}\n")
        return port

    def postmap(self, table: Path) -> None:
        done = subprocess.run(
            [POSTMAP, "-c", str(self.folder), f"hash:{table}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0, done.stderr

    def start(self) -> None:
        self.process = subprocess.Popen(
            [MASTER, "-c", str(self.folder), "-d"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"Postfix did not start:\n{self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("Postfix did not listen in time")

    def submit(self, raw: str, sender: str, recipient: str) -> None:
        with smtplib.SMTP("127.0.0.1", self.port, local_hostname="localhost", timeout=30) as s:
            s.sendmail(sender, [recipient], raw.encode("utf-8"))

    def log(self) -> str:
        path = self.folder / "maillog"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)
