"""The commercial proposal (коммерческое предложение) as HTML and PDF.

The view is plain data and round-trips through JSON: the proposal as it was sent is kept as its view,
so the same PDF can be made again from it. Photos are named by storage keys; the PDF renderer reads
them only through ``storage:`` URLs resolved from pictures read beforehand through the storage port,
and refuses every other URL (no network, no file system).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.services.documents.company import CompanyRequisites
from app.services.documents.engine import write_pdf
from app.services.documents.invoice import _environment
from app.services.documents.views import view_json

PROPOSAL_TEMPLATE = "proposal.html"
PROPOSAL_STYLESHEET = "proposal.css"
STORAGE_SCHEME = "storage:"


@dataclass(frozen=True, slots=True)
class ProposalLineView:
    number: int
    name: str
    description: str | None
    unit: str
    quantity: int
    price: Decimal
    amount: Decimal
    photo_key: str | None


@dataclass(frozen=True, slots=True)
class ProposalView:
    """Everything the proposal prints: no purchase prices, no margins."""

    company: CompanyRequisites
    number: str
    revision: int
    issued_on: date
    valid_until: date
    client_name: str
    contact_name: str | None
    workwear_kind: str
    lines: tuple[ProposalLineView, ...]
    total: Decimal
    vat_rate: Decimal
    manager_name: str
    manager_phone: str | None
    manager_email: str

    @property
    def photo_keys(self) -> list[str]:
        keys = [line.photo_key for line in self.lines if line.photo_key]
        if self.company.logo_key:
            keys.append(self.company.logo_key)
        return keys

    def to_json(self) -> dict[str, Any]:
        return view_json(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProposalView:
        return cls(
            company=CompanyRequisites.from_json(data["company"]),
            number=data["number"],
            revision=int(data["revision"]),
            issued_on=date.fromisoformat(data["issued_on"]),
            valid_until=date.fromisoformat(data["valid_until"]),
            client_name=data["client_name"],
            contact_name=data["contact_name"],
            workwear_kind=data["workwear_kind"],
            lines=tuple(
                ProposalLineView(
                    number=int(line["number"]),
                    name=line["name"],
                    description=line["description"],
                    unit=line["unit"],
                    quantity=int(line["quantity"]),
                    price=Decimal(line["price"]),
                    amount=Decimal(line["amount"]),
                    photo_key=line["photo_key"],
                )
                for line in data["lines"]
            ),
            total=Decimal(data["total"]),
            vat_rate=Decimal(data["vat_rate"]),
            manager_name=data["manager_name"],
            manager_phone=data["manager_phone"],
            manager_email=data["manager_email"],
        )


def storage_url(key: str) -> str:
    return f"{STORAGE_SCHEME}{key}"


def data_url(picture: bytes, content_type: str = "image/jpeg") -> str:
    return f"data:{content_type};base64,{base64.b64encode(picture).decode()}"


def render_proposal_html(
    view: ProposalView, photo_src: Callable[[str], str | None] = storage_url, *, inline_css: bool = True
) -> str:
    """The proposal page; ``photo_src`` turns a storage key into what the page's <img> shows
    (``storage:`` URLs for the PDF, data URLs for a browser preview). A preview carries its
    stylesheet; the PDF renderer brings it parsed once (``inline_css=False``)."""
    template = _environment().get_template(PROPOSAL_TEMPLATE)
    return template.render(proposal=view, photo_src=photo_src, inline_css=inline_css)


class StorageURLFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint ships no type hints
    """Serves ``storage:KEY`` from pictures read beforehand through the storage port; refuses the rest.
    A key ending in ``.svg`` is a drawing made safe beforehand (app/services/media/svg.py)."""

    def __init__(self, pictures: Mapping[str, bytes]) -> None:
        super().__init__()
        self.pictures = pictures

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if not url.startswith(STORAGE_SCHEME):
            raise ValueError(f"documents read only our own storage: {url[:80]}")
        key = url.removeprefix(STORAGE_SCHEME)
        content = self.pictures.get(key)
        if content is None:
            raise ValueError(f"no such stored picture: {key[:80]}")
        content_type = "image/svg+xml" if key.endswith(".svg") else "image/jpeg"
        return URLFetcherResponse(url, body=content, headers={"Content-Type": content_type})


def render_proposal_pdf(view: ProposalView, pictures: Mapping[str, bytes]) -> bytes:
    """The proposal as an A4 PDF; ``pictures`` maps the view's photo keys to their bytes."""
    html = render_proposal_html(view, inline_css=False)
    return write_pdf(html, StorageURLFetcher(pictures), PROPOSAL_STYLESHEET)
