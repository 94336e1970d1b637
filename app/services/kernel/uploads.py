"""A scan or document uploaded to a record, checked and kept in storage under its content's digest."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from app.services.kernel.common import storable
from app.services.kernel.ports import Storage
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.media.files import check_document


@dataclass(frozen=True)
class KeptDocument:
    key: str
    content_type: str
    filename: str
    size: int

    def row(self, uow: UnitOfWork) -> dict[str, Any]:
        """The columns every kept-file row has: what was stored, who uploaded it and when."""
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "storage_key": self.key,
            "uploaded_by_id": uow.actor.id if uow.actor else None,
            "created_at": uow.clock.now(),
        }


async def keep_document(
    storage: Storage, folder: str, filename: str | None, content: bytes, max_bytes: int, fallback: str
) -> KeptDocument:
    """Check the upload is a document (422 on `file` if not), store it under ``folder`` by its
    digest (the same file twice is kept once) and give the name it is shown and saved under: the
    uploader's without path separators, else ``fallback`` with the type's extension."""
    checked = check_document(content, max_bytes)
    key = f"{folder}/{hashlib.sha256(content).hexdigest()}.{checked.extension}"
    await storage.put(key, content, checked.content_type)
    name = storable((filename or "").strip().replace("/", "_").replace("\\", "_")[:200])
    return KeptDocument(key, checked.content_type, name or f"{fallback}.{checked.extension}", len(content))
