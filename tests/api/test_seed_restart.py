"""The start-up seed loads the reference data and the demo once: an installation whose directory
an admin has edited (a department's code, a link removed, a term renamed, a demo employee or client
changed) starts again without an error and without undoing a single edit."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.calendar import BusinessCalendar
from app.core.clock import FixedClock
from app.models.directory import Role
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.seed import seed_demo, seed_reference


async def _start(session_factory: async_sessionmaker[AsyncSession], clock: FixedClock) -> None:
    """What `pomoshnik dev` (and `migrate`) run on every start, each in its own transaction."""
    for seed in (seed_reference, seed_demo):
        async with session_factory() as session:
            uow = UnitOfWork(session=session, clock=clock, calendar=BusinessCalendar())
            await seed(uow)
            await uow.commit(None)


async def _patch(client: httpx.AsyncClient, url: str, headers: dict[str, str], body: dict[str, Any]) -> Any:
    read = await client.get(url, headers=headers)
    assert read.status_code == 200, read.text
    changed = await client.patch(url, headers=headers | {"If-Match": read.headers["ETag"]}, json=body)
    assert changed.status_code == 200, changed.text
    return changed.json()


async def _snapshot(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    departments = (await client.get("/api/v1/departments", headers=headers)).json()["items"]
    reference = (await client.get("/api/v1/reference", headers=headers)).json()
    employees = (await client.get("/api/v1/employees", headers=headers, params={"limit": 200})).json()
    clients = (await client.get("/api/v1/clients", headers=headers, params={"limit": 200})).json()
    return {
        "departments": sorted((d["code"], d["name"]) for d in departments),
        "links": sorted(link["title"] for link in reference["links"]),
        "terms": sorted((t["term"], t["definition"]) for t in reference["terms"]),
        "employees": sorted((e["email"], e["position"], e["department_id"]) for e in employees["items"]),
        "clients": sorted(c["name"] for c in clients["items"]),
    }


async def test_a_start_after_the_directory_was_edited_changes_nothing_and_does_not_fail(
    client: httpx.AsyncClient,
    make_user: Any,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
) -> None:
    await _start(session_factory, clock)  # the first start: the reference data and the demo
    admin = await make_user(Role.ADMIN, department="administration")
    h = admin.headers
    before = await _snapshot(client, h)
    assert ("shop", "Магазин") in before["departments"]
    assert len(before["links"]) == 12
    assert before["employees"]
    assert before["clients"]

    departments = {d["code"]: d for d in (await client.get("/api/v1/departments", headers=h)).json()["items"]}
    await _patch(client, f"/api/v1/departments/{departments['shop']['id']}", h, {"code": "retail"})
    await _patch(client, f"/api/v1/departments/{departments['quality']['id']}", h, {"name": "Отдел качества"})
    reference = (await client.get("/api/v1/reference", headers=h)).json()
    for link in reference["links"]:  # every link removed: the department keeps its own list
        removed = await client.delete(
            f"/api/v1/reference/links/{link['id']}", headers=h | {"If-Match": f'"{link["version"]}"'}
        )
        assert removed.status_code == 204, removed.text
    first, second, *_ = reference["terms"]
    renamed = await client.patch(
        f"/api/v1/reference/terms/{first['id']}",
        headers=h | {"If-Match": f'"{first["version"]}"'},
        json={"definition": "Своё определение."},
    )
    assert renamed.status_code == 200, renamed.text
    removed = await client.delete(
        f"/api/v1/reference/terms/{second['id']}", headers=h | {"If-Match": f'"{second["version"]}"'}
    )
    assert removed.status_code == 204, removed.text
    employees = (await client.get("/api/v1/employees", headers=h, params={"q": "Белова"})).json()["items"]
    await _patch(
        client,
        f"/api/v1/employees/{employees[0]['id']}",
        h,
        {"position": "Технолог", "department_id": departments["service"]["id"]},
    )
    clients = (await client.get("/api/v1/clients", headers=h)).json()["items"]
    await _patch(client, f"/api/v1/clients/{clients[0]['id']}", h, {"name": "ООО «Новое имя»"})
    edited = await _snapshot(client, h)
    assert edited != before

    await _start(session_factory, clock)  # a restart
    await _start(session_factory, clock)  # and another
    assert await _snapshot(client, h) == edited
