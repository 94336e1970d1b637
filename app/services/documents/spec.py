"""The specification for the sewing workshop (техническое задание в швейный цех) and the extract
of the requisition book for it, as PDFs.

The spec is printed twice in one file (regulation, process 3, steps 9 and 11): one copy goes to
supply, one is kept. Both copies carry the company's header and, once signed in the system, who
signed which revision and when. A raster or PDF logo is printed from its print copy (a JPEG; a
PDF's first page drawn by PDFium), an SVG logo from its copy with only the drawing kept
(app/services/media/svg.py), both read through the storage port; nothing else is fetched. An EPS logo, or
a PDF that could not be drawn, is printed by its file name, the original going to the workshop.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from app.services.documents.company import CompanyRequisites
from app.services.documents.engine import write_pdf
from app.services.documents.invoice import _environment
from app.services.documents.proposal import StorageURLFetcher, storage_url

SPEC_TEMPLATE = "spec.html"
EXTRACT_TEMPLATE = "requisition_extract.html"
COPIES = ("Экземпляр отдела снабжения", "Экземпляр отдела сервиса (остаётся у помощника)")
KIND_TITLES = {
    "logo": "Нанесение логотипа",
    "tailoring": "Пошив по индивидуальным меркам",
    "manufacturing": "Изготовление изделий",
}
LOGO_METHODS = {
    "embroidery": "вышивка",
    "screen_print": "шелкография",
    "heat_transfer": "термотрансфер",
    "dtf_print": "DTF-печать",
    "sublimation": "сублимация",
    "patch": "шеврон",
}


@dataclass(frozen=True, slots=True)
class Row:
    """A label and its value, printed as one row of the spec's fields."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Table:
    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    foot: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Signature:
    name: str
    at: datetime
    revision: int
    on_paper: bool  # signed on paper, the scan kept; else signed in the system


@dataclass(frozen=True, slots=True)
class SpecView:
    company: CompanyRequisites
    number: int
    revision: int
    kind: str
    issued_on: date
    client_name: str
    order_id: int
    invoice: str
    manager: str
    assistant: str
    received_via: str
    due_on: date | None
    fields: tuple[Row, ...]
    table_title: str
    table: Table
    comment: str | None
    logo_key: str | None  # the print copy: a JPEG of a raster logo or a PDF logo, or an SVG made safe
    logo_file: str | None  # the logo file's name; an EPS logo is printed by it alone
    signature: Signature | None
    copies: tuple[str, ...] = COPIES

    @property
    def kind_title(self) -> str:
        return KIND_TITLES[self.kind]


@dataclass(frozen=True, slots=True)
class ExtractLine:
    number: int
    name: str
    quantity: int
    unit: str
    requested_on: date | None
    expected_on: date | None
    status: str


@dataclass(frozen=True, slots=True)
class ExtractView:
    company: CompanyRequisites
    spec_number: int
    kind: str
    issued_on: date
    client_name: str
    order_id: int
    invoice: str
    lines: tuple[ExtractLine, ...]

    @property
    def kind_title(self) -> str:
        return KIND_TITLES[self.kind]


def render_spec_html(view: SpecView) -> str:
    template = _environment().get_template(SPEC_TEMPLATE)
    return template.render(spec=view, photo_src=storage_url)


def render_spec_pdf(view: SpecView, pictures: Mapping[str, bytes]) -> bytes:
    """Both copies of the spec in one A4 file; ``pictures`` maps storage keys to their bytes."""
    return write_pdf(render_spec_html(view), StorageURLFetcher(pictures))


def render_extract_pdf(view: ExtractView, pictures: Mapping[str, bytes]) -> bytes:
    """The requisition-book extract for the spec (one copy)."""
    html = _environment().get_template(EXTRACT_TEMPLATE).render(extract=view, photo_src=storage_url)
    return write_pdf(html, StorageURLFetcher(pictures))
