"""The local mail server of `pomoshnik dev` (`make run`): an SMTP server on loopback that keeps every
message it is given as an ``.eml`` file, so the demo's e-mails are sent, and can be read, without a
real mail server. ``python -m app.mailsink --port 1025 --dir var/mail`` runs it alone."""

from __future__ import annotations

import argparse
import os
import signal
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class EmlFolder:
    """An aiosmtpd handler: each message becomes ``<UTC time>-<random>.eml`` in ``directory``,
    written whole before it appears (a reader never sees half a message)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}.eml"
        # The envelope, which the headers need not show (a Bcc, a bounce address), goes first.
        envelope_lines = [f"X-Envelope-From: {envelope.mail_from}"]
        envelope_lines += [f"X-Envelope-To: {rcpt}" for rcpt in envelope.rcpt_tos]
        content = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        partial = self.directory / f".{name}.part"
        partial.write_bytes("\r\n".join(envelope_lines).encode() + b"\r\n" + content)
        os.replace(partial, self.directory / name)
        return f"250 2.0.0 Ok: kept as {name}"


def start(directory: Path, port: int, host: str = "127.0.0.1") -> Controller:
    """Serve on ``host:port`` in a thread of this process until the controller is stopped."""
    controller = Controller(EmlFolder(directory), hostname=host, port=port)
    controller.start()
    return controller


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", type=Path, required=True, help="Where the .eml files go")
    args = parser.parse_args(argv)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _signum, _frame: stopped.set())
    controller = start(args.dir, args.port)
    try:
        while not stopped.wait(1):
            pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
