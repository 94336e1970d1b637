"""One entry to the collection case for the routes and the jobs: each call goes to the part that
owns it, all parts sharing one ``CaseWorkflow`` (and so one cache of who holds a role)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from app.core.config import CompanySettings
from app.models.clients import ContactLevel
from app.models.collection import (
    CaseFileKind,
    CaseStage,
    CloseReason,
    CollectionCall,
    CollectionCase,
    CollectionFile,
)
from app.models.payments import Payment
from app.services.kernel.pagination import Page
from app.services.kernel.ports import Storage, TrackingOperation
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.receivables.collection import policy
from app.services.receivables.collection.cases import CaseService
from app.services.receivables.collection.claim import ClaimService, ClaimToSend
from app.services.receivables.collection.court import CourtItem, CourtService
from app.services.receivables.collection.post import PostTracking
from app.services.receivables.collection.sweep import CollectionSweep
from app.services.receivables.collection.workflow import CaseWorkflow, Overdue


class CollectionService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.workflow = CaseWorkflow(uow)
        self.cases = CaseService(uow, self.workflow)
        self.sweep = CollectionSweep(uow, self.workflow)
        self.claims = ClaimService(uow, self.workflow)
        self.post = PostTracking(uow, self.workflow)
        self.courts = CourtService(uow, self.workflow)

    # --- the case ---------------------------------------------------------------------------------

    async def get(self, case_id: int) -> CollectionCase:
        return await self.workflow.get(case_id)

    async def page(
        self, *, client_id: int | None, stage: CaseStage | None, cursor: str | None, limit: int
    ) -> Page[CollectionCase]:
        return await self.cases.page(client_id=client_id, stage=stage, cursor=cursor, limit=limit)

    async def overdue(self, client_id: int, today: date | None = None) -> Overdue:
        return await self.cases.overdue(client_id, today)

    async def case_debt(self, case_id: int) -> Overdue:
        return await self.workflow.case_debt(case_id)

    def deadlines(self, case: CollectionCase) -> list[tuple[str, date]]:
        """The case's deadlines its facts so far fix (``policy.case_deadlines``)."""
        return policy.case_deadlines(
            opened_on=case.opened_on,
            promised_on=case.promised_on,
            negotiated_on=case.negotiated_on,
            wait_ends_on=case.wait_ends_on,
            claim_requested_on=case.claim_requested_on,
            claim_sent_on=case.claim_sent_on,
            court_allowed=case.court_allowed_on,
            calendar=self.uow.calendar,
        )

    def days_overdue(self, debt: Overdue) -> int:
        """How many days the case's oldest unpaid invoice is overdue today (0 when none is)."""
        today = self.workflow.today
        dues = [i.due_on for i in debt.invoices if i.due_on is not None]
        return max((policy.days_overdue(due, today, self.uow.calendar) for due in dues), default=0)

    async def calls(self, case_id: int) -> Sequence[CollectionCall]:
        return await self.cases.calls(case_id)

    async def files(self, case_id: int) -> Sequence[CollectionFile]:
        return await self.cases.files(case_id)

    async def by_stage(self) -> list[tuple[CaseStage, int, Decimal]]:
        return await self.cases.by_stage()

    async def allowed_now(self, case: CollectionCase) -> list[str]:
        return await self.cases.allowed_now(case)

    async def add_file(
        self,
        case_id: int,
        kind: CaseFileKind,
        filename: str | None,
        content: bytes,
        storage: Storage,
        max_bytes: int,
    ) -> CollectionFile:
        return await self.cases.add_file(case_id, kind, filename, content, storage, max_bytes)

    async def file_content(
        self, case_id: int, file_id: int, storage: Storage
    ) -> tuple[CollectionFile, bytes]:
        return await self.cases.file_content(case_id, file_id, storage)

    async def receive_guarantee(
        self, case_id: int, promised_on: date, file_id: int, if_match: int | None
    ) -> CollectionCase:
        return await self.cases.receive_guarantee(case_id, promised_on, file_id, if_match)

    async def refuse_guarantee(self, case_id: int, comment: str, if_match: int | None) -> CollectionCase:
        return await self.cases.refuse_guarantee(case_id, comment, if_match)

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
        return await self.cases.log_call(
            case_id,
            level=level,
            contact_id=contact_id,
            reached=reached,
            result=result,
            promised_on=promised_on,
        )

    async def finish_negotiation(self, case_id: int, comment: str, if_match: int | None) -> CollectionCase:
        return await self.cases.finish_negotiation(case_id, comment, if_match)

    async def close(
        self, case_id: int, reason: CloseReason, comment: str, if_match: int | None
    ) -> CollectionCase:
        return await self.cases.close(case_id, reason, comment, if_match)

    async def on_payment(self, client_id: int, payment: Payment) -> None:
        await self.cases.on_payment(client_id, payment)

    # --- the sweep --------------------------------------------------------------------------------

    async def open_due(self, batch: int) -> int:
        return await self.sweep.open_due(batch)

    async def advance(self, batch: int) -> int:
        return await self.sweep.advance(batch)

    async def undrafted(self, batch: int) -> list[int]:
        return await self.sweep.undrafted(batch)

    # --- the claim letter -------------------------------------------------------------------------

    async def draft_claim(self, case_id: int, company: CompanySettings, *, hold: bool = True) -> str:
        return await self.claims.draft(case_id, company, hold=hold)

    async def edit_claim(
        self, case_id: int, text: str | None, contract: str | None, if_match: int | None
    ) -> CollectionCase:
        return await self.claims.edit(case_id, text, contract, if_match)

    async def approve_claim(self, case_id: int, if_match: int | None) -> CollectionCase:
        return await self.claims.approve(case_id, if_match)

    async def send_claim(
        self, case_id: int, tracking_number: str, email: str | None, if_match: int | None
    ) -> CollectionCase:
        return await self.claims.send(case_id, tracking_number, email, if_match)

    async def claim_for_sending(self, case_id: int) -> ClaimToSend | None:
        return await self.claims.for_sending(case_id)

    async def record_claim_stored(self, case_id: int, digest: str) -> None:
        await self.claims.record_stored(case_id, digest)

    async def guarantee_sample(self, case_id: int, company: CompanySettings) -> dict[str, Any] | None:
        return await self.claims.guarantee_sample(case_id, company)

    # --- the post and the court -------------------------------------------------------------------

    async def to_track(self, batch: int) -> list[tuple[int, str, date | None]]:
        return await self.post.to_track(batch)

    async def record_tracking(self, case_id: int, operations: list[TrackingOperation]) -> bool:
        return await self.post.record_tracking(case_id, operations)

    async def record_delivery(self, case_id: int, file_id: int, if_match: int | None) -> CollectionCase:
        return await self.post.record_delivery(case_id, file_id, if_match)

    async def court_package(self, case_id: int) -> list[CourtItem]:
        return await self.courts.package(case_id)

    async def court(self, case_id: int, changes: dict[str, Any], if_match: int | None) -> CollectionCase:
        return await self.courts.update(case_id, changes, if_match)
