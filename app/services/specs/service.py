"""Specifications for the sewing workshop (regulation, process 3, «Заполнение ТЗ в ШЦ»).

A manager brings a spec (in person or by email) for an order. Its invoice is made «procure
separately» for every line, so each line lands in the requisition book; the invoice is emailed to the
manager to check, then to the client to approve (the invoice's own steps). The spec is printed twice
with the requisition-book extract, signed by supply (in the system, or on paper and the scan kept),
and only then sent to the workshop chat — «Логотипы.ЩЦ» for a logo, «Тех. задание швейный цех» for
the rest — with the signed file. The workshop answers «принято» and may leave remarks; the warehouse
reports the goods ready, the receipt is posted in 1C and the shipping documents made; the order then
walks its own steps (the call, delivery, the client's feedback), and the feedback closes the spec.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm.attributes import flag_modified

from app.core.config import CompanySettings
from app.core.errors import Conflict, FieldError, NotFound, Unavailable
from app.models.clients import Client
from app.models.directory import Employee, Role
from app.models.invoices import Invoice, InvoiceStatus
from app.models.orders import Order, OrderLine, OrderStatus
from app.models.outbox import MessageAbout, OutboundKind
from app.models.requisitions import Requisition, RequisitionStatus
from app.models.specs import Spec, SpecKind, SpecStatus
from app.models.tasks import Task, TaskKind, TaskStatus, TaskSubject
from app.schemas.specs import SpecCreate, SpecUpdate
from app.services.directory.employees import first_active_with_role
from app.services.directory.onec_refusals import refused
from app.services.directory.tasks import TaskService
from app.services.documents.company import CompanyRequisites
from app.services.documents.spec import (
    LOGO_METHODS,
    ExtractLine,
    ExtractView,
    Row,
    Signature,
    SpecView,
    Table,
    render_extract_pdf,
    render_spec_pdf,
)
from app.services.invoices.service import InvoiceService
from app.services.kernel.common import ensure_version, touch
from app.services.kernel.history import HistoryService, snapshot
from app.services.kernel.jobs import JobKind
from app.services.kernel.outbox import OutboxService
from app.services.kernel.pagination import Page, newest_first
from app.services.kernel.ports import Erp, Storage
from app.services.kernel.scope import Scope
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.media.files import check_document, check_logo
from app.services.media.images import check_image, draw_pdf_logo, print_copy
from app.services.media.svg import drawable_svg
from app.services.orders.attachments import clean_filename
from app.services.orders.fulfilment import FulfilmentService
from app.services.orders.requisitions import RequisitionService
from app.services.orders.service import TRANSITIONS as ORDER_TRANSITIONS
from app.services.orders.service import OrderService
from app.services.orders.warehouse import WarehouseService
from app.services.specs.states import ACTIONS, EDITABLE

# Regulation, process 3, step 13: the scan goes to «Логотипы.ЩЦ» for a logo, else to «Тех. задание
# швейный цех» (channel keys of the chat registry).
CHANNELS = {
    SpecKind.LOGO: "workshop_logos",
    SpecKind.TAILORING: "workshop_specs",
    SpecKind.MANUFACTURING: "workshop_specs",
}
# A spec is taken for an order whose invoice has not gone to the client yet: the manager checks the
# invoice before the client sees it (steps 4–5).
OPEN_ORDER_STATES = frozenset({OrderStatus.ACCEPTED, OrderStatus.INVOICED})
# The order's lines are procured (the requisition book) and the goods not ready yet.
PROCURED_ORDER_STATES = frozenset(
    {OrderStatus.FULFILMENT, OrderStatus.SENT_TO_WAREHOUSE, OrderStatus.WAITING_FOR_SUPPLY}
)
RECEIPTS_JOB = JobKind("post_spec_receipts", "spec-receipts")
DOCUMENTS_JOB = JobKind("issue_spec_documents", "spec-upd")
# A 1C step the worker did not finish (1C down, the job lost) is taken again after this long.
RETRY_AFTER = timedelta(minutes=2)
# Supply checks and signs the spec by the end of the next working day (step 10).
SIGN_DUE_WORKING_DAYS = 1
RECEIVED_VIA = {"in_person": "лично от менеджера", "email": "по электронной почте"}
REQUISITION_STATES = {
    "requested": "внесено в книгу заявок",
    "ordered": "заказано",
    "expected": "ожидается",
    "arrived": "поступило",
    "cancelled": "отменено",
}


def spec_actions(status: SpecStatus) -> list[str]:
    return ACTIONS.allowed(status)


def _cm(value: Any) -> str:
    if value is None:
        return "—"
    number = Decimal(str(value)).normalize()
    return f"{number:f}".replace(".", ",")


class SpecService:
    def __init__(
        self,
        uow: UnitOfWork,
        erp: Erp,
        storage: Storage | None,
        company: CompanySettings,
        max_bytes: int,
    ) -> None:
        """``storage`` may be None where no file is read or kept (answers from the chat)."""
        self.uow = uow
        self.erp = erp
        self._storage = storage
        self.company = company
        self.max_bytes = max_bytes
        self.orders = OrderService(uow, erp)
        self.history = HistoryService(uow)

    @property
    def storage(self) -> Storage:
        if self._storage is None:
            raise Unavailable("the file store is not configured here")
        return self._storage

    # --- reading --------------------------------------------------------------------------------

    def visible(self, query: Select[Any]) -> Select[Any]:
        return Scope(self.uow).specs(query)

    async def get(self, spec_id: int) -> Spec:
        spec: Spec | None = await self.uow.session.scalar(
            self.visible(select(Spec).where(Spec.id == spec_id))
        )
        if spec is None:
            raise NotFound("spec", spec_id)
        return spec

    async def page(
        self, *, status: SpecStatus | None, kind: SpecKind | None, cursor: str | None, limit: int
    ) -> Page[Spec]:
        query = self.visible(select(Spec))
        if status is not None:
            query = query.where(Spec.status == status)
        if kind is not None:
            query = query.where(Spec.kind == kind)
        return await newest_first(self.uow.session, query, Spec.id, cursor, limit)

    async def context(self, spec: Spec) -> tuple[Order, Invoice | None]:
        order = await self.uow.session.get(Order, spec.order_id)
        assert order is not None
        invoice: Invoice | None = await self.uow.session.scalar(
            select(Invoice).where(Invoice.order_id == spec.order_id)
        )
        return order, invoice

    async def allowed_now(self, spec: Spec, order: Order, invoice: Invoice | None) -> list[str]:
        """The spec's allowed actions (by endpoint name) whose preconditions hold now: a logo for a
        logo spec; to the manager once the invoice is made; a logo spec signed once its logo is
        there; to the workshop signed, as it stands, with the invoice approved and the order not
        past procurement; the shipping documents once 1C has the goods' receipt."""
        held = set()
        if spec.kind != SpecKind.LOGO:
            held.add("logo")
        elif spec.logo_key is None:
            held.add("sign")
        if invoice is None:
            held.add("invoice-to-manager")
        if (
            spec.signed_key is None
            or spec.signed_revision != spec.revision
            or invoice is None
            or invoice.status != InvoiceStatus.APPROVED
            or order.status not in PROCURED_ORDER_STATES | {OrderStatus.APPROVED}
        ):
            held.add("send")
        if (
            spec.status == SpecStatus.GOODS_READY
            and (await self.uow.session.scalar(self._without_receipt(spec).with_only_columns(Requisition.id)))
            is not None
        ):
            held.add("shipping-documents")
        return [action for action in spec_actions(spec.status) if action not in held]

    # --- intake ---------------------------------------------------------------------------------

    async def create(self, data: SpecCreate) -> Spec:
        """Take a spec a manager brought (process 3, steps 1–2) for an order of the client."""
        order = await self.orders.get(data.order_id)
        if order.status not in OPEN_ORDER_STATES:
            raise FieldError(
                "order_id",
                f"the order is '{order.status.value}': a spec is taken for an accepted or invoiced order, "
                "before its invoice goes to the client",
            )
        if await self.uow.session.scalar(select(Spec.id).where(Spec.order_id == order.id)) is not None:
            raise Conflict(f"order {order.id} already has a spec", code="duplicate")
        self._check_due_on(data.due_on)
        now = self.uow.clock.now()
        actor = self.uow.actor
        spec = Spec(
            order_id=order.id,
            kind=SpecKind(data.details.kind),
            received_via=data.received_via,
            status=SpecStatus.RECEIVED,
            details=data.details.model_dump(mode="json"),
            comment=data.comment,
            due_on=data.due_on,
            revision=1,
            workshop_feedback=[],
            receipts={},
            created_by_id=actor.id if actor else None,
            created_at=now,
            updated_at=now,
        )
        self.uow.session.add(spec)
        await self.uow.session.flush()
        self.history.record("spec", spec.id, "received", None, snapshot(spec))
        self.history.record("order", order.id, "spec_received", None, {"spec_id": spec.id})
        invoice: Invoice | None = await self.uow.session.scalar(
            select(Invoice).where(Invoice.order_id == order.id)
        )
        if invoice is not None:
            # The invoice is «procure separately» from now on: in the requisition book at once.
            await RequisitionService(self.uow, self.erp).book_invoice(order, invoice)
        if invoice is not None and invoice.onec_id is not None and not invoice.onec_procure:
            # 1C has the invoice as it was before the spec: it is written again, every line
            # «procure separately», so that it lands in the requisition book (step 3).
            InvoiceService(self.uow, self.erp, self.company).request_procure(invoice)
        return spec

    def _check_due_on(self, due_on: date | None) -> None:
        if due_on is not None and due_on < self.uow.calendar.local_date(self.uow.clock.now()):
            raise FieldError("due_on", "the due date is in the past")

    def allow(self, spec: Spec, action: str) -> None:
        ACTIONS.check(spec.status, action)

    def _move(self, spec: Spec, action: str, payload: dict[str, Any] | None = None) -> None:
        ACTIONS.move(spec, action, self.history, payload)

    async def _new_revision(self, spec: Spec, reason: str) -> None:
        """The document changed: the next revision; a signature of an earlier one no longer counts,
        and supply gets the spec to check and sign again."""
        spec.revision += 1
        if spec.status == SpecStatus.SIGNED:
            payload = {"signed_revision": spec.signed_revision, "revision": spec.revision, "reason": reason}
            ACTIONS.move(spec, "void_signature", self.history, payload)
            await self._sign_task(
                spec, f"Подписать заново ТЗ в швейный цех № {spec.id} (ред. {spec.revision})"
            )

    async def update(self, spec_id: int, data: SpecUpdate, if_match: int | None) -> Spec:
        """New details (the kind stays): a new revision, to be signed again."""
        spec = await self.get(spec_id)
        ensure_version(spec, if_match, "spec")
        self.allow(spec, "update")
        if data.details.kind != spec.kind.value:
            raise FieldError(
                "details.kind", f"the spec is a {spec.kind.value} spec; the kind does not change"
            )
        if data.due_on != spec.due_on:
            self._check_due_on(data.due_on)
        before = snapshot(spec)
        spec.details = data.details.model_dump(mode="json")
        spec.due_on = data.due_on if data.due_on is not None else spec.due_on
        spec.comment = data.comment if data.comment is not None else spec.comment
        await self._new_revision(spec, "details changed")
        touch(spec, self.uow)
        await self.uow.session.flush()
        self.history.record_change("spec", spec.id, before, snapshot(spec))
        return spec

    async def upload_logo(
        self, spec_id: int, filename: str | None, content: bytes, if_match: int | None = None
    ) -> Spec:
        """The logo file (vector or raster), told by its content and kept in the file store."""
        spec = await self.get(spec_id)
        ensure_version(spec, if_match, "spec")
        self.allow(spec, "upload_logo")
        if spec.kind != SpecKind.LOGO:
            raise Conflict(f"a {spec.kind.value} spec has no logo", code="not_a_logo_spec")
        checked = check_logo(content, self.max_bytes)
        digest = hashlib.sha256(content).hexdigest()
        key = f"specs/{spec.id}/logo-{digest}.{checked.extension}"
        # What the spec prints: a small JPEG of a raster logo or of a PDF logo's first page, or the
        # SVG with only its drawing kept. An EPS logo (or a PDF that cannot be drawn) prints by its
        # file name. The workshop gets the original file in any case.
        print_key: str | None = None
        if checked.extension == "svg":
            drawing = drawable_svg(content)
            print_key = f"specs/{spec.id}/logo-{digest}-print.svg"
            await self.storage.put(print_key, drawing, "image/svg+xml")
        elif checked.content_type.startswith("image/"):
            picture = print_copy(check_image(content, self.max_bytes))
            print_key = f"specs/{spec.id}/logo-{digest}-print.jpg"
            await self.storage.put(print_key, picture, "image/jpeg")
        elif checked.extension == "pdf":
            drawn = await draw_pdf_logo(content)
            if drawn is not None:
                print_key = f"specs/{spec.id}/logo-{digest}-print.jpg"
                await self.storage.put(print_key, drawn, "image/jpeg")
        # Stored by content: a retried or refused upload leaves at most the same bytes again.
        await self.storage.put(key, content, checked.content_type)
        spec.logo_key, spec.logo_print_key = key, print_key
        spec.logo_filename = clean_filename(filename, checked.extension)
        spec.logo_content_type = checked.content_type
        await self._new_revision(spec, "logo replaced")
        self._move(spec, "upload_logo", {"logo": spec.logo_filename, "revision": spec.revision})
        await self.uow.session.flush()
        return spec

    async def logo(self, spec_id: int) -> tuple[str, str, bytes]:
        spec = await self.get(spec_id)
        if spec.logo_key is None:
            raise NotFound("logo of spec", spec_id)
        stored = await self.storage.get(spec.logo_key)
        if stored is None:
            raise NotFound("logo file of spec", spec_id)
        return spec.logo_filename or "logo", spec.logo_content_type or stored.content_type, stored.content

    # --- the invoice: the manager checks it, the client approves it ------------------------------

    async def _invoice(self, spec: Spec) -> Invoice:
        invoice: Invoice | None = await self.uow.session.scalar(
            select(Invoice).where(Invoice.order_id == spec.order_id)
        )
        if invoice is None:
            raise Conflict(
                f"order {spec.order_id} has no invoice yet: make it first (every line «procure separately»)",
                code="no_invoice",
            )
        return invoice

    async def send_invoice_to_manager(self, spec_id: int, if_match: int | None) -> Spec:
        """Step 4: the invoice (PDF attached by the worker) goes to the manager to check."""
        spec = await self.get(spec_id)
        ensure_version(spec, if_match, "spec")
        self.allow(spec, "send_invoice_to_manager")
        invoice = await self._invoice(spec)
        order = await self.orders.get(spec.order_id)
        manager = await self.uow.session.get(Employee, order.manager_id) if order.manager_id else None
        if manager is None or not manager.email:
            # Nothing in the request to correct: the order's manager (or their email) is missing.
            raise Conflict(
                f"order {order.id} has no manager with an email to check the invoice: "
                "set the manager (and their email) first",
                code="no_manager_email",
            )
        client = await self.uow.session.get(Client, order.client_id) if order.client_id else None
        await OutboxService(self.uow).add(
            kind=OutboundKind.EMAIL,
            channel="email",
            recipient=manager.email,
            subject=f"Проверка счёта № {invoice.number} к ТЗ в швейный цех № {spec.id}",
            body=(
                f"{manager.full_name}, добрый день!\n\n"
                f"Прошу проверить счёт № {invoice.number} по техническому заданию № {spec.id} "
                f"({client.name if client else 'клиент не указан'}). Все позиции — «обеспечить обособленно». "
                "После проверки счёт будет направлен клиенту на согласование.\n"
            ),
            payload={"attachments": [{"kind": "invoice_pdf", "invoice_id": invoice.id}]},
            dedupe_key=f"spec-invoice-manager:{spec.id}:{invoice.id}:{invoice.revision}",
            about=(MessageAbout.SPEC, spec.id),
        )
        self._move(spec, "send_invoice_to_manager", {"invoice": invoice.number, "to": manager.email})
        await self.uow.session.flush()
        return spec

    async def invoice_checked(self, spec_id: int, if_match: int | None) -> Spec:
        """The manager checked the invoice: it may go to the client; supply gets the spec to sign."""
        spec = await self.get(spec_id)
        ensure_version(spec, if_match, "spec")
        self._move(spec, "invoice_checked")
        await self._sign_task(spec, f"Проверить и подписать ТЗ в швейный цех № {spec.id}")
        await self.uow.session.flush()
        return spec

    async def _sign_task(self, spec: Spec, title: str) -> None:
        """Supply checks and signs the spec by the end of the next working day (step 10)."""
        supply = await first_active_with_role(self.uow, Role.SUPPLY)
        if supply is not None:
            await TaskService(self.uow).add(
                kind=TaskKind.CHECK,
                title=title,
                description=(
                    f"Заявка № {spec.order_id}. Подписать в системе или на бумаге (скан загрузит помощник)."
                ),
                assignee_id=supply,
                due_at=self.uow.calendar.due_after(self.uow.clock.now(), SIGN_DUE_WORKING_DAYS),
                subject_type=TaskSubject.SPEC,
                subject_id=spec.id,
            )

    # --- the documents --------------------------------------------------------------------------

    def _header(self) -> CompanyRequisites:
        return CompanyRequisites.of(self.company)

    async def view(self, spec: Spec, *, signed: bool = True) -> SpecView:
        """What the spec prints now; ``signed`` prints the system signature when it is current."""
        order, invoice = await self.context(spec)
        client = await self.uow.session.get(Client, order.client_id) if order.client_id else None
        ids = [i for i in (order.manager_id, order.assistant_id, spec.signed_by_id) if i]
        people = {
            e.id: e.full_name
            for e in await self.uow.session.scalars(select(Employee).where(Employee.id.in_(ids)))
        }
        fields, title, table = self._body(spec)
        signature = None
        if (
            signed
            and spec.signed_at is not None
            and spec.signed_revision == spec.revision
            and spec.signed_by_id
        ):
            tz = ZoneInfo(self.company.timezone)
            signature = Signature(
                people.get(spec.signed_by_id, "—"),
                spec.signed_at.astimezone(tz),
                spec.signed_revision,
                on_paper=spec.signed_via == "scan",
            )
        return SpecView(
            company=self._header(),
            number=spec.id,
            revision=spec.revision,
            kind=spec.kind.value,
            issued_on=self.uow.calendar.local_date(spec.created_at),
            client_name=client.name if client else "—",
            order_id=order.id,
            invoice=(
                f"№ {invoice.number} от {invoice.issued_on:%d.%m.%Y}" if invoice else "ещё не выставлен"
            ),
            manager=people.get(order.manager_id or 0, "—"),
            assistant=people.get(order.assistant_id or 0, "—"),
            received_via=RECEIVED_VIA[spec.received_via.value],
            due_on=spec.due_on,
            fields=fields,
            table_title=title,
            table=table,
            comment=spec.comment,
            logo_key=spec.logo_print_key,
            logo_file=spec.logo_filename,
            signature=signature,
        )

    @staticmethod
    def _body(spec: Spec) -> tuple[tuple[Row, ...], str, Table]:
        d = spec.details
        if spec.kind == SpecKind.LOGO:
            garments = d["garments"]
            return (
                (
                    Row("Способ нанесения", LOGO_METHODS.get(d["method"], d["method"])),
                    Row("Место нанесения", d["placement"]),
                    Row("Цвета", ", ".join(d["colors"])),
                    Row("Размер логотипа", f"{d['width_mm']} × {d['height_mm']} мм"),
                ),
                "Изделия",
                Table(
                    head=("№", "Изделие", "Цвет", "Размер", "Кол-во"),
                    rows=tuple(
                        (str(i), g["name"], g.get("color") or "—", g.get("size") or "—", str(g["quantity"]))
                        for i, g in enumerate(garments, start=1)
                    ),
                    foot=("", "Итого", "", "", str(sum(g["quantity"] for g in garments))),
                ),
            )
        if spec.kind == SpecKind.TAILORING:
            wearers = d["wearers"]
            return (
                (Row("Модель", d["model"]), Row("Ткань", d["fabric"]), Row("Цвет", d["color"])),
                "Мерки, см",
                Table(
                    head=(
                        "№",
                        "ФИО",
                        "Рост",
                        "Обхват груди",
                        "Обхват талии",
                        "Обхват бёдер",
                        "Обхват шеи",
                        "Длина рукава",
                        "Длина по внутр. шву",
                        "Кол-во",
                    ),
                    rows=tuple(
                        (
                            str(i),
                            w["name"],
                            _cm(w["height_cm"]),
                            _cm(w["chest_cm"]),
                            _cm(w["waist_cm"]),
                            _cm(w["hips_cm"]),
                            _cm(w.get("neck_cm")),
                            _cm(w.get("sleeve_cm")),
                            _cm(w.get("inseam_cm")),
                            str(w["quantity"]),
                        )
                        for i, w in enumerate(wearers, start=1)
                    ),
                    foot=("", "Итого", "", "", "", "", "", "", "", str(sum(w["quantity"] for w in wearers))),
                ),
            )
        grid = d["grid"]
        sizes = list(dict.fromkeys(c["size"] for c in grid))
        heights = list(dict.fromkeys(c["height"] for c in grid))
        cells = {(c["size"], c["height"]): c["quantity"] for c in grid}
        rows = tuple(
            (
                size,
                *(str(cells.get((size, h), 0) or "—") for h in heights),
                str(sum(cells.get((size, h), 0) for h in heights)),
            )
            for size in sizes
        )
        foot = (
            "Итого",
            *(str(sum(cells.get((s, h), 0) for s in sizes)) for h in heights),
            str(sum(cells.values())),
        )
        return (
            (Row("Изделие", d["item"]), Row("Ткань", d["fabric"]), Row("Цвет", d["color"])),
            "Размеры и ростовки, шт.",
            Table(head=("Размер \\ рост", *heights, "Итого"), rows=rows, foot=foot),
        )

    async def _pictures(self, keys: list[str | None]) -> dict[str, bytes]:
        pictures: dict[str, bytes] = {}
        for key in keys:
            if key:
                stored = await self.storage.get(key)
                if stored is not None:
                    pictures[key] = stored.content
        return pictures

    async def _render(self, spec: Spec, *, signed: bool = True) -> bytes:
        if spec.kind == SpecKind.LOGO and spec.logo_key is None:
            raise FieldError("logo", "upload the logo file first", code="no_logo")
        view = await self.view(spec, signed=signed)
        pictures = await self._pictures([view.logo_key, view.company.logo_key])
        return await self.uow.renderer.render(render_spec_pdf, view, pictures)

    async def pdf(self, spec_id: int) -> tuple[Spec, bytes]:
        """The spec as it prints now: two copies (supply's and the one kept) in one file."""
        spec = await self.get(spec_id)
        return spec, await self._render(spec)

    async def extract_pdf(self, spec_id: int) -> tuple[Spec, bytes]:
        """The requisition-book extract for the spec: the invoice's lines, each procured separately."""
        spec = await self.get(spec_id)
        order, invoice = await self.context(spec)
        if invoice is None:
            raise Conflict(f"order {spec.order_id} has no invoice yet", code="no_invoice")
        await self.uow.session.refresh(invoice, ["lines"])
        client = await self.uow.session.get(Client, order.client_id) if order.client_id else None
        # The invoice's lines are the order's, position for position; each has its book entry.
        rows = await self.uow.session.execute(
            select(OrderLine.position, Requisition)
            .join(Requisition, Requisition.order_line_id == OrderLine.id)
            .where(Requisition.order_id == order.id, Requisition.status != RequisitionStatus.CANCELLED)
        )
        entries: dict[int, Requisition] = {row[0]: row[1] for row in rows}
        lines = []
        for line in invoice.lines:
            entry = entries.get(line.position)
            lines.append(
                ExtractLine(
                    number=line.position,
                    name=line.name,
                    quantity=line.quantity,
                    unit=line.unit,
                    requested_on=entry.requested_on if entry else None,
                    expected_on=entry.expected_on if entry else None,
                    status=REQUISITION_STATES[entry.status.value] if entry else "обеспечить обособленно",
                )
            )
        view = ExtractView(
            company=self._header(),
            spec_number=spec.id,
            kind=spec.kind.value,
            issued_on=self.uow.calendar.local_date(self.uow.clock.now()),
            client_name=client.name if client else "—",
            order_id=order.id,
            invoice=f"№ {invoice.number} от {invoice.issued_on:%d.%m.%Y}",
            lines=tuple(lines),
        )
        pictures = await self._pictures([view.company.logo_key])
        return spec, await self.uow.renderer.render(render_extract_pdf, view, pictures)

    # --- the signature of supply ----------------------------------------------------------------

    async def sign(self, spec_id: int, if_match: int | None) -> Spec:
        """Supply signs the spec as it stands (step 10): who, when, which revision; the signed PDF
        is kept and is what the workshop gets."""
        spec = await self.get(spec_id)
        ensure_version(spec, if_match, "spec")
        self.allow(spec, "sign")
        actor = self.uow.actor
        assert actor is not None
        spec.signed_by_id, spec.signed_at, spec.signed_revision = (
            actor.id,
            self.uow.clock.now(),
            spec.revision,
        )
        pdf = await self._render(spec)
        key = f"specs/{spec.id}/signed-r{spec.revision}.pdf"
        await self.storage.put(key, pdf, "application/pdf")
        spec.signed_via, spec.signed_key = "system", key
        spec.signed_filename = f"ТЗ_{spec.id}_ред{spec.revision}_подписано.pdf"
        spec.signed_content_type, spec.scan_uploaded_by_id = "application/pdf", None
        self._move(spec, "sign", {"by": actor.id, "revision": spec.revision, "via": "system"})
        await self._close_sign_tasks(spec, f"Подписано: {actor.full_name}")
        await self.uow.session.flush()
        return spec

    async def upload_signed_scan(
        self, spec_id: int, signer_id: int, filename: str | None, content: bytes, if_match: int | None
    ) -> Spec:
        """The scan of the paper copy supply signed (step 12), kept instead of a system signature."""
        spec = await self.get(spec_id)
        ensure_version(spec, if_match, "spec")
        self.allow(spec, "upload_signed_scan")
        signer = await self.uow.session.scalar(
            select(Employee).where(Employee.id == signer_id, Employee.roles.any(role=Role.SUPPLY))
        )
        if signer is None or not signer.is_active:
            raise FieldError("signer_id", f"employee {signer_id} is not an active member of supply")
        checked = check_document(content, self.max_bytes)
        if checked.content_type != "application/pdf" and not checked.content_type.startswith("image/"):
            raise FieldError(
                "file", "a scan is a PDF or a picture (JPEG, PNG, WebP)", code="unsupported_file"
            )
        digest = hashlib.sha256(content).hexdigest()
        key = f"specs/{spec.id}/scan-r{spec.revision}-{digest}.{checked.extension}"
        await self.storage.put(key, content, checked.content_type)
        actor = self.uow.actor
        spec.signed_by_id, spec.signed_at, spec.signed_revision = (
            signer.id,
            self.uow.clock.now(),
            spec.revision,
        )
        spec.signed_via, spec.signed_key = "scan", key
        spec.signed_filename = clean_filename(filename, checked.extension)
        spec.signed_content_type = checked.content_type
        spec.scan_uploaded_by_id = actor.id if actor else None
        self._move(
            spec,
            "upload_signed_scan",
            {"by": signer.id, "revision": spec.revision, "via": "scan", "key": key},
        )
        await self._close_sign_tasks(spec, f"Подписано на бумаге: {signer.full_name}, скан загружен")
        await self.uow.session.flush()
        return spec

    async def _close_sign_tasks(self, spec: Spec, result: str) -> None:
        tasks = await self.uow.session.scalars(
            select(Task).where(
                Task.subject_type == TaskSubject.SPEC,
                Task.subject_id == spec.id,
                Task.kind == TaskKind.CHECK,
                Task.status.in_((TaskStatus.OPEN, TaskStatus.IN_PROGRESS)),
            )
        )
        TaskService(self.uow).end(tasks, TaskStatus.DONE, result)

    async def signed_file(self, spec_id: int) -> tuple[str, str, bytes]:
        spec = await self.get(spec_id)
        if spec.signed_key is None:
            raise NotFound("signed file of spec", spec_id)
        stored = await self.storage.get(spec.signed_key)
        if stored is None:
            raise NotFound("signed file of spec", spec_id)
        return (
            spec.signed_filename or "spec.pdf",
            spec.signed_content_type or stored.content_type,
            stored.content,
        )

    # --- to the workshop ------------------------------------------------------------------------

    async def send(self, spec_id: int, note: str | None, if_match: int | None) -> Spec:
        """Step 13: the signed spec goes to its workshop chat. Nothing goes unsigned, nor before the
        client approved the invoice; the order's lines are procured separately (requisition book)."""
        spec = await self.get(spec_id)
        ensure_version(spec, if_match, "spec")
        if spec.status in EDITABLE and (spec.signed_revision != spec.revision or spec.signed_key is None):
            raise Conflict(
                f"spec {spec.id} revision {spec.revision} is not signed by supply: nothing goes to the "
                "workshop unsigned",
                code="not_signed",
            )
        self.allow(spec, "send_to_workshop")
        invoice = await self._invoice(spec)
        if invoice.status != InvoiceStatus.APPROVED:
            raise Conflict(
                f"invoice {invoice.number} is '{invoice.status.value}': the client has not approved it",
                code="invoice_not_approved",
            )
        order = await self.orders.get(spec.order_id)
        if order.status == OrderStatus.APPROVED:
            order = await FulfilmentService(self.uow, self.erp).fulfil(order.id, None)
        if order.status not in PROCURED_ORDER_STATES:
            raise Conflict(f"order {order.id} is '{order.status.value}': it cannot go to the workshop now")
        channel = CHANNELS[spec.kind]
        client = await self.uow.session.get(Client, order.client_id) if order.client_id else None
        caption = (
            f"ТЗ № {spec.id} (ред. {spec.revision}): "
            f"{_KIND_RU[spec.kind]}, "
            f"{client.name if client else 'клиент не указан'}, счёт № {invoice.number}. "
            f"Подписано снабжением. Прошу подтвердить: «Принято»." + (f"\n{note}" if note else "")
        )
        await OutboxService(self.uow).add(
            kind=OutboundKind.CHAT,
            channel=channel,
            recipient="",
            body=caption,
            payload={
                "document": {"kind": "stored_file", "key": spec.signed_key, "filename": spec.signed_filename},
                # A reply «Принято» to this post in the chat is the workshop's acceptance.
                "reply": {"kind": "workshop_accept", "spec_id": spec.id, "order_id": order.id},
            },
            dedupe_key=f"spec-workshop:{spec.id}:{spec.revision}",
            about=(MessageAbout.SPEC, spec.id),
        )
        if spec.kind == SpecKind.LOGO and spec.logo_key is not None:
            # The logo file as the designer sent it (a vector original prints only by its name). An
            # SVG is a program as much as a picture (scripts, handlers, links to elsewhere that run or
            # load when the chat shows it): the workshop gets its drawing, never the original.
            key, what = spec.logo_key, "оригинал"
            if spec.logo_content_type == "image/svg+xml" and spec.logo_print_key is not None:
                key, what = spec.logo_print_key, "рисунок (без скриптов и внешних ссылок) из"
            await OutboxService(self.uow).add(
                kind=OutboundKind.CHAT,
                channel=channel,
                recipient="",
                body=(
                    f"ТЗ № {spec.id} (ред. {spec.revision}): файл логотипа — {what} «{spec.logo_filename}»."
                ),
                payload={
                    "document": {"kind": "stored_file", "key": key, "filename": spec.logo_filename},
                    # An answer to the logo file counts as one to the spec.
                    "reply": {"kind": "workshop_accept", "spec_id": spec.id, "order_id": order.id},
                },
                dedupe_key=f"spec-workshop-logo:{spec.id}:{spec.revision}",
                about=(MessageAbout.SPEC, spec.id),
            )
        spec.channel, spec.sent_at = channel, self.uow.clock.now()
        self._move(spec, "send_to_workshop", {"channel": channel, "revision": spec.revision})
        await self.uow.session.flush()
        return spec

    async def workshop_accept(self, spec_id: int, if_match: int | None, *, via: str = "api") -> Spec:
        """Step 14: the workshop's «принято»; the order waits for the goods."""
        spec = await self.get(spec_id)
        ensure_version(spec, if_match, "spec")
        await self._accept(spec, via)
        return spec

    async def accept_from_chat(self, spec_id: int) -> bool:
        """«Принято» answered in the workshop chat by a workshop employee (the unit of work's
        actor); a repeated answer, or one to a spec that moved on, changes nothing."""
        spec = await self.uow.session.get(Spec, spec_id)
        if spec is None or spec.status != SpecStatus.SENT_TO_WORKSHOP:
            return False
        await self._accept(spec, "chat")
        return True

    async def _accept(self, spec: Spec, via: str) -> None:
        self._move(spec, "workshop_accept", {"via": via})
        actor = self.uow.actor
        spec.workshop_accepted_at = self.uow.clock.now()
        spec.workshop_accepted_by_id = actor.id if actor else None
        order = await self.orders.get_for_system(spec.order_id)
        # The order waits for the goods now, unless the warehouse's «Принято» already moved it on.
        if order.status in ORDER_TRANSITIONS["workshop_accept"][0]:
            self.orders.move(order, "workshop_accept", {"spec_id": spec.id, "via": via})
        await self.uow.session.flush()

    async def add_feedback(self, spec_id: int, text: str, *, via: str = "api") -> Spec:
        """A remark of the workshop on the spec, kept with who and when."""
        spec = await self.get(spec_id)
        self._record_feedback(spec, text, via)
        await self.uow.session.flush()
        return spec

    def _record_feedback(self, spec: Spec, text: str, via: str) -> None:
        self.allow(spec, "workshop_feedback")
        actor = self.uow.actor
        entry = {
            "at": self.uow.clock.now().isoformat(),
            "by": actor.id if actor else None,
            "text": text,
            "via": via,
        }
        spec.workshop_feedback = [*spec.workshop_feedback, entry]
        flag_modified(spec, "workshop_feedback")
        self._move(spec, "workshop_feedback", {"text": text, "via": via})

    async def feedback_from_chat(self, spec_id: int, text: str) -> bool:
        spec = await self.uow.session.get(Spec, spec_id)
        if spec is None or not ACTIONS.can(spec.status, "workshop_feedback"):
            return False
        self._record_feedback(spec, text, "chat")
        await self.uow.session.flush()
        return True

    # --- ready, the receipt in 1C, the shipping documents ----------------------------------------

    async def goods_ready(self, spec_id: int, if_match: int | None) -> Spec:
        """Step 15: the warehouse reports the goods ready. Every line of the requisition book for the
        order has arrived (the order becomes ready and the assistant gets the call); the worker
        posts the receipt in 1C (step 16)."""
        spec = await self.get(spec_id)
        ensure_version(spec, if_match, "spec")
        self.allow(spec, "goods_ready")
        requisitions = RequisitionService(self.uow, self.erp)
        waiting = await self.uow.session.scalars(
            select(Requisition.id).where(
                Requisition.order_id == spec.order_id,
                Requisition.status.notin_((RequisitionStatus.ARRIVED, RequisitionStatus.CANCELLED)),
            )
        )
        for requisition_id in list(waiting):
            await requisitions.mark_arrived(requisition_id, None, None)
        # The warehouse's report is the keeper's «собрано» for the spec's order.
        order = await OrderService(self.uow, self.erp).get_for_system(spec.order_id)
        await WarehouseService(self.uow, self.erp).picked(order, {"via": "spec_goods_ready", "spec": spec.id})
        spec.goods_ready_at = self.uow.clock.now()
        self._move(spec, "goods_ready")
        await self.uow.session.flush()
        self.uow.after_commit(RECEIPTS_JOB, spec.id)
        return spec

    def _without_receipt(self, spec: Spec) -> Select[Any]:
        return select(Requisition).where(
            Requisition.order_id == spec.order_id,
            Requisition.status == RequisitionStatus.ARRIVED,
            Requisition.id.notin_([int(k) for k in spec.receipts] or [0]),
        )

    async def receipts_plan(self, spec_id: int) -> list[tuple[int, str, int]]:
        """(requisition id, its 1C id, quantity) still to post as received in 1C."""
        spec = await self.uow.session.get(Spec, spec_id)
        if spec is None or spec.status not in (
            SpecStatus.GOODS_READY,
            SpecStatus.DOCUMENTS_ISSUED,
            SpecStatus.CLOSED,
        ):
            return []
        rows = await self.uow.session.scalars(self._without_receipt(spec))
        return [(r.id, r.onec_id, r.quantity) for r in rows if r.onec_id]

    async def record_receipts(self, spec_id: int, posted: dict[int, str]) -> None:
        spec = await self.uow.session.get(Spec, spec_id)
        if spec is None or not posted:
            return
        receipts = dict(spec.receipts)
        fresh = {str(k): v for k, v in posted.items() if str(k) not in receipts}
        if not fresh:
            return
        spec.receipts = receipts | fresh
        flag_modified(spec, "receipts")
        self.history.record("spec", spec.id, "receipt_posted_in_1c", None, {"receipts": fresh})

    async def issue_documents(self, spec_id: int, if_match: int | None) -> Spec:
        """Step 17: the shipping documents (УПД) are made in 1C by the worker, once the receipt is
        posted there."""
        spec = await self.get(spec_id)
        ensure_version(spec, if_match, "spec")
        self.allow(spec, "issue_documents")
        missing = await self.uow.session.scalar(self._without_receipt(spec).with_only_columns(Requisition.id))
        if missing is not None:
            raise Conflict(
                "the receipt of the goods is not posted in 1C yet: try again shortly", code="no_receipt"
            )
        if spec.documents_requested_at is None:
            spec.documents_requested_at = self.uow.clock.now()
            self._move(spec, "issue_documents")
        await self.uow.session.flush()
        self.uow.after_commit(DOCUMENTS_JOB, spec.id)
        return spec

    async def documents_plan(self, spec_id: int) -> str | None:
        """The 1C id of the invoice to make the УПД for; None when there is nothing to do (yet)."""
        spec = await self.uow.session.get(Spec, spec_id)
        if spec is None or spec.documents_requested_at is None or spec.upd_onec_id is not None:
            return None
        invoice = await self.uow.session.scalar(select(Invoice).where(Invoice.order_id == spec.order_id))
        return invoice.onec_id if invoice is not None else None

    async def record_documents(self, spec_id: int, upd_id: str) -> None:
        spec = await self.uow.session.get(Spec, spec_id)
        if spec is None or spec.upd_onec_id is not None:
            return
        # The worker's record of 1C: the version moves only when the spec moves on.
        issued = SpecStatus.DOCUMENTS_ISSUED if spec.status == SpecStatus.GOODS_READY else None
        changes = {"upd_onec_id": upd_id}
        ACTIONS.move(
            spec,
            "documents_issued",
            self.history,
            {"upd": upd_id},
            to=issued,
            changes=changes,
            moves_version=False,
        )

    async def due_jobs(self) -> tuple[list[int], list[int]]:
        """Specs whose 1C steps are still not done a while after the last change (for the sweep),
        but for one 1C refused whose task is still open."""
        cutoff = self.uow.clock.now() - RETRY_AFTER
        ready = await self.uow.session.scalars(
            select(Spec).where(
                Spec.status.in_((SpecStatus.GOODS_READY, SpecStatus.DOCUMENTS_ISSUED)),
                Spec.updated_at <= cutoff,
                ~refused(TaskSubject.SPEC, Spec.id),
            )
        )
        receipts: list[int] = []
        for spec in ready:
            if await self.uow.session.scalar(self._without_receipt(spec).with_only_columns(Requisition.id)):
                receipts.append(spec.id)
        documents = await self.uow.session.scalars(
            select(Spec.id).where(
                Spec.documents_requested_at.is_not(None),
                Spec.upd_onec_id.is_(None),
                Spec.updated_at <= cutoff,
                ~refused(TaskSubject.SPEC, Spec.id),
            )
        )
        return receipts, list(documents)

    # --- the end --------------------------------------------------------------------------------

    async def cancel(self, spec_id: int, reason: str, if_match: int | None) -> Spec:
        spec = await self.get(spec_id)
        ensure_version(spec, if_match, "spec")
        self._move(spec, "cancel", {"reason": reason})
        await self.uow.session.flush()
        await RequisitionService(self.uow, self.erp).unbook_invoice(
            spec.order_id, f"ТЗ в швейный цех № {spec.id} отменено: {reason}"
        )
        return spec


_KIND_RU = {
    SpecKind.LOGO: "нанесение логотипа",
    SpecKind.TAILORING: "пошив по индивидуальным меркам",
    SpecKind.MANUFACTURING: "изготовление изделий",
}
