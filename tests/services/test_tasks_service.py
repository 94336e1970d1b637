"""TaskService.notify_due: one chat notice per due task, re-armed when the deadline moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.models.directory import Role
from app.models.outbox import OutboundKind, OutboundMessage, OutboundStatus
from app.models.tasks import Task, TaskKind, TaskStatus
from app.schemas.tasks import TaskComplete, TaskUpdate
from app.services.directory.tasks import TaskService
from app.services.kernel.outbox import DELIVER_JOB
from app.services.kernel.unit_of_work import UnitOfWork

NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


async def messages(uow: UnitOfWork) -> list[OutboundMessage]:
    return list((await uow.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id))).all())


async def notified_at(uow: UnitOfWork, task_id: int) -> datetime | None:
    return await uow.session.scalar(select(Task.notified_at).where(Task.id == task_id))


async def test_due_task_gets_exactly_one_notice(uow: UnitOfWork, make_user, clock, queue) -> None:
    user = await make_user(Role.ASSISTANT, chat_handle="ivanova_tt")
    service = TaskService(uow)
    task = await service.add(
        kind=TaskKind.CALL, title="Позвонить в «Северную Стройгруппу»", assignee_id=user.id, due_at=NOW
    )
    later = await service.add(
        kind=TaskKind.CHECK, title="Проверить оплату", assignee_id=user.id, due_at=NOW + timedelta(hours=2)
    )
    await uow.commit(None)

    created = await service.notify_due(batch=50)
    await uow.commit(queue)
    sent = await messages(uow)
    assert [m.id for m in sent] == created
    assert len(sent) == 1
    message = sent[0]
    assert message.kind == OutboundKind.CHAT
    assert message.channel == "personal"
    assert message.recipient == "ivanova_tt"
    assert message.status == OutboundStatus.PENDING
    assert message.body == (
        "Срок задачи наступил: «Позвонить в «Северную Стройгруппу»» (до 01.12.2026 10:00). "
        f"Задача №{task.id}."
    )
    assert queue.jobs == [(DELIVER_JOB.function, (message.id,), f"outbound:{message.id}:0")]
    assert await notified_at(uow, task.id) == NOW
    assert await notified_at(uow, later.id) is None

    # A second sweep sends nothing more.
    clock.advance(timedelta(minutes=1))
    assert await service.notify_due(batch=50) == []
    await uow.commit(queue)
    assert len(await messages(uow)) == 1
    assert len(queue.jobs) == 1

    # When the later task falls due, it gets its own notice.
    clock.set(NOW + timedelta(hours=2))
    second = await service.notify_due(batch=50)
    await uow.commit(None)
    assert len(second) == 1
    assert [m.body for m in await messages(uow)][1] == (
        f"Срок задачи наступил: «Проверить оплату» (до 01.12.2026 12:00). Задача №{later.id}."
    )


async def test_moving_the_deadline_rearms_the_notice(uow: UnitOfWork, make_user, clock) -> None:
    user = await make_user(Role.MANAGER, chat_handle="petrov_pp")
    service = TaskService(uow)
    task = await service.add(kind=TaskKind.REMIND, title="Напомнить о счёте", assignee_id=user.id, due_at=NOW)
    await uow.commit(None)
    assert len(await service.notify_due(batch=10)) == 1
    await uow.commit(None)

    moved_to = NOW + timedelta(days=1)
    updated = await service.update(task.id, TaskUpdate(due_at=moved_to), None)
    await uow.commit(None)
    assert updated.notified_at is None
    assert await notified_at(uow, task.id) is None

    assert await service.notify_due(batch=10) == []  # not due yet
    clock.set(moved_to)
    created = await service.notify_due(batch=10)
    await uow.commit(None)
    assert len(created) == 1
    sent = await messages(uow)
    assert len(sent) == 2
    assert sent[1].id == created[0]
    assert sent[1].recipient == "petrov_pp"
    assert "(до 02.12.2026 10:00)" in sent[1].body
    assert "«Напомнить о счёте»" in sent[1].body
    assert await service.notify_due(batch=10) == []

    # A title change alone does not re-arm it.
    await service.update(task.id, TaskUpdate(title="Напомнить о счёте №5"), None)
    await uow.commit(None)
    clock.advance(timedelta(minutes=5))
    assert await service.notify_due(batch=10) == []


async def test_new_assignee_gets_a_notice(uow: UnitOfWork, make_user, clock) -> None:
    first = await make_user(Role.MANAGER, chat_handle="first_handle")
    second = await make_user(Role.MANAGER, chat_handle="second_handle")
    service = TaskService(uow)
    task = await service.add(kind=TaskKind.CALL, title="Позвонить", assignee_id=first.id, due_at=NOW)
    await uow.commit(None)
    assert len(await service.notify_due(batch=10)) == 1
    await uow.commit(None)

    await service.update(task.id, TaskUpdate(assignee_id=second.id), None)
    await uow.commit(None)
    clock.advance(timedelta(minutes=1))
    await service.notify_due(batch=10)
    await uow.commit(None)
    assert [m.recipient for m in await messages(uow)] == ["first_handle", "second_handle"]


async def test_assignee_without_chat_handle(uow: UnitOfWork, make_user) -> None:
    user = await make_user(Role.WAREHOUSE, department="warehouse")
    service = TaskService(uow)
    task = await service.add(
        kind=TaskKind.CHECK,
        title="Утренняя проверка склада",
        assignee_id=user.id,
        due_at=NOW - timedelta(hours=1),
    )
    await uow.commit(None)
    assert await service.notify_due(batch=10) == []
    await uow.commit(None)
    assert await messages(uow) == []
    assert await notified_at(uow, task.id) == NOW
    assert await service.notify_due(batch=10) == []


async def test_only_active_due_tasks_are_swept(uow: UnitOfWork, make_user) -> None:
    user = await make_user(Role.ASSISTANT, chat_handle="sidorova_dv")
    service = TaskService(uow)
    future = await service.add(
        kind=TaskKind.CALL, title="Будущая", assignee_id=user.id, due_at=NOW + timedelta(seconds=1)
    )
    done = await service.add(kind=TaskKind.CHECK, title="Сделана", assignee_id=user.id, due_at=NOW)
    cancelled = await service.add(kind=TaskKind.CHECK, title="Отменена", assignee_id=user.id, due_at=NOW)
    started = await service.add(kind=TaskKind.CHECK, title="В работе", assignee_id=user.id, due_at=NOW)
    await service.transition(done.id, "complete", None, outcome=TaskComplete(result="Готово"))
    await service.transition(cancelled.id, "cancel", None)
    await service.transition(started.id, "start", None)
    await uow.commit(None)

    created = await service.notify_due(batch=10)
    await uow.commit(None)
    sent = await messages(uow)
    assert [m.id for m in sent] == created
    assert len(sent) == 1
    assert sent[0].body.endswith(f"Задача №{started.id}.")
    assert await notified_at(uow, future.id) is None
    assert await notified_at(uow, done.id) is None
    assert (
        await uow.session.scalar(select(Task.status).where(Task.id == started.id)) == TaskStatus.IN_PROGRESS
    )


async def test_batch_limits_one_sweep(uow: UnitOfWork, make_user) -> None:
    user = await make_user(Role.ASSISTANT, chat_handle="batch_user")
    service = TaskService(uow)
    for n in range(5):
        await service.add(
            kind=TaskKind.REMIND,
            title=f"Напоминание {n}",
            assignee_id=user.id,
            due_at=NOW - timedelta(minutes=n),
        )
    await uow.commit(None)
    assert len(await service.notify_due(batch=2)) == 2
    assert len(await service.notify_due(batch=2)) == 2
    assert len(await service.notify_due(batch=2)) == 1
    assert await service.notify_due(batch=2) == []
    await uow.commit(None)
    count = await uow.session.scalar(select(func.count()).select_from(OutboundMessage))
    assert count == 5
    # The most overdue first.
    assert [m.body.split("«")[1].split("»")[0] for m in await messages(uow)] == [
        f"Напоминание {n}" for n in (4, 3, 2, 1, 0)
    ]
