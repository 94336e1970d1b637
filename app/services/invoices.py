"""Invoices from accepted orders (regulation, process 1, step 3: "create the invoice from the order").

Prices come from the 1C price list of each line's price category; VAT from the dated rate table;
totals are exact to the kopeck; numbers run without gaps within a year.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.core.config import CompanySettings
from app.core.errors import FieldError, NotFound
from app.models.clients import Client
from app.models.invoices import Invoice, InvoiceCounter, InvoiceLine, InvoiceStatus
from app.models.orders import Order, OrderStatus
from app.services.common import ensure_version, touch
from app.services.documents.invoice import (
    BuyerRequisites,
    SupplierRequisites,
    build_invoice_view,
    render_invoice_pdf,
)
from app.services.history import HistoryService, snapshot
from app.services.invoicing.numbering import format_invoice_number
from app.services.invoicing.totals import LineInput, compute_totals
from app.services.invoicing.vat import RUSSIA_VAT, VatSchedule
from app.services.orders import OrderService
from app.services.pagination import Page, decode_cursor, page_of
from app.services.ports import Erp
from app.services.unit_of_work import UnitOfWork


class InvoiceService:
    def __init__(
        self, uow: UnitOfWork, erp: Erp, company: CompanySettings, vat: VatSchedule = RUSSIA_VAT
    ) -> None:
        self.uow = uow
        self.erp = erp
        self.company = company
        self.vat = vat
        self.history = HistoryService(uow)

    async def get(self, invoice_id: int) -> Invoice:
        invoice: Invoice | None = await self.uow.session.scalar(
            select(Invoice).options(selectinload(Invoice.lines)).where(Invoice.id == invoice_id)
        )
        if invoice is None:
            raise NotFound("invoice", invoice_id)
        # Visibility follows the order's: an invoice of an order you cannot see does not exist for you.
        await OrderService(self.uow, self.erp).get(invoice.order_id)
        return invoice

    async def page(self, *, client_id: int | None, cursor: str | None, limit: int) -> Page[Invoice]:
        visible_orders = OrderService(self.uow, self.erp).visible(select(Order.id))
        query = (
            select(Invoice).options(selectinload(Invoice.lines)).where(Invoice.order_id.in_(visible_orders))
        )
        if client_id is not None:
            query = query.where(Invoice.client_id == client_id)
        if cursor is not None:
            (before_id,) = decode_cursor(cursor, [int])
            query = query.where(Invoice.id < before_id)
        rows = (await self.uow.session.scalars(query.order_by(Invoice.id.desc()).limit(limit + 1))).all()
        return page_of(rows, limit, lambda i: [i.id])

    async def create_from_order(self, order_id: int, if_match: int | None) -> Invoice:
        orders = OrderService(self.uow, self.erp)
        order = await orders.get(order_id)
        ensure_version(order, if_match, "order")
        orders.allow(order, "invoice")
        client = await self.uow.session.get(Client, order.client_id) if order.client_id else None
        if client is None:
            raise FieldError("client_id", "the order has no client")
        inputs, details = await self._price_lines(order)
        today = self.uow.calendar.local_date(self.uow.clock.now())
        totals = compute_totals(inputs, self.vat.rate_on(today))
        seq = await self._next_seq(today.year)
        now = self.uow.clock.now()
        invoice = Invoice(
            number=format_invoice_number(today.year, seq),
            year=today.year,
            seq=seq,
            order_id=order.id,
            client_id=client.id,
            issued_on=today,
            due_on=self.uow.calendar.add_working_days(today, self.company.invoice_payment_working_days),
            vat_rate=int(totals.vat_rate),
            total=totals.total,
            vat_total=totals.vat_total,
            status=InvoiceStatus.ISSUED,
            created_at=now,
            updated_at=now,
            lines=[
                InvoiceLine(
                    position=i + 1,
                    product_id=detail["product_id"],
                    name=line.name,
                    unit=line.unit,
                    price_category=detail["price_category"],
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    discount_basis_points=0,
                    price=line.price,
                    amount=line.amount,
                    vat_amount=line.vat_amount,
                )
                for i, (line, detail) in enumerate(zip(totals.lines, details, strict=True))
            ],
        )
        self.uow.session.add(invoice)
        before = order.status
        order.status = OrderStatus.INVOICED
        touch(order, self.uow)
        await self.uow.session.flush()
        self.history.record(
            "invoice",
            invoice.id,
            "issued",
            None,
            snapshot(invoice) | {"lines": [snapshot(x) for x in invoice.lines]},
        )
        self.history.record(
            "order",
            order.id,
            "invoiced",
            {"status": before.value},
            {"status": order.status.value, "invoice_id": invoice.id, "number": invoice.number},
        )
        return invoice

    async def _price_lines(self, order: Order) -> tuple[list[LineInput], list[dict[str, Any]]]:
        inputs: list[LineInput] = []
        details: list[dict[str, Any]] = []
        for index, line in enumerate(order.lines):
            field = f"lines.{index}"
            if line.product_id is None:
                raise FieldError(
                    f"{field}.product_id", "match the line to a 1C catalogue item before invoicing"
                )
            product = await self.erp.get_product(line.product_id)
            if product is None:
                raise FieldError(f"{field}.product_id", "the item is no longer in the 1C catalogue")
            price = next((p.price for p in product.prices if p.category == line.price_category), None)
            if price is None:
                raise FieldError(
                    f"{field}.price_category", f"the item has no price in «{line.price_category}»"
                )
            inputs.append(LineInput(product.name, product.unit, line.quantity, price))
            details.append({"product_id": product.id, "price_category": line.price_category})
        return inputs, details

    async def _next_seq(self, year: int) -> int:
        """The next number of the year, taken in this transaction: a rollback gives it back."""
        bump = (
            update(InvoiceCounter)
            .where(InvoiceCounter.year == year)
            .values(last=InvoiceCounter.last + 1)
            .returning(InvoiceCounter.last)
        )
        seq = (await self.uow.session.execute(bump)).scalar_one_or_none()
        if seq is None:
            try:
                async with self.uow.session.begin_nested():
                    await self.uow.session.execute(insert(InvoiceCounter).values(year=year, last=1))
                return 1
            except IntegrityError:  # another transaction opened the year first
                seq = (await self.uow.session.execute(bump)).scalar_one()
        return int(seq)

    async def pdf(self, invoice_id: int) -> tuple[Invoice, bytes]:
        invoice = await self.get(invoice_id)
        client = await self.uow.session.get(Client, invoice.client_id)
        assert client is not None
        company = self.company
        view = build_invoice_view(
            supplier=SupplierRequisites(
                name=company.name,
                inn=company.inn,
                kpp=company.kpp,
                address=company.address,
                bank_name=company.bank_name,
                bik=company.bik,
                account=company.account,
                correspondent_account=company.correspondent_account,
            ),
            buyer=BuyerRequisites(
                name=client.name,
                inn=client.inn,
                kpp=client.kpp,
                address=client.legal_address or "",
            ),
            number=invoice.number,
            issued_on=invoice.issued_on,
            due_on=invoice.due_on,
            totals=compute_totals(
                [LineInput(x.name, x.unit, x.quantity, x.unit_price) for x in invoice.lines],
                Decimal(invoice.vat_rate),
            ),
            director_name=company.director_name,
            accountant_name=company.accountant_name,
            basis=f"Заявка №{invoice.order_id}",
        )
        # WeasyPrint is CPU work of tens of milliseconds: keep it off the event loop.
        return invoice, await asyncio.to_thread(render_invoice_pdf, view)
