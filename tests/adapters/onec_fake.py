"""The fake 1C served on loopback for the OData tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.fake_onec.server import FakeOneC, create_app, open_fake
from tests.support.servers import LoopbackServer

USER, PASSWORD = "odata", "пароль"


@dataclass
class RunningFake:
    fake: FakeOneC
    url: str  # the base's root: …/odata/standard.odata/

    @property
    def auth(self) -> tuple[str, str]:
        return (USER, PASSWORD)


@contextmanager
def running_fake(data: Path) -> Iterator[RunningFake]:
    fake = open_fake(data, users={USER: PASSWORD})
    try:
        with LoopbackServer(create_app(fake)) as server:
            yield RunningFake(fake, f"{server.url}/base/odata/standard.odata/")
    finally:
        fake.store.close()
