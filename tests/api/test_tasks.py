"""Tasks API: deadlines on the business calendar, my buckets, the state machine, visibility, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update

from app.models.directory import Employee, Role
from app.services.seed import inn10
from tests.support.helpers import problem

URL = "/api/v1/tasks"
ACTIVE_OPEN = ["start", "complete", "cancel"]


def task_body(assignee_id: int, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "call",
        "title": "Позвонить клиенту",
        "assignee_id": assignee_id,
        "due_at": "2026-12-03T15:00:00+03:00",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def instant(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, value
    return parsed.astimezone(UTC)


async def create(client: httpx.AsyncClient, user: Any, **overrides: Any) -> dict[str, Any]:
    overrides.setdefault("assignee_id", user.id)
    response = await client.post(URL, json=task_body(**overrides), headers=user.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def with_etag(user: Any, version: int) -> dict[str, str]:
    return {**user.headers, "If-Match": f'"{version}"'}


async def test_create_with_exact_deadline(client: httpx.AsyncClient, make_user) -> None:
    author = await make_user(Role.ASSISTANT)
    manager = await make_user(Role.MANAGER)
    card = await client.post(
        "/api/v1/clients",
        headers=manager.headers,
        json={
            "name": "ООО «Северная Стройгруппа»",
            "inn": inn10("352804444"),
            "kpp": "352801001",
            "manager_id": manager.id,
        },
    )
    assert card.status_code == 201, card.text
    response = await client.post(
        URL,
        json={
            "kind": "call",
            "title": "  Позвонить в «Северную Стройгруппу»  ",
            "description": "Уточнить адрес доставки",
            "assignee_id": manager.id,
            "due_at": "2026-12-03T15:00:00+03:00",
            "subject_type": "client",
            "subject_id": card.json()["id"],
        },
        headers=author.headers,
    )
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"1"'
    data = response.json()
    assert instant(data["due_at"]) == datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert data["title"] == "Позвонить в «Северную Стройгруппу»"
    assert data["description"] == "Уточнить адрес доставки"
    assert data["kind"] == "call"
    assert data["status"] == "open"
    assert data["assignee_id"] == manager.id
    assert data["created_by_id"] == author.id
    assert data["subject_type"] == "client"
    assert data["subject_id"] == card.json()["id"]
    assert data["overdue"] is False
    assert data["allowed_actions"] == ACTIVE_OPEN
    assert data["reached"] is None
    assert data["result"] is None
    assert data["completed_at"] is None
    assert data["notified_at"] is None
    assert data["version"] == 1
    assert instant(data["created_at"]) == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)

    fetched = await client.get(f"{URL}/{data['id']}", headers=manager.headers)
    assert fetched.status_code == 200, fetched.text
    assert fetched.headers["etag"] == '"1"'
    assert instant(fetched.json()["due_at"]) == datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

    past = await create(client, author, due_at="2026-12-01T09:00:00+03:00")
    assert past["overdue"] is True


async def test_deadline_in_working_days(client: httpx.AsyncClient, make_user) -> None:
    """The deadline in working days is the business calendar's (tests/unit/test_calendar.py walks
    its weekends and holidays); here, that the API takes it, at 18:00 or at the time given."""
    user = await make_user(Role.ASSISTANT)
    # Tuesday 2026-12-01 + 3 working days = Friday 2026-12-04, 18:00 in Moscow.
    three = await create(client, user, due_at=None, due_in_working_days=3)
    assert instant(three["due_at"]) == datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    fetched = await client.get(f"{URL}/{three['id']}", headers=user.headers)
    assert instant(fetched.json()["due_at"]) == datetime(2026, 12, 4, 15, 0, tzinfo=UTC)

    at_time = await create(client, user, due_at=None, due_in_working_days=1, due_time="09:30")
    assert instant(at_time["due_at"]) == datetime(2026, 12, 2, 6, 30, tzinfo=UTC)


async def test_create_validation(client: httpx.AsyncClient, make_user, session_factory) -> None:
    user = await make_user(Role.ASSISTANT)
    gone = await make_user(Role.MANAGER)
    async with session_factory() as session:
        await session.execute(update(Employee).where(Employee.id == gone.id).values(is_active=False))
        await session.commit()
    h = user.headers
    cases: list[tuple[dict[str, Any], str]] = [
        (task_body(user.id, due_at="2026-12-03T15:00:00"), "due_at"),
        (task_body(user.id, due_at="завтра"), "due_at"),
        (task_body(user.id, due_in_working_days=2), "due_at"),
        (task_body(user.id, due_at=None), "due_at"),
        (task_body(user.id, due_time="10:00"), "due_time"),
        (task_body(user.id, due_at=None, due_in_working_days=-1), "due_in_working_days"),
        (task_body(user.id, due_at=None, due_in_working_days=251), "due_in_working_days"),
        (task_body(user.id, subject_type="client"), "subject_id"),
        (task_body(user.id, subject_id=5), "subject_id"),
        (task_body(user.id, subject_type="client", subject_id=0), "subject_id"),
        (task_body(999_999), "assignee_id"),
        (task_body(gone.id), "assignee_id"),
        (task_body(0), "assignee_id"),
        (task_body(user.id, kind="dance"), "kind"),
        (task_body(user.id, title=""), "title"),
        (task_body(user.id, title="я" * 501), "title"),
        (task_body(user.id, priority="high"), "priority"),
        ({"kind": "call", "title": "Без исполнителя", "due_at": "2026-12-03T15:00:00+03:00"}, "assignee_id"),
    ]
    for payload, field in cases:
        response = await client.post(URL, json=payload, headers=h)
        problem(response, 422, field)
    listed = await client.get(URL, headers=h)
    assert listed.json()["items"] == []


async def test_my_buckets(client: httpx.AsyncClient, make_user, clock) -> None:
    me = await make_user(Role.ASSISTANT)
    other = await make_user(Role.MANAGER)
    # Now: Tuesday 2026-12-01 10:00 in Moscow (07:00Z).
    late = await create(client, me, title="Просрочено давно", due_at="2026-11-30T18:00:00+03:00")
    late_today = await create(client, me, title="Просрочено сегодня", due_at="2026-12-01T09:00:00+03:00")
    tonight = await create(client, me, title="Сегодня вечером", due_at="2026-12-01T23:59:00+03:00")
    midday = await create(client, me, title="Сегодня днём", due_at="2026-12-01T13:00:00+03:00")
    midnight = await create(client, me, title="Полночь", due_at="2026-12-02T00:00:00+03:00")
    later = await create(client, me, title="Через неделю", due_at="2026-12-08T12:00:00+03:00")
    await create(client, me, assignee_id=other.id, title="Чужая", due_at="2026-12-01T09:00:00+03:00")
    cancelled = await create(client, me, title="Отменена", due_at="2026-12-01T09:00:00+03:00")
    done = await create(client, me, kind="check", title="Сделана", due_at="2026-12-01T12:00:00+03:00")
    assert (await client.post(f"{URL}/{cancelled['id']}/cancel", headers=me.headers)).status_code == 200
    assert (await client.post(f"{URL}/{done['id']}/complete", json={}, headers=me.headers)).status_code == 200
    started = await client.post(f"{URL}/{midday['id']}/start", headers=me.headers)
    assert started.status_code == 200

    async def buckets() -> dict[str, list[int]]:
        response = await client.get(f"{URL}/mine", headers=me.headers)
        assert response.status_code == 200, response.text
        data = response.json()
        assert all(t["overdue"] for t in data["overdue"])
        assert not any(t["overdue"] for t in data["today"] + data["upcoming"])
        # The counts are the same buckets, counted.
        counts = await client.get(f"{URL}/mine/counts", headers=me.headers)
        assert counts.status_code == 200, counts.text
        assert counts.json() == {name: len(data[name]) for name in ("overdue", "today", "upcoming")}
        return {name: [t["id"] for t in data[name]] for name in ("overdue", "today", "upcoming")}

    assert await buckets() == {
        "overdue": [late["id"], late_today["id"]],
        "today": [midday["id"], tonight["id"]],
        "upcoming": [midnight["id"], later["id"]],
    }

    clock.advance(timedelta(hours=4))  # 14:00 in Moscow: the midday task is now late
    assert await buckets() == {
        "overdue": [late["id"], late_today["id"], midday["id"]],
        "today": [tonight["id"]],
        "upcoming": [midnight["id"], later["id"]],
    }

    clock.set(datetime(2026, 12, 1, 21, 0, tzinfo=UTC))  # midnight in Moscow: a new day
    assert await buckets() == {
        "overdue": [late["id"], late_today["id"], midday["id"], tonight["id"]],
        "today": [midnight["id"]],
        "upcoming": [later["id"]],
    }

    limited = (await client.get(f"{URL}/mine", params={"limit": 1}, headers=me.headers)).json()
    assert [t["id"] for t in limited["overdue"]] == [late["id"]]
    problem(await client.get(f"{URL}/mine", params={"limit": 0}, headers=me.headers), 422, "query.limit")
    assert (await client.get(f"{URL}/mine", headers=other.headers)).json()["overdue"][0]["title"] == "Чужая"
    assert (await client.get(f"{URL}/mine/counts", headers=other.headers)).json() == {
        "overdue": 1,
        "today": 0,
        "upcoming": 0,
    }
    assert (await client.get(f"{URL}/mine/counts")).status_code == 401
    problem(
        await client.get(f"{URL}/mine/counts", params={"limit": 1}, headers=me.headers), 422, "query.limit"
    )


async def test_state_machine(client: httpx.AsyncClient, make_user, clock) -> None:
    me = await make_user(Role.ASSISTANT)
    task = await create(client, me, kind="call")
    url = f"{URL}/{task['id']}"

    clock.advance(timedelta(minutes=10))
    started = await client.post(f"{url}/start", headers=with_etag(me, 1))
    assert started.status_code == 200, started.text
    assert started.headers["etag"] == '"2"'
    assert started.json()["status"] == "in_progress"
    assert started.json()["allowed_actions"] == ["complete", "cancel"]
    conflict = problem(await client.post(f"{url}/start", headers=me.headers), 409)
    assert conflict["code"] == "invalid_transition"
    assert conflict["allowed_actions"] == ["complete", "cancel"]

    problem(await client.post(f"{url}/complete", json={}, headers=me.headers), 422, "reached")
    problem(
        await client.post(f"{url}/complete", json={"reached": "maybe"}, headers=me.headers), 422, "reached"
    )
    problem(
        await client.post(f"{url}/complete", json={"reached": True, "mood": "good"}, headers=me.headers),
        422,
        "mood",
    )
    still = await client.get(url, headers=me.headers)
    assert still.json()["status"] == "in_progress"
    assert still.headers["etag"] == '"2"'

    clock.advance(timedelta(minutes=10))
    completed = await client.post(
        f"{url}/complete",
        json={"reached": True, "result": "Договорились о встрече", "next_step": "Отправить КП"},
        headers=with_etag(me, 2),
    )
    assert completed.status_code == 200, completed.text
    assert completed.headers["etag"] == '"3"'
    done = completed.json()
    assert done["status"] == "done"
    assert done["allowed_actions"] == ["reopen"]
    assert done["reached"] is True
    assert done["result"] == "Договорились о встрече"
    assert done["next_step"] == "Отправить КП"
    assert instant(done["completed_at"]) == datetime(2026, 12, 1, 7, 20, tzinfo=UTC)
    assert done["overdue"] is False

    for action in ("start", "cancel"):
        refused = problem(await client.post(f"{url}/{action}", headers=me.headers), 409)
        assert refused["allowed_actions"] == ["reopen"]
    problem(await client.patch(url, json={"title": "Другое"}, headers=me.headers), 409)

    clock.advance(timedelta(minutes=10))
    reopened = await client.post(f"{url}/reopen", headers=with_etag(me, 3))
    assert reopened.status_code == 200, reopened.text
    again = reopened.json()
    assert again["status"] == "open"
    assert again["allowed_actions"] == ACTIVE_OPEN
    assert again["reached"] is None
    assert again["result"] is None
    assert again["next_step"] is None
    assert again["completed_at"] is None
    assert again["version"] == 4

    cancelled = await client.post(f"{url}/cancel", headers=me.headers)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["allowed_actions"] == ["reopen"]
    assert cancelled.json()["completed_at"] is None
    refused = problem(await client.post(f"{url}/complete", json={"reached": False}, headers=me.headers), 409)
    assert refused["code"] == "invalid_transition"
    assert refused["allowed_actions"] == ["reopen"]
    assert (await client.get(url, headers=me.headers)).json()["status"] == "cancelled"

    problem(await client.post(f"{URL}/999999/start", headers=me.headers), 404)


async def test_complete_without_start_and_non_call_outcome(client: httpx.AsyncClient, make_user) -> None:
    me = await make_user(Role.MANAGER)
    check = await create(client, me, kind="check", title="Проверить оплату")
    response = await client.post(
        f"{URL}/{check['id']}/complete", json={"result": "Оплачено"}, headers=me.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "done"
    assert response.json()["reached"] is None
    assert response.json()["result"] == "Оплачено"
    call = await create(client, me, kind="call")
    unreached = await client.post(f"{URL}/{call['id']}/complete", json={"reached": False}, headers=me.headers)
    assert unreached.status_code == 200, unreached.text
    assert unreached.json()["reached"] is False


async def test_visibility(client: httpx.AsyncClient, make_user) -> None:
    author = await make_user(Role.ASSISTANT)
    assignee = await make_user(Role.MANAGER)
    stranger = await make_user(Role.ASSISTANT)
    head = await make_user(Role.HEAD)
    task = await create(client, author, assignee_id=assignee.id)
    own = await create(client, stranger)
    url = f"{URL}/{task['id']}"

    for user in (author, assignee, head):
        response = await client.get(url, headers=user.headers)
        assert response.status_code == 200, response.text
    problem(await client.get(url, headers=stranger.headers), 404)
    problem(await client.get(f"{url}/history", headers=stranger.headers), 404)
    problem(await client.post(f"{url}/start", headers=stranger.headers), 404)
    problem(await client.post(f"{url}/cancel", headers=stranger.headers), 404)
    problem(await client.patch(url, json={"title": "Моё"}, headers=stranger.headers), 404)

    async def listed(user: Any, **params: Any) -> list[int]:
        response = await client.get(URL, params=params, headers=user.headers)
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()["items"]]

    assert await listed(stranger) == [own["id"]]
    assert await listed(author) == [task["id"]]
    assert await listed(assignee) == [task["id"]]
    assert await listed(head) == [task["id"], own["id"]]
    assert await listed(head, assignee_id=assignee.id) == [task["id"]]
    assert await listed(stranger, assignee_id=assignee.id) == []

    # A head may act on any task; the assignee too.
    started = await client.post(f"{url}/start", headers=head.headers)
    assert started.status_code == 200, started.text
    completed = await client.post(f"{url}/complete", json={"reached": True}, headers=assignee.headers)
    assert completed.status_code == 200, completed.text
    assert (await client.get(url, headers=stranger.headers)).status_code == 404

    # Reassigning away keeps it visible to the author, and makes it visible to the new assignee.
    reopened = await client.post(f"{url}/reopen", headers=author.headers)
    assert reopened.status_code == 200
    moved = await client.patch(url, json={"assignee_id": stranger.id}, headers=author.headers)
    assert moved.status_code == 200, moved.text
    assert (await client.get(url, headers=stranger.headers)).status_code == 200
    problem(await client.get(url, headers=assignee.headers), 404)
    problem(await client.get(URL), 401)


async def test_list_filters_and_pages(client: httpx.AsyncClient, make_user) -> None:
    me = await make_user(Role.ASSISTANT)
    ids = []
    for n in range(5):
        kind = "call" if n % 2 == 0 else "remind"
        created = await create(
            client, me, kind=kind, title=f"Задача {n}", due_at=f"2026-12-0{n + 2}T12:00:00+03:00"
        )
        ids.append(created["id"])
    await client.post(f"{URL}/{ids[1]}/cancel", headers=me.headers)
    subject = await create(client, me, subject_type="spec", subject_id=77, due_at="2026-12-20T12:00:00+03:00")

    async def listed(**params: Any) -> list[int]:
        response = await client.get(URL, params=params, headers=me.headers)
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()["items"]]

    assert await listed() == [*ids, subject["id"]]
    assert await listed(kind="remind") == [ids[1], ids[3]]
    assert await listed(status="cancelled") == [ids[1]]
    assert await listed(status="open", kind="call") == [ids[0], ids[2], ids[4], subject["id"]]
    assert await listed(subject_type="spec", subject_id=77) == [subject["id"]]
    assert await listed(due_before="2026-12-04T12:00:00+03:00") == [ids[0], ids[1]]
    problem(
        await client.get(URL, params={"due_before": "2026-12-04T12:00:00"}, headers=me.headers),
        422,
        "query.due_before",
    )
    problem(await client.get(URL, params={"status": "lost"}, headers=me.headers), 422, "query.status")

    first = (await client.get(URL, params={"limit": 4}, headers=me.headers)).json()
    assert [t["id"] for t in first["items"]] == ids[:4]
    second = (
        await client.get(URL, params={"limit": 4, "cursor": first["next_cursor"]}, headers=me.headers)
    ).json()
    assert [t["id"] for t in second["items"]] == [ids[4], subject["id"]]
    assert second["next_cursor"] is None
    problem(await client.get(URL, params={"cursor": "nonsense"}, headers=me.headers), 422, "cursor")


async def test_update(client: httpx.AsyncClient, make_user, clock, session_factory) -> None:
    me = await make_user(Role.ASSISTANT)
    colleague = await make_user(Role.MANAGER)
    gone = await make_user(Role.MANAGER)
    async with session_factory() as session:
        await session.execute(update(Employee).where(Employee.id == gone.id).values(is_active=False))
        await session.commit()
    task = await create(client, me)
    url = f"{URL}/{task['id']}"

    problem(
        await client.patch(url, json={"due_at": "2026-12-05T10:00:00"}, headers=me.headers), 422, "due_at"
    )
    problem(await client.patch(url, json={"due_at": None}, headers=me.headers), 422, "due_at")
    problem(await client.patch(url, json={"title": None}, headers=me.headers), 422, "title")
    problem(await client.patch(url, json={"assignee_id": None}, headers=me.headers), 422, "assignee_id")
    problem(await client.patch(url, json={"assignee_id": gone.id}, headers=me.headers), 422, "assignee_id")
    problem(await client.patch(url, json={"assignee_id": 999_999}, headers=me.headers), 422, "assignee_id")
    problem(await client.patch(url, json={"status": "done"}, headers=me.headers), 422, "status")

    clock.advance(timedelta(minutes=1))
    response = await client.patch(
        url,
        json={"title": "Перезвонить", "due_at": "2026-12-05T10:00:00+03:00", "assignee_id": colleague.id},
        headers=with_etag(me, 1),
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    data = response.json()
    assert data["title"] == "Перезвонить"
    assert instant(data["due_at"]) == datetime(2026, 12, 5, 7, 0, tzinfo=UTC)
    assert data["assignee_id"] == colleague.id
    assert data["created_by_id"] == me.id


async def test_stale_if_match(client: httpx.AsyncClient, make_user, clock) -> None:
    me = await make_user(Role.ASSISTANT)
    task = await create(client, me, title="Исходная")
    url = f"{URL}/{task['id']}"
    clock.advance(timedelta(minutes=1))
    assert (await client.patch(url, json={"title": "Вторая"}, headers=with_etag(me, 1))).status_code == 200

    stale = problem(await client.patch(url, json={"title": "Третья"}, headers=with_etag(me, 1)), 412)
    assert stale["code"] == "precondition_failed"
    problem(await client.post(f"{url}/start", headers=with_etag(me, 1)), 412)
    problem(await client.post(f"{url}/cancel", headers=with_etag(me, 5)), 412)
    problem(await client.post(f"{url}/complete", json={"reached": True}, headers=with_etag(me, 1)), 412)
    problem(await client.post(f"{url}/start", headers={**me.headers, "If-Match": "W/abc"}), 412)

    current = await client.get(url, headers=me.headers)
    assert current.headers["etag"] == '"2"'
    assert current.json()["title"] == "Вторая"
    assert current.json()["status"] == "open"
    accepted = await client.post(f"{url}/start", headers={**me.headers, "If-Match": 'W/"2"'})
    assert accepted.status_code == 200, accepted.text
    anything = await client.post(f"{url}/cancel", headers={**me.headers, "If-Match": "*"})
    assert anything.status_code == 200, anything.text


async def test_history(client: httpx.AsyncClient, make_user, clock) -> None:
    author = await make_user(Role.ASSISTANT)
    assignee = await make_user(Role.MANAGER)
    task = await create(client, author, assignee_id=assignee.id, title="Первая")
    url = f"{URL}/{task['id']}"
    clock.advance(timedelta(minutes=1))
    assert (await client.patch(url, json={"title": "Вторая"}, headers=author.headers)).status_code == 200
    clock.advance(timedelta(minutes=1))
    assert (await client.post(f"{url}/start", headers=assignee.headers)).status_code == 200
    clock.advance(timedelta(minutes=1))
    completed = await client.post(
        f"{url}/complete", json={"reached": False, "result": "Не берут трубку"}, headers=assignee.headers
    )
    assert completed.status_code == 200
    clock.advance(timedelta(minutes=1))
    assert (await client.post(f"{url}/reopen", headers=author.headers)).status_code == 200
    clock.advance(timedelta(minutes=1))
    assert (await client.post(f"{url}/cancel", headers=author.headers)).status_code == 200

    response = await client.get(f"{url}/history", headers=assignee.headers)
    assert response.status_code == 200, response.text
    events = response.json()["items"]
    assert [e["action"] for e in events] == ["created", "updated", "start", "complete", "reopen", "cancel"]
    assert [e["actor_id"] for e in events] == [
        author.id,
        author.id,
        assignee.id,
        assignee.id,
        author.id,
        author.id,
    ]
    assert [instant(e["occurred_at"]) for e in events] == [
        datetime(2026, 12, 1, 7, m, tzinfo=UTC) for m in range(6)
    ]
    created, updated, start, complete, reopen, cancel = events
    assert created["before"] is None
    assert created["after"]["title"] == "Первая"
    assert created["after"]["status"] == "open"
    assert created["after"]["assignee_id"] == assignee.id
    assert updated["before"] == {"title": "Первая"}
    assert updated["after"] == {"title": "Вторая"}
    assert start["before"] == {"status": "open"}
    assert start["after"] == {"status": "in_progress"}
    assert complete["before"] == {"status": "in_progress"}
    assert complete["after"] == {"status": "done", "reached": False, "result": "Не берут трубку"}
    assert reopen["before"] == {"status": "done"}
    assert reopen["after"] == {"status": "open"}
    assert cancel["before"] == {"status": "open"}
    assert cancel["after"] == {"status": "cancelled"}
    assert all(e["entity_type"] == "task" and e["entity_id"] == task["id"] for e in events)
