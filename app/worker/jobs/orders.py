"""Process 1's jobs: an amoCRM delivery read and turned into orders, an order's reserves and
requisitions written to 1C; and their part of the minute sweep."""

from __future__ import annotations

from typing import Any

from app.core.logging import get_logger
from app.services.directory.onec_refusals import OneCRefusalService
from app.services.kernel.ports import CrmError, CrmLead, ErpRefused
from app.services.orders.fulfilment import SYNC_JOB, FulfilmentService
from app.services.orders.intake import PROCESS_JOB, AmoCrmIntake
from app.worker.context import JobContext
from app.worker.jobs.base import Swept, correlated, job_context

log = get_logger(__name__)


@correlated
async def process_amocrm_delivery(ctx: dict[str, Any], delivery_id: int) -> str:
    """Read the delivery's leads through the amoCRM API (no transaction open), then make the orders."""
    app = job_context(ctx)
    async with app.unit_of_work() as uow:
        intake = AmoCrmIntake(uow, app.settings.amocrm)
        delivery = await intake.claim(delivery_id)
        lead_ids = intake.lead_ids_to_order(delivery) if delivery is not None else []
    if delivery is None:
        return "skipped"
    leads: list[CrmLead] = []
    try:
        for lead_id in lead_ids:
            lead = await app.crm.get_lead(lead_id)
            if lead is not None:
                leads.append(lead)
    except CrmError as exc:
        async with app.unit_of_work() as uow:
            await AmoCrmIntake(uow, app.settings.amocrm).record_failure(delivery_id, str(exc))
        log.warning("amocrm.read_failed", delivery_id=delivery_id, error=str(exc)[:200])
        return "retry"
    async with app.unit_of_work() as uow:
        order_ids = await AmoCrmIntake(uow, app.settings.amocrm).make_orders(delivery_id, leads, app.erp)
    log.info("amocrm.delivery_processed", delivery_id=delivery_id, orders=order_ids)
    return "processed"


@correlated
async def sync_fulfilment(ctx: dict[str, Any], order_id: int) -> str:
    """Make the order's reservations and requisition-book entries in 1C, then record them."""
    app = job_context(ctx)
    async with app.unit_of_work() as uow:
        number, lines, requisitions = await FulfilmentService(uow, app.erp).sync_plan(order_id)
        work = [(line.id, line.product_id or "", line.quantity) for line in lines]
        entries = [(r.id, r.product_id, r.name, r.quantity, r.requested_on) for r in requisitions]
    if not work and not entries:
        return "skipped"
    reserved: dict[int, bool] = {}
    registered: dict[int, str] = {}
    try:
        for line_id, product, qty in work:
            reserved[line_id] = await app.erp.reserve(number, product, qty)
        for requisition_id, product_id, name, qty, requested_on in entries:
            entry = await app.erp.add_requisition(number, product_id, name, qty, requested_on)
            registered[requisition_id] = entry.id
    except ErpRefused as refusal:
        # What 1C took before it refused is recorded; the rest waits for the assistant's task.
        async with app.unit_of_work() as uow:
            await FulfilmentService(uow, app.erp).record_sync(order_id, reserved, registered)
            await OneCRefusalService(uow).reserves_refused(order_id, refusal.message)
        log.warning("fulfilment.refused_by_1c", order_id=order_id, message=refusal.message[:200])
        return "refused"
    async with app.unit_of_work() as uow:
        await FulfilmentService(uow, app.erp).record_sync(order_id, reserved, registered)
    log.info("fulfilment.synced", order_id=order_id, reserved=len(reserved), requisitions=len(registered))
    return "synced"


async def swept(app: JobContext, minute: str) -> Swept:
    """amoCRM deliveries not yet made into orders (the next attempt's run), and orders whose
    reserves or requisitions 1C has not got yet."""
    async with app.unit_of_work() as uow:
        deliveries = await AmoCrmIntake(uow, app.settings.amocrm).due(app.settings.worker.sweep_batch)
        unsynced = await FulfilmentService(uow, app.erp).due_orders()
    done = Swept()
    for delivery_id, attempts in deliveries:
        done.run(PROCESS_JOB, delivery_id, attempts + 1)
    for order_id in unsynced:
        done.run(SYNC_JOB, order_id, "sweep", minute)
    return done
