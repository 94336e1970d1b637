"""The 1C catalogue as staff browse it: products with characteristics, prices and stock."""

from __future__ import annotations

from app.core.errors import NotFound
from app.services.ports import Erp, Product


class CatalogueService:
    def __init__(self, erp: Erp) -> None:
        self.erp = erp

    async def search(self, query: str, limit: int) -> list[Product]:
        return await self.erp.search_products(query, limit)

    async def get(self, product_id: str) -> Product:
        product = await self.erp.get_product(product_id)
        if product is None:
            raise NotFound("product", product_id)
        return product

    async def price_categories(self) -> list[str]:
        return await self.erp.price_categories()
