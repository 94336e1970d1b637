"""The court package as one ZIP for the lawyer: every document of the package's index, numbered in
its order, with the index itself (опись) and the letter's tracking history as a table.

The claim letter is the kept PDF, byte for byte as it was sent; the scans are as they were
uploaded; the invoices are printed as the invoice download prints them. Built in memory: a case
holds a few documents of a few hundred kilobytes each.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.calendar import MOSCOW
from app.core.config import CompanySettings
from app.core.errors import Conflict
from app.models.invoices import Invoice
from app.services.invoices.service import InvoiceService
from app.services.kernel.ports import Erp, Storage
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.receivables.collection.court import CourtItem
from app.services.receivables.collection.service import CollectionService

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def _name(number: int, title: str, extension: str) -> str:
    """A file name inside the archive: its number in the index, then its title, made safe."""
    stem = _UNSAFE.sub("_", title).strip(" ._")[:80] or "документ"
    return f"{number:02d}_{stem}{extension}"


class CourtArchive:
    def __init__(self, uow: UnitOfWork, storage: Storage, erp: Erp, company: CompanySettings) -> None:
        self.uow = uow
        self.storage = storage
        self.collection = CollectionService(uow)
        self.invoices = InvoiceService(uow, erp, company)

    async def build(self, case_id: int) -> tuple[str, bytes]:
        """(file name, ZIP bytes). A document whose content is lost from storage is a conflict,
        never a package silently missing it."""
        items = await self.collection.court_package(case_id)
        invoice_ids = [i.invoice_id for i in items if i.invoice_id is not None]
        invoices = {
            invoice.id: invoice
            for invoice in await self.uow.session.scalars(
                select(Invoice).options(selectinload(Invoice.lines)).where(Invoice.id.in_(invoice_ids))
            )
        }
        index = [f"Опись документов по делу о взыскании задолженности № {case_id}", ""]
        files: list[tuple[str, bytes]] = []
        for number, item in enumerate(items, start=1):
            name, content = await self._document(number, item, invoices)
            files.append((name, content))
            # A scan's title says what it is and from when; the others are dated here.
            dated = item.title if item.filename is not None else f"{item.title} — от {_ru_date(item.date)}"
            index.append(f"{number}. {dated} — файл {name}")
        index += ["", f"Всего документов: {len(items)}."]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("00_Опись.txt", "\r\n".join(index).encode("utf-8-sig"))
            for name, content in files:
                archive.writestr(name, content)
        return f"Дело_{case_id}_документы_для_суда.zip", buffer.getvalue()

    async def _document(
        self, number: int, item: CourtItem, invoices: dict[int, Invoice]
    ) -> tuple[str, bytes]:
        if item.invoice_id is not None:
            return _name(number, item.title.split(":")[0], ".pdf"), await self.invoices.render_pdf(
                invoices[item.invoice_id]
            )
        if item.tracking is not None:
            return _name(number, item.title, ".csv"), _tracking_table(item.tracking)
        if item.storage_key is None:
            raise Conflict(f"the document «{item.title}» has no stored content yet")
        stored = await self.storage.get(item.storage_key)
        if stored is None:
            raise Conflict(f"the document «{item.title}» is missing from storage")
        if item.kind == "claim_letter":
            return _name(number, "Претензия с расчётом процентов", ".pdf"), stored.content
        _stem, dot, suffix = (item.filename or "").rpartition(".")
        if dot and 0 < len(suffix) <= 5 and suffix.isalnum():
            return _name(number, item.title, f".{suffix.lower()}"), stored.content
        return _name(number, item.title, _extension(stored.content_type)), stored.content


def _tracking_table(tracking: list[dict[str, object]]) -> bytes:
    """The letter's history as the post reported it: a table a spreadsheet opens (UTF-8 with BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Дата и время (МСК)", "Операция", "Атрибут", "Место"])
    for row in tracking:
        writer.writerow(
            [
                _ru_moment(str(row.get("at", ""))),
                row.get("operation", ""),
                row.get("attribute", ""),
                row.get("place", ""),
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def _ru_date(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%d.%m.%Y")
    except ValueError:
        return iso


def _ru_moment(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M")
    except ValueError:
        return iso


def _extension(content_type: str) -> str:
    return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(content_type, ".bin")
