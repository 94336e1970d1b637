"""Files in a local folder: the default store, and the one tests use (in a temporary folder)."""

from __future__ import annotations

import asyncio
import mimetypes
import os
import tempfile
from pathlib import Path

from app.adapters.storage.keys import check_key
from app.services.kernel.ports import StoredObject


class LocalStorage:
    """Keys map to files under ``root``; a put writes a temporary file and renames it over the key,
    so a reader never sees half a file. The content type is told by the key's extension."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if self.root not in path.parents:
            raise ValueError(f"not a storage key: {key!r}")
        return path

    # The key's path is resolved in the thread too: resolving reads the file system (a stat per
    # folder), which the event loop must not wait for.
    async def put(self, key: str, content: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._put, key, content)

    def _put(self, key: str, content: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def get(self, key: str) -> StoredObject | None:
        try:
            content = await asyncio.to_thread(lambda: self._path(key).read_bytes())
        except FileNotFoundError:
            return None
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        return StoredObject(key, content, content_type)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(lambda: self._path(key).unlink(missing_ok=True))
