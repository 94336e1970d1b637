"""Invoices."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from app.models.invoices import InvoiceStatus
from app.schemas.common import ReadModel


class InvoiceLineRead(ReadModel):
    position: int
    product_id: str | None
    name: str
    unit: str
    price_category: str
    quantity: int
    unit_price: Decimal
    price: Decimal
    amount: Decimal
    vat_amount: Decimal


class InvoiceRead(ReadModel):
    id: int
    number: str
    order_id: int
    client_id: int
    issued_on: date
    due_on: date
    vat_rate: int
    total: Decimal
    vat_total: Decimal
    status: InvoiceStatus
    lines: list[InvoiceLineRead]
    version: int
    created_at: datetime
    updated_at: datetime
