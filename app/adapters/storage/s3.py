"""Files in an S3-compatible bucket (AWS, MinIO, Yandex Object Storage) through boto3.

boto3 is synchronous: each call runs in a worker thread so the event loop never waits on the network.
"""

from __future__ import annotations

import asyncio
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from app.adapters.storage.keys import check_key
from app.core.config import StorageSettings
from app.services.kernel.ports import StorageError, StoredObject


class S3Storage:
    def __init__(self, settings: StorageSettings, client: Any = None) -> None:
        self.bucket = settings.s3_bucket
        self.prefix = settings.s3_prefix.strip("/")
        self.client = client or boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            aws_access_key_id=(
                settings.s3_access_key_id.get_secret_value() if settings.s3_access_key_id else None
            ),
            aws_secret_access_key=(
                settings.s3_secret_access_key.get_secret_value() if settings.s3_secret_access_key else None
            ),
            config=Config(
                connect_timeout=settings.s3_timeout_seconds,
                read_timeout=settings.s3_timeout_seconds,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )

    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    async def put(self, key: str, content: bytes, content_type: str) -> None:
        try:
            await asyncio.to_thread(
                self.client.put_object,
                Bucket=self.bucket,
                Key=self._key(key),
                Body=content,
                ContentType=content_type,
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 put {key}: {exc}") from exc

    async def get(self, key: str) -> StoredObject | None:
        name = self._key(key)
        try:
            return await asyncio.to_thread(self._get, key, name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                return None
            raise StorageError(f"S3 get {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 get {key}: {exc}") from exc

    def _get(self, key: str, name: str) -> StoredObject:
        response = self.client.get_object(Bucket=self.bucket, Key=name)
        body = response["Body"]
        try:
            content = body.read()
        finally:
            body.close()
        return StoredObject(key, content, response.get("ContentType") or "application/octet-stream")

    async def delete(self, key: str) -> None:
        try:
            await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self._key(key))
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 delete {key}: {exc}") from exc

    async def aclose(self) -> None:
        self.client.close()
