"""The collection case's documents as PDFs: the sample guarantee letter the client copies onto its
letterhead, and the claim letter (претензия) with its calculation attached: the contract's penalty
(неустойка) when the client's contract sets one, else the interest of art. 395.

Both templates see only plain values (the case's kept view and text), autoescape everything and are
rendered without fetching any URL, like the invoice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import jinja2

from app.services.documents.engine import TEMPLATES_DIR
from app.services.documents.inflection import person_dative
from app.services.documents.invoice import html_to_pdf
from app.services.invoicing.format import format_date_ru, format_rub
from app.services.invoicing.words import amount_in_words

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


def render_claim_html(view: dict[str, Any], text: str) -> str:
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return _environment().get_template(CLAIM_TEMPLATE).render(claim=view, paragraphs=paragraphs)


def render_claim_pdf(view: dict[str, Any], text: str) -> bytes:
    return html_to_pdf(render_claim_html(view, text), STYLESHEET)


def render_guarantee_sample_pdf(sample: dict[str, Any]) -> bytes:
    return html_to_pdf(_environment().get_template(GUARANTEE_TEMPLATE).render(letter=sample), STYLESHEET)
