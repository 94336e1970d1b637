"""1C refusing a document is the assistant's task with 1C's own words, not a retry every minute; 1C
not answering (a dropped connection, a gateway's 5xx) is retried by the sweep, and what 1C did
before it stopped answering is not done twice. Against the fake 1C over real HTTP, its fault
switch turned."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.adapters.onec.odata import ODataClient, OneCError, RetryPolicy
from app.adapters.onec.odata_documents import BILLS, CONTRACTS, ORDERS, RECEIPTS, SALES, SUPPLY_ORDERS
from app.adapters.onec.odata_erp import ODataErp
from app.core.clock import FixedClock
from app.core.config import OneCMapping, Settings
from app.fake_onec.store import demo_mapping
from app.main import Overrides, create_app
from app.models.directory import Role
from app.services.invoices.service import record_shipment
from app.services.seed import inn10
from app.worker.jobs import (
    issue_invoice_upd,
    issue_spec_documents,
    post_spec_receipts,
    push_credit_terms,
    register_invoice,
    sweep,
    sync_fulfilment,
)
from tests.adapters.onec_fake import RunningFake
from tests.api.test_fulfilment import _approved_order
from tests.api.test_spec_walk import people, spec_at_goods_ready
from tests.conftest import RecordingQueue

# As 1C words it when a price type has no price for the line's characteristic.
NO_PRICE = (
    'Не удалось записать "Заказ клиента"!\n'
    'Для номенклатуры "Костюм рабочий «Труд»" (Синий, 48-50, 170-176) не задана цена вида "Оптовая"'
)
CLOSED_PERIOD = 'Дата запрета изменения данных: 30.11.2026. Документ "Реализация товаров и услуг" не записан'
NO_SUPPLIER = 'Не удалось записать "Заказ поставщику"!\nПоле "Поставщик" не заполнено'
NO_CURRENCY = 'Не удалось записать "Договор с контрагентом"!\nПоле "Валюта взаиморасчетов" не заполнено'
NO_CONTRACT = 'Не удалось записать "Приобретение товаров и услуг"!\nНе указан договор с поставщиком'


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


async def _sweep_jobs(job_ctx: Any, clock: FixedClock) -> list[tuple[str, tuple[Any, ...]]]:
    """What the sweep enqueues once its retry delays have passed."""
    clock.advance(timedelta(minutes=5))
    job_ctx.queue.jobs.clear()
    await sweep({"app": job_ctx})
    return [(function, tuple(args)) for function, args, _ in job_ctx.queue.jobs]


async def _complete(client: httpx.AsyncClient, user: Any, task: dict[str, Any]) -> None:
    done = await client.post(
        f"/api/v1/tasks/{task['id']}/complete",
        headers=user.headers | {"If-Match": f'"{task["version"]}"'},
        json={"result": "Исправлено в 1С"},
    )
    assert done.status_code == 200, done.text


async def _held_until_done(
    client: httpx.AsyncClient, job_ctx: Any, clock: FixedClock, user: Any, task: dict[str, Any], job: Any
) -> None:
    """The sweep leaves ``job`` alone while the refusal's task is open, and takes it again once the
    task is done."""
    assert job not in await _sweep_jobs(job_ctx, clock)
    await _complete(client, user, task)
    assert job in await _sweep_jobs(job_ctx, clock)


async def _tasks(client: httpx.AsyncClient, user: Any, order_id: int) -> list[dict[str, Any]]:
    found = await client.get("/api/v1/tasks", headers=user.headers, params={"subject_id": order_id})
    return [t for t in found.json()["items"] if t["title"].startswith("1С не принял")]


async def _the_task(client: httpx.AsyncClient, user: Any, subject_id: int, what: str, message: str) -> Any:
    """The one open task for 1C's refusal of ``what``: ``user``'s, with 1C's message as 1C gave it."""
    (task,) = [t for t in await _tasks(client, user, subject_id) if t["status"] == "open"]
    assert task["assignee_id"] == user.id
    assert task["title"].startswith(f"1С не принял {what}: {message.splitlines()[0]}")
    assert message in task["description"]
    return task


async def test_an_invoice_1c_refuses_is_the_assistants_task_with_1cs_words_until_it_is_fixed(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: FixedClock, onec: RunningFake
) -> None:
    job_ctx.erp = app.state.erp
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    order, _, _ = await _approved_order(client, app, assistant, head)
    (invoice,) = (await client.get("/api/v1/invoices", headers=head.headers)).json()["items"]
    onec.fake.faults.add("refuse", status=400, method="POST", path=ORDERS, message=NO_PRICE)

    assert await register_invoice({"app": job_ctx}, invoice["id"]) == "refused"
    assert onec.fake.store.all(ORDERS) == []
    task = await _the_task(client, assistant, order["id"], f"счёт {invoice['number']}", NO_PRICE)
    # Refused again before the task is done (a job after a revision, say): still one task.
    onec.fake.faults.add("refuse", status=400, method="POST", path=ORDERS, message=NO_PRICE)
    assert await register_invoice({"app": job_ctx}, invoice["id"]) == "refused"
    assert len(await _tasks(client, assistant, order["id"])) == 1

    # While the task is open the sweep does not ask 1C again every minute; once the price is set in
    # 1C and the task closed, the sweep writes the invoice, once.
    await _held_until_done(client, job_ctx, clock, assistant, task, ("register_invoice", (invoice["id"],)))
    assert await register_invoice({"app": job_ctx}, invoice["id"]) == "registered"
    assert len(onec.fake.store.all(ORDERS)) == 1
    assert len(onec.fake.store.all(BILLS)) == 1
    assert ("register_invoice", (invoice["id"],)) not in await _sweep_jobs(job_ctx, clock)


async def test_reserves_1c_refuses_are_the_assistants_task_and_the_sweep_leaves_them(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: FixedClock, onec: RunningFake
) -> None:
    job_ctx.erp = app.state.erp
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    order, _, _ = await _approved_order(client, app, assistant, head)
    (invoice,) = (await client.get("/api/v1/invoices", headers=head.headers)).json()["items"]
    assert await register_invoice({"app": job_ctx}, invoice["id"]) == "registered"
    fulfilled = await client.post(f"/api/v1/orders/{order['id']}/fulfil", headers=assistant.headers)
    assert fulfilled.status_code == 200, fulfilled.text
    onec.fake.faults.add("refuse", status=400, method="POST", path=SUPPLY_ORDERS, message=NO_SUPPLIER)

    # The reserve is made and kept; the requisition-book entry 1C refused is the assistant's task.
    assert await sync_fulfilment({"app": job_ctx}, order["id"]) == "refused"
    what = f"резерв и обеспечение по заявке № {order['id']}"
    task = await _the_task(client, assistant, order["id"], what, NO_SUPPLIER)
    synced = (await client.get(f"/api/v1/orders/{order['id']}", headers=assistant.headers)).json()
    assert synced["lines"][0]["reserved_ref"] is not None
    assert onec.fake.store.all(SUPPLY_ORDERS) == []
    await _held_until_done(client, job_ctx, clock, assistant, task, ("sync_fulfilment", (order["id"],)))
    assert await sync_fulfilment({"app": job_ctx}, order["id"]) == "synced"
    assert len(onec.fake.store.all(SUPPLY_ORDERS)) == 1


async def test_1c_not_answering_is_retried_by_the_sweep_and_nothing_is_made_twice(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: FixedClock, onec: RunningFake
) -> None:
    job_ctx.erp = app.state.erp
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    order, _, _ = await _approved_order(client, app, assistant, head)
    (invoice,) = (await client.get("/api/v1/invoices", headers=head.headers)).json()["items"]

    # The order is made in 1C, then the gateway gives up waiting: the job fails, no task.
    onec.fake.faults.add("after-commit", status=504, method="POST", path=ORDERS)
    with pytest.raises(OneCError):
        await register_invoice({"app": job_ctx}, invoice["id"])
    assert len(onec.fake.store.all(ORDERS)) == 1
    # Then 1C's web server answers 503 for a while.
    onec.fake.faults.add("status", status=503, method="POST", path=BILLS)
    assert ("register_invoice", (invoice["id"],)) in await _sweep_jobs(job_ctx, clock)
    with pytest.raises(OneCError):
        await register_invoice({"app": job_ctx}, invoice["id"])
    assert await _tasks(client, assistant, order["id"]) == []

    # 1C is back: the sweep's job finds the order it made and does not make another.
    assert ("register_invoice", (invoice["id"],)) in await _sweep_jobs(job_ctx, clock)
    assert await register_invoice({"app": job_ctx}, invoice["id"]) == "registered"
    assert len(onec.fake.store.all(ORDERS)) == 1
    assert len(onec.fake.store.all(BILLS)) == 1
    assert await _tasks(client, assistant, order["id"]) == []


async def test_the_upd_1c_refuses_is_a_task_and_one_it_made_unanswered_is_not_made_twice(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: FixedClock, onec: RunningFake
) -> None:
    job_ctx.erp = app.state.erp
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    order, _, _ = await _approved_order(client, app, assistant, head)
    (invoice,) = (await client.get("/api/v1/invoices", headers=head.headers)).json()["items"]
    assert await register_invoice({"app": job_ctx}, invoice["id"]) == "registered"
    async with job_ctx.unit_of_work() as uow:
        await record_shipment(uow, order["id"], clock.now().date())
    assert ("issue_invoice_upd", (invoice["id"],)) in [(f, tuple(a)) for f, a, _ in job_ctx.queue.jobs]

    onec.fake.faults.add("refuse", status=400, method="POST", path=SALES, message=CLOSED_PERIOD)
    assert await issue_invoice_upd({"app": job_ctx}, invoice["id"]) == "refused"
    task = await _the_task(client, assistant, order["id"], f"УПД по счёту {invoice['number']}", CLOSED_PERIOD)
    assert ("issue_invoice_upd", (invoice["id"],)) not in await _sweep_jobs(job_ctx, clock)
    await _complete(client, assistant, task)

    # 1C makes the sale, then the gateway gives up waiting; the sweep's next try finds it.
    onec.fake.faults.add("after-commit", status=504, method="POST", path=SALES)
    assert ("issue_invoice_upd", (invoice["id"],)) in await _sweep_jobs(job_ctx, clock)
    with pytest.raises(OneCError):
        await issue_invoice_upd({"app": job_ctx}, invoice["id"])
    assert ("issue_invoice_upd", (invoice["id"],)) in await _sweep_jobs(job_ctx, clock)
    assert await issue_invoice_upd({"app": job_ctx}, invoice["id"]) == "issued"
    (sale,) = onec.fake.store.all(SALES)
    assert sale["Posted"]
    assert ("issue_invoice_upd", (invoice["id"],)) not in await _sweep_jobs(job_ctx, clock)


async def test_a_specs_1c_steps_1c_refuses_are_the_assistants_task_and_5xx_is_retried(
    client: httpx.AsyncClient,
    app: Any,
    make_user: Any,
    job_ctx: Any,
    queue: RecordingQueue,
    clock: FixedClock,
    onec: RunningFake,
) -> None:
    job_ctx.erp = app.state.erp
    p = await people(make_user)
    order, url = await spec_at_goods_ready(client, app, p, job_ctx, queue)
    spec_id = int(url.rsplit("/", 1)[1])

    # 1C will not post the receipt of the workshop's goods: one task, with 1C's words.
    for _ in range(2):
        onec.fake.faults.add("refuse", status=400, method="POST", path=RECEIPTS, message=NO_CONTRACT)
        assert await post_spec_receipts({"app": job_ctx}, spec_id) == "refused"
    task = await _the_task(client, p.assistant, order["id"], f"приход товаров по ТЗ № {spec_id}", NO_CONTRACT)
    assert onec.fake.store.all(RECEIPTS) == []
    await _held_until_done(client, job_ctx, clock, p.assistant, task, ("post_spec_receipts", (spec_id,)))
    assert await post_spec_receipts({"app": job_ctx}, spec_id) == "posted"
    assert len(onec.fake.store.all(RECEIPTS)) == 2

    # The УПД: 1C's web server not answering is retried by the sweep, with no task.
    requested = await client.post(f"{url}/shipping-documents", headers=p.assistant.headers)
    assert requested.status_code == 200, requested.text
    onec.fake.faults.add("status", status=503, method="POST", path=SALES)
    with pytest.raises(OneCError):
        await issue_spec_documents({"app": job_ctx}, spec_id)
    assert [t["id"] for t in await _tasks(client, p.assistant, order["id"])] == [task["id"]]
    assert ("issue_spec_documents", (spec_id,)) in await _sweep_jobs(job_ctx, clock)
    # 1C refuses it: a new task, and the sweep leaves the spec alone until it is done.
    onec.fake.faults.add("refuse", status=400, method="POST", path=SALES, message=CLOSED_PERIOD)
    assert await issue_spec_documents({"app": job_ctx}, spec_id) == "refused"
    upd_task = await _the_task(client, p.assistant, order["id"], f"УПД по ТЗ № {spec_id}", CLOSED_PERIOD)
    await _held_until_done(
        client, job_ctx, clock, p.assistant, upd_task, ("issue_spec_documents", (spec_id,))
    )
    assert await issue_spec_documents({"app": job_ctx}, spec_id) == "issued"
    assert len(onec.fake.store.all(SALES)) == 1
    assert (await client.get(url, headers=p.assistant.headers)).json()["status"] == "documents_issued"


async def test_credit_terms_1c_refuses_are_the_approvers_task_and_5xx_is_retried(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: FixedClock, onec: RunningFake
) -> None:
    job_ctx.erp = app.state.erp
    head = await make_user(Role.HEAD)
    director = await make_user(Role.DIRECTOR)
    manager = await make_user(Role.MANAGER)
    lawyer = await make_user(Role.LAWYER, department="administration")
    name, inn, kpp = "АО «Северсталь-Монтаж»", inn10("352522233"), "352501001"
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={"name": name, "inn": inn, "kpp": kpp, "manager_id": manager.id},
    )
    assert card.status_code == 201, card.text
    client_id = card.json()["id"]
    await app.state.erp.upsert_counterparty(name, inn, kpp)  # the counterparty 1C has
    asked = await client.post(
        "/api/v1/credit-requests",
        headers=manager.headers,
        json={
            "client_id": client_id,
            "deferment_days": 30,
            "credit_limit": "750000.00",
            "justification": "Платит в срок",
        },
    )
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    url = f"/api/v1/credit-requests/{request_id}"
    for user, step, body in (
        (lawyer, "verdict", {"verdict": "reliable", "comment": "Судов и долгов нет"}),
        (head, "recommend", {"recommendation": "approve", "comment": "Объём растёт"}),
        (director, "approve", {"comment": "Согласовано"}),
    ):
        done = await client.post(f"{url}/{step}", headers=user.headers, json=body)
        assert done.status_code == 200, done.text

    # 1C's web server not answering is retried by the sweep, with no task.
    onec.fake.faults.add("status", status=503, method="POST", path=CONTRACTS)
    with pytest.raises(OneCError):
        await push_credit_terms({"app": job_ctx}, request_id)
    assert await _tasks(client, director, client_id) == []
    assert ("push_credit_terms", (request_id,)) in await _sweep_jobs(job_ctx, clock)

    # 1C will not write the contract: one task for who approved the terms, with 1C's words.
    for _ in range(2):
        onec.fake.faults.add("refuse", status=400, method="POST", path=CONTRACTS, message=NO_CURRENCY)
        assert await push_credit_terms({"app": job_ctx}, request_id) == "refused"
    what = f"условия отсрочки по заявке № {request_id}"
    task = await _the_task(client, director, client_id, what, NO_CURRENCY)
    assert onec.fake.store.all(CONTRACTS) == []

    # While the task is open the sweep leaves the terms alone; once the currency is set in 1C and
    # the task closed, the sweep writes the terms, once.
    await _held_until_done(client, job_ctx, clock, director, task, ("push_credit_terms", (request_id,)))
    assert await push_credit_terms({"app": job_ctx}, request_id) == "pushed"
    (contract,) = onec.fake.store.all(CONTRACTS)
    assert (contract["СрокОплаты"], contract["ДопустимаяСуммаЗадолженности"]) == (30, 750000)
    assert ("push_credit_terms", (request_id,)) not in await _sweep_jobs(job_ctx, clock)
