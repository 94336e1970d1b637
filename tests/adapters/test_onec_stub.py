"""The in-memory 1C stand-in and its shipped catalogue."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from app.adapters.onec import CATALOGUE_FILE, StubErp, build_erp
from app.core.config import OneCSettings
from app.services.kernel.ports import ErpInvoice, ErpInvoiceLine


def invoice() -> ErpInvoice:
    return ErpInvoice(
        number="125",
        date=date(2025, 11, 27),
        counterparty_id=str(uuid.uuid4()),
        lines=(ErpInvoiceLine(None, "Костюм рабочий летний", 10, Decimal("1960.00"), Decimal("20"), False),),
    )


@pytest.fixture
def erp() -> StubErp:
    return StubErp.default()


async def test_catalogue_is_realistic(erp: StubErp) -> None:
    products = erp.products()
    assert 40 <= len(products) <= 60
    assert await erp.price_categories() == ["Розничная", "Оптовая", "Дилерская"]
    assert len({p.sku for p in products}) == len(products)
    for product in products:
        assert str(uuid.UUID(product.id)) == product.id
        prices = {p.category: p.price for p in product.prices}
        assert set(prices) == {"Розничная", "Оптовая", "Дилерская"}
        assert prices["Розничная"] > prices["Оптовая"] > prices["Дилерская"] > product.purchase_price > 0
        assert product.unit in {"шт", "пар"}
    assert any(p.stock == 0 for p in products)
    assert any(p.height == "170-176" for p in products)
    assert any(p.name == "Костюм рабочий летний" for p in products)


async def test_search_is_case_insensitive_in_cyrillic(erp: StubErp) -> None:
    upper = await erp.search_products("КОСТЮМ РАБОЧИЙ ЛЕТНИЙ", limit=100)
    lower = await erp.search_products("костюм рабочий летний", limit=100)
    assert upper == lower
    assert upper
    assert all(p.name == "Костюм рабочий летний" for p in upper)

    assert {p.model for p in await erp.search_products("буран")} == {"Буран"}
    assert {p.color for p in await erp.search_products("оранжев", limit=100)} >= {"Оранжевый"}
    assert [p.sku for p in await erp.search_products("kl-std-5254-170")] == ["KL-STD-5254-170"]
    # ё and е are the same letter for the search.
    assert await erp.search_products("утепленная") == await erp.search_products("утеплённая")
    assert len(await erp.search_products("", limit=5)) == 5
    assert await erp.search_products("несуществующий товар") == []


async def test_reserve_takes_stock_and_refuses_more_than_there_is(erp: StubErp) -> None:
    product = next(p for p in erp.products() if p.stock >= 5)
    invoice_id = await erp.create_invoice(invoice())
    assert str(uuid.UUID(invoice_id)) == invoice_id

    assert await erp.reserve(invoice_id, product.id, 3)
    assert await erp.stock(product.id) == product.stock - 3
    assert not await erp.reserve(invoice_id, product.id, product.stock)  # only stock - 3 left
    assert await erp.stock(product.id) == product.stock - 3
    assert await erp.reserve(invoice_id, product.id, product.stock - 3)
    assert await erp.stock(product.id) == 0
    assert not await erp.reserve(invoice_id, product.id, 1)
    assert sum(r.quantity for r in erp.reservations(invoice_id)) == product.stock
    assert not await erp.reserve(invoice_id, "no-such-product", 1)
    with pytest.raises(ValueError):
        await erp.reserve(invoice_id, product.id, 0)


async def test_concurrent_reserves_never_oversell(erp: StubErp) -> None:
    product = next(p for p in erp.products() if p.stock >= 10)
    invoice_id = await erp.create_invoice(invoice())
    results = await asyncio.gather(
        *(erp.reserve(invoice_id, product.id, 1) for _ in range(product.stock + 5))
    )
    assert results.count(True) == product.stock
    assert await erp.stock(product.id) == 0


async def test_requisition_book_and_receipts(erp: StubErp) -> None:
    out_of_stock = next(p for p in erp.products() if p.stock == 0)
    invoice_id = await erp.create_invoice(invoice())
    other_invoice = await erp.create_invoice(invoice())

    entry = await erp.add_requisition(invoice_id, out_of_stock.id, out_of_stock.name, 12, date(2025, 11, 27))
    custom = await erp.add_requisition(
        invoice_id, None, "Куртка с логотипом заказчика", 5, date(2025, 11, 27)
    )
    await erp.add_requisition(other_invoice, None, "Жилет с нанесением", 1, date(2025, 11, 28))

    assert await erp.requisitions(invoice_id) == [entry, custom]
    assert entry.status == "Заказано"
    assert entry.quantity == 12

    dated = erp.set_expected_date(entry.id, date(2025, 12, 5))
    assert dated.expected_on == date(2025, 12, 5)

    receipt_id = await erp.post_receipt(entry.id, 7)
    assert str(uuid.UUID(receipt_id)) == receipt_id
    assert (await erp.requisitions(invoice_id))[0].status == "Частично поступило"
    assert await erp.stock(out_of_stock.id) == 7
    await erp.post_receipt(entry.id, 5)
    assert (await erp.requisitions(invoice_id))[0].status == "Поступило"
    assert await erp.stock(out_of_stock.id) == 12
    assert len(erp.receipts(entry.id)) == 2

    upd_id = await erp.create_upd(invoice_id)
    assert [u.id for u in erp.upds(invoice_id)] == [upd_id]


async def test_counterparties_payments_and_credit_terms(erp: StubErp) -> None:
    first = await erp.upsert_counterparty("ООО «Северный металл»", "7801234564", "780101001")
    again = await erp.upsert_counterparty("ООО «Северный металл плюс»", "7801234564", "780101001")
    branch = await erp.upsert_counterparty("ООО «Северный металл»", "7801234564", "781001001")
    assert again.id == first.id
    assert again.name == "ООО «Северный металл плюс»"
    assert branch.id != first.id

    noon = datetime(2025, 11, 27, 12, 0, tzinfo=UTC)
    old = erp.record_payment(
        first.id, Decimal("50000"), date(2025, 11, 26), recorded_at=noon - timedelta(days=1)
    )
    new = erp.record_payment(
        first.id, Decimal("136000.00"), date(2025, 11, 27), "Оплата по счёту № 125", recorded_at=noon
    )
    assert await erp.payments_since(noon - timedelta(hours=1)) == [new]
    assert await erp.payments_since(datetime(2025, 11, 1)) == [old, new]  # naive = UTC

    assert erp.credit_terms(first.id) is None
    await erp.set_credit_terms(first.id, 30, Decimal("500000"), Decimal("5"))
    terms = erp.credit_terms(first.id)
    assert terms is not None
    assert (terms.deferment_days, terms.credit_limit, terms.discount_percent) == (
        30,
        Decimal("500000"),
        Decimal("5"),
    )


async def test_from_file_and_build_erp(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.json"
    path.write_text(
        json.dumps(
            {
                "price_categories": ["Оптовая"],
                "products": [
                    {
                        "id": "0a1b2c3d-0000-4000-8000-000000000001",
                        "sku": "X-1",
                        "name": "Перчатки х/б",
                        "model": "Эконом",
                        "color": "Белый",
                        "size": "10",
                        "height": "",
                        "unit": "пар",
                        "purchase_price": "9.50",
                        "prices": {"Оптовая": "14.00"},
                        "stock": 1000,
                    }
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    erp = build_erp(OneCSettings(catalogue_file=path))
    assert isinstance(erp, StubErp)
    [product] = await erp.search_products("ПЕРЧАТКИ")
    assert product.prices[0].price == Decimal("14.00")
    assert await erp.price_categories() == ["Оптовая"]

    default = build_erp(OneCSettings())
    assert isinstance(default, StubErp)
    assert len(default.products()) == len(json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))["products"])

    path.write_text('{"products": [{"sku": "no id"}]}', encoding="utf-8")
    with pytest.raises(ValueError, match="missing field 'id'"):
        StubErp.from_file(path)


async def test_an_invoice_is_written_again_in_place(erp: StubErp) -> None:
    invoice_id = await erp.create_invoice(invoice())
    procured = ErpInvoice(
        number="125",
        date=date(2025, 11, 27),
        counterparty_id=invoice().counterparty_id,
        lines=tuple(replace(line, procure=True) for line in invoice().lines),
    )
    await erp.update_invoice(invoice_id, procured)
    await erp.update_invoice(invoice_id, procured)
    stored = erp.invoice(invoice_id)
    assert stored is not None
    assert [line.procure for line in stored.lines] == [True]
    with pytest.raises(ValueError, match="no invoice"):
        await erp.update_invoice(str(uuid.uuid4()), procured)
