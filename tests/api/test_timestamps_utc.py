"""Every timestamp the API answers is in UTC and written with ``Z``, whatever zone it was computed
or given in: a client compares and sorts them as strings without parsing offsets."""

from __future__ import annotations

import re
from typing import Any

import httpx

from app.models.directory import Role
from app.services.seed import inn10
from tests.api.test_tasks import task_body

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(?P<zone>Z|[+-]\d\d:?\d\d)?$")


def _timestamps(value: Any, where: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in _timestamps(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [t for i, v in enumerate(value) for t in _timestamps(v, f"{where}[{i}]")]
    if isinstance(value, str) and TIMESTAMP.match(value):
        return [(where, value)]
    return []


async def test_timestamps_of_a_sample_of_resources_are_utc_with_z(
    client: httpx.AsyncClient, make_user: Any
) -> None:
    head = await make_user(Role.HEAD)
    manager = await make_user(Role.MANAGER)
    assistant = await make_user(Role.ASSISTANT)
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={
            "name": "ООО «Часовой пояс»",
            "inn": inn10("352598761"),
            "kpp": "352501001",
            "manager_id": manager.id,
            "assistant_id": assistant.id,
        },
    )
    assert card.status_code == 201, card.text
    # Computed in Moscow time: due at 18:00 MSK on the deadline.
    proposal = await client.post(
        "/api/v1/proposals",
        headers=manager.headers,
        json={
            "client_id": card.json()["id"],
            "workwear_kind": "зимние куртки",
            "models_count": 1,
            "markup_percent": "25",
            "deadline": "2026-12-03",
        },
    )
    assert proposal.status_code == 201, proposal.text
    assert proposal.json()["due_at"] == "2026-12-03T15:00:00Z"
    # Given with an offset by the caller.
    task = await client.post(
        "/api/v1/tasks",
        headers=head.headers,
        json=task_body(assistant.id),
    )
    assert task.status_code == 201, task.text
    assert task.json()["due_at"] == "2026-12-03T12:00:00Z"
    pid = proposal.json()["id"]
    answers = [card, proposal, task]
    for url, who in (
        (f"/api/v1/proposals/{pid}", manager),
        ("/api/v1/proposals", manager),
        (f"/api/v1/clients/{card.json()['id']}", head),
        ("/api/v1/tasks/mine", assistant),
        (f"/api/v1/tasks/{task.json()['id']}", head),
    ):
        answer = await client.get(url, headers=who.headers)
        assert answer.status_code == 200, (url, answer.text)
        answers.append(answer)
    found = [t for answer in answers for t in _timestamps(answer.json(), str(answer.url.path))]
    assert len(found) > 10
    assert [(where, value) for where, value in found if not value.endswith("Z")] == []
