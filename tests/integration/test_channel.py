"""The channel's own socket settings, on a real loopback connection."""

from __future__ import annotations

import socket

from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.net.channel import Channel


def test_commands_go_out_at_once() -> None:
    # Nagle's algorithm would hold the EHLO that follows a TLS handshake until the server
    # acknowledged the handshake's last flight: up to a round trip lost (see bench_matrix.py).
    with socket.create_server(("127.0.0.1", 0)) as server, CancelToken() as cancel:
        client = socket.create_connection(server.getsockname())
        accepted, _ = server.accept()
        channel = Channel(client, cancel=cancel)
        try:
            assert client.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        finally:
            channel.close()
            accepted.close()
