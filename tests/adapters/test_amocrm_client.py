"""AmoCrmClient against a local fake of amoCRM API v4 (hal+json, problem+json, 204/404, 429)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from app.adapters.amocrm import AmoCrmClient, StubCrm, build_crm
from app.adapters.amocrm.client import RateLimiter, default_base_url
from app.core.config import AmoCrmSettings
from app.services.kernel.ports import CrmError
from tests.adapters.servers import FakeAmoCrm, LoopbackServer

TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.fake-long-lived-token"


def lead_body(lead_id: int, contact_refs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "id": lead_id,
        "name": "Спецодежда для цеха",
        "price": 186000,
        "responsible_user_id": 8100001,
        "group_id": 0,
        "status_id": 61000001,
        "pipeline_id": 7001001,
        "loss_reason_id": None,
        "created_by": 8100001,
        "updated_by": 8100001,
        "created_at": 1732600000,
        "updated_at": 1732610000,
        "closed_at": None,
        "closest_task_at": None,
        "is_deleted": False,
        "custom_fields_values": [
            {
                "field_id": 3001,
                "field_name": "ИНН",
                "field_code": None,
                "field_type": "text",
                "values": [{"value": "7801234564"}],
            },
            {
                "field_id": 3002,
                "field_name": "Ценовая категория",
                "field_code": "PRICE_CATEGORY",
                "field_type": "select",
                "values": [{"value": "Оптовая", "enum_id": 5001, "enum_code": None}],
            },
        ],
        "score": None,
        "account_id": 29000001,
        "labor_cost": None,
        "contact_refs": contact_refs or [],
    }


def contact_body(contact_id: int, name: str, phones: list[str], emails: list[str]) -> dict[str, Any]:
    fields: list[dict[str, Any]] = []
    if phones:
        fields.append(
            {
                "field_id": 1001,
                "field_name": "Телефон",
                "field_code": "PHONE",
                "field_type": "multitext",
                "values": [{"value": p, "enum_id": 2001, "enum_code": "WORK"} for p in phones],
            }
        )
    if emails:
        fields.append(
            {
                "field_id": 1002,
                "field_name": "Email",
                "field_code": "EMAIL",
                "field_type": "multitext",
                "values": [{"value": e, "enum_id": 2011, "enum_code": "WORK"} for e in emails],
            }
        )
    fields.append(
        {
            "field_id": 1003,
            "field_name": "Должность",
            "field_code": "POSITION",
            "field_type": "text",
            "values": [{"value": "Снабженец"}],
        }
    )
    return {
        "id": contact_id,
        "name": name,
        "first_name": "",
        "last_name": "",
        "responsible_user_id": 8100001,
        "custom_fields_values": fields,
        "account_id": 29000001,
    }


@pytest.fixture(scope="module")
def amo_server() -> Iterator[tuple[FakeAmoCrm, str]]:
    fake = FakeAmoCrm(token=TOKEN)
    with LoopbackServer(fake.app()) as server:
        yield fake, server.url


@pytest.fixture
def fake(amo_server: tuple[FakeAmoCrm, str]) -> FakeAmoCrm:
    amo_server[0].reset()
    return amo_server[0]


@pytest.fixture
def settings(amo_server: tuple[FakeAmoCrm, str]) -> AmoCrmSettings:
    return AmoCrmSettings(
        adapter="http", subdomain="testcompany", base_url=amo_server[1], token=SecretStr(TOKEN)
    )


@pytest.fixture
async def crm(settings: AmoCrmSettings) -> AsyncIterator[AmoCrmClient]:
    client = AmoCrmClient(settings, backoff_seconds=0.01)
    yield client
    await client.aclose()


async def test_lead_with_contacts(crm: AmoCrmClient, fake: FakeAmoCrm) -> None:
    fake.leads[31000101] = lead_body(
        31000101, [{"id": 45000202, "is_main": False}, {"id": 45000201, "is_main": True}]
    )
    fake.contacts[45000201] = contact_body(
        45000201,
        "Ковалёв Андрей Петрович",
        ["+79215550123", "+78125550000", "+79215550123"],
        ["snab@sever.example"],
    )
    fake.contacts[45000202] = contact_body(45000202, "Мартынов Игорь", ["+79115559014"], [])

    lead = await crm.get_lead(31000101)

    assert lead is not None
    assert (lead.id, lead.name, lead.price) == (31000101, "Спецодежда для цеха", 186000)
    assert (lead.status_id, lead.pipeline_id, lead.responsible_user_id) == (61000001, 7001001, 8100001)
    assert lead.custom_fields == {"ИНН": ["7801234564"], "PRICE_CATEGORY": ["Оптовая"]}
    assert [c.id for c in lead.contacts] == [45000201, 45000202]  # the main contact first
    main = lead.contacts[0]
    assert main.name == "Ковалёв Андрей Петрович"
    assert main.phones == ("+79215550123", "+78125550000")
    assert main.emails == ("snab@sever.example",)
    assert lead.contacts[1].emails == ()

    paths = [(r.path, r.query) for r in fake.requests]
    assert paths == [
        ("/api/v4/leads/31000101", "with=contacts"),
        ("/api/v4/contacts/45000201", ""),
        ("/api/v4/contacts/45000202", ""),
    ]
    assert {r.authorization for r in fake.requests} == {f"Bearer {TOKEN}"}


async def test_missing_lead_is_none(crm: AmoCrmClient, fake: FakeAmoCrm) -> None:
    fake.gone.add(404)
    assert await crm.get_lead(404) is None  # 404 problem+json
    assert await crm.get_lead(999) is None  # 204 No Content
    assert len(fake.requests) == 2


async def test_a_vanished_contact_is_skipped(crm: AmoCrmClient, fake: FakeAmoCrm) -> None:
    fake.leads[5] = lead_body(5, [{"id": 77, "is_main": True}])
    lead = await crm.get_lead(5)
    assert lead is not None
    assert lead.contacts == ()


async def test_429_is_waited_out(crm: AmoCrmClient, fake: FakeAmoCrm) -> None:
    fake.leads[7] = lead_body(7)
    fake.throttle = 1
    started = time.monotonic()

    lead = await crm.get_lead(7)

    assert lead is not None
    assert lead.id == 7
    assert len(fake.requests) == 2
    assert time.monotonic() - started >= 0.95  # Retry-After: 1


async def test_429_beyond_the_retries_is_an_error(settings: AmoCrmSettings, fake: FakeAmoCrm) -> None:
    fake.leads[7] = lead_body(7)
    fake.throttle = 5
    async with AmoCrmClient(settings, max_retries=0) as crm:
        with pytest.raises(CrmError) as caught:
            await crm.get_lead(7)
    assert caught.value.status == 429
    assert len(fake.requests) == 1


async def test_bad_token_is_an_error_with_status(settings: AmoCrmSettings, fake: FakeAmoCrm) -> None:
    wrong = settings.model_copy(update={"token": SecretStr("expired")})
    async with AmoCrmClient(wrong) as crm:
        with pytest.raises(CrmError) as caught:
            await crm.get_lead(1)
    assert caught.value.status == 401
    assert "Unauthorized" in str(caught.value)
    assert fake.requests[0].authorization == "Bearer expired"


async def test_requests_stay_under_seven_per_second(crm: AmoCrmClient, fake: FakeAmoCrm) -> None:
    fake.leads[1] = lead_body(1)
    started = time.monotonic()

    leads = await asyncio.gather(*(crm.get_lead(1) for _ in range(20)))

    elapsed = time.monotonic() - started
    assert all(lead is not None for lead in leads)
    arrivals = sorted(r.at for r in fake.requests)
    assert len(arrivals) == 20
    busiest = max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals)
    assert busiest <= 7
    assert elapsed >= 2.0  # 20 requests at 7/s need two full windows


async def test_rate_limiter_alone() -> None:
    limiter = RateLimiter(3, 0.2, margin=0)
    moments = []
    for _ in range(7):
        await limiter.acquire()
        moments.append(time.monotonic())
    # Any three consecutive acquisitions apart, the fourth waits for the window to pass.
    assert all(moments[i + 3] - moments[i] >= 0.2 - 0.005 for i in range(len(moments) - 3))
    assert moments[2] - moments[0] < 0.1


def test_base_url_from_subdomain() -> None:
    assert default_base_url(AmoCrmSettings(subdomain="specodezhda")) == "https://specodezhda.amocrm.ru"
    assert default_base_url(AmoCrmSettings(base_url="http://127.0.0.1:9/")) == "http://127.0.0.1:9"


def test_missing_token_is_an_error() -> None:
    with pytest.raises(CrmError, match="token"):
        AmoCrmClient(AmoCrmSettings(adapter="http"))


async def test_build_crm_stub_has_demo_leads() -> None:
    crm = build_crm(AmoCrmSettings())
    assert isinstance(crm, StubCrm)
    lead = await crm.get_lead(31_000_102)
    assert lead is not None
    assert lead.contacts[0].emails
    assert await crm.get_lead(1) is None


def company_body(company_id: int, name: str, inn: str, kpp: str) -> dict[str, Any]:
    return {
        "id": company_id,
        "name": name,
        "responsible_user_id": 8100001,
        "group_id": 0,
        "created_by": 8100001,
        "updated_by": 8100001,
        "created_at": 1732600000,
        "updated_at": 1732610000,
        "closest_task_at": None,
        "is_deleted": False,
        "custom_fields_values": [
            {
                "field_id": 4001,
                "field_name": "ИНН",
                "field_code": None,
                "field_type": "text",
                "values": [{"value": inn}],
            },
            {
                "field_id": 4002,
                "field_name": "КПП",
                "field_code": None,
                "field_type": "text",
                "values": [{"value": kpp}],
            },
        ],
        "account_id": 29000001,
    }


async def test_lead_with_its_company(crm: AmoCrmClient, fake: FakeAmoCrm) -> None:
    fake.leads[9] = lead_body(9) | {"company_ref": 5501}
    fake.companies[5501] = company_body(5501, "ООО «Северный металл»", "7801234564", "780101001")

    lead = await crm.get_lead(9)

    assert lead is not None
    assert lead.company is not None
    assert (lead.company.id, lead.company.name) == (5501, "ООО «Северный металл»")
    assert lead.company.custom_fields == {"ИНН": ["7801234564"], "КПП": ["780101001"]}
    assert [r.path for r in fake.requests] == ["/api/v4/leads/9", "/api/v4/companies/5501"]


async def test_a_lead_without_a_company(crm: AmoCrmClient, fake: FakeAmoCrm) -> None:
    fake.leads[10] = lead_body(10)
    lead = await crm.get_lead(10)
    assert lead is not None
    assert lead.company is None
