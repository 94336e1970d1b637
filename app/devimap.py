"""A local IMAP server for `pomoshnik dev` (`make run`), the tests and the benchmark: Debian's
dovecot, configured in a folder of its own, serving one passwd-file user's maildir on loopback.

Dovecot does not read mail as root: run as root (a container, CI), the mail belongs to the
unprivileged ``dovenull`` user; run as anyone else, to that user, and the server runs as them too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import aioimaplib

from app.core.config import MailboxSettings

USER = "shared@pomoshnik.local"
PASSWORD = "mailbox-demo"  # the loopback server's own user


@dataclass(frozen=True)
class LocalImap:
    host: str
    port: int
    username: str
    password: str
    directory: Path

    def mailbox(self, folder: str, **more: Any) -> MailboxSettings:
        """Settings that read ``folder`` here, over plain IMAP, without waiting between runs."""
        return MailboxSettings.model_validate(
            {
                "host": self.host,
                "port": self.port,
                "tls": False,
                "username": self.username,
                "password": self.password,
                "folders": [folder],
                "idle_seconds": 0,
            }
            | more
        )


def available() -> bool:
    return shutil.which("dovecot") is not None


def _binary(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if found is None:
        raise RuntimeError(f"{name} is not installed (Debian: apt-get install dovecot-imapd)")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _owner() -> tuple[str, int, int]:
    if os.getuid() != 0:
        entry = pwd.getpwuid(os.getuid())
        return entry.pw_name, entry.pw_uid, entry.pw_gid
    entry = pwd.getpwnam("dovenull")
    return entry.pw_name, entry.pw_uid, entry.pw_gid


def _config(directory: Path, port: int) -> str:
    name, uid, gid = _owner()
    privileged = os.getuid() == 0
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {directory}/run
state_dir = {directory}/state
log_path = {directory}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{directory}/mail/%n
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
default_login_user = {name}
default_internal_user = {name}
{"" if privileged else f"default_internal_group = {pwd.getpwuid(uid).pw_name}"}
mail_uid = {uid}
mail_gid = {gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {directory}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={directory}/home/%n
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
service pop3-login {{
  chroot =
}}
service submission-login {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def _reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            return conn.recv(64).startswith(b"* OK")
    except OSError:
        return False


@contextmanager
def running(directory: Path, port: int | None = None) -> Iterator[LocalImap]:
    """Dovecot serving ``USER`` on ``127.0.0.1:port`` (a free one when not given) until the block ends."""
    if not available():
        raise RuntimeError("dovecot is not installed (Debian: apt-get install dovecot-imapd)")
    directory = directory.resolve()
    port = port or _free_port()
    _, uid, gid = _owner()
    for sub in ("run", "state", "mail", "home"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    (directory / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:::\n")
    config = directory / "dovecot.conf"
    config.write_text(_config(directory, port))
    if os.getuid() == 0:
        for path in (directory / "mail", directory / "home"):
            os.chown(path, uid, gid)
        # Let the mail user into the (root-owned, private) temporary folders above its own.
        up = directory
        while up != up.parent:
            os.chmod(up, os.stat(up).st_mode | 0o001)
            up = up.parent
    with open(directory / "dovecot.stderr", "wb") as stderr:
        process = subprocess.Popen(  # noqa: S603  (our own command line)
            [_binary("dovecot"), "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 20
        while not _reachable(port):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (directory / "dovecot.stderr").read_text(errors="replace")
                log += (
                    (directory / "dovecot.log").read_text(errors="replace")
                    if (directory / "dovecot.log").exists()
                    else ""
                )
                raise RuntimeError(f"dovecot did not start: {log[-2000:]}")
            time.sleep(0.05)
        yield LocalImap("127.0.0.1", port, USER, PASSWORD, directory)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def restart_connections(server: LocalImap) -> None:
    """Drop every client connection (``doveadm kick``), as a server restart does to a reader, and
    return once the server holds none of them (the kick itself returns before)."""
    config = str(server.directory / "dovecot.conf")
    subprocess.run(  # noqa: S603  (our own command line)
        [_binary("doveadm"), "-c", config, "kick", server.username], check=False, capture_output=True
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        who = subprocess.run(  # noqa: S603  (our own command line)
            [_binary("doveadm"), "-c", config, "who", server.username], check=False, capture_output=True
        )
        if server.username.encode() not in who.stdout:
            return
        time.sleep(0.05)


async def append(server: LocalImap, messages: list[bytes], folder: str = "INBOX") -> None:
    """Deliver ``messages`` into ``folder`` (IMAP APPEND), as a mail server would."""
    client = aioimaplib.IMAP4(server.host, server.port, timeout=10)
    await client.wait_hello_from_server()
    await client.login(server.username, server.password)
    try:
        for raw in messages:
            answer = await client.append(raw, mailbox=folder)
            if answer.result != "OK":
                raise RuntimeError(f"APPEND refused: {answer.lines[-1:]!r}")
    finally:
        await client.logout()


# A one-page PDF: the demo letter's attachment, as a client's scanned order would come.
_DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def demo_letters() -> list[bytes]:
    """What the demo mailbox holds at first: a demo client's order with its scan attached."""
    message = EmailMessage()
    message["From"] = "Соколов Андрей Викторович <supply1@client1.example.ru>"
    message["To"] = USER
    message["Subject"] = "Заявка на спецодежду"
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="client1.example.ru")
    message.set_content(
        "Добрый день!\n\nПросим выставить счёт: куртка утеплённая — 10 шт., размеры 50–56, "
        "рост 182–188. Скан заявки во вложении.\n\nС уважением,\nСоколов Андрей, снабженец"
    )
    message.add_attachment(_DEMO_PDF, maintype="application", subtype="pdf", filename="Заявка.pdf")
    return [bytes(message)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True, help="The server's folder (config, maildir)")
    parser.add_argument("--demo", action="store_true", help="Put the demo letter in the first time")
    args = parser.parse_args(argv)
    stopped = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopped
        stopped = True

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)
    with running(args.dir, args.port) as server:
        seeded = args.dir / ".demo-delivered"
        if args.demo and not seeded.exists():
            asyncio.run(append(server, demo_letters()))
            seeded.touch()
        while not stopped:
            time.sleep(0.5)


if __name__ == "__main__":
    main()
