"""Catalogue items from 1C."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class PriceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    category: str
    price: Decimal


class ProductRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    sku: str
    name: str
    model: str
    color: str
    size: str
    height: str
    unit: str
    prices: list[PriceRead]
    stock: int


class ProductStaffRead(ProductRead):
    purchase_price: Decimal | None = Field(
        description="What the item costs us: given to the roles that price (sales, supply), null to others"
    )
