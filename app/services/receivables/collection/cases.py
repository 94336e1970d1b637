"""The collection case as the department reads it and acts on it: the list and the stages, the
scans, the guarantee letter (received or refused), the negotiation calls, closing, and the payments
that update it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, and_, distinct, func, select, type_coerce

from app.core.db import KOPECK
from app.core.errors import Conflict, FieldError, NotFound
from app.models.clients import ClientContact, ContactLevel
from app.models.collection import (
    CaseFileKind,
    CaseStage,
    CloseReason,
    CollectionCall,
    CollectionCase,
    CollectionCaseInvoice,
    CollectionFile,
)
from app.models.invoices import Invoice, receivable
from app.models.payments import Payment
from app.models.tasks import TaskKind
from app.services.directory.clients import ClientService
from app.services.kernel.common import touch
from app.services.kernel.history import snapshot
from app.services.kernel.pagination import Page, newest_first
from app.services.kernel.ports import Storage
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.kernel.uploads import keep_document
from app.services.receivables.collection import policy
from app.services.receivables.collection.steps import escalation
from app.services.receivables.collection.sweep import CollectionSweep
from app.services.receivables.collection.workflow import (
    LEVEL_NAMES,
    ZERO,
    CaseWorkflow,
    NewStep,
    Overdue,
    case_actions,
    short_date,
)


class CaseService:
    def __init__(self, uow: UnitOfWork, workflow: CaseWorkflow | None = None) -> None:
        self.uow = uow
        self.workflow = workflow or CaseWorkflow(uow)
        self.history = self.workflow.history

    # --- reading ----------------------------------------------------------------------------------

    async def page(
        self, *, client_id: int | None, stage: CaseStage | None, cursor: str | None, limit: int
    ) -> Page[CollectionCase]:
        query = await ClientService(self.uow).of_clients(
            select(CollectionCase), CollectionCase.client_id, client_id
        )
        if stage is not None:
            query = query.where(CollectionCase.stage == stage)
        return await newest_first(self.uow.session, query, CollectionCase.id, cursor, limit)

    async def overdue(self, client_id: int, today: date | None = None) -> Overdue:
        """The client's debts unpaid past their due date (art. 193 applied): shipped goods only."""
        day = today or self.workflow.today
        rows = await self.uow.session.scalars(
            select(Invoice)
            .where(
                Invoice.client_id == client_id,
                receivable(),
                Invoice.due_on < day,
            )
            .order_by(Invoice.due_on, Invoice.id)
        )
        calendar = self.uow.calendar
        return Overdue([i for i in rows if policy.overdue_from(i.due, calendar) <= day])

    async def calls(self, case_id: int) -> Sequence[CollectionCall]:
        await self.workflow.get(case_id)
        query = select(CollectionCall).where(CollectionCall.case_id == case_id).order_by(CollectionCall.id)
        return (await self.uow.session.scalars(query)).all()

    async def files(self, case_id: int) -> Sequence[CollectionFile]:
        await self.workflow.get(case_id)
        query = select(CollectionFile).where(CollectionFile.case_id == case_id).order_by(CollectionFile.id)
        return (await self.uow.session.scalars(query)).all()

    async def by_stage(self) -> list[tuple[CaseStage, int, Decimal]]:
        """Cases of the visible clients by stage, with the unpaid debt of the open ones (in SQL)."""
        overdue = and_(
            CollectionCaseInvoice.case_id == CollectionCase.id,
            Invoice.id == CollectionCaseInvoice.invoice_id,
            Invoice.paid_total < Invoice.total,
            CollectionCase.stage != CaseStage.CLOSED,
        )
        debt = (
            # Kopecks as the columns store them, whichever backend sums them.
            select(
                func.coalesce(
                    func.sum(type_coerce(Invoice.total, Integer) - type_coerce(Invoice.paid_total, Integer)),
                    0,
                )
            )
            .select_from(CollectionCaseInvoice, Invoice)
            .where(overdue)
            .correlate(CollectionCase)
            .scalar_subquery()
        )
        rows = await self.uow.session.execute(
            select(
                CollectionCase.stage,
                func.count(distinct(CollectionCase.id)),
                func.sum(type_coerce(debt, Integer)),
            )
            .where(CollectionCase.client_id.in_(ClientService(self.uow).visible_ids()))
            .group_by(CollectionCase.stage)
        )
        found = {
            stage: (count, (Decimal(int(total or 0)) / 100).quantize(KOPECK)) for stage, count, total in rows
        }
        return [(stage, *found.get(stage, (0, ZERO.quantize(KOPECK)))) for stage in CaseStage]

    async def allowed_now(self, case: CollectionCase) -> list[str]:
        """The case's allowed actions (by endpoint name) whose preconditions hold now: the
        negotiation ends once a call is logged; the claim is edited and approved once drafted."""
        held = set()
        if case.claim_view is None or not case.claim_text:
            held |= {"claim", "approve"}
        if case.stage == CaseStage.ESCALATED and not await self._calls_logged(case):
            held.add("negotiation-done")
        return [action for action in case_actions(case.stage) if action not in held]

    async def _calls_logged(self, case: CollectionCase) -> int:
        count = await self.uow.session.scalar(
            select(func.count()).select_from(CollectionCall).where(CollectionCall.case_id == case.id)
        )
        return int(count or 0)

    # --- scans ------------------------------------------------------------------------------------

    async def add_file(
        self,
        case_id: int,
        kind: CaseFileKind,
        filename: str | None,
        content: bytes,
        storage: Storage,
        max_bytes: int,
    ) -> CollectionFile:
        case = await self.workflow.get(case_id)
        kept = await keep_document(
            storage, f"documents/collection/{case.id}", filename, content, max_bytes, kind.value
        )
        row = CollectionFile(case_id=case.id, kind=kind, **kept.row(self.uow))
        self.uow.session.add(row)
        await self.uow.session.flush()
        self.history.record("collection_case", case.id, "file_added", None, snapshot(row))
        return row

    async def file_content(
        self, case_id: int, file_id: int, storage: Storage
    ) -> tuple[CollectionFile, bytes]:
        await self.workflow.get(case_id)
        row = await self.uow.session.get(CollectionFile, file_id)
        if row is None or row.case_id != case_id:
            raise NotFound("collection case file", file_id)
        stored = await storage.get(row.storage_key)
        if stored is None:
            raise NotFound("collection case file", file_id)
        return row, stored.content

    # --- the guarantee letter and the negotiations ------------------------------------------------

    async def receive_guarantee(
        self, case_id: int, promised_on: date, file_id: int, if_match: int | None
    ) -> CollectionCase:
        case = await self.workflow.for_action(case_id, "receive_guarantee", if_match)
        reason = policy.check_promise(promised_on, self.workflow.today)
        if reason is not None:
            raise FieldError("promised_on", reason)
        await self.workflow.case_file(case, file_id, CaseFileKind.GUARANTEE_LETTER, "file_id")
        case.promised_on = promised_on
        case.guarantee_file_id = file_id
        await self.workflow.move(
            case, "receive_guarantee", {"promised_on": promised_on.isoformat(), "file_id": file_id}
        )
        await self.workflow.close_step_tasks(case, "guarantee_request")
        return case

    async def refuse_guarantee(self, case_id: int, comment: str, if_match: int | None) -> CollectionCase:
        """The client refused the guarantee letter: the case escalates as on a broken promise."""
        case = await self.workflow.for_action(case_id, "refuse_guarantee", if_match)
        case.guarantee_refused = True
        self.history.record("collection_case", case.id, "guarantee_refused", None, {"comment": comment})
        today = self.workflow.today
        sweep = CollectionSweep(self.uow, self.workflow)
        facts = (await sweep.facts([case]))[case.id]
        why = f"клиент отказался от гарантийного письма: {comment}"
        steps = escalation(case, facts, today, why, self.uow.calendar)
        await self.workflow.add_steps(await sweep.apply(case, facts, steps, today))
        return case

    async def log_call(
        self,
        case_id: int,
        *,
        level: ContactLevel,
        contact_id: int | None,
        reached: bool,
        result: str,
        promised_on: date | None,
    ) -> CollectionCall:
        case = await self.workflow.for_action(case_id, "log_call", None)
        today = self.workflow.today
        if contact_id is not None:
            contact = await self.uow.session.get(ClientContact, contact_id)
            if contact is None or contact.client_id != case.client_id:
                raise FieldError("contact_id", f"contact {contact_id} is not a contact of this client")
            if contact.level != level:
                raise FieldError(
                    "level", f"contact {contact_id} is a {contact.level.value}, not a {level.value}"
                )
        if promised_on is not None and (reason := policy.check_promise(promised_on, today)):
            raise FieldError("promised_on", reason)
        call = CollectionCall(
            case_id=case.id,
            level=level.value,
            contact_id=contact_id,
            reached=reached,
            result=result,
            promised_on=promised_on,
            called_by_id=self.uow.actor.id if self.uow.actor else None,
            created_at=self.uow.clock.now(),
        )
        self.uow.session.add(call)
        await self.workflow.move(case, "log_call", {"call": snapshot_call(call)})
        if promised_on is not None:
            # The promise is checked as a guarantee letter's is: a call the working day before.
            await self.workflow.step(
                NewStep(
                    case.id,
                    f"promise_call:{promised_on.isoformat()}",
                    case.assignee_id,
                    TaskKind.CALL,
                    f"Позвонить клиенту: подтвердить оплату до {short_date(promised_on)}, "
                    "обещанную в переговорах",
                    f"В переговорах ({LEVEL_NAMES[level]}) клиент обещал "
                    f"оплатить до {short_date(promised_on)}. Подтвердить платёж.",
                    policy.confirmation_call_on(promised_on, self.uow.calendar),
                )
            )
        return call

    async def finish_negotiation(self, case_id: int, comment: str, if_match: int | None) -> CollectionCase:
        case = await self.workflow.for_action(case_id, "finish_negotiation", if_match)
        if not await self._calls_logged(case):
            raise Conflict("log the negotiation calls first: none is recorded for this case")
        today = self.workflow.today
        case.negotiated_on = today
        waits = policy.wait_ends(today, self.uow.calendar)
        promised = await self.uow.session.scalar(
            select(func.max(CollectionCall.promised_on)).where(CollectionCall.case_id == case.id)
        )
        if promised is not None:
            # A date the client named in the calls is waited for: the claim is asked for only if
            # the money has not come by then.
            waits = max(waits, policy.breach_on(promised, self.uow.calendar))
        case.wait_ends_on = waits
        await self.workflow.move(
            case, "finish_negotiation", {"comment": comment, "claim_requested_on": waits.isoformat()}
        )
        return case

    # --- closing ----------------------------------------------------------------------------------

    async def close(
        self, case_id: int, reason: CloseReason, comment: str, if_match: int | None
    ) -> CollectionCase:
        case = await self.workflow.for_action(case_id, "close", if_match)
        if reason == CloseReason.PAID and (await self.workflow.case_debt(case.id)).debt > 0:
            raise FieldError("reason", "the overdue debt is not paid: close as settled or written off")
        await self._close(case, reason, comment)
        return case

    async def _close(self, case: CollectionCase, reason: CloseReason, comment: str | None) -> None:
        case.closed_at = self.uow.clock.now()
        case.close_reason = reason
        case.close_comment = comment
        await self.workflow.move(case, "close", {"reason": reason.value, "comment": comment})
        await self.workflow.cancel_open_tasks(case)

    async def on_payment(self, client_id: int, payment: Payment) -> None:
        """A payment of the client: the open case records it, and closes when nothing is overdue."""
        case = await self.uow.session.scalar(
            select(CollectionCase).where(
                CollectionCase.client_id == client_id, CollectionCase.stage != CaseStage.CLOSED
            )
        )
        if case is None:
            return
        left = (await self.workflow.case_debt(case.id)).debt
        self.history.record(
            "collection_case",
            case.id,
            "payment",
            None,
            {"payment_id": payment.id, "amount": str(payment.amount), "overdue_left": str(left)},
        )
        if left == 0:
            await self._close(case, CloseReason.PAID, f"оплачено платежом № {payment.id}")
        else:
            touch(case, self.uow)


def snapshot_call(call: CollectionCall) -> dict[str, Any]:
    return {
        "level": call.level,
        "contact_id": call.contact_id,
        "reached": call.reached,
        "result": call.result,
        "promised_on": call.promised_on.isoformat() if call.promised_on else None,
    }
