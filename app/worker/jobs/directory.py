"""The directory's part of the minute sweep: the tasks that fell due told to their people, and
what anonymous callers left past its keeping time pruned."""

from __future__ import annotations

from app.services.directory.login_throttle import LoginThrottle
from app.services.directory.tasks import TaskService
from app.services.orders.refused_deliveries import RefusedDeliveries
from app.worker.context import JobContext
from app.worker.jobs.base import Swept


async def notices(app: JobContext, minute: str) -> Swept:
    """Each task that fell due, told to its person once (a chat post through the outbox)."""
    async with app.unit_of_work() as uow:
        notified = await TaskService(uow).notify_due(app.settings.worker.sweep_batch)
    return Swept(counts={"task_notices": len(notified)})


async def pruned(app: JobContext, minute: str) -> Swept:
    """Refused webhook deliveries, and login counters with nothing left in them, past their keeping
    time, so that neither grows without bound."""
    batch = app.settings.worker.sweep_batch
    async with app.unit_of_work() as uow:
        deliveries = await RefusedDeliveries(uow, app.settings.webhooks).prune(batch)
        counters = await LoginThrottle(uow, app.settings.auth).prune(batch)
    return Swept(counts={"refused_deliveries_pruned": deliveries, "login_counters_pruned": counters})
