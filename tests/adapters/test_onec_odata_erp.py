"""``APP_ONEC__ADAPTER=odata``: build_erp gives the OData adapter over the configured base, which
answers every method of the Erp port against the fake 1C over real HTTP; without a mapping the
settings are refused."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.adapters.onec import build_erp
from app.adapters.onec.odata_erp import ODataErp
from app.core.config import Settings
from app.fake_onec.store import demo_mapping
from app.services.kernel.ports import Erp, ErpInvoice, ErpInvoiceLine
from tests.adapters.onec_fake import PASSWORD, USER, running_fake

SUIT = "18d48cce-4eaa-5f37-b5b0-61cf5cde0600"  # 24 on the warehouse


async def test_the_odata_adapter_from_the_environment_walks_the_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_fake(tmp_path / "1c.sqlite3") as onec:
        monkeypatch.setenv("APP_ONEC__ADAPTER", "odata")
        monkeypatch.setenv("APP_ONEC__ODATA__URL", onec.url)
        monkeypatch.setenv("APP_ONEC__ODATA__USER", USER)
        monkeypatch.setenv("APP_ONEC__ODATA__PASSWORD", PASSWORD)
        monkeypatch.setenv("APP_ONEC__ODATA__MAPPING", json.dumps(demo_mapping()))
        erp: Erp = build_erp(Settings().onec)
        assert isinstance(erp, ODataErp)
        try:
            assert await erp.price_categories() == ["Розничная", "Оптовая", "Дилерская"]
            product = await erp.get_product(SUIT)
            assert product is not None
            assert product.stock == 24
            buyer = await erp.upsert_counterparty("ООО «Спецодежда»", "7712345678", "771201001")
            lines = (ErpInvoiceLine(SUIT, product.name, 5, Decimal("2320.00"), Decimal("20"), False),)
            number = "СЧ-2026-00017"
            order = await erp.create_invoice(ErpInvoice(number, date(2026, 12, 7), buyer.id, lines))
            assert await erp.reserve(number, SUIT, 5) is True
            assert await erp.stock(SUIT) == 19
            await erp.update_invoice(order, ErpInvoice(number, date(2026, 12, 7), buyer.id, lines))
            entry = await erp.add_requisition(number, None, "Знак на спину", 2, date(2026, 12, 7))
            assert await erp.requisitions(number) == [entry]
            await erp.post_receipt(entry.id, 2)
            assert await erp.create_upd(order)
            assert await erp.payments_since(datetime.now(UTC) - timedelta(days=3)) == []
            await erp.set_credit_terms(buyer.id, 30, Decimal("100000"), Decimal("0"))
        finally:
            await erp.aclose()  # type: ignore[attr-defined]


def test_the_odata_adapter_needs_a_mapping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ONEC__ADAPTER", "odata")
    with pytest.raises(ValidationError, match="APP_ONEC__ODATA__MAPPING"):
        Settings()
    monkeypatch.setenv("APP_ONEC__ADAPTER", "stub")
    assert Settings().onec.adapter == "stub"
