"""The 1C catalogue: search products, their characteristics, prices and stock."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from app.api.deps import ActorDep, ErpDep, allowed
from app.api.routing import api_router
from app.models.directory import Employee
from app.schemas.catalogue import ProductStaffRead
from app.schemas.common import Page, problems
from app.services.directory.catalogue import CatalogueService
from app.services.kernel.permissions import Permission, prices
from app.services.kernel.ports import Product

router = api_router(prefix="/api/v1/catalogue", tags=["catalogue"])

READ = allowed(Permission.CATALOGUE_READ)


async def catalogue_service(erp: ErpDep) -> CatalogueService:
    return CatalogueService(erp)


CatalogueDep = Annotated[CatalogueService, Depends(catalogue_service)]


def _read(product: Product, actor: Employee) -> ProductStaffRead:
    """The item as the caller may see it: the purchase price only to who prices."""
    read = ProductStaffRead.model_validate(product)
    return read if prices(actor) else read.model_copy(update={"purchase_price": None})


@router.get("/products", dependencies=READ)
async def search_products(
    catalogue: CatalogueDep,
    actor: ActorDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="Name, model, article or color")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[
        str | None, Query(max_length=512, description="`next_cursor` of the previous page")
    ] = None,
) -> Page[ProductStaffRead]:
    """Search the nomenclature (with its characteristic: model, color, size, height), a page at a
    time."""
    page = await catalogue.search_page(q, cursor, limit)
    return Page(items=[_read(p, actor) for p in page.items], next_cursor=page.next_cursor)


@router.get("/products/{product_id}", responses=problems(404), dependencies=READ)
async def get_product(
    product_id: Annotated[str, Path(max_length=64)], catalogue: CatalogueDep, actor: ActorDep
) -> ProductStaffRead:
    """One catalogue item with its prices by category, stock and (to the roles that price) its
    purchase price."""
    return _read(await catalogue.get(product_id), actor)


@router.get("/price-categories", dependencies=READ, operation_id="list_price_categories")
async def price_categories(catalogue: CatalogueDep) -> Page[str]:
    """The price lists an order line can name (one page: 1C keeps a few)."""
    return Page(items=await catalogue.price_categories(), next_cursor=None)
