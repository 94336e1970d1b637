"""The daily report's calls: a call closed automatically, because the client did what it was to
ask for, is neither reached nor missed, and the calls made are those reached and those not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from app.models.directory import Role
from app.models.tasks import TaskKind, TaskStatus, TaskSubject
from app.services.directory.tasks import TaskService
from app.services.kernel.unit_of_work import UnitOfWork
from tests.support.pdf import pdf_text


async def test_a_call_closed_automatically_is_not_reported_as_not_reached(
    client: httpx.AsyncClient, uow: UnitOfWork, make_user: Any, clock: Any
) -> None:
    assistant = await make_user(Role.ASSISTANT)
    manager = await make_user(Role.MANAGER)
    day = clock.now().date()
    due = (clock.now() + timedelta(hours=2)).isoformat()
    for title, reached in (("Позвонить в «Лесхоз»", True), ("Позвонить в «Мостострой»", False)):
        task = await client.post(
            "/api/v1/tasks",
            headers=assistant.headers,
            json={"kind": "call", "title": title, "assignee_id": assistant.id, "due_at": due},
        )
        assert task.status_code == 201, task.text
        done = await client.post(
            f"/api/v1/tasks/{task.json()['id']}/complete",
            headers=assistant.headers,
            json={"reached": reached, "result": "Поговорили" if reached else "Не берут трубку"},
        )
        assert done.status_code == 200, done.text
    # The client accepted the proposal before the assistant called: the call closes by itself.
    tasks = TaskService(uow)
    await tasks.add(
        kind=TaskKind.CALL,
        title="Узнать решение «Северной Стройгруппы» по КП",
        assignee_id=assistant.id,
        due_at=clock.now() + timedelta(hours=3),
        subject_type=TaskSubject.PROPOSAL,
        subject_id=7,
    )
    (closed,) = await tasks.end_open(TaskSubject.PROPOSAL, 7, TaskStatus.DONE, "Клиент принял КП")
    assert closed.reached is None
    await uow.commit(None)

    figures = await client.get(
        "/api/v1/daily-reports/figures", headers=assistant.headers, params={"day": day.isoformat()}
    )
    assert figures.status_code == 200, figures.text
    assert figures.json()["figures"]["calls"] == {"made": 2, "reached": 1, "not_reached": 1}
    # The figures come with the names the printed report gives them.
    labels = figures.json()["labels"]
    assert (labels["calls"], labels["calls.made"], labels["orders.received"]) == (
        "Звонки",
        "Звонков сделано",
        "Получено заявок",
    )

    report = await client.post(
        "/api/v1/daily-reports",
        headers=assistant.headers,
        json={"day": day.isoformat(), "manager_id": manager.id, "text": "Три звонка"},
    )
    assert report.status_code == 201, report.text
    assert report.json()["labels"]["calls.not_reached"] == "Не дозвонились"
    pdf = await client.get(f"/api/v1/daily-reports/{report.json()['id']}/pdf", headers=assistant.headers)
    assert pdf.status_code == 200, pdf.text
    text = " ".join(pdf_text(pdf.content).split())
    assert "Звонков сделано 2" in text
    assert "Позвонить в «Лесхоз» да Поговорили" in text
    assert "Позвонить в «Мостострой» нет Не берут трубку" in text
    assert "по КП звонок не понадобился Клиент принял КП" in text
