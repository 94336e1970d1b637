"""The invoice (счёт на оплату) as a PDF: a view-model, a Jinja2 template, WeasyPrint.

The template sees only the view-model below (plain values, no ORM objects) and autoescapes
everything. The PDF renderer fetches nothing: every URL a document might mention is refused, and
the fonts (DejaVu, with Cyrillic) come from the system's fontconfig, not from a URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any, NoReturn

import jinja2
from weasyprint.urls import URLFetcher

from app.services.documents.company import CompanyRequisites
from app.services.documents.engine import TEMPLATES_DIR, write_pdf
from app.services.money.format import format_date_ru, format_quantity, format_rub
from app.services.money.totals import InvoiceTotals
from app.services.money.words import amount_in_words

INVOICE_TEMPLATE = "invoice.html"


@dataclass(frozen=True, slots=True)
class BuyerRequisites:
    """The client; a sole trader (ИП) has no KPP."""

    name: str
    inn: str
    kpp: str | None
    address: str


@dataclass(frozen=True, slots=True)
class InvoiceLineView:
    number: int
    name: str
    unit: str
    quantity: int
    price: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class InvoiceView:
    """Everything the invoice template prints, already computed."""

    supplier: CompanyRequisites
    buyer: BuyerRequisites
    number: str
    issued_on: date
    due_on: date | None
    lines: tuple[InvoiceLineView, ...]
    total: Decimal
    vat_total: Decimal
    vat_rate: Decimal
    amount_in_words: str
    director_name: str
    accountant_name: str
    basis: str | None = None
    # On a deferment, before the goods leave: the term runs from the shipment, so no date is printed.
    deferment_days: int | None = None

    @property
    def line_count(self) -> int:
        return len(self.lines)


def build_invoice_view(
    *,
    supplier: CompanyRequisites,
    buyer: BuyerRequisites,
    number: str,
    issued_on: date,
    due_on: date | None,
    totals: InvoiceTotals,
    director_name: str,
    accountant_name: str,
    basis: str | None = None,
    deferment_days: int | None = None,
) -> InvoiceView:
    """The view of an invoice from its computed totals (rows numbered from 1)."""
    lines = tuple(
        InvoiceLineView(
            number=index,
            name=line.name,
            unit=line.unit,
            quantity=line.quantity,
            price=line.price,
            amount=line.amount,
        )
        for index, line in enumerate(totals.lines, start=1)
    )
    return InvoiceView(
        supplier=supplier,
        buyer=buyer,
        number=number,
        issued_on=issued_on,
        due_on=due_on,
        lines=lines,
        total=totals.total,
        vat_total=totals.vat_total,
        vat_rate=totals.vat_rate,
        amount_in_words=amount_in_words(totals.total),
        director_name=director_name,
        accountant_name=accountant_name,
        deferment_days=deferment_days,
        basis=basis,
    )


def _format_percent(rate: Decimal) -> str:
    # 22 → «22», 16.67 → «16,67»: no trailing zeros, Russian decimal comma.
    text = f"{rate.normalize():f}"
    return text.replace(".", ",")


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,  # every template, whatever its extension: client data is printed here
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["rub"] = format_rub
    env.filters["qty"] = format_quantity
    env.filters["ru_date"] = format_date_ru
    env.filters["percent"] = _format_percent
    return env


def render_invoice_html(view: InvoiceView) -> str:
    """The invoice as a self-contained HTML page (its stylesheet inlined)."""
    template = _environment().get_template(INVOICE_TEMPLATE)
    return template.render(invoice=view)


class RefusingURLFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint ships no type hints
    """Refuses every URL: a document template must not reach the network or the file system.

    When documents need images (a logo, a stamp), this becomes a fetcher that reads only our own
    storage.
    """

    def fetch(self, url: str, headers: Any = None) -> NoReturn:
        raise ValueError(f"URL fetching is disabled for documents: {url}")


def html_to_pdf(html: str, stylesheet: str | None = None) -> bytes:
    """Render a document page to PDF bytes without fetching any URL; ``stylesheet`` names the
    family's stylesheet when the page does not inline it."""
    return write_pdf(html, RefusingURLFetcher(), stylesheet)


def render_invoice_pdf(view: InvoiceView) -> bytes:
    """The invoice as a one-stylesheet, A4 PDF."""
    return html_to_pdf(render_invoice_html(view))
