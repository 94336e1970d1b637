"""Credit terms before the first shipment (process 4, step 0): a request with its dossier, the
lawyer's verdict on the counterparty, the department head's recommendation and the decision of the
company's management («Предоставление отсрочки, периода, лимита, увеличение скидки производится только
по согласованию Руководства компании»). Approved terms become the client's from a date and are pushed
to 1C by the worker."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from decimal import Decimal

from sqlalchemy import select

from app.core.errors import Forbidden, NotFound
from app.models.credit import CreditFile, CreditFileKind, CreditRequest, CreditRequestStatus, Recommendation
from app.models.directory import Role
from app.models.tasks import TaskKind, TaskSubject
from app.schemas.clients import CreditTerms
from app.schemas.credit import CreditDecision, CreditRecommendation, CreditRequestCreate, CreditVerdict
from app.services.directory.clients import ClientService
from app.services.directory.employees import first_active_with_role
from app.services.directory.onec_refusals import refused
from app.services.directory.tasks import TaskService
from app.services.kernel.common import ensure_version
from app.services.kernel.history import HistoryService, snapshot
from app.services.kernel.jobs import JobKind
from app.services.kernel.pagination import Page, newest_first
from app.services.kernel.permissions import management_roles
from app.services.kernel.ports import Erp, Storage
from app.services.kernel.state_machine import StateMachine
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.kernel.uploads import keep_document
from app.services.money.format import format_rub

PUSH_JOB = JobKind("push_credit_terms", "credit-1c")
DECISION_WORKING_DAYS = 2

TRANSITIONS: dict[str, tuple[frozenset[CreditRequestStatus], CreditRequestStatus]] = {
    "verdict": (
        frozenset({CreditRequestStatus.REQUESTED, CreditRequestStatus.REVIEWED}),
        CreditRequestStatus.REVIEWED,
    ),
    "recommend": (
        frozenset({CreditRequestStatus.REVIEWED, CreditRequestStatus.RECOMMENDED}),
        CreditRequestStatus.RECOMMENDED,
    ),
    "approve": (frozenset({CreditRequestStatus.RECOMMENDED}), CreditRequestStatus.APPROVED),
    "reject": (
        frozenset(
            {CreditRequestStatus.REQUESTED, CreditRequestStatus.REVIEWED, CreditRequestStatus.RECOMMENDED}
        ),
        CreditRequestStatus.REJECTED,
    ),
}
RECOMMENDATION_TEXT = {
    Recommendation.APPROVE: "рекомендует согласовать",
    Recommendation.REFUSE: "рекомендует отказать",
}


ACTIONS = StateMachine("credit request", TRANSITIONS, kind="credit_request")


def credit_actions(status: CreditRequestStatus) -> list[str]:
    return ACTIONS.allowed(status)


class CreditService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.history = HistoryService(uow)

    async def get(self, request_id: int) -> CreditRequest:
        request = await self.uow.session.get(CreditRequest, request_id)
        if request is None:
            raise NotFound("credit request", request_id)
        await ClientService(self.uow).get(request.client_id)  # visible only with its client
        return request

    async def page(
        self, *, client_id: int | None, status: CreditRequestStatus | None, cursor: str | None, limit: int
    ) -> Page[CreditRequest]:
        query = await ClientService(self.uow).of_clients(
            select(CreditRequest), CreditRequest.client_id, client_id
        )
        if status is not None:
            query = query.where(CreditRequest.status == status)
        return await newest_first(self.uow.session, query, CreditRequest.id, cursor, limit)

    async def request(self, data: CreditRequestCreate) -> CreditRequest:
        client = await ClientService(self.uow).get(data.client_id)
        now = self.uow.clock.now()
        request = CreditRequest(
            client_id=client.id,
            requested_by_id=self.uow.actor.id if self.uow.actor else None,
            deferment_days=data.deferment_days,
            credit_limit=data.credit_limit,
            discount_basis_points=int(data.discount_percent * 100),
            justification=data.justification,
            purchase_frequency=client.purchase_frequency.value if client.purchase_frequency else None,
            headcount=client.headcount,
            potential=client.potential.value if client.potential else None,
            status=CreditRequestStatus.REQUESTED,
            created_at=now,
            updated_at=now,
        )
        self.uow.session.add(request)
        await self.uow.session.flush()
        self.history.record("credit_request", request.id, "requested", None, snapshot(request))
        limit = format_rub(data.credit_limit) if data.credit_limit is not None else "без лимита"
        await self._task(
            Role.LAWYER,
            TaskKind.CHECK,
            f"Проверить надёжность контрагента «{client.name}» (ИНН {client.inn})",
            f"Запрошена отсрочка {data.deferment_days} дн., лимит {limit}. Дать заключение о надёжности.",
            request,
        )
        return request

    async def verdict(self, request_id: int, data: CreditVerdict, if_match: int | None) -> CreditRequest:
        request = await self._for(request_id, "verdict", if_match)
        actor = self.uow.actor
        request.lawyer_verdict = data.verdict
        request.lawyer_comment = data.comment
        request.lawyer_id = actor.id if actor else None
        request.reviewed_at = self.uow.clock.now()
        first = request.status == CreditRequestStatus.REQUESTED
        await ACTIONS.take(
            request, "verdict", self.history, {"verdict": data.verdict.value, "comment": data.comment}
        )
        if first:
            await self._task(
                Role.HEAD,
                TaskKind.CHECK,
                f"Рекомендация по отсрочке платежа: заявка №{request.id}",
                f"Заключение юриста: {data.verdict.value}. {data.comment}\n"
                "Рассмотреть досье и дать рекомендацию руководству.",
                request,
            )
        return request

    async def recommend(
        self, request_id: int, data: CreditRecommendation, if_match: int | None
    ) -> CreditRequest:
        """The department head reviews the dossier and the lawyer's verdict and recommends granting
        or refusing; management then decides (and gets the task). Not on one's own request."""
        request = await self._for(request_id, "recommend", if_match)
        self._not_own(request, "recommend")
        first = request.status == CreditRequestStatus.REVIEWED
        request.recommendation = data.recommendation
        request.recommendation_comment = data.comment
        request.recommended_by_id = self.uow.actor.id if self.uow.actor else None
        request.recommended_at = self.uow.clock.now()
        await ACTIONS.take(
            request,
            "recommend",
            self.history,
            {"recommendation": data.recommendation.value, "comment": data.comment},
        )
        if first:
            client = await ClientService(self.uow).get(request.client_id)
            await self._task(
                None,
                TaskKind.CHECK,
                f"Решение по отсрочке платежа: заявка №{request.id}",
                f"«{client.name}»: отсрочка {request.deferment_days} дн. Заключение юриста: "
                f"{request.lawyer_verdict.value if request.lawyer_verdict else '—'}. "
                f"Руководитель отдела {RECOMMENDATION_TEXT[data.recommendation]}: {data.comment}",
                request,
            )
        return request

    async def approve(self, request_id: int, data: CreditDecision, if_match: int | None) -> CreditRequest:
        request = await self._for(request_id, "approve", if_match)
        self._not_own(request, "approve")
        client = await ClientService(self.uow).get(request.client_id)
        today = self.uow.calendar.local_date(self.uow.clock.now())
        terms = CreditTerms(
            deferment_days=request.deferment_days,
            credit_limit=request.credit_limit,
            discount_percent=Decimal(request.discount_basis_points) / 100 or None,
            effective_from=data.effective_from or today,
            reason=f"Заявка на отсрочку №{request.id}: {data.comment}"[:500],
        )
        await ClientService(self.uow).apply_terms(client, terms, request.id)
        self._decide(request, data)
        request.effective_from = terms.effective_from
        await ACTIONS.take(
            request,
            "approve",
            self.history,
            {"comment": data.comment, "effective_from": str(terms.effective_from)},
        )
        self.uow.after_commit(PUSH_JOB, request.id)
        return request

    async def reject(self, request_id: int, data: CreditDecision, if_match: int | None) -> CreditRequest:
        request = await self._for(request_id, "reject", if_match)
        self._not_own(request, "reject")
        self._decide(request, data)
        await ACTIONS.take(request, "reject", self.history, {"comment": data.comment})
        return request

    # --- the dossier ------------------------------------------------------------------------------

    async def add_file(
        self,
        request_id: int,
        kind: CreditFileKind,
        filename: str | None,
        content: bytes,
        storage: Storage,
        max_bytes: int,
    ) -> CreditFile:
        """A document for the dossier the department head and management read (the counterparty's
        card, the register extract, the statements), kept with the request."""
        request = await self.get(request_id)
        kept = await keep_document(
            storage, f"documents/credit/{request.id}", filename, content, max_bytes, kind.value
        )
        row = CreditFile(request_id=request.id, kind=kind, **kept.row(self.uow))
        self.uow.session.add(row)
        await self.uow.session.flush()
        self.history.record("credit_request", request.id, "file_added", None, snapshot(row))
        return row

    async def files(self, request_id: int) -> Sequence[CreditFile]:
        await self.get(request_id)
        query = select(CreditFile).where(CreditFile.request_id == request_id).order_by(CreditFile.id)
        return (await self.uow.session.scalars(query)).all()

    async def file_content(self, request_id: int, file_id: int, storage: Storage) -> tuple[CreditFile, bytes]:
        await self.get(request_id)
        row = await self.uow.session.get(CreditFile, file_id)
        if row is None or row.request_id != request_id:
            raise NotFound("credit request file", file_id)
        stored = await storage.get(row.storage_key)
        if stored is None:
            raise NotFound("credit request file", file_id)
        return row, stored.content

    # --- 1C --------------------------------------------------------------------------------------

    async def unpushed(self, batch: int) -> list[int]:
        """Approved terms not in 1C yet, but for a client whose terms 1C refused while the task for
        it is open."""
        rows = await self.uow.session.scalars(
            select(CreditRequest.id)
            .where(
                CreditRequest.status == CreditRequestStatus.APPROVED,
                CreditRequest.pushed_to_1c_at.is_(None),
                ~refused(TaskSubject.CLIENT, CreditRequest.client_id),
            )
            .order_by(CreditRequest.id)
            .limit(batch)
        )
        return list(rows)

    async def push(self, request_id: int, erp: Erp) -> bool:
        """The approved terms written to the 1C counterparty (a repeat writes the same again)."""
        request = await self.uow.session.get(CreditRequest, request_id)
        if (
            request is None
            or request.status != CreditRequestStatus.APPROVED
            or request.pushed_to_1c_at is not None
        ):
            return False
        client = await ClientService(self.uow).get_for_system(request.client_id)
        await erp.set_credit_terms(
            client.onec_id or client.inn,
            request.deferment_days,
            request.credit_limit or Decimal(0),
            Decimal(request.discount_basis_points) / 100,
        )
        request.pushed_to_1c_at = self.uow.clock.now()
        self.history.record("credit_request", request.id, "pushed_to_1c", None, {})
        return True

    # --- helpers -----------------------------------------------------------------------------------

    async def _for(self, request_id: int, action: str, if_match: int | None) -> CreditRequest:
        request = await self.get(request_id)
        ensure_version(request, if_match, "credit request")
        ACTIONS.check(request.status, action)
        return request

    def _not_own(self, request: CreditRequest, action: str) -> None:
        """Nobody recommends or decides the request they made themselves."""
        actor = self.uow.actor
        if actor is not None and request.requested_by_id == actor.id:
            raise Forbidden(
                f"credit request {request.id} is your own: someone else must {action} it",
                code="own_request",
            )

    def _decide(self, request: CreditRequest, data: CreditDecision) -> None:
        request.decided_by_id = self.uow.actor.id if self.uow.actor else None
        request.decided_at = self.uow.clock.now()
        request.decision_comment = data.comment

    async def _task(
        self, role: Role | None, kind: TaskKind, title: str, description: str, request: CreditRequest
    ) -> None:
        """A task for ``role``, or for management when None."""
        if role is None:
            roles: tuple[Role, ...] = management_roles()
        else:
            roles = (role, Role.DIRECTOR) if role == Role.HEAD else (role,)
        # Not to whoever asked: nobody recommends or decides their own request.
        assignee = await first_active_with_role(self.uow, *roles, excluding=request.requested_by_id)
        if assignee is None:
            return
        await TaskService(self.uow).add(
            kind=kind,
            title=title,
            description=description,
            assignee_id=assignee,
            due_at=self.uow.calendar.due_after(self.uow.clock.now(), DECISION_WORKING_DAYS, time(18, 0)),
            subject_type=TaskSubject.CLIENT,
            subject_id=request.client_id,
        )
