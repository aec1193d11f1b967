"""The loopback world of :mod:`tests.support.pages` in a process of its own, so that a test
measuring the wizard's memory does not count the servers'. Prints one JSON line (the DNS
port, the CA file, the SMTP port) and serves until its standard input closes::

    python -m tests.support.world_process DIRECTORY
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.support.pages import loopback_world


def main() -> None:
    directory = Path(sys.argv[1])
    with loopback_world(directory) as world:
        cafile = world.engine.probe.cafile
        print(
            json.dumps({"dns_port": world.dns.port, "ca_file": cafile, "smtp": world.smtp.port}),
            flush=True,
        )
        sys.stdin.read()  # until the test closes it


if __name__ == "__main__":
    main()
