"""The ``Erp`` port over 1C's standard OData interface: the catalogue side and the documents side on
one client (one connection pool per process)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from app.adapters.onec.odata import ODataClient, client_from_settings
from app.adapters.onec.odata_catalogue import PRICE_TYPES, ODataCatalogue
from app.adapters.onec.odata_documents import ODataDocuments
from app.core.config import OneCMapping, OneCODataSettings
from app.services.kernel.ports import ErpCounterparty, ErpInvoice, ErpPayment, Product, RequisitionEntry


class ODataErp:
    """``APP_ONEC__ADAPTER=odata``."""

    def __init__(self, client: ODataClient, mapping: OneCMapping) -> None:
        self.client = client
        self.catalogue = ODataCatalogue(client, mapping)
        self.documents = ODataDocuments(client, mapping)

    @classmethod
    def from_settings(cls, settings: OneCODataSettings) -> ODataErp:
        if settings.mapping is None:
            raise ValueError("APP_ONEC__ODATA__MAPPING is required for the odata adapter")
        return cls(client_from_settings(settings), settings.mapping)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def ping(self) -> None:
        """Raises :class:`app.adapters.onec.odata.OneCError` when 1C does not answer a small read."""
        await self.client.query(PRICE_TYPES, select=["Ref_Key"], top=1)

    async def search_products(self, query: str, limit: int = 20) -> list[Product]:
        return await self.catalogue.search_products(query, limit)

    async def get_product(self, product_id: str) -> Product | None:
        return await self.catalogue.get_product(product_id)

    async def price_categories(self) -> list[str]:
        return await self.catalogue.price_categories()

    async def stock(self, product_id: str) -> int:
        return await self.catalogue.stock(product_id)

    async def upsert_counterparty(self, name: str, inn: str, kpp: str | None) -> ErpCounterparty:
        return await self.documents.upsert_counterparty(name, inn, kpp)

    async def create_invoice(self, invoice: ErpInvoice) -> str:
        return await self.documents.create_invoice(invoice)

    async def update_invoice(self, invoice_id: str, invoice: ErpInvoice) -> None:
        await self.documents.update_invoice(invoice_id, invoice)

    async def reserve(self, invoice_id: str, product_id: str, quantity: int) -> bool:
        return await self.documents.reserve(invoice_id, product_id, quantity)

    async def add_requisition(
        self, invoice_id: str, product_id: str | None, name: str, quantity: int, requested_on: date
    ) -> RequisitionEntry:
        return await self.documents.add_requisition(invoice_id, product_id, name, quantity, requested_on)

    async def requisitions(self, invoice_id: str) -> list[RequisitionEntry]:
        return await self.documents.requisitions(invoice_id)

    async def create_upd(self, invoice_id: str) -> str:
        return await self.documents.create_upd(invoice_id)

    async def post_receipt(self, requisition_id: str, quantity: int) -> str:
        return await self.documents.post_receipt(requisition_id, quantity)

    async def payments_since(self, since: datetime) -> list[ErpPayment]:
        return await self.documents.payments_since(since)

    async def set_credit_terms(
        self, counterparty_id: str, deferment_days: int, credit_limit: Decimal, discount_percent: Decimal
    ) -> None:
        await self.documents.set_credit_terms(counterparty_id, deferment_days, credit_limit, discount_percent)
