"""The claim letter on its way: the post's tracking of the registered letter, its delivery, and the
delivery receipt (уведомление о вручении) when it comes back."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.models.collection import CaseFileKind, CaseStage, CollectionCase
from app.models.tasks import TaskKind
from app.services.kernel.ports import TrackingOperation
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.receivables.collection.workflow import CaseWorkflow, NewStep, short_date

DELIVERED_OPERATION = "Вручение"


class PostTracking:
    def __init__(self, uow: UnitOfWork, workflow: CaseWorkflow | None = None) -> None:
        self.uow = uow
        self.workflow = workflow or CaseWorkflow(uow)
        self.history = self.workflow.history

    async def to_track(self, batch: int) -> list[tuple[int, str, date | None]]:
        """The posted letters not yet handed over, checked longest ago first: (case, number, posted on)."""
        rows = await self.uow.session.execute(
            select(CollectionCase.id, CollectionCase.tracking_number, CollectionCase.claim_sent_on)
            .where(
                CollectionCase.stage == CaseStage.CLAIM_SENT,
                CollectionCase.delivered_on.is_(None),
                CollectionCase.tracking_number.is_not(None),
            )
            .order_by(CollectionCase.tracking_checked_at.is_not(None), CollectionCase.tracking_checked_at)
            .limit(batch)
        )
        return [(row[0], row[1], row[2]) for row in rows if row[1] is not None]

    async def record_tracking(self, case_id: int, operations: list[TrackingOperation]) -> bool:
        """The letter's history as the post gives it; delivered when it was handed over. An operation
        dated before the day the letter was posted is not the letter's (the post reuses its numbers,
        and a mistyped number names another item): it is left out, and never counts as delivery."""
        case = await self.uow.session.get(CollectionCase, case_id)
        if case is None or case.stage != CaseStage.CLAIM_SENT:
            return False
        calendar = self.uow.calendar
        if case.claim_sent_on is not None:
            posted_on = case.claim_sent_on
            operations = [o for o in operations if calendar.local_date(o.at) >= posted_on]
        history = [
            {"at": o.at.isoformat(), "operation": o.operation, "attribute": o.attribute, "place": o.place}
            for o in operations
        ]
        case.tracking_checked_at = self.uow.clock.now()
        changed = history != case.tracking
        case.tracking = history
        handed = [o for o in operations if o.operation == DELIVERED_OPERATION]
        if handed:
            today = self.workflow.today
            case.delivered_on = calendar.local_date(handed[0].at)
            await self.workflow.move_to(
                case, CaseStage.DELIVERED, "delivered", {"delivered_on": case.delivered_on.isoformat()}
            )
            await self.workflow.close_step_tasks(case, "tracking_followup")
            await self.workflow.step(
                NewStep(
                    case.id,
                    "delivery_receipt",
                    case.assignee_id,
                    TaskKind.CHECK,
                    "Претензия вручена: получить уведомление о вручении, следить за оплатой",
                    f"Вручено {short_date(case.delivered_on)}. "
                    f"Суд возможен с {short_date(case.court_allowed_on or today)}.",
                    today,
                )
            )
        elif changed:
            self.history.record("collection_case", case.id, "tracked", None, {"operations": len(history)})
        return True

    async def record_delivery(self, case_id: int, file_id: int, if_match: int | None) -> CollectionCase:
        """The delivery receipt (уведомление о вручении) came back: its scan is kept with the case."""
        case = await self.workflow.for_action(case_id, "record_delivery", if_match)
        row = await self.workflow.case_file(case, file_id, CaseFileKind.DELIVERY_RECEIPT, "file_id")
        case.receipt_file_id = row.id
        delivered = None
        if case.stage == CaseStage.CLAIM_SENT:  # the receipt is the proof the post did not give
            delivered = CaseStage.DELIVERED
            case.delivered_on = case.delivered_on or self.workflow.today
        await self.workflow.move(case, "record_delivery", {"file_id": row.id}, to=delivered)
        await self.workflow.close_step_tasks(case, "delivery_receipt")
        return case
