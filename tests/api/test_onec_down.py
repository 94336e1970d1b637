"""1C down does not stop the department: the API still takes an order (its lines kept as written and
the order waiting for clarification until they are checked against the catalogue), and what needs
1C there and then (a catalogue search) is a 503 worth retrying, never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.adapters.onec.odata import ODataClient, RetryPolicy
from app.adapters.onec.odata_erp import ODataErp
from app.core.clock import FixedClock
from app.core.config import OneCMapping, Settings
from app.fake_onec.store import demo_mapping
from app.main import Overrides, create_app
from app.models.directory import Role
from tests.adapters.onec_fake import RunningFake
from tests.api.test_orders import _client
from tests.conftest import RecordingQueue

URL = "/api/v1/orders"


@pytest.fixture
async def app(
    settings: Settings, session_factory: Any, clock: FixedClock, queue: RecordingQueue, onec: RunningFake
) -> AsyncIterator[Any]:
    client = ODataClient(onec.url, *onec.auth, retry=RetryPolicy(attempts=1, backoff=0))
    erp = ODataErp(client, OneCMapping.model_validate(demo_mapping()))
    application = create_app(settings, Overrides(clock=clock, queue=queue, erp=erp))
    yield application
    await erp.aclose()
    await application.state.engine.dispose()


async def test_with_1c_down_the_order_is_taken_and_waits_for_the_catalogue(
    client: httpx.AsyncClient, app: Any, make_user: Any, onec: RunningFake
) -> None:
    head, manager, assistant = [await make_user(r) for r in (Role.HEAD, Role.MANAGER, Role.ASSISTANT)]
    buyer = await _client(client, head, manager, assistant)
    line = {
        "name": "Костюм рабочий",
        "model": "Стандарт",
        "color": "синий",
        "size": "52",
        "height": "182-188",
        "price_category": "Оптовая",
        "quantity": 4,
    }
    body = {"channel": "phone", "client_id": buyer["id"], "lines": [line]}

    onec.fake.faults.add("status", status=503)  # the web server in front of 1C
    taken = await client.post(URL, headers=assistant.headers, json=body)
    assert taken.status_code == 201, taken.text
    order = taken.json()
    assert order["status"] == "needs_clarification"
    assert "catalogue" in order["problems"]
    (kept,) = order["lines"]
    assert (kept["name"], kept["model"], kept["quantity"]) == ("Костюм рабочий", "Стандарт", 4)
    tasks = (await client.get("/api/v1/tasks/mine", headers=manager.headers)).json()
    clarify = [
        t for b in ("overdue", "today", "upcoming") for t in tasks[b] if t["subject_id"] == order["id"]
    ]
    assert clarify, tasks
    assert "1С не ответила" in clarify[0]["description"]

    onec.fake.faults.add("drop")  # no answer at all
    search = await client.get("/api/v1/catalogue/products", headers=assistant.headers, params={"q": "Костюм"})
    assert search.status_code == 503, search.text
    assert search.headers["content-type"].startswith("application/problem+json")
    assert search.headers["Retry-After"] == "5"

    # 1C back: the clarification checks the lines against the catalogue and the gap is gone.
    clarified = await client.post(
        f"{URL}/{order['id']}/clarify",
        headers={**manager.headers, "If-Match": taken.headers["ETag"]},
        json={"lines": [line]},
    )
    assert clarified.status_code == 200, clarified.text
    assert "catalogue" not in clarified.json()["problems"]
