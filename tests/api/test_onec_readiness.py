"""The readiness probe reports 1C: `ok` while the OData base answers, `unavailable` (and the status
`degraded`, still 200: the API takes orders without 1C) when it does not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.adapters.onec.odata import ODataClient, RetryPolicy
from app.adapters.onec.odata_erp import ODataErp
from app.core.config import OneCMapping, Settings
from app.fake_onec.store import demo_mapping
from app.main import Overrides, create_app
from tests.adapters.onec_fake import RunningFake
from tests.conftest import RecordingQueue


@pytest.fixture
async def http(
    settings: Settings, session_factory: Any, queue: RecordingQueue, onec: RunningFake
) -> AsyncIterator[httpx.AsyncClient]:
    client = ODataClient(onec.url, *onec.auth, retry=RetryPolicy(attempts=1))
    erp = ODataErp(client, OneCMapping.model_validate(demo_mapping()))
    app = create_app(settings, Overrides(queue=queue, erp=erp))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        yield http
    await erp.aclose()
    await app.state.engine.dispose()


async def test_readiness_says_1c_unavailable_as_degraded(http: httpx.AsyncClient, onec: RunningFake) -> None:
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["1c"] == "ok"
    onec.fake.faults.add("status", status=503)
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert ready.json()["checks"]["1c"] == "unavailable: OneCUnavailableAnswer"
    onec.fake.faults.add("drop")
    assert (await http.get("/readyz")).json()["checks"]["1c"] == "unavailable: OneCUnavailable"
    assert (await http.get("/readyz")).json()["checks"]["1c"] == "ok"
