"""The morning check sheet (лист сверки со складом), printed for the assistant and the keeper."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.services.documents.workday_pages import render_pdf

FULFILMENT_LABELS = {"reserve": "Резерв", "procure": "Обособленно"}
MARK_LABELS = {
    "pending": "",
    "set_aside_warehouse": "Отложено на складе",
    "set_aside_shop": "Отложено в магазине",
    "arrived": "Пришло вчера",
    "missing": "Нет",
}


@dataclass(frozen=True, slots=True)
class CheckLineView:
    position: int
    name: str
    quantity: int
    fulfilment: str
    expected_on: date | None
    mark: str


@dataclass(frozen=True, slots=True)
class CheckInvoiceView:
    order_id: int
    invoice_number: str
    client: str
    lines: list[CheckLineView]


@dataclass(frozen=True, slots=True)
class CheckSheetView:
    day: date
    assistant: str
    keeper: str
    invoices: list[CheckInvoiceView]


def render_check_pdf(view: CheckSheetView) -> bytes:
    return render_pdf(
        "warehouse_check.html", sheet=view, fulfilment_labels=FULFILMENT_LABELS, mark_labels=MARK_LABELS
    )
