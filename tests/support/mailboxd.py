"""Incoming-mail test servers: small IMAP and POP3 responders (every outcome on demand, any
certificate), and a private Dovecot instance (real server software) when the machine has it.
"""

from __future__ import annotations

import base64
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import trustme

from tests.support.certs import server_context
from tests.support.listeners import Script

IMAP_FAILED = "NO [AUTHENTICATIONFAILED] Authentication failed."


@dataclass
class Behaviour:
    """How a responder behaves; every field has the well-behaved default."""

    users: Mapping[str, str] = field(default_factory=dict)
    cert: trustme.LeafCert | None = None
    implicit_tls: bool = False
    starttls: bool = True
    login_before_tls: bool = False
    greeting: str | None = None
    mechanisms: tuple[str, ...] = ("PLAIN",)
    login_reply: str | None = None
    logins: list[tuple[str, bool]] = field(default_factory=list)


class _Line:
    """Line I/O on a socket that can switch to TLS."""

    def __init__(self, conn: socket.socket) -> None:
        self.sock: socket.socket = conn
        self.buf = b""

    # A client that goes away (or resets, or ends TLS uncleanly) ends the conversation: the
    # script's loop then closes the socket, TLS or not.
    def send(self, text: str) -> None:
        with contextlib.suppress(OSError):
            self.sock.sendall(text.encode("utf-8") + b"\r\n")

    def readline(self) -> bytes | None:
        while b"\n" not in self.buf:
            try:
                data = self.sock.recv(4096)
            except OSError:
                return None
            if not data:
                return None
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r")

    def secure(self, cert: trustme.LeafCert) -> None:
        tls = server_context(cert).wrap_socket(
            self.sock, server_side=True, do_handshake_on_connect=False
        )
        self.sock = tls
        try:
            tls.do_handshake()
        except OSError:
            tls.close()  # a client that refuses the certificate: nothing left to close later
            raise


def _check(b: Behaviour, user: str, password: str) -> bool:
    ok = b.users.get(user) == password and b.login_reply is None
    b.logins.append((user, ok))
    return ok


def imap_script(b: Behaviour) -> Script:
    """An IMAP server: greeting, CAPABILITY, STARTTLS, LOGIN, AUTHENTICATE PLAIN, LOGOUT."""

    def script(conn: socket.socket, stopping: threading.Event) -> None:
        io = _Line(conn)
        tls = False
        if b.implicit_tls:
            assert b.cert is not None
            io.secure(b.cert)
            tls = True
        io.send(b.greeting or "* OK test IMAP server ready")
        while (raw := io.readline()) is not None:
            tag, _, rest = raw.decode("utf-8", "replace").partition(" ")
            verb, _, args = rest.partition(" ")
            verb = verb.upper()
            if verb == "CAPABILITY":
                caps = ["IMAP4rev1"]
                if b.starttls and not tls and b.cert is not None:
                    caps.append("STARTTLS")
                if not tls and not b.login_before_tls:
                    caps.append("LOGINDISABLED")
                elif b.mechanisms:
                    caps += [f"AUTH={m}" for m in b.mechanisms]
                io.send("* CAPABILITY " + " ".join(caps))
                io.send(f"{tag} OK done")
            elif verb == "STARTTLS" and b.cert is not None and not tls:
                io.send(f"{tag} OK begin TLS")
                io.secure(b.cert)
                tls = True
            elif verb == "LOGIN":
                user, _, password = args.partition(" ")
                ok = _check(b, user.strip('"'), password.strip('"'))
                io.send(f"{tag} OK logged in" if ok else f"{tag} {b.login_reply or IMAP_FAILED}")
            elif verb == "AUTHENTICATE" and args.upper() == "PLAIN":
                io.send("+ ")
                answer = io.readline() or b""
                _authz, user, password = base64.b64decode(answer).split(b"\0")
                ok = _check(b, user.decode(), password.decode())
                io.send(f"{tag} OK logged in" if ok else f"{tag} {b.login_reply or IMAP_FAILED}")
            elif verb == "LOGOUT":
                io.send("* BYE logging out")
                io.send(f"{tag} OK bye")
                break
            else:
                io.send(f"{tag} BAD unknown command")
        io.sock.close()

    return script


def pop3_script(b: Behaviour) -> Script:
    """A POP3 server: greeting, CAPA, STLS, USER/PASS, AUTH PLAIN, QUIT."""

    def script(conn: socket.socket, stopping: threading.Event) -> None:
        io = _Line(conn)
        tls = False
        if b.implicit_tls:
            assert b.cert is not None
            io.secure(b.cert)
            tls = True
        io.send(b.greeting or "+OK test POP3 server ready")
        user = ""
        while (raw := io.readline()) is not None:
            verb, _, args = raw.decode("utf-8", "replace").partition(" ")
            verb = verb.upper()
            if verb == "CAPA":
                io.send("+OK capabilities follow")
                if b.starttls and not tls and b.cert is not None:
                    io.send("STLS")
                if tls or b.login_before_tls:
                    io.send("USER")
                    if b.mechanisms:
                        io.send("SASL " + " ".join(b.mechanisms))
                io.send(".")
            elif verb == "STLS" and b.cert is not None and not tls:
                io.send("+OK begin TLS")
                io.secure(b.cert)
                tls = True
            elif verb == "USER":
                user = args
                io.send("+OK")
            elif verb == "PASS":
                ok = _check(b, user, args)
                io.send(
                    "+OK logged in" if ok else b.login_reply or "-ERR [AUTH] Authentication failed."
                )
            elif verb == "AUTH" and args.upper().startswith("PLAIN "):
                _authz, name, password = base64.b64decode(args.split(" ", 1)[1]).split(b"\0")
                ok = _check(b, name.decode(), password.decode())
                io.send(
                    "+OK logged in" if ok else b.login_reply or "-ERR [AUTH] Authentication failed."
                )
            elif verb == "QUIT":
                io.send("+OK bye")
                break
            else:
                io.send("-ERR unknown command")
        io.sock.close()

    return script


# -- Dovecot ------------------------------------------------------------------------------------


@dataclass
class Dovecot:
    """A running private Dovecot: ports of its listeners, and its log."""

    imap: int
    imaps: int
    pop3: int
    pop3s: int
    directory: Path
    process: subprocess.Popen[bytes]
    submission: int = 0
    """SMTP submission with STARTTLS (0: not started), relaying to the test's SMTP server."""
    submissions: int = 0
    """SMTP submission with SSL/TLS (0: not started)."""

    @property
    def auth_socket(self) -> Path:
        """Where Dovecot answers login checks for other servers (Postfix's SASL)."""
        return self.directory / "run" / "auth-client"

    def log(self) -> str:
        try:
            return (self.directory / "dovecot.log").read_text()
        except OSError:
            return ""


def dovecot_unavailable() -> str | None:
    """Why a private Dovecot cannot run here, or None when it can."""
    if shutil.which("dovecot") is None:
        return "Dovecot is not installed (Debian: apt-get install dovecot-imapd dovecot-pop3d)"
    if os.geteuid() != 0:
        return "a private Dovecot needs root here (it switches to its own users)"
    try:
        pwd.getpwnam("dovecot")
        pwd.getpwnam("dovenull")
    except KeyError:
        return "the dovecot and dovenull users are missing (reinstall dovecot-core)"
    return None


def _free_ports(count: int) -> list[int]:
    sockets = []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    ports = [s.getsockname()[1] for s in sockets]
    for sock in sockets:
        sock.close()
    return ports


@dataclass(frozen=True)
class TokenCheck:
    """How Dovecot checks OAuth 2.0 tokens: by asking the authorization server's
    introspection endpoint (RFC 7662) as the client ``client_id``, trusting ``ca_file``."""

    introspection_url: str
    client_id: str
    client_secret: str
    ca_file: Path


def start_dovecot(
    cert: trustme.LeafCert,
    users: Mapping[str, str],
    tokens: TokenCheck | None = None,
    relay_port: int | None = None,
    *,
    tokens_only: bool = False,
) -> Dovecot:
    """Starts Dovecot on loopback with ``cert``; logins only after encryption.

    Args:
        tokens: also take OAuth 2.0 tokens (XOAUTH2, OAUTHBEARER), checked by introspection.
        tokens_only: offer only the token mechanisms, as Outlook.com does (with ``tokens``).
        relay_port: also offer SMTP submission (587-style and 465-style listeners), passing
            the mail on to an SMTP server on this loopback port.
    """
    directory = Path(tempfile.mkdtemp(prefix="smtpwizard-dovecot-"))
    directory.chmod(0o755)
    (directory / "home").mkdir(mode=0o777)
    (directory / "home").chmod(0o777)
    chain = b"".join(pem.bytes() for pem in cert.cert_chain_pems)
    (directory / "cert.pem").write_bytes(chain)
    cert.private_key_pem.write_to_path(str(directory / "key.pem"))
    (directory / "users").write_text(
        # nodelay: no delay after a failed login (Dovecot slows the next logins from the same
        # address otherwise, which would make the tests depend on their order).
        "".join(
            f"{name}:{{PLAIN}}{password}::::::nodelay=yes\n" for name, password in users.items()
        ),
        encoding="utf-8",
    )
    imap, imaps, pop3, pop3s, submission, submissions = _free_ports(6)
    mechanisms = "plain login"
    oauth = ""
    if tokens is not None:
        mechanisms = "xoauth2 oauthbearer" if tokens_only else f"{mechanisms} xoauth2 oauthbearer"
        # Dovecot's auth process runs as its own user: the CA goes where it may read it.
        shutil.copyfile(tokens.ca_file, directory / "ca.pem")
        (directory / "ca.pem").chmod(0o644)
        parts = urllib.parse.urlsplit(tokens.introspection_url)
        url = parts._replace(
            netloc=f"{tokens.client_id}:{tokens.client_secret}@{parts.netloc}"
        ).geturl()
        (directory / "oauth2.conf").write_text(
            f"introspection_mode = post\n"
            f"introspection_url = {url}\n"
            "username_attribute = username\n"
            "active_attribute = active\n"
            "active_value = true\n"
            "force_introspection = yes\n"
            # No delay after a refused token (see the users file below).
            "pass_attrs = nodelay=yes\n"
            f"tls_ca_cert_file = {directory}/ca.pem\n"
        )
        oauth = f"""
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {directory}/oauth2.conf
}}"""
    smtp = ""
    protocols = "imap pop3"
    if relay_port is not None:
        protocols += " submission"
        smtp = f"""
hostname = mail.example.test
submission_relay_host = 127.0.0.1
submission_relay_port = {relay_port}
submission_relay_trusted = yes
service submission-login {{
  inet_listener submission {{
    port = {submission}
  }}
  inet_listener submissions {{
    port = {submissions}
    ssl = yes
  }}
}}"""
    (directory / "dovecot.conf").write_text(f"""
base_dir = {directory}/run
state_dir = {directory}/state
log_path = {directory}/dovecot.log
protocols = {protocols}
listen = 127.0.0.1
ssl = yes
ssl_cert = <{directory}/cert.pem
ssl_key = <{directory}/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = {mechanisms}{oauth}
auth_failure_delay = 0
# No penalty for the address of earlier failed logins (all tests come from 127.0.0.1; the
# penalty would delay the next right login by seconds).
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
# Logins checked for other servers too (Postfix's smtpd_sasl_type = dovecot).
service auth {{
  unix_listener auth-client {{
    mode = 0666
  }}
}}
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {directory}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={directory}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    port = {imap}
  }}
  inet_listener imaps {{
    port = {imaps}
    ssl = yes
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {pop3}
  }}
  inet_listener pop3s {{
    port = {pop3s}
    ssl = yes
  }}
}}{smtp}
""")
    process = subprocess.Popen(
        ["dovecot", "-c", str(directory / "dovecot.conf"), "-F"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, so that stopping ends them all
    )
    listening = [imap, imaps, pop3, pop3s]
    if relay_port is None:
        submission = submissions = 0
    else:
        listening += [submission, submissions]
    server = Dovecot(imap, imaps, pop3, pop3s, directory, process, submission, submissions)
    deadline = time.monotonic() + 15
    for port in listening:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"Dovecot did not start: {server.log()[-500:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    stop_dovecot(server)
                    raise RuntimeError(f"Dovecot did not listen: {server.log()[-500:]}") from None
                threading.Event().wait(0.05)
    return server


def stop_dovecot(server: Dovecot) -> None:
    """Stops Dovecot and every process it started. Its master waits seconds for its login
    processes on a plain SIGTERM; a test's throwaway instance need not: after a short grace
    its whole process group is killed."""
    server.process.terminate()
    try:
        server.process.wait(0.5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(5)
    shutil.rmtree(server.directory, ignore_errors=True)
