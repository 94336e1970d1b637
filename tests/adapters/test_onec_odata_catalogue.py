"""The catalogue side of the Erp port read from the fake 1C over OData gives what the stub gives for
the same demo catalogue: products with their characteristic's properties, prices by category, the
purchase price and free stock on the configured warehouse."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.adapters.onec.odata import ODataClient, RetryPolicy, eq
from app.adapters.onec.odata_catalogue import ODataCatalogue
from app.adapters.onec.stub import StubErp
from app.core.config import OneCMapping
from app.fake_onec.store import demo_mapping
from tests.adapters.onec_fake import RunningFake


@pytest.fixture
async def client(onec: RunningFake) -> AsyncIterator[ODataClient]:
    async with ODataClient(onec.url, *onec.auth, retry=RetryPolicy(backoff=0)) as odata:
        yield odata


@pytest.fixture
def catalogue(client: ODataClient) -> ODataCatalogue:
    return ODataCatalogue(client, OneCMapping.model_validate(demo_mapping()))


async def test_every_product_reads_as_the_stub_has_it(catalogue: ODataCatalogue) -> None:
    stub = StubErp.default()
    everything = await stub.search_products("", limit=1000)
    assert len(everything) > 40
    for expected in everything:
        assert await catalogue.get_product(expected.id) == expected
    assert await catalogue.get_product("00000000-0000-0000-0000-000000000001") is None
    assert await catalogue.get_product("not a guid") is None


async def test_price_categories_follow_the_mapping_and_the_base(
    catalogue: ODataCatalogue, client: ODataClient
) -> None:
    assert await catalogue.price_categories() == ["Розничная", "Оптовая", "Дилерская"]
    dealer = demo_mapping()["price_types"]["Дилерская"]
    await client.update("Catalog_ВидыЦен", dealer, {"DeletionMark": True})
    assert await catalogue.price_categories() == ["Розничная", "Оптовая"]


@pytest.mark.parametrize(
    "query", ["костюм", "Серый 44-46", "KL-STD-4446", "летний стандарт 182", "нет такого"]
)
async def test_search_finds_what_the_stub_finds(catalogue: ODataCatalogue, query: str) -> None:
    expected = await StubErp.default().search_products(query, limit=1000)
    found = await catalogue.search_products(query, limit=1000)
    assert sorted(p.id for p in found) == sorted(p.id for p in expected)
    assert {p.id: p for p in found} == {p.id: p for p in expected}
    assert len(await catalogue.search_products(query, limit=2)) == min(2, len(expected))


async def test_stock_is_free_stock_on_the_warehouse_after_a_reserve(
    catalogue: ODataCatalogue, client: ODataClient
) -> None:
    suit = (
        await client.query(
            "Catalog_ХарактеристикиНоменклатуры",
            select=["Ref_Key", "Owner"],
            filter=eq("Description", "Серый с красным, 44-46, 158-164"),
        )
    )[0]
    assert await catalogue.stock(suit["Ref_Key"]) == 24
    order = await client.create(
        "Document_ЗаказКлиента",
        {
            "Date": "2026-12-07T10:00:00",
            "Склад_Key": demo_mapping()["warehouse"],
            "Товары": [
                {
                    "LineNumber": 1,
                    "Номенклатура_Key": suit["Owner"],
                    "Характеристика_Key": suit["Ref_Key"],
                    "Количество": 5,
                    "ВариантОбеспечения": "СоСклада",
                }
            ],
        },
    )
    await client.post_document("Document_ЗаказКлиента", order["Ref_Key"])
    assert await catalogue.stock(suit["Ref_Key"]) == 19
    assert (await catalogue.get_product(suit["Ref_Key"])).stock == 19  # type: ignore[union-attr]
    assert await catalogue.stock("00000000-0000-0000-0000-000000000001") == 0
