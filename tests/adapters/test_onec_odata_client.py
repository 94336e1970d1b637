"""The OData client against the fake 1C over real HTTP: typed literals, $select, paging, registers,
writing and posting, retries only where they are safe, and 1C's errors as typed errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import parse_qs

import httpx
import pytest
from pydantic import SecretStr

from app.adapters.onec.odata import (
    Guid,
    ODataClient,
    ODataConflict,
    ODataError,
    OneCUnavailable,
    RetryPolicy,
    all_of,
    client_from_settings,
    eq,
    ge,
    literal,
    substringof,
)
from app.core.config import OneCODataSettings
from app.fake_onec.store import WAREHOUSE
from tests.adapters.onec_fake import RunningFake

CHARACTERISTICS = "Catalog_ХарактеристикиНоменклатуры"
NO_WAIT = RetryPolicy(attempts=3, backoff=0)


@pytest.fixture
async def client(onec: RunningFake) -> AsyncIterator[ODataClient]:
    async with ODataClient(onec.url, *onec.auth, retry=NO_WAIT) as odata:
        yield odata


def queries(onec: RunningFake) -> list[dict[str, list[str]]]:
    return [parse_qs(query) for _, _, query in onec.fake.requests]


def test_literals_are_typed_and_a_quote_is_doubled() -> None:
    ref = "0b0e2d2a-35c4-4c55-9a3c-1c7c2f3e4a5b"
    assert literal(Guid(ref.upper())) == f"guid'{ref}'"
    assert literal(datetime(2026, 12, 7, 9, 30, 15, 123)) == "datetime'2026-12-07T09:30:15'"
    assert literal(date(2026, 1, 1)) == "datetime'2026-01-01T00:00:00'"
    assert literal("О'Нил") == "'О''Нил'"
    assert literal(Decimal("2320.50")) == "2320.50"
    assert literal(True) == "true"
    with pytest.raises(ValueError):
        Guid("x' or true or Ref_Key eq guid'")
    with pytest.raises(ValueError):
        literal(datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError):
        eq("Description eq 'x' or Code", "1")
    with pytest.raises(TypeError):
        literal(2.5)


async def test_a_value_with_quotes_cannot_break_out_of_the_filter(
    onec: RunningFake, client: ODataClient
) -> None:
    hostile = f"{WAREHOUSE}' or Description ne '"
    assert await client.query("Catalog_Склады", select=["Ref_Key"], filter=eq("Description", hostile)) == []
    created = await client.create("Catalog_Склады", {"Description": hostile})
    found = await client.query(
        "Catalog_Склады", select=["Ref_Key", "Description"], filter=eq("Description", hostile)
    )
    assert found == [{"Ref_Key": created["Ref_Key"], "Description": hostile}]


async def test_every_read_names_its_select_and_guid_filters_find_the_object(
    onec: RunningFake, client: ODataClient
) -> None:
    first = (
        await client.query(CHARACTERISTICS, select=["Ref_Key", "Description"], orderby=["Ref_Key"], top=1)
    )[0]
    again = await client.get(CHARACTERISTICS, first["Ref_Key"], select=["Ref_Key", "Description"])
    assert again == first
    by_filter = await client.query(
        CHARACTERISTICS, select=["Description"], filter=eq("Ref_Key", Guid(first["Ref_Key"]))
    )
    assert by_filter == [{"Description": first["Description"]}]
    assert (
        await client.get(CHARACTERISTICS, Guid("00000000-0000-0000-0000-000000000001"), select=["Ref_Key"])
        is None
    )
    assert all("$select" in query for query in queries(onec))


async def test_paging_reads_everything_once_in_a_stable_order(onec: RunningFake, client: ODataClient) -> None:
    total = await client.count(CHARACTERISTICS)
    rows = await client.all(CHARACTERISTICS, select=["Ref_Key"], orderby=["Ref_Key"], page_size=10)
    keys = [row["Ref_Key"] for row in rows]
    assert len(keys) == total > 10
    assert keys == sorted(keys)
    assert len(set(keys)) == total
    pages = [q for q in queries(onec) if "$top" in q]
    assert [q["$skip"][0] if "$skip" in q else "0" for q in pages] == [
        str(n) for n in range(0, total + 1, 10)
    ][: len(pages)]
    assert all(q["$orderby"] == ["Ref_Key"] for q in pages)
    size = await client.count(CHARACTERISTICS, filter=substringof("44-46", "Description"))
    assert 0 < size < total


async def test_balance_and_slice_last_with_typed_conditions(client: ODataClient) -> None:
    suit = (
        await client.query(
            CHARACTERISTICS, select=["Ref_Key"], filter=eq("Description", "Серый с красным, 44-46, 158-164")
        )
    )[0]
    condition = eq("Характеристика_Key", Guid(suit["Ref_Key"]))
    stock = await client.balance(
        "AccumulationRegister_ТоварыНаСкладах",
        select=["Склад_Key", "ВНаличииBalance"],
        period=datetime(2026, 12, 7),
        condition=condition,
    )
    assert [row["ВНаличииBalance"] for row in stock] == [24]
    prices = await client.slice_last(
        "InformationRegister_ЦеныНоменклатуры_RecordType",
        select=["ВидЦены_Key", "Цена"],
        period=date(2026, 12, 7),
        condition=condition,
    )
    assert sorted(row["Цена"] for row in prices) == [1450, 1740, 1960, 2320]


async def _new_order(client: ODataClient, quantity: int) -> dict[str, object]:
    suit = (
        await client.query(
            CHARACTERISTICS,
            select=["Ref_Key", "Owner"],
            filter=eq("Description", "Серый с красным, 44-46, 158-164"),
        )
    )[0]
    return await client.create(
        "Document_ЗаказКлиента",
        {
            "Date": "2026-12-07T10:00:00",
            "Комментарий": "ПМ-2026-00042",
            "Товары": [
                {
                    "LineNumber": 1,
                    "Номенклатура_Key": suit["Owner"],
                    "Характеристика_Key": suit["Ref_Key"],
                    "Количество": quantity,
                    "ВариантОбеспечения": "КОбеспечению",
                }
            ],
        },
    )


async def test_create_update_with_data_version_and_post(onec: RunningFake, client: ODataClient) -> None:
    order = await _new_order(client, 2)
    ref = str(order["Ref_Key"])
    changed = await client.update(
        "Document_ЗаказКлиента", ref, {"Статус": "КОбеспечению"}, data_version=str(order["DataVersion"])
    )
    assert changed["Статус"] == "КОбеспечению"
    with pytest.raises(ODataConflict) as stale:
        await client.update(
            "Document_ЗаказКлиента", ref, {"Статус": "Закрыт"}, data_version=str(order["DataVersion"])
        )
    assert stale.value.status == 412
    await client.post_document("Document_ЗаказКлиента", ref)
    assert onec.fake.requests[-1][2] == "PostingModeOperational=false"
    posted = await client.get("Document_ЗаказКлиента", ref, select=["Posted", "Статус"])
    assert posted == {"Posted": True, "Статус": "КОбеспечению"}
    await client.unpost_document("Document_ЗаказКлиента", ref)
    assert (
        await client.query(
            "Document_ЗаказКлиента",
            select=["Ref_Key"],
            filter=all_of(eq("Posted", True), ge("Date", date(2026, 1, 1))),
        )
        == []
    )


async def test_one_cs_error_is_typed_with_its_code_and_message_and_not_retried(
    onec: RunningFake, client: ODataClient
) -> None:
    with pytest.raises(ODataError) as rows_alone:
        await client.create("Document_ЗаказКлиента_Товары", {"LineNumber": 1})
    assert rows_alone.value.status == 400
    assert rows_alone.value.code == "13"
    assert "табличной части" in rows_alone.value.message
    assert len(onec.fake.requests) == 1


async def test_transport_errors_and_5xx_are_retried_for_reads(onec: RunningFake, client: ODataClient) -> None:
    onec.fake.faults.add("status", status=503)
    onec.fake.faults.add("drop")
    rows = await client.query("Catalog_Склады", select=["Description"])
    assert rows == [{"Description": WAREHOUSE}]
    onec.fake.faults.add("status", status=502)
    onec.fake.faults.add("status", status=503)
    onec.fake.faults.add("status", status=504)
    with pytest.raises(OneCUnavailable):
        await client.query("Catalog_Склады", select=["Description"])


async def test_a_create_answered_504_after_1c_committed_is_not_sent_again(
    onec: RunningFake, client: ODataClient
) -> None:
    onec.fake.faults.add("after-commit", method="POST")
    with pytest.raises(OneCUnavailable):
        await client.create("Catalog_Партнеры", {"Description": "ООО «Один раз»"})
    made = await client.query(
        "Catalog_Партнеры", select=["Ref_Key"], filter=eq("Description", "ООО «Один раз»")
    )
    assert len(made) == 1


async def test_a_create_whose_connection_was_never_made_is_retried(onec: RunningFake) -> None:
    attempts = 0
    real = httpx.AsyncHTTPTransport()

    class RefuseOnce(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal attempts
            attempts += 1
            if attempts == 1:
                raise httpx.ConnectError("refused", request=request)
            return await real.handle_async_request(request)

        async def aclose(self) -> None:
            await real.aclose()

    async with ODataClient(onec.url, *onec.auth, retry=NO_WAIT, transport=RefuseOnce()) as odata:
        await odata.create("Catalog_Партнеры", {"Description": "ООО «Со второго раза»"})
        made = await odata.query(
            "Catalog_Партнеры", select=["Ref_Key"], filter=eq("Description", "ООО «Со второго раза»")
        )
    assert len(made) == 1
    assert attempts == 3


async def test_a_slow_1c_times_out_as_unavailable(onec: RunningFake) -> None:
    onec.fake.faults.latency = 2.0
    async with ODataClient(
        onec.url, *onec.auth, retry=RetryPolicy(attempts=1), timeout=httpx.Timeout(0.2)
    ) as odata:
        with pytest.raises(OneCUnavailable):
            await odata.query("Catalog_Склады", select=["Description"])
    onec.fake.faults.latency = 0


async def test_wrong_credentials_are_an_error_not_a_retry(onec: RunningFake) -> None:
    async with ODataClient(onec.url, "odata", "wrong", retry=NO_WAIT) as odata:
        with pytest.raises(ODataError) as denied:
            await odata.metadata()
    assert denied.value.status == 401


async def test_the_client_from_settings_reads_the_configured_base(onec: RunningFake) -> None:
    settings = OneCODataSettings(
        url=onec.url.rstrip("/"), user=onec.auth[0], password=SecretStr(onec.auth[1])
    )
    async with client_from_settings(settings) as odata:
        assert "EnterpriseV8" in await odata.metadata()
    assert odata.retry.attempts == settings.max_retries + 1


async def test_the_query_is_sent_as_odata_writes_it_and_values_arrive_intact(
    onec: RunningFake, client: ODataClient
) -> None:
    """Spaces as %20 (a '+' in a URL's query is a plus to a server that reads it by RFC 3986, not a
    space as in a form), OData's own punctuation as it is; a value's '+', '&', '%' and '#' escaped."""
    odd = "ООО «Плюс+Минус & 100% #1»"
    created = await client.create("Catalog_Партнеры", {"Description": odd})
    onec.fake.requests.clear()
    found = await client.query(
        "Catalog_Партнеры",
        select=["Ref_Key", "Description"],
        filter=all_of(eq("Description", odd), eq("Ref_Key", Guid(created["Ref_Key"]))),
    )
    assert found == [{"Ref_Key": created["Ref_Key"], "Description": odd}]
    (_, _, query), *_ = onec.fake.requests
    assert query.startswith("$select=Ref_Key,Description&$filter=(Description%20eq%20'")
    assert f"Ref_Key%20eq%20guid'{created['Ref_Key']}'" in query
    assert "%2B" in query
    assert "+" not in query
