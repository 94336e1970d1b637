"""1C refused a document the worker wrote: the order's assistant (for approved credit terms, whoever
approved them) gets a task with 1C's own words, and the sweep leaves that document alone while the
task is open, instead of asking 1C again every minute. Once the cause is fixed in 1C and the task
is closed, the sweep tries again; a new refusal is a new task. 1C not answering is not a refusal:
that is retried by the sweep as before."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, select

from app.models.credit import CreditRequest
from app.models.directory import Role
from app.models.invoices import Invoice
from app.models.onec import OneCRefusal
from app.models.orders import Order
from app.models.specs import Spec
from app.models.tasks import Task, TaskKind, TaskStatus, TaskSubject
from app.services.directory.clients import ClientService
from app.services.directory.employees import first_active_with_role
from app.services.directory.tasks import TaskService
from app.services.kernel.common import get_or_404
from app.services.kernel.history import HistoryService
from app.services.kernel.permissions import management_roles
from app.services.kernel.unit_of_work import UnitOfWork

OPEN = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)
TITLE_LIMIT = 300


def refused(subject_type: TaskSubject, subject_id: ColumnElement[Any] | Any) -> ColumnElement[bool]:
    """True for a subject 1C refused whose task is still open (for the sweep's queries)."""
    return exists().where(
        OneCRefusal.subject_type == subject_type,
        OneCRefusal.subject_id == subject_id,
        Task.id == OneCRefusal.task_id,
        Task.status.in_(OPEN),
    )


class OneCRefusalService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.history = HistoryService(uow)

    async def invoice_refused(self, invoice_id: int, message: str) -> Task | None:
        """1C would not take the invoice (its order, its bill, a revision of them)."""
        invoice = await get_or_404(self.uow, Invoice, invoice_id, "invoice")
        return await self._record(
            TaskSubject.INVOICE, invoice.id, invoice.order_id, f"счёт {invoice.number}", message
        )

    async def upd_refused(self, invoice_id: int, message: str) -> Task | None:
        """1C would not make the УПД for the invoice's shipped goods."""
        invoice = await get_or_404(self.uow, Invoice, invoice_id, "invoice")
        return await self._record(
            TaskSubject.INVOICE, invoice.id, invoice.order_id, f"УПД по счёту {invoice.number}", message
        )

    async def reserves_refused(self, order_id: int, message: str) -> Task | None:
        """1C would not take the order's reserves or its requisition-book entries."""
        return await self._record(
            TaskSubject.ORDER, order_id, order_id, f"резерв и обеспечение по заявке № {order_id}", message
        )

    async def spec_refused(self, spec_id: int, step: str, message: str) -> Task | None:
        """1C would not take a workshop spec's ``step`` (the receipt of its goods, its УПД)."""
        spec = await get_or_404(self.uow, Spec, spec_id, "spec")
        return await self._record(
            TaskSubject.SPEC, spec.id, spec.order_id, f"{step} по ТЗ № {spec.id}", message
        )

    async def credit_terms_refused(self, request_id: int, message: str) -> Task | None:
        """1C would not take approved credit terms on the counterparty's contract: a task for whoever
        approved them, else for management. The refusal is the client's: its contract in 1C."""
        request = await get_or_404(self.uow, CreditRequest, request_id, "credit request")
        if await self._open(TaskSubject.CLIENT, request.client_id):
            return None
        client = await ClientService(self.uow).get_for_system(request.client_id)
        assignee = request.decided_by_id or await first_active_with_role(self.uow, *management_roles())
        what = f"условия отсрочки по заявке № {request.id}"
        return await self._task(
            TaskSubject.CLIENT,
            client.id,
            assignee,
            what,
            message,
            heading=f"Клиент «{client.name}» (ИНН {client.inn})",
            history=("credit_request", request.id),
        )

    async def _open(self, subject_type: TaskSubject, subject_id: int) -> bool:
        """Whether an open task already says 1C refused this subject."""
        return bool(await self.uow.session.scalar(select(refused(subject_type, subject_id))))

    async def _record(
        self, subject_type: TaskSubject, subject_id: int, order_id: int, what: str, message: str
    ) -> Task | None:
        """The task for the order's assistant, once: None when an open one already says 1C
        refused this subject."""
        if await self._open(subject_type, subject_id):
            return None
        order = await get_or_404(self.uow, Order, order_id, "order")
        assignee = (
            order.assistant_id
            or order.manager_id
            or await first_active_with_role(self.uow, Role.ASSISTANT, Role.HEAD)
        )
        return await self._task(
            subject_type,
            subject_id,
            assignee,
            what,
            message,
            heading=f"Заявка № {order_id}",
            history=("order", order_id),
            about=(TaskSubject.ORDER, order_id),
        )

    async def _task(
        self,
        subject_type: TaskSubject,
        subject_id: int,
        assignee: int | None,
        what: str,
        message: str,
        *,
        heading: str,
        history: tuple[str, int],
        about: tuple[TaskSubject, int] | None = None,
    ) -> Task | None:
        """The task for ``assignee`` with 1C's words and the refusal that holds the sweep back;
        ``about`` is what the task is shown under (the subject itself by default)."""
        if assignee is None:
            return None
        now = self.uow.clock.now()
        title = f"1С не принял {what}: {message}"
        if len(title) > TITLE_LIMIT:
            title = title[: TITLE_LIMIT - 1] + "…"
        task_subject, task_subject_id = about or (subject_type, subject_id)
        task = await TaskService(self.uow).add(
            kind=TaskKind.CHECK,
            title=title,
            description=(
                f"{heading}: 1С не принял {what}.\n"
                f"Ответ 1С: {message}\n"
                "Исправьте причину в 1С и закройте задачу: система передаст документ в 1С снова."
            ),
            assignee_id=assignee,
            due_at=self.uow.calendar.due_after(now, 0),
            subject_type=task_subject,
            subject_id=task_subject_id,
        )
        self.uow.session.add(
            OneCRefusal(
                subject_type=subject_type,
                subject_id=subject_id,
                task_id=task.id,
                message=message,
                created_at=now,
            )
        )
        entity, entity_id = history
        self.history.record(
            entity, entity_id, "refused_by_1c", None, {"subject": str(subject_type), "message": message}
        )
        return task
