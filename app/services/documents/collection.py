"""The collection case's documents as PDFs: the sample guarantee letter the client copies onto its
letterhead, and the claim letter (претензия) with its calculation attached: the contract's penalty
(неустойка) when the client's contract sets one, else the interest of art. 395.

The claim's view is typed (``ClaimView``) and kept as JSON with the case, so the letter sent once
prints again as it was; a view kept before a field existed reads with that field's default. Both
templates see only plain values, autoescape everything and are rendered without fetching any URL,
like the invoice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any, Literal

import jinja2

from app.services.documents.company import CompanyRequisites
from app.services.documents.engine import TEMPLATES_DIR
from app.services.documents.inflection import person_dative
from app.services.documents.invoice import html_to_pdf
from app.services.documents.views import plain
from app.services.money.format import format_date_ru, format_rub
from app.services.money.words import amount_in_words

CLAIM_TEMPLATE = "claim.html"
GUARANTEE_TEMPLATE = "guarantee_sample.html"
STYLESHEET = "collection.css"


def _date(value: str | date) -> str:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return day.strftime("%d.%m.%Y")


def _rub(value: str | Decimal) -> str:
    return format_rub(Decimal(value))


def _words(value: str | Decimal) -> str:
    return amount_in_words(Decimal(value))


def _long_date(value: str | date) -> str:
    return format_date_ru(date.fromisoformat(value) if isinstance(value, str) else value)


def _percent(value: str | Decimal) -> str:
    """0.1000 → «0,1», 10.00 → «10»."""
    return f"{Decimal(value).normalize():f}".replace(".", ",")


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["rub"] = _rub
    env.filters["words"] = _words
    env.filters["d"] = _date
    env.filters["long_date"] = _long_date
    env.filters["percent"] = _percent
    env.filters["dative"] = person_dative
    return env


@dataclass(frozen=True, slots=True)
class ClaimDirector:
    """The client's director as the addressee: position and name, and both in the dative."""

    name: str
    position: str
    name_dative: str
    position_dative: str


@dataclass(frozen=True, slots=True)
class ClaimBuyer:
    name: str
    inn: str
    kpp: str | None
    address: str
    director: ClaimDirector | None = None  # None: addressed to the company's head


@dataclass(frozen=True, slots=True)
class PenaltyTerms:
    """The contract's penalty (art. 330), claimed instead of the interest of art. 395."""

    contract_number: str | None
    contract_date: dt.date | None
    rate_per_day_percent: Decimal
    cap_percent: Decimal | None


@dataclass(frozen=True, slots=True)
class ClaimInvoice:
    number: str
    issued_on: dt.date
    shipped_on: dt.date | None
    due_on: dt.date
    total: Decimal
    paid: Decimal
    debt: Decimal
    days_overdue: int
    penalty: Decimal
    # The contract's penalty only: whether its cap cut the penalty, and the penalty before the cap.
    capped: bool | None = None
    uncapped_penalty: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ClaimPeriod:
    """One period of the calculation: a principal at one rate."""

    invoice: str
    start: dt.date
    end: dt.date
    days: int
    principal: Decimal
    rate: Decimal
    days_in_year: int | None  # None for the contract's penalty (its rate is per day)
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ClaimView:
    """Everything the claim letter prints besides the text the lawyer edits."""

    number: str
    date: dt.date
    until: dt.date  # the penalty is counted up to this day
    supplier: CompanyRequisites
    buyer: ClaimBuyer
    basis: Literal["key_rate", "contract"]
    contract: str | None  # «договора № 17/2026 от 01.12.2026», as the claim cites it
    penalty_terms: PenaltyTerms | None
    invoices: tuple[ClaimInvoice, ...]
    periods: tuple[ClaimPeriod, ...]
    debt: Decimal
    penalty: Decimal
    total: Decimal
    days_overdue: int
    pay_within_days: int

    @property
    def terms(self) -> PenaltyTerms | None:
        """The contract's terms when the claim is based on them (a view drafted before the basis
        was kept is art. 395)."""
        return self.penalty_terms if self.basis == "contract" else None

    def to_json(self) -> dict[str, Any]:
        """The view as the case keeps it (the two cap fields only where the contract's penalty is)."""
        data: dict[str, Any] = plain(
            {
                "number": self.number,
                "date": self.date,
                "until": self.until,
                "supplier": _fields(self.supplier),
                "buyer": _fields(self.buyer)
                | {"director": None if self.buyer.director is None else _fields(self.buyer.director)},
                "basis": self.basis,
                "contract": self.contract,
                "penalty_terms": None if self.penalty_terms is None else _fields(self.penalty_terms),
                "invoices": [
                    {k: v for k, v in _fields(row).items() if v is not None or k == "shipped_on"}
                    for row in self.invoices
                ],
                "periods": [_fields(period) for period in self.periods],
                "debt": self.debt,
                "penalty": self.penalty,
                "total": self.total,
                "days_overdue": self.days_overdue,
                "pay_within_days": self.pay_within_days,
            }
        )
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ClaimView:
        buyer = data["buyer"]
        director = buyer.get("director")
        terms = data.get("penalty_terms")
        return cls(
            number=str(data["number"]),
            date=_day(data["date"]),
            until=_day(data["until"]),
            supplier=CompanyRequisites.from_json(data["supplier"]),
            buyer=ClaimBuyer(
                name=buyer["name"],
                inn=buyer["inn"],
                kpp=buyer.get("kpp"),
                address=buyer.get("address") or "",
                director=None if director is None else ClaimDirector(**director),
            ),
            basis="contract" if data.get("basis") == "contract" else "key_rate",
            contract=data.get("contract"),
            penalty_terms=None
            if terms is None
            else PenaltyTerms(
                contract_number=terms.get("contract_number"),
                contract_date=_day(terms["contract_date"]) if terms.get("contract_date") else None,
                rate_per_day_percent=Decimal(terms["rate_per_day_percent"]),
                cap_percent=None if terms.get("cap_percent") is None else Decimal(terms["cap_percent"]),
            ),
            invoices=tuple(
                ClaimInvoice(
                    number=str(row["number"]),
                    issued_on=_day(row["issued_on"]),
                    shipped_on=_day(row["shipped_on"]) if row.get("shipped_on") else None,
                    due_on=_day(row["due_on"]),
                    total=Decimal(row["total"]),
                    paid=Decimal(row["paid"]),
                    debt=Decimal(row["debt"]),
                    days_overdue=int(row["days_overdue"]),
                    penalty=Decimal(row["penalty"]),
                    capped=row.get("capped"),
                    uncapped_penalty=None
                    if row.get("uncapped_penalty") is None
                    else Decimal(row["uncapped_penalty"]),
                )
                for row in data["invoices"]
            ),
            periods=tuple(
                ClaimPeriod(
                    invoice=str(p["invoice"]),
                    start=_day(p["start"]),
                    end=_day(p["end"]),
                    days=int(p["days"]),
                    principal=Decimal(p["principal"]),
                    rate=Decimal(p["rate"]),
                    days_in_year=None if p.get("days_in_year") is None else int(p["days_in_year"]),
                    amount=Decimal(p["amount"]),
                )
                for p in data["periods"]
            ),
            debt=Decimal(data["debt"]),
            penalty=Decimal(data["penalty"]),
            total=Decimal(data["total"]),
            days_overdue=int(data["days_overdue"]),
            pay_within_days=int(data["pay_within_days"]),
        )


def claim_view(view: ClaimView | Mapping[str, Any]) -> ClaimView:
    """The view itself, or read back from the JSON a case keeps."""
    return view if isinstance(view, ClaimView) else ClaimView.from_json(view)


def _fields(value: Any) -> dict[str, Any]:
    return {name: getattr(value, name) for name in value.__slots__}


def _day(value: str | dt.date) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def render_claim_html(view: ClaimView | Mapping[str, Any], text: str) -> str:
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return _environment().get_template(CLAIM_TEMPLATE).render(claim=claim_view(view), paragraphs=paragraphs)


def render_claim_pdf(view: ClaimView | Mapping[str, Any], text: str) -> bytes:
    """The letter as A4 PDF, from its view or the JSON the case keeps of it."""
    return html_to_pdf(render_claim_html(view, text), STYLESHEET)


def render_guarantee_sample_pdf(sample: dict[str, Any]) -> bytes:
    return html_to_pdf(_environment().get_template(GUARANTEE_TEMPLATE).render(letter=sample), STYLESHEET)
