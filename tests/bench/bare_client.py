"""The least a Python program can do for the work of bench_swaks.py: the language's floor.

Implicit TLS verified against one CA file (no system trust: as swaks with --tls-ca-path),
the greeting, EHLO, then AUTH PLAIN, MAIL FROM, RCPT TO and QUIT in one flight, reading the
four replies. No checks beyond the reply codes, no explanation, no output. Standard library
only, nothing imported that this does not use.

    python bare_client.py PORT CAFILE USER PASSWORD
"""

import base64
import socket
import ssl
import sys


def main() -> None:
    port, cafile, user, password = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    context = ssl.create_default_context(cafile=cafile)
    with (
        socket.create_connection(("127.0.0.1", int(port)), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        replies = tls.makefile("rb")

        def reply() -> bytes:
            line = replies.readline()
            while line[3:4] == b"-":
                line = replies.readline()
            return line[:3]

        assert reply() == b"220"
        tls.sendall(b"EHLO [127.0.0.1]\r\n")
        assert reply() == b"250"
        blob = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        flight = f"AUTH PLAIN {blob}\r\nMAIL FROM:<{user}>\r\nRCPT TO:<{user}>\r\nQUIT\r\n"
        tls.sendall(flight.encode())
        codes = [reply() for _ in range(3)]
        assert codes == [b"235", b"250", b"250"], codes


if __name__ == "__main__":
    main()
