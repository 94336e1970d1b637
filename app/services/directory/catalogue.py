"""The 1C catalogue as staff browse it: products with characteristics, prices and stock."""

from __future__ import annotations

from app.core.errors import FieldError, NotFound
from app.services.kernel.pagination import Page, decode_cursor, encode_cursor
from app.services.kernel.ports import Erp, Product

# 1C answers a search from its start: a page deeper than this is refused rather than fetched.
MAX_SEARCH_DEPTH = 1000


class CatalogueService:
    def __init__(self, erp: Erp) -> None:
        self.erp = erp

    async def search(self, query: str, limit: int) -> list[Product]:
        return await self.erp.search_products(query, limit)

    async def search_page(self, query: str, cursor: str | None, limit: int) -> Page[Product]:
        """One page of the search; the cursor is the position of the page's first item."""
        (start,) = decode_cursor(cursor, [int]) if cursor is not None else (0,)
        if start + limit > MAX_SEARCH_DEPTH:
            raise FieldError("cursor", f"a search is paged through its first {MAX_SEARCH_DEPTH} items only")
        found = await self.erp.search_products(query, start + limit + 1)
        items = found[start : start + limit]
        more = len(found) > start + limit and start + limit < MAX_SEARCH_DEPTH
        return Page(items, encode_cursor([start + limit]) if more else None)

    async def get(self, product_id: str) -> Product:
        product = await self.erp.get_product(product_id)
        if product is None:
            raise NotFound("product", product_id)
        return product

    async def price_categories(self) -> list[str]:
        return await self.erp.price_categories()
