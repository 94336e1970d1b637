"""File storage adapters: a local folder (default) and an S3-compatible bucket."""

from __future__ import annotations

from app.adapters.storage.keys import check_key
from app.adapters.storage.local import LocalStorage
from app.core.config import StorageSettings
from app.services.kernel.ports import Storage

__all__ = ["LocalStorage", "build_storage", "check_key"]


def build_storage(settings: StorageSettings) -> Storage:
    """The store the settings name; build it once per process and share it."""
    if settings.backend == "local":
        return LocalStorage(settings.local_dir)
    if settings.backend == "s3":
        from app.adapters.storage.s3 import S3Storage  # boto3 is imported only when it is used

        return S3Storage(settings)
    raise ValueError(f"unknown storage backend {settings.backend!r}")
