"""A chat that writes to files: one JSON line per message in ``<dir>/<safe chat id>.jsonl``.

Another process (the demo UI, a test, a person with ``tail -f``) reads the same files back. Writes
take an exclusive ``flock`` on the chat's file, so message ids stay increasing per chat even with
several writer processes. A sent document's bytes are kept beside it (``<safe chat id>.files/``) so the
demo can open what was "sent".
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import os
import re
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.services.kernel.ports import ChatError, ChatReceipt

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}")
_MAX_STEM = 80
_TAIL_CHUNK = 8192


def safe_name(value: str) -> str:
    """A file-system-safe, collision-free stem for any string (chat id, file name).

    Plain ids (``-1001234``, ``document_errors``) stay readable; anything else keeps its safe
    characters and gets a short hash of the original, so two different ids never share a file.
    """
    cleaned = _UNSAFE.sub("_", value).strip("_")[:_MAX_STEM]
    if cleaned == value and cleaned:
        return cleaned
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]
    return f"{cleaned}~{digest}" if cleaned else f"~{digest}"


def _document_name(filename: str) -> str:
    """A safe stored name for a document that keeps a plain extension (``.pdf``, ``.xlsx``)."""
    path = Path(filename)
    suffix = path.suffix if _SUFFIX.fullmatch(path.suffix) else ""
    return safe_name(path.stem if suffix else filename) + suffix


def _last_message_id(handle: Any) -> int:
    """The message id on the last complete line of an open binary file (0 when there is none)."""
    handle.seek(0, os.SEEK_END)
    end = handle.tell()
    position = end
    buffer = b""
    while position > 0:
        step = min(_TAIL_CHUNK, position)
        position -= step
        handle.seek(position)
        buffer = handle.read(step) + buffer
        lines = buffer.rstrip(b"\n").split(b"\n")
        # Walk back over complete lines until one parses (a torn last line is skipped).
        candidates = lines if position == 0 else lines[1:]
        for line in reversed(candidates):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and isinstance(record.get("message_id"), int):
                return int(record["message_id"])
        if position > 0 and len(buffer) > 1_048_576:
            break
    return 0


class StubChat:
    """The ``Chat`` port on local files."""

    def __init__(self, directory: Path | str, *, keep_documents: bool = True) -> None:
        self.directory = Path(directory)
        self.keep_documents = keep_documents
        self._thread_lock = threading.Lock()

    def path_for(self, chat_id: str) -> Path:
        return self.directory / f"{safe_name(chat_id)}.jsonl"

    # --- the port -----------------------------------------------------------------------------

    async def send_message(self, chat_id: str, text: str) -> ChatReceipt:
        if not text.strip():
            raise ChatError("message text is empty", permanent=True)
        record: dict[str, Any] = {"kind": "text", "text": text}
        return await asyncio.to_thread(self._append, chat_id, record, None)

    async def send_document(
        self, chat_id: str, filename: str, content: bytes, caption: str | None = None
    ) -> ChatReceipt:
        if not filename:
            raise ChatError("document file name is empty", permanent=True)
        record: dict[str, Any] = {
            "kind": "document",
            "filename": filename,
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "caption": caption,
        }
        return await asyncio.to_thread(self._append, chat_id, record, content)

    # --- reading back -------------------------------------------------------------------------

    def read(self, chat_id: str) -> list[dict[str, Any]]:
        """Every message of one chat, oldest first."""
        return self._read_file(self.path_for(chat_id))

    def read_all(self) -> dict[str, list[dict[str, Any]]]:
        """Every chat in the directory: chat id -> its messages, oldest first."""
        chats: dict[str, list[dict[str, Any]]] = {}
        if not self.directory.is_dir():
            return chats
        for path in sorted(self.directory.glob("*.jsonl")):
            for record in self._read_file(path):
                chats.setdefault(str(record.get("chat_id", path.stem)), []).append(record)
        return chats

    def document_content(self, record: dict[str, Any]) -> bytes | None:
        """The bytes of a document message, when they were kept."""
        relative = record.get("path")
        if not isinstance(relative, str):
            return None
        path = (self.directory / relative).resolve()
        if self.directory.resolve() not in path.parents or not path.is_file():
            return None
        return path.read_bytes()

    # --- internals ----------------------------------------------------------------------------

    @staticmethod
    def _read_file(path: Path) -> list[dict[str, Any]]:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return []
        records: list[dict[str, Any]] = []
        for line in raw.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line torn by a crashed writer
            if isinstance(record, dict):
                records.append(record)
        return records

    def _append(self, chat_id: str, record: dict[str, Any], content: bytes | None) -> ChatReceipt:
        path = self.path_for(chat_id)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with self._thread_lock, path.open("a+b") as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
                try:
                    message_id = _last_message_id(handle) + 1
                    entry: dict[str, Any] = {
                        "message_id": message_id,
                        "chat_id": chat_id,
                        "time": datetime.now(UTC).isoformat(),
                        **record,
                    }
                    if content is not None and self.keep_documents:
                        folder = f"{path.stem}.files"
                        name = f"{message_id}_{_document_name(str(record['filename']))}"
                        (self.directory / folder).mkdir(exist_ok=True)
                        (self.directory / folder / name).write_bytes(content)
                        entry["path"] = f"{folder}/{name}"
                    line = json.dumps(entry, ensure_ascii=False) + "\n"
                    if handle.seek(0, os.SEEK_END) > 0:
                        handle.seek(-1, os.SEEK_END)
                        if handle.read(1) != b"\n":
                            line = "\n" + line  # end a line torn by a writer that died mid-write
                    handle.write(line.encode("utf-8"))
                    handle.flush()
                finally:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        except OSError as exc:
            raise ChatError(f"stub chat cannot write {path}: {exc}") from exc
        return ChatReceipt(message_id=str(message_id))
