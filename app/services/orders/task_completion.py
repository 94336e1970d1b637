"""Completing a task with its outcome, and what that outcome moves beyond the task itself.

The feedback call (regulation, process 1, the exit: the client received the goods, and a feedback
call found out whether all was well) completed as reached, with what the client said, is the order's
feedback: the order closes in the same unit of work, through the delivery's own rule, as the order's
«Звонок обратной связи» closes it. Not reached, the order waits and the next feedback call is set for
the next working day. The feedback call is told by the purpose the delivery gave it, not its title.
"""

from __future__ import annotations

from app.core.errors import FieldError
from app.models.tasks import Task
from app.schemas.tasks import TaskComplete
from app.services.directory.tasks import TaskService
from app.services.kernel.ports import Erp
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.orders.deliveries import DeliveryService


class TaskCompletion:
    def __init__(self, uow: UnitOfWork, erp: Erp) -> None:
        self.tasks = TaskService(uow)
        self.deliveries = DeliveryService(uow, erp)

    async def complete(self, task_id: int, outcome: TaskComplete, if_match: int | None) -> Task:
        task = await self.tasks.get(task_id)
        feedback = outcome.reached is not None and await self.deliveries.awaits_feedback(task)
        if feedback and outcome.reached and not outcome.result:
            raise FieldError(
                "result", "what the client said: a feedback call reached is the order's feedback"
            )
        task = await self.tasks.transition(task_id, "complete", if_match, outcome)
        if feedback and outcome.reached:
            await self.deliveries.feedback_by_call(task)
        elif feedback:
            await self.deliveries.call_again(task)
        return task
