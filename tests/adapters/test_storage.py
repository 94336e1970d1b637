"""The storage port: the local folder, and the S3 client against moto's server (the real S3 protocol)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from app.adapters.storage import LocalStorage, build_storage
from app.adapters.storage.s3 import S3Storage
from app.core.config import StorageSettings
from app.services.kernel.ports import Storage


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(params=["local", "s3"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    if request.param == "local":
        yield build_storage(StorageSettings(local_dir=tmp_path / "files"))
        return
    endpoint = request.getfixturevalue("s3_endpoint")
    settings = StorageSettings(
        backend="s3",
        s3_bucket="proposals-test",
        s3_prefix="pomoshnik",
        s3_endpoint_url=endpoint,
        s3_region="us-east-1",
        s3_access_key_id="test",  # type: ignore[arg-type]
        s3_secret_access_key="test",  # type: ignore[arg-type]
    )
    admin = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    try:
        admin.create_bucket(Bucket="proposals-test")
    finally:
        admin.close()
    store = build_storage(settings)
    assert isinstance(store, S3Storage)
    yield store
    await store.aclose()


async def test_put_get_replace_delete(storage: Storage) -> None:
    assert await storage.get("photos/none.jpg") is None
    await storage.put("photos/a1.jpg", b"\xff\xd8first", "image/jpeg")
    await storage.put("photos/a1.jpg", b"\xff\xd8second", "image/jpeg")
    got = await storage.get("photos/a1.jpg")
    assert got is not None
    assert got.content == b"\xff\xd8second"
    assert got.content_type == "image/jpeg"
    await storage.delete("photos/a1.jpg")
    await storage.delete("photos/a1.jpg")  # deleting what is gone is fine
    assert await storage.get("photos/a1.jpg") is None


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs/path", "a//b", "a/../b", "", "a b", "photos/.."])
async def test_unsafe_keys_are_refused(storage: Storage, key: str) -> None:
    with pytest.raises(ValueError, match="not a storage key"):
        await storage.put(key, b"x", "text/plain")


async def test_local_keys_stay_inside_the_root(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "root")
    await store.put("documents/proposals/1/r1.pdf", b"%PDF", "application/pdf")
    assert (tmp_path / "root" / "documents" / "proposals" / "1" / "r1.pdf").read_bytes() == b"%PDF"
    assert not list((tmp_path / "root" / "documents" / "proposals" / "1").glob(".part-*"))
