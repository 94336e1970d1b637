"""The write side of the Erp port over OData against the fake 1C over real HTTP: the counterparty by
INN/KPP, the invoice as a posted ЗаказКлиента with its bill, its revision, the reserve, and a create
retried after 1C committed but the answer was lost makes no second document."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from app.adapters.onec.odata import ODataClient, ODataError, OneCUnavailable, RetryPolicy
from app.adapters.onec.odata_catalogue import ODataCatalogue
from app.adapters.onec.odata_documents import (
    BILLS,
    CONTRACTS,
    ORDERS,
    PAYMENTS,
    RECEIPTS,
    SALES,
    SUPPLY_ORDERS,
    ODataDocuments,
    marker,
)
from app.core.config import OneCMapping
from app.fake_onec.store import demo_mapping
from app.services.kernel.ports import ErpInvoice, ErpInvoiceLine, ErpPayment
from tests.adapters.onec_fake import RunningFake

SUIT = "18d48cce-4eaa-5f37-b5b0-61cf5cde0600"  # 24 on the warehouse
NONE_LEFT = "58a77eec-e5b1-5477-9278-37d24e8d0bd9"  # 0 on the warehouse
OTHER = "7e426a2d-36ed-5219-980f-9f10e9c83b99"  # 8 on the warehouse


@pytest.fixture
async def client(onec: RunningFake) -> AsyncIterator[ODataClient]:
    async with ODataClient(onec.url, *onec.auth, retry=RetryPolicy(backoff=0)) as odata:
        yield odata


@pytest.fixture
def mapping() -> OneCMapping:
    return OneCMapping.model_validate(demo_mapping())


@pytest.fixture
def documents(client: ODataClient, mapping: OneCMapping) -> ODataDocuments:
    return ODataDocuments(client, mapping)


@pytest.fixture
def catalogue(client: ODataClient, mapping: OneCMapping) -> ODataCatalogue:
    return ODataCatalogue(client, mapping)


def invoice(counterparty: str, *lines: tuple[str, int, bool], number: str = "СЧ-2026-00017") -> ErpInvoice:
    return ErpInvoice(
        number=number,
        date=date(2026, 12, 7),
        counterparty_id=counterparty,
        lines=tuple(
            ErpInvoiceLine(
                product_id=product,
                name="Костюм",
                quantity=quantity,
                price=Decimal("2320.00"),
                vat_rate=Decimal("20"),
                procure=procure,
            )
            for product, quantity, procure in lines
        ),
    )


def objects(onec: RunningFake, entity: str, number: str = "СЧ-2026-00017") -> list[dict[str, Any]]:
    return [o for o in onec.fake.store.all(entity) if o["Комментарий"] == marker(number)]


async def test_counterparty_is_found_by_inn_and_kpp_or_made_with_its_partner(
    documents: ODataDocuments, onec: RunningFake
) -> None:
    made = await documents.upsert_counterparty("ООО «Спецодежда»", "7712345678", "771201001")
    again = await documents.upsert_counterparty("ООО «Спецодежда-М»", " 7712345678 ", "771201001")
    branch = await documents.upsert_counterparty("ООО «Спецодежда»", "7712345678", "771202001")
    assert again.id == made.id
    assert again.name == "ООО «Спецодежда-М»"
    assert branch.id != made.id
    row = onec.fake.store.get("Catalog_Контрагенты", made.id)
    assert row is not None
    assert row["Description"] == "ООО «Спецодежда-М»"
    assert row["ЮрФизЛицо"] == "ЮрЛицо"
    partner = onec.fake.store.get("Catalog_Партнеры", row["Партнер_Key"])
    assert partner is not None
    assert partner["Клиент"] is True
    person = await documents.upsert_counterparty("ИП Иванов", "771234567890", None)
    assert person.kpp is None
    assert (await documents.upsert_counterparty("ИП Иванов", "771234567890", "")).id == person.id
    with pytest.raises(ValueError):
        await documents.upsert_counterparty("Никто", "  ", None)


async def test_invoice_is_a_posted_order_reserving_its_stock_lines_with_a_bill_based_on_it(
    documents: ODataDocuments, catalogue: ODataCatalogue, onec: RunningFake
) -> None:
    buyer = await documents.upsert_counterparty("ООО «Спецодежда»", "7712345678", "771201001")
    order_id = await documents.create_invoice(invoice(buyer.inn, (SUIT, 5, False), (OTHER, 3, True)))
    order = onec.fake.store.get(ORDERS, order_id)
    assert order is not None
    assert order["Posted"]
    assert order["Контрагент_Key"] == buyer.id
    assert order["Организация_Key"] == demo_mapping()["organisation"]
    assert order["Партнер_Key"] == onec.fake.store.get("Catalog_Контрагенты", buyer.id)["Партнер_Key"]  # type: ignore[index]
    assert [(r["Характеристика_Key"], r["Количество"], r["ВариантОбеспечения"]) for r in order["Товары"]] == [
        (SUIT, 5, "СоСклада"),
        (OTHER, 3, "КОбеспечению"),
    ]
    assert order["Товары"][0]["Сумма"] == 11600
    assert order["Товары"][0]["СуммаНДС"] == pytest.approx(1933.33)
    assert order["Товары"][0]["СтавкаНДС_Key"] == demo_mapping()["vat_rates"]["20"]
    (bill,) = objects(onec, BILLS)
    assert bill["ДокументОснование"] == order_id
    assert bill["СуммаДокумента"] == 18560
    assert bill["ДокументОснование_Type"] == "StandardODATA.Document_ЗаказКлиента"
    assert await catalogue.stock(SUIT) == 19  # reserved
    assert await catalogue.stock(OTHER) == 8  # procured separately


async def test_a_create_retried_after_a_504_behind_the_commit_makes_no_second_document(
    documents: ODataDocuments, catalogue: ODataCatalogue, onec: RunningFake
) -> None:
    buyer = await documents.upsert_counterparty("ООО «Спецодежда»", "7712345678", "771201001")
    onec.fake.faults.add("after-commit", method="POST", path=ORDERS)
    with pytest.raises(OneCUnavailable):
        await documents.create_invoice(invoice(buyer.id, (SUIT, 5, False)))
    assert len(objects(onec, ORDERS)) == 1  # 1C made it; we never heard
    onec.fake.faults.add("after-commit", method="POST", path=BILLS)
    with pytest.raises(OneCUnavailable):
        await documents.create_invoice(invoice(buyer.id, (SUIT, 5, False)))
    order_id = await documents.create_invoice(invoice(buyer.id, (SUIT, 5, False)))
    assert [o["Ref_Key"] for o in objects(onec, ORDERS)] == [order_id]
    assert len(objects(onec, BILLS)) == 1
    assert await catalogue.stock(SUIT) == 19


async def test_a_stock_line_the_stock_cannot_serve_is_written_procured(
    documents: ODataDocuments, catalogue: ODataCatalogue, onec: RunningFake
) -> None:
    buyer = await documents.upsert_counterparty("ООО «Спецодежда»", "7712345678", "771201001")
    order_id = await documents.create_invoice(invoice(buyer.id, (SUIT, 2, False), (NONE_LEFT, 4, False)))
    order = onec.fake.store.get(ORDERS, order_id)
    assert order is not None
    assert order["Posted"]
    assert [r["ВариантОбеспечения"] for r in order["Товары"]] == ["СоСклада", "КОбеспечению"]
    assert await catalogue.stock(SUIT) == 22


async def test_revision_is_a_patch_under_if_match_and_twice_is_as_once(
    documents: ODataDocuments, catalogue: ODataCatalogue, onec: RunningFake
) -> None:
    buyer = await documents.upsert_counterparty("ООО «Спецодежда»", "7712345678", "771201001")
    order_id = await documents.create_invoice(invoice(buyer.id, (SUIT, 5, False), (OTHER, 2, False)))
    assert await catalogue.stock(OTHER) == 6
    revised = invoice(buyer.id, (SUIT, 7, False), (OTHER, 2, True))
    await documents.update_invoice(order_id, revised)
    await documents.update_invoice(order_id, revised)
    order = onec.fake.store.get(ORDERS, order_id)
    assert order is not None
    assert [(r["Количество"], r["ВариантОбеспечения"]) for r in order["Товары"]] == [
        (7, "СоСклада"),
        (2, "КОбеспечению"),
    ]
    assert await catalogue.stock(SUIT) == 17
    assert await catalogue.stock(OTHER) == 8
    (bill,) = objects(onec, BILLS)
    assert bill["СуммаДокумента"] == 9 * 2320
    patches = [r for r in onec.fake.requests if r[0] == "PATCH" and r[1].startswith(ORDERS)]
    assert len(patches) == 2
    assert len(objects(onec, ORDERS)) == 1


async def test_reserve_moves_a_procured_line_to_stock_once_and_refuses_beyond_the_free_stock(
    documents: ODataDocuments, catalogue: ODataCatalogue, onec: RunningFake
) -> None:
    buyer = await documents.upsert_counterparty("ООО «Спецодежда»", "7712345678", "771201001")
    number = "СЧ-2026-00017"
    await documents.create_invoice(invoice(buyer.id, (SUIT, 5, True), (NONE_LEFT, 1, True)))
    assert await catalogue.stock(SUIT) == 24
    assert await documents.reserve(number, SUIT, 5) is True
    assert await documents.reserve(number, SUIT, 5) is True  # a retried job
    assert await catalogue.stock(SUIT) == 19
    assert await documents.reserve(number, NONE_LEFT, 1) is False
    (order,) = objects(onec, ORDERS)
    assert [r["ВариантОбеспечения"] for r in order["Товары"]] == ["СоСклада", "КОбеспечению"]
    # An order 1C does not have yet is made for the reserve, found by our number.
    assert await documents.reserve("СЧ-2026-00018", OTHER, 8) is True
    assert await documents.reserve("СЧ-2026-00018", OTHER, 8) is True
    assert len(objects(onec, ORDERS, "СЧ-2026-00018")) == 1
    assert await catalogue.stock(OTHER) == 0
    assert await documents.reserve("СЧ-2026-00019", OTHER, 1) is False
    assert objects(onec, ORDERS, "СЧ-2026-00019") == []


async def test_requisition_book_is_supplier_orders_found_again_and_moved_on_by_receipts(
    documents: ODataDocuments, catalogue: ODataCatalogue, onec: RunningFake
) -> None:
    number = "СЧ-2026-00017"
    entry = await documents.add_requisition(number, NONE_LEFT, "Костюм «Летний»", 6, date(2026, 12, 7))
    onec.fake.faults.add("after-commit", method="POST", path=SUPPLY_ORDERS)
    with pytest.raises(OneCUnavailable):
        await documents.add_requisition(number, None, "Знак на спину", 2, date(2026, 12, 7))
    sign = await documents.add_requisition(number, None, "Знак на спину", 2, date(2026, 12, 7))
    assert (
        await documents.add_requisition(number, NONE_LEFT, "Костюм «Летний»", 6, date(2026, 12, 7)) == entry
    )
    assert entry.product_id == NONE_LEFT
    assert entry.quantity == 6
    assert entry.status == "Заказано"
    assert sign.product_id is None
    assert sign.name == "Знак на спину"
    assert len(onec.fake.store.all(SUPPLY_ORDERS)) == 2
    assert await documents.requisitions("СЧ-2026-00099") == []

    first = await documents.post_receipt(entry.id, 4)
    assert await documents.post_receipt(entry.id, 4) == first  # a retried job
    assert await catalogue.stock(NONE_LEFT) == 4
    assert {e.id: e.status for e in await documents.requisitions(number)} == {
        entry.id: "Частично поступило",
        sign.id: "Заказано",
    }
    onec.fake.faults.add("after-commit", method="POST", path=RECEIPTS)
    with pytest.raises(OneCUnavailable):
        await documents.post_receipt(entry.id, 2)
    await documents.post_receipt(entry.id, 2)
    assert await catalogue.stock(NONE_LEFT) == 6
    assert [e.status for e in await documents.requisitions(number) if e.id == entry.id] == ["Поступило"]
    receipts = onec.fake.store.all(RECEIPTS)
    assert len(receipts) == 2
    assert all(r["Posted"] and r["ЗаказПоставщику"] == entry.id for r in receipts)


async def test_upd_is_a_posted_sale_based_on_the_order_once(
    documents: ODataDocuments, catalogue: ODataCatalogue, onec: RunningFake
) -> None:
    buyer = await documents.upsert_counterparty("ООО «Спецодежда»", "7712345678", "771201001")
    order_id = await documents.create_invoice(invoice(buyer.id, (SUIT, 5, False)))
    onec.fake.faults.add("after-commit", method="POST", path=SALES)
    with pytest.raises(OneCUnavailable):
        await documents.create_upd(order_id)
    upd = await documents.create_upd(order_id)
    assert await documents.create_upd("СЧ-2026-00017") == upd  # by our number too
    (sale,) = onec.fake.store.all(SALES)
    assert sale["Ref_Key"] == upd
    assert sale["Posted"]
    assert sale["ЗаказКлиента"] == order_id
    assert sale["Контрагент_Key"] == buyer.id
    assert [(r["Характеристика_Key"], r["Количество"]) for r in sale["Товары"]] == [(SUIT, 5)]
    assert sale["СуммаДокумента"] == 11600
    assert any(r[1].endswith("/Post") and "PostingModeOperational=false" in r[2] for r in onec.fake.requests)
    assert await catalogue.stock(SUIT) == 19  # shipped: the reserve went with the goods


async def test_payments_since_a_day_are_the_posted_bank_receipts_with_their_breakdown(
    documents: ODataDocuments, client: ODataClient
) -> None:
    buyer = await documents.upsert_counterparty("ООО «Спецодежда»", "7712345678", "771201001")
    order_id = await documents.create_invoice(invoice(buyer.id, (SUIT, 5, False)))

    async def payment(day: str, amount: int, *, posted: bool = True) -> str:
        made = await client.create(
            PAYMENTS,
            {
                "Date": f"{day}T11:30:00",
                "Контрагент_Key": buyer.id,
                "СуммаДокумента": amount,
                "НазначениеПлатежа": "Оплата по счёту СЧ-2026-00017",
                "ПроведеноБанком": True,
                "РасшифровкаПлатежа": [
                    {
                        "LineNumber": 1,
                        "ОснованиеПлатежа": order_id,
                        "ОснованиеПлатежа_Type": "StandardODATA.Document_ЗаказКлиента",
                        "Сумма": amount,
                    }
                ],
            },
        )
        if posted:
            await client.post_document(PAYMENTS, made["Ref_Key"])
        return str(made["Ref_Key"])

    await payment("2026-12-01", 1000)
    paid = await payment("2026-12-05", 11600)
    await payment("2026-12-06", 500, posted=False)
    found = await documents.payments_since(datetime(2026, 12, 4, 23, 0, tzinfo=UTC))
    assert found == [
        ErpPayment(
            id=paid,
            counterparty_id=buyer.id,
            amount=Decimal("11600.00"),
            paid_on=date(2026, 12, 5),
            purpose="Оплата по счёту СЧ-2026-00017",
            counterparty_inn="7712345678",  # for a client whose 1C id is not known yet
        )
    ]


async def test_credit_terms_are_the_contracts_deferment_and_limit(
    documents: ODataDocuments, onec: RunningFake
) -> None:
    buyer = await documents.upsert_counterparty("ООО «Спецодежда»", "7712345678", "771201001")
    await documents.set_credit_terms(buyer.inn, 30, Decimal("500000"), Decimal("5"))
    await documents.set_credit_terms(buyer.id, 45, Decimal("750000.50"), Decimal("5"))
    (contract,) = onec.fake.store.all(CONTRACTS)
    assert contract["Контрагент_Key"] == buyer.id
    assert contract["Организация_Key"] == demo_mapping()["organisation"]
    assert contract["Статус"] == "Действует"
    assert contract["СрокОплаты"] == 45
    assert contract["ДопустимаяСуммаЗадолженности"] == 750000.5
    with pytest.raises(ValueError, match="out of range"):
        await documents.set_credit_terms(buyer.id, -1, Decimal("0"), Decimal("0"))


async def test_an_invoice_for_a_client_1c_does_not_know_makes_its_counterparty_once(
    documents: ODataDocuments, onec: RunningFake
) -> None:
    unknown = invoice("7801234564", (SUIT, 1, False))
    with pytest.raises(ODataError, match="no counterparty"):
        await documents.create_invoice(unknown)
    named = replace(unknown, counterparty_name="ООО «Северный металл»", counterparty_kpp="780101001")
    order_id = await documents.create_invoice(named)
    await documents.update_invoice(order_id, named)
    (counterparty,) = onec.fake.store.all("Catalog_Контрагенты")
    assert counterparty["ИНН"] == "7801234564"
    assert counterparty["КПП"] == "780101001"
    order = onec.fake.store.get(ORDERS, order_id)
    assert order is not None
    assert order["Контрагент_Key"] == counterparty["Ref_Key"]
