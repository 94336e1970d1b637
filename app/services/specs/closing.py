"""The end of process 3 through the order: delivery waits for the spec's shipping documents, the
client's feedback on the order closes its workshop spec, and a cancelled order cancels it.

Kept apart from the spec service so that orders and delivery need not import it."""

from __future__ import annotations

from sqlalchemy import select

from app.core.errors import Conflict
from app.models.specs import Spec, SpecStatus
from app.services.kernel.history import HistoryService
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.specs.states import ACTIONS


async def ensure_spec_documents(uow: UnitOfWork, order_id: int) -> None:
    """Delivery of a workshop spec's order is agreed only once 1C made its shipping documents
    (УПД, process 3, step 17): they go with the goods."""
    spec: Spec | None = await uow.session.scalar(
        select(Spec).where(Spec.order_id == order_id, Spec.status != SpecStatus.CANCELLED)
    )
    if spec is not None and spec.upd_onec_id is None:
        raise Conflict(
            f"the shipping documents (УПД) for workshop spec {spec.id} are not made in 1C yet: "
            "have them issued on the spec first",
            code="no_shipping_documents",
        )


async def close_spec_of_order(
    uow: UnitOfWork, order_id: int, rating: int | None, comment: str | None
) -> None:
    spec: Spec | None = await uow.session.scalar(select(Spec).where(Spec.order_id == order_id))
    if spec is None or not ACTIONS.can(spec.status, "close"):
        return
    ACTIONS.move(spec, "close", HistoryService(uow), {"rating": rating, "comment": comment})


async def cancel_spec_of_order(uow: UnitOfWork, order_id: int, reason: str) -> None:
    spec: Spec | None = await uow.session.scalar(select(Spec).where(Spec.order_id == order_id))
    if spec is None or not ACTIONS.can(spec.status, "cancel_with_order"):
        return
    ACTIONS.move(spec, "cancel_with_order", HistoryService(uow), {"reason": f"заявка отменена: {reason}"})
