"""The whole of process 1 (tests/api/test_order_walk.py) with the API and the worker on the OData
adapter against the fake 1C over real HTTP: the invoice is a ЗаказКлиента there, its stock line is
reserved in 1C's register and the procured one is in the requisition book, the bill is a
СчетНаОплатуКлиенту based on the order, the УПД the worker has 1C make on shipping is a posted
РеализацияТоваровУслуг based on it, and a payment entered in 1C against the bill is imported and
allocated to the invoice; the client 1C did not know is made its counterparty by INN/KPP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.adapters.onec.odata import ODataClient, RetryPolicy
from app.adapters.onec.odata_documents import BILLS, ORDERS, SALES
from app.adapters.onec.odata_erp import ODataErp
from app.core.clock import FixedClock
from app.core.config import OneCMapping, Settings
from app.fake_onec.store import demo_mapping
from app.main import Overrides, create_app
from app.models.directory import Role
from app.worker.jobs import import_payments, issue_invoice_upd
from tests.adapters.onec_fake import RunningFake
from tests.api.test_order_walk import test_order_from_amocrm_to_feedback as walk
from tests.conftest import RecordingQueue


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

    # The bill: a СчетНаОплатуКлиенту based on the order, for the invoice's total.
    head = (await make_user(Role.HEAD)).headers
    (invoice,) = (await client.get("/api/v1/invoices", headers=head)).json()["items"]
    (bill,) = onec.fake.store.all(BILLS)
    assert (bill["ДокументОснование"], bill["ДокументОснование_Type"]) == (
        order["Ref_Key"],
        f"StandardODATA.{ORDERS}",
    )
    assert Decimal(str(bill["СуммаДокумента"])) == Decimal(invoice["total"])
    assert invoice["number"] in bill["Комментарий"]

    # The УПД: shipping had the worker ask 1C for a РеализацияТоваровУслуг based on the order,
    # posted, with the order's lines; the goods left the warehouse and the order's reserve with them.
    assert ("issue_invoice_upd", (invoice["id"],)) in [(f, a) for f, a, _ in queue.jobs]
    assert await issue_invoice_upd({"app": job_ctx}, invoice["id"]) == "issued"
    assert await issue_invoice_upd({"app": job_ctx}, invoice["id"]) == "skipped"  # once
    (sale,) = onec.fake.store.all(SALES)
    upd = sale["Ref_Key"]
    assert (sale["Posted"], sale["ЗаказКлиента"]) == (True, order["Ref_Key"])
    assert sorted(row["Количество"] for row in sale["Товары"]) == [4, 6]
    left = [
        r for r in onec.fake.store.records("AccumulationRegister_ТоварыНаСкладах") if r["Recorder"] == upd
    ]
    assert sorted((r["ВНаличии"], r["КОтгрузке"]) for r in left) == [(4, 4), (6, 0)]

    # The client pays; the accountant enters it in 1C against the bill; the import takes it.
    base = onec.url
    auth = onec.auth
    async with httpx.AsyncClient(auth=auth, params={"$format": "json"}, timeout=10) as http:
        made = await http.post(
            base + "Document_ПоступлениеБезналичныхДенежныхСредств",
            json={
                "Date": job_ctx.clock.now().replace(tzinfo=None).isoformat(timespec="seconds"),
                "Контрагент_Key": counterparty["Ref_Key"],
                "СуммаДокумента": float(invoice["total"]),
                "НазначениеПлатежа": f"Оплата по счёту № {invoice['number']}",
                "ПроведеноБанком": True,
                "РасшифровкаПлатежа": [
                    {
                        "LineNumber": 1,
                        "ОснованиеПлатежа": bill["Ref_Key"],
                        "ОснованиеПлатежа_Type": f"StandardODATA.{BILLS}",
                        "Сумма": float(invoice["total"]),
                    }
                ],
            },
        )
        assert made.status_code == 201, made.text
        posted = await http.post(
            base + f"Document_ПоступлениеБезналичныхДенежныхСредств(guid'{made.json()['Ref_Key']}')/Post",
            params={"PostingModeOperational": "false", "$format": "json"},
        )
        assert posted.status_code == 200, posted.text
    assert await import_payments({"app": job_ctx}) == {"new": 1, "unmatched": 0}
    assert await import_payments({"app": job_ctx}) == {"new": 0, "unmatched": 0}  # once
    paid = (await client.get(f"/api/v1/invoices/{invoice['id']}", headers=head)).json()
    assert (Decimal(paid["paid_total"]), Decimal(paid["outstanding"])) == (Decimal(invoice["total"]), 0)
