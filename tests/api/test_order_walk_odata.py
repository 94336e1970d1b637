"""The whole of process 1 (tests/api/test_order_walk.py) with the API and the worker on the OData
adapter against the fake 1C over real HTTP: the invoice is a ЗаказКлиента there, its stock line is
reserved in 1C's register and the procured one is in the requisition book; the client 1C did not
know is made its counterparty by INN/KPP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.adapters.onec.odata import ODataClient, RetryPolicy
from app.adapters.onec.odata_documents import ORDERS
from app.adapters.onec.odata_erp import ODataErp
from app.core.clock import FixedClock
from app.core.config import OneCMapping, Settings
from app.fake_onec.store import demo_mapping
from app.main import Overrides, create_app
from tests.adapters.onec_fake import RunningFake, running_fake
from tests.api.test_order_walk import test_order_from_amocrm_to_feedback as walk
from tests.conftest import RecordingQueue


@pytest.fixture
def onec(tmp_path: Path) -> Iterator[RunningFake]:
    with running_fake(tmp_path / "1c.sqlite3") as running:
        yield running


@pytest.fixture
async def app(
    settings: Settings, session_factory: Any, clock: FixedClock, queue: RecordingQueue, onec: RunningFake
) -> AsyncIterator[Any]:
    client = ODataClient(onec.url, *onec.auth, retry=RetryPolicy(backoff=0))
    erp = ODataErp(client, OneCMapping.model_validate(demo_mapping()))
    application = create_app(settings, Overrides(clock=clock, queue=queue, erp=erp))
    yield application
    await erp.aclose()
    await application.state.engine.dispose()


async def test_the_order_walk_on_odata(
    client: httpx.AsyncClient,
    app: Any,
    make_user: Any,
    job_ctx: Any,
    queue: RecordingQueue,
    smtp: Any,
    onec: RunningFake,
) -> None:
    await walk(client, app, make_user, job_ctx, queue, smtp)
    (order,) = onec.fake.store.all(ORDERS)
    assert order["Posted"]
    variants = sorted(row["ВариантОбеспечения"] for row in order["Товары"])
    assert variants == ["КОбеспечению", "СоСклада"]
    reserved = [
        r
        for r in onec.fake.store.records("AccumulationRegister_ТоварыНаСкладах")
        if r["Recorder"] == order["Ref_Key"]
    ]
    assert [r["КОтгрузке"] for r in reserved] == [4]
    assert len(onec.fake.store.all("Document_ЗаказПоставщику")) == 1
    # 1C did not know the client: the invoice made its counterparty by INN/KPP.
    (counterparty,) = onec.fake.store.all("Catalog_Контрагенты")
    assert (counterparty["Description"], counterparty["ИНН"], counterparty["КПП"]) == (
        "ООО «Северный металл»",
        "7801234564",
        "780101001",
    )
    assert order["Контрагент_Key"] == counterparty["Ref_Key"]
