"""The reconciliation act (акт сверки взаимных расчётов) as HTML and PDF.

The view is plain data and round-trips through JSON: an act is kept as its view when it is
generated, so the PDF the client received can be made again unchanged. It fetches nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from app.services.documents.company import CompanyRequisites
from app.services.documents.invoice import _environment, html_to_pdf
from app.services.documents.views import view_json

ACT_TEMPLATE = "reconciliation_act.html"
ACT_STYLESHEET = "reconciliation_act.css"


@dataclass(frozen=True, slots=True)
class ActParty:
    name: str
    inn: str
    kpp: str | None
    address: str | None


@dataclass(frozen=True, slots=True)
class ActEntryView:
    number: int
    on: date
    document: str
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True, slots=True)
class ActView:
    """Everything the act prints: our side filled in, the client's side left for the client."""

    company: CompanyRequisites
    client: ActParty
    number: str
    issued_on: date
    period_start: date
    period_end: date
    opening: Decimal
    entries: tuple[ActEntryView, ...]
    debit_total: Decimal
    credit_total: Decimal
    closing: Decimal

    @property
    def opening_debit(self) -> Decimal:
        return max(self.opening, Decimal("0.00"))

    @property
    def opening_credit(self) -> Decimal:
        return max(-self.opening, Decimal("0.00"))

    @property
    def closing_debit(self) -> Decimal:
        return max(self.closing, Decimal("0.00"))

    @property
    def closing_credit(self) -> Decimal:
        return max(-self.closing, Decimal("0.00"))

    @property
    def closing_amount(self) -> Decimal:
        return abs(self.closing)

    @property
    def in_favour_of(self) -> str | None:
        """Whose favour the closing balance is in; None when nobody owes anything."""
        if self.closing > 0:
            return self.company.name
        if self.closing < 0:
            return self.client.name
        return None

    def to_json(self) -> dict[str, Any]:
        return view_json(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ActView:
        return cls(
            company=CompanyRequisites.from_json(data["company"]),
            client=ActParty(**data["client"]),
            number=data["number"],
            issued_on=date.fromisoformat(data["issued_on"]),
            period_start=date.fromisoformat(data["period_start"]),
            period_end=date.fromisoformat(data["period_end"]),
            opening=Decimal(data["opening"]),
            entries=tuple(
                ActEntryView(
                    number=int(e["number"]),
                    on=date.fromisoformat(e["on"]),
                    document=e["document"],
                    debit=Decimal(e["debit"]),
                    credit=Decimal(e["credit"]),
                )
                for e in data["entries"]
            ),
            debit_total=Decimal(data["debit_total"]),
            credit_total=Decimal(data["credit_total"]),
            closing=Decimal(data["closing"]),
        )


def _short_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def render_act_html(view: ActView) -> str:
    template = _environment().get_template(ACT_TEMPLATE)
    return template.render(act=view, short_date=_short_date)


def render_act_pdf(view: ActView) -> bytes:
    """The act as an A4 PDF."""
    return html_to_pdf(render_act_html(view), ACT_STYLESHEET)
