"""Clients API: the card, an INN/KPP refusal of each kind, visibility by department, search, paging,
ETags, history. The card's rules (INN with KPP, one card per INN/KPP, the people's roles) are in
tests/services/test_clients_service.py."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import httpx

from app.models.directory import Role
from app.services.seed import inn10
from tests.support.helpers import problem

URL = "/api/v1/clients"
KPP = "352501001"
_numbers = itertools.count(1)


def org_inn() -> str:
    """A fresh valid 10-digit INN (an organisation)."""
    return inn10(f"35250{next(_numbers):04d}")


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "ООО «Ромашка»", "inn": org_inn(), "kpp": KPP}
    data.update(overrides)
    return data


def bad_checksum(inn: str) -> str:
    return inn[:-1] + str((int(inn[-1]) + 1) % 10)


async def create(client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = await client.post(URL, json=body(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_create_with_contacts(client: httpx.AsyncClient, make_user) -> None:
    manager = await make_user(Role.MANAGER)
    assistant = await make_user(Role.ASSISTANT)
    inn = inn10("352501234")
    payload = {
        "name": "  ООО «Северная Стройгруппа»  ",
        "inn": inn,
        "kpp": KPP,
        "legal_address": "160000, г. Вологда, ул. Примерная, д. 3",
        "delivery_addresses": ["г. Вологда, ул. Складская, 1"],
        "headcount": 240,
        "potential": "high",
        "purchase_frequency": "quarterly",
        "payment_day": 15,
        "manager_id": manager.id,
        "assistant_id": assistant.id,
        "contacts": [
            {
                "name": "Соколов Андрей Викторович",
                "position": "Снабженец",
                "phones": ["+7 921 555-01-23", "8 (921) 555-01-24"],
                "emails": ["supply@client.example.ru"],
                "messengers": [{"kind": "telegram", "handle": "@sokolov"}],
            },
            {"name": "Егорова Наталья Львовна", "level": "director"},
        ],
    }
    response = await client.post(URL, json=payload, headers=assistant.headers)
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"1"'
    data = response.json()
    assert data["name"] == "ООО «Северная Стройгруппа»"
    assert data["inn"] == inn
    assert data["kpp"] == KPP
    assert data["version"] == 1
    assert data["manager_id"] == manager.id
    assert data["assistant_id"] == assistant.id
    assert data["delivery_addresses"] == ["г. Вологда, ул. Складская, 1"]
    assert data["potential"] == "high"
    assert data["purchase_frequency"] == "quarterly"
    assert data["payment_day"] == 15
    assert data["headcount"] == 240
    first, second = data["contacts"]
    assert first["name"] == "Соколов Андрей Викторович"
    assert first["position"] == "Снабженец"
    assert first["level"] == "buyer"
    assert first["phones"] == ["+79215550123", "+79215550124"]
    assert first["emails"] == ["supply@client.example.ru"]
    assert first["messengers"] == [{"kind": "telegram", "handle": "@sokolov"}]
    assert second["name"] == "Егорова Наталья Львовна"
    assert second["level"] == "director"
    assert second["phones"] == []
    assert isinstance(first["id"], int)
    assert first["id"] != second["id"]

    fetched = await client.get(f"{URL}/{data['id']}", headers=assistant.headers)
    assert fetched.status_code == 200, fetched.text
    assert fetched.headers["etag"] == '"1"'
    assert fetched.json()["contacts"] == data["contacts"]
    assert fetched.json()["name"] == data["name"]


async def test_invalid_phone_is_named(client: httpx.AsyncClient, make_user) -> None:
    head = await make_user(Role.HEAD)
    response = await client.post(
        URL, json=body(contacts=[{"name": "Иванов", "phones": ["12345"]}]), headers=head.headers
    )
    problem(response, 422, "contacts.0.phones.0")


async def test_inn_checksum(client: httpx.AsyncClient, make_user) -> None:
    head = await make_user(Role.HEAD)
    valid = inn10("352501234")
    assert valid == "3525012347"
    problem(await client.post(URL, json=body(inn=bad_checksum(valid)), headers=head.headers), 422, "inn")
    response = await client.post(URL, json=body(inn=valid), headers=head.headers)
    assert response.status_code == 201, response.text
    assert response.json()["inn"] == valid


async def test_duplicate_inn_kpp(client: httpx.AsyncClient, make_user) -> None:
    head = await make_user(Role.HEAD)
    inn = org_inn()
    await create(client, head.headers, inn=inn)
    duplicate = problem(await client.post(URL, json=body(inn=inn), headers=head.headers), 422, "inn")
    assert duplicate["code"] == "duplicate"
    assert duplicate["errors"][0]["code"] == "duplicate"
    listed = (await client.get(URL, params={"inn": inn}, headers=head.headers)).json()
    assert [c["kpp"] for c in listed["items"]] == [KPP]


async def test_input_limits(client: httpx.AsyncClient, make_user) -> None:
    head = await make_user(Role.HEAD)
    problem(await client.post(URL, json=body(colour="red"), headers=head.headers), 422, "colour")
    problem(await client.post(URL, json=body(name="Я" * 10_000), headers=head.headers), 422, "name")
    problem(await client.post(URL, json=body(name="   "), headers=head.headers), 422, "name")
    problem(await client.post(URL, json=body(payment_day=32), headers=head.headers), 422, "payment_day")
    problem(await client.post(URL, json=body(potential="huge"), headers=head.headers), 422, "potential")
    response = await client.post(
        URL, content=b'{"name": "x",', headers={**head.headers, "Content-Type": "application/json"}
    )
    assert problem(response, 422)["code"] == "invalid_input"
    big = {"name": "ООО «Большое»", "inn": org_inn(), "kpp": KPP, "comment": "я" * 600_000}
    too_large = problem(await client.post(URL, json=big, headers=head.headers), 413)
    assert too_large["code"] == "payload_too_large"
    assert (await client.get(URL, headers=head.headers)).json()["items"] == []


async def test_visibility_by_department(client: httpx.AsyncClient, make_user) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    service_manager = await make_user(Role.MANAGER)
    shop_manager = await make_user(Role.MANAGER, department="shop")
    by_manager = await create(client, head.headers, name="А-клиент", manager_id=service_manager.id)
    by_assistant = await create(client, head.headers, name="Б-клиент", assistant_id=assistant.id)
    foreign = await create(client, head.headers, name="В-клиент", manager_id=shop_manager.id)
    everything = [by_manager["id"], by_assistant["id"], foreign["id"]]

    seen = await client.get(URL, headers=assistant.headers)
    assert seen.status_code == 200, seen.text
    assert [c["id"] for c in seen.json()["items"]] == [by_manager["id"], by_assistant["id"]]
    problem(await client.get(f"{URL}/{foreign['id']}", headers=assistant.headers), 404)
    problem(await client.get(f"{URL}/{foreign['id']}/history", headers=assistant.headers), 404)
    problem(
        await client.patch(f"{URL}/{foreign['id']}", json={"comment": "x"}, headers=assistant.headers), 404
    )
    shop = await client.get(URL, headers=shop_manager.headers)
    assert [c["id"] for c in shop.json()["items"]] == [foreign["id"]]

    for role in (Role.LAWYER, Role.ACCOUNTANT, Role.HEAD, Role.DIRECTOR):
        reader = await make_user(role, department="administration")
        listed = await client.get(URL, headers=reader.headers)
        assert listed.status_code == 200, (role, listed.text)
        assert [c["id"] for c in listed.json()["items"]] == everything, role
        assert (await client.get(f"{URL}/{foreign['id']}", headers=reader.headers)).status_code == 200

    lawyer = await make_user(Role.LAWYER)
    problem(await client.post(URL, json=body(), headers=lawyer.headers), 403)
    problem(await client.patch(f"{URL}/{foreign['id']}", json={"comment": "x"}, headers=lawyer.headers), 403)
    warehouse = await make_user(Role.WAREHOUSE, department="warehouse")
    assert problem(await client.get(URL, headers=warehouse.headers), 403)["code"] == "forbidden"
    problem(await client.get(f"{URL}/{foreign['id']}", headers=warehouse.headers), 403)
    problem(await client.post(URL, json=body(), headers=warehouse.headers), 403)
    problem(await client.get(URL), 401)


async def test_clients_named_by_id_in_one_request(client: httpx.AsyncClient, make_user) -> None:
    """`?id=…&id=…` gives those of the ids the caller may see, by name: a list names its rows'
    clients in one request; an id out of scope is left out as one that does not exist."""
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    shop_manager = await make_user(Role.MANAGER, department="shop")
    b = await create(client, head.headers, name="Б-клиент", assistant_id=assistant.id)
    a = await create(client, head.headers, name="А-клиент", assistant_id=assistant.id)
    await create(client, head.headers, name="Г-клиент", assistant_id=assistant.id)
    foreign = await create(client, head.headers, name="В-клиент", manager_id=shop_manager.id)

    asked = [b["id"], foreign["id"], a["id"], 999_999, b["id"]]
    named = await client.get(URL, params={"id": asked}, headers=assistant.headers)
    assert named.status_code == 200, named.text
    assert [c["name"] for c in named.json()["items"]] == ["А-клиент", "Б-клиент"]
    by_head = await client.get(URL, params={"id": asked}, headers=head.headers)
    assert [c["name"] for c in by_head.json()["items"]] == ["А-клиент", "Б-клиент", "В-клиент"]

    too_many = await client.get(URL, params={"id": list(range(1, 102))}, headers=head.headers)
    assert problem(too_many, 422)["errors"][0]["field"] == "query.id"
    zero = await client.get(URL, params={"id": [a["id"], 0]}, headers=head.headers)
    assert problem(zero, 422)["errors"][0]["field"].startswith("query.id")
    word = await client.get(f"{URL}?id=first", headers=head.headers)
    assert problem(word, 422)["errors"][0]["field"].startswith("query.id")


async def test_client_may_not_leave_the_editors_department(client: httpx.AsyncClient, make_user) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    service_manager = await make_user(Role.MANAGER)
    shop_manager = await make_user(Role.MANAGER, department="shop")
    problem(
        await client.post(URL, json=body(manager_id=shop_manager.id), headers=assistant.headers),
        422,
        "manager_id",
    )
    problem(await client.post(URL, json=body(), headers=assistant.headers), 422, "manager_id")
    assert (await client.get(URL, headers=head.headers)).json()["items"] == []

    created = await create(client, assistant.headers, manager_id=service_manager.id)
    url = f"{URL}/{created['id']}"
    problem(
        await client.patch(url, json={"manager_id": shop_manager.id}, headers=assistant.headers),
        422,
        "manager_id",
    )
    unchanged = await client.get(url, headers=assistant.headers)
    assert unchanged.status_code == 200
    assert unchanged.json()["manager_id"] == service_manager.id
    assert unchanged.headers["etag"] == '"1"'
    # A head may hand the client over to another department.
    moved = await client.patch(url, json={"manager_id": shop_manager.id}, headers=head.headers)
    assert moved.status_code == 200, moved.text
    assert moved.json()["manager_id"] == shop_manager.id
    problem(await client.get(url, headers=assistant.headers), 404)


async def test_search(client: httpx.AsyncClient, make_user) -> None:
    head = await make_user(Role.HEAD)
    north = await create(client, head.headers, name="ООО «Северная Стройгруппа»", inn=inn10("352501234"))
    await create(client, head.headers, name="АО «Вологодский машзавод»", inn=inn10("771234567"))
    south = await create(client, head.headers, name="ООО «Южная СТРОЙГРУППА»", inn=inn10("352509876"))

    async def names(**params: Any) -> list[str]:
        response = await client.get(URL, params=params, headers=head.headers)
        assert response.status_code == 200, response.text
        return [c["name"] for c in response.json()["items"]]

    assert await names(q="стройгруппа") == [north["name"], south["name"]]
    assert await names(q="СТРОЙГРУППА") == [north["name"], south["name"]]
    assert await names(q="  северная ") == [north["name"]]
    assert await names(q="машзавод") == ["АО «Вологодский машзавод»"]
    assert await names(q="3525") == [north["name"], south["name"]]
    assert await names(q="7712") == ["АО «Вологодский машзавод»"]
    assert await names(q="1234") == []  # the INN matches only from its start
    assert await names(q="%") == []
    assert await names(q="_") == []
    assert await names(q="кирпич") == []
    assert await names(inn=inn10("352509876")) == [south["name"]]
    problem(await client.get(URL, params={"inn": "12345"}, headers=head.headers), 422, "query.inn")


async def test_filters(client: httpx.AsyncClient, make_user) -> None:
    head = await make_user(Role.HEAD)
    first_manager = await make_user(Role.MANAGER)
    second_manager = await make_user(Role.MANAGER)
    assistant = await make_user(Role.ASSISTANT)
    a = await create(
        client,
        head.headers,
        name="Альфа",
        manager_id=first_manager.id,
        potential="high",
        purchase_frequency="monthly",
    )
    b = await create(
        client,
        head.headers,
        name="Бета",
        manager_id=second_manager.id,
        assistant_id=assistant.id,
        potential="low",
        purchase_frequency="monthly",
    )
    c = await create(
        client, head.headers, name="Гамма", manager_id=first_manager.id, assistant_id=assistant.id
    )

    async def ids(**params: Any) -> list[int]:
        response = await client.get(URL, params=params, headers=head.headers)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids(manager_id=first_manager.id) == [a["id"], c["id"]]
    assert await ids(assistant_id=assistant.id) == [b["id"], c["id"]]
    assert await ids(potential="high") == [a["id"]]
    assert await ids(purchase_frequency="monthly") == [a["id"], b["id"]]
    assert await ids(manager_id=first_manager.id, assistant_id=assistant.id) == [c["id"]]
    assert await ids(manager_id=second_manager.id, potential="high") == []
    problem(await client.get(URL, params={"potential": "huge"}, headers=head.headers), 422, "query.potential")
    problem(await client.get(URL, params={"manager_id": 0}, headers=head.headers), 422, "query.manager_id")


async def test_cursor_pagination(client: httpx.AsyncClient, make_user) -> None:
    head = await make_user(Role.HEAD)
    # Created out of order, and two with the same name: the order is name, then id.
    created = []
    for name in ("Клиент 05", "Клиент 02", "Клиент 07", "Клиент 01", "Клиент 04", "Клиент 03", "Клиент 04"):
        created.append(await create(client, head.headers, name=name))
    expected = [c["id"] for c in sorted(created, key=lambda c: (c["name"], c["id"]))]

    pages: list[list[int]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor is not None:
            params["cursor"] = cursor
        response = await client.get(URL, params=params, headers=head.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append([c["id"] for c in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert len(pages) < 5, pages
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [i for p in pages for i in p] == expected
    assert len(set(expected)) == 7

    exact = await client.get(URL, params={"limit": 7}, headers=head.headers)
    assert exact.json()["next_cursor"] is None
    assert [c["id"] for c in exact.json()["items"]] == expected
    default = await client.get(URL, headers=head.headers)
    assert len(default.json()["items"]) == 7

    for bad in ("not-a-cursor!", "WzFd", "eyJhIjoxfQ"):  # garbage, [1], {"a":1}
        problem(await client.get(URL, params={"cursor": bad}, headers=head.headers), 422, "cursor")
    problem(await client.get(URL, params={"limit": 100_000}, headers=head.headers), 422, "query.limit")
    problem(await client.get(URL, params={"limit": 201}, headers=head.headers), 422, "query.limit")
    problem(await client.get(URL, params={"limit": 0}, headers=head.headers), 422, "query.limit")


async def test_patch_with_etag(client: httpx.AsyncClient, make_user, clock) -> None:
    assistant = await make_user(Role.ASSISTANT)
    manager = await make_user(Role.MANAGER)
    created = await create(
        client, assistant.headers, name="ООО «Старое»", manager_id=manager.id, headcount=10, comment="был"
    )
    url = f"{URL}/{created['id']}"
    clock.advance(timedelta(minutes=5))

    stale = problem(
        await client.patch(
            url, json={"name": "ООО «Чужое»"}, headers={**assistant.headers, "If-Match": '"7"'}
        ),
        412,
    )
    assert stale["code"] == "precondition_failed"
    problem(
        await client.patch(
            url, json={"name": "ООО «Чужое»"}, headers={**assistant.headers, "If-Match": "xyz"}
        ),
        412,
    )
    after_stale = await client.get(url, headers=assistant.headers)
    assert after_stale.json()["name"] == "ООО «Старое»"
    assert after_stale.headers["etag"] == '"1"'

    response = await client.patch(
        url,
        json={"name": "ООО «Новое»", "headcount": 25, "comment": None},
        headers={**assistant.headers, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    data = response.json()
    assert data["name"] == "ООО «Новое»"
    assert data["headcount"] == 25
    assert data["comment"] is None
    assert data["version"] == 2
    assert data["manager_id"] == manager.id  # untouched fields stay
    assert data["updated_at"] != data["created_at"]

    # The old ETag is now stale: nothing changes.
    problem(
        await client.patch(
            url, json={"name": "ООО «Третье»"}, headers={**assistant.headers, "If-Match": '"1"'}
        ),
        412,
    )
    fetched = await client.get(url, headers=assistant.headers)
    assert fetched.headers["etag"] == '"2"'
    assert fetched.json()["name"] == "ООО «Новое»"
    assert (await client.get(URL, params={"q": "новое"}, headers=assistant.headers)).json()["items"][0][
        "id"
    ] == created["id"]
    assert (await client.get(URL, params={"q": "старое"}, headers=assistant.headers)).json()["items"] == []

    problem(await client.patch(url, json={"name": None}, headers=assistant.headers), 422, "name")
    problem(await client.patch(url, json={"inn": None}, headers=assistant.headers), 422, "inn")
    problem(await client.patch(url, json={"kpp": None}, headers=assistant.headers), 422, "kpp")
    problem(await client.patch(url, json={"unknown": 1}, headers=assistant.headers), 422, "unknown")
    problem(await client.patch(f"{URL}/999999", json={"comment": "x"}, headers=assistant.headers), 404)
    assert (await client.get(url, headers=assistant.headers)).headers["etag"] == '"2"'


async def test_patch_duplicate_inn(client: httpx.AsyncClient, make_user) -> None:
    head = await make_user(Role.HEAD)
    first = await create(client, head.headers)
    second = await create(client, head.headers, inn=first["inn"], kpp="352502001")
    response = await client.patch(f"{URL}/{second['id']}", json={"kpp": KPP}, headers=head.headers)
    assert problem(response, 422, "inn")["code"] == "duplicate"
    moved = await client.patch(
        f"{URL}/{second['id']}", json={"inn": org_inn(), "kpp": KPP}, headers=head.headers
    )
    assert moved.status_code == 200, moved.text
    same = await client.patch(f"{URL}/{first['id']}", json={"inn": first["inn"]}, headers=head.headers)
    assert same.status_code == 200, same.text


async def test_contacts(client: httpx.AsyncClient, make_user, clock) -> None:
    assistant = await make_user(Role.ASSISTANT)
    created = await create(
        client, assistant.headers, assistant_id=assistant.id, contacts=[{"name": "Первый Контакт"}]
    )
    url = f"{URL}/{created['id']}"
    first_id = created["contacts"][0]["id"]

    clock.advance(timedelta(minutes=1))
    added = await client.post(
        f"{url}/contacts",
        json={"name": "Второй Контакт", "level": "chief_accountant", "phones": ["+7 (8172) 72-00-00"]},
        headers={**assistant.headers, "If-Match": '"1"'},
    )
    assert added.status_code == 201, added.text
    assert added.headers["etag"] == '"2"'
    contacts = added.json()["contacts"]
    assert [c["name"] for c in contacts] == ["Первый Контакт", "Второй Контакт"]
    assert contacts[1]["phones"] == ["+78172720000"]
    assert contacts[1]["level"] == "chief_accountant"
    second_id = contacts[1]["id"]

    problem(
        await client.post(
            f"{url}/contacts", json={"name": "Стейл"}, headers={**assistant.headers, "If-Match": '"1"'}
        ),
        412,
    )
    problem(await client.post(f"{url}/contacts", json={"name": ""}, headers=assistant.headers), 422, "name")

    clock.advance(timedelta(minutes=1))
    replaced = await client.put(
        f"{url}/contacts/{first_id}",
        json={"name": "Первый Изменённый", "emails": ["first@client.example.ru"], "level": "director"},
        headers={**assistant.headers, "If-Match": '"2"'},
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.headers["etag"] == '"3"'
    first = replaced.json()["contacts"][0]
    assert first == {
        "id": first_id,
        "name": "Первый Изменённый",
        "position": None,
        "level": "director",
        "phones": [],
        "emails": ["first@client.example.ru"],
        "messengers": [],
        "comment": None,
    }
    problem(
        await client.put(f"{url}/contacts/999999", json={"name": "Никто"}, headers=assistant.headers), 404
    )

    clock.advance(timedelta(minutes=1))
    removed = await client.delete(
        f"{url}/contacts/{second_id}", headers={**assistant.headers, "If-Match": '"3"'}
    )
    assert removed.status_code == 200, removed.text
    assert removed.headers["etag"] == '"4"'
    assert [c["id"] for c in removed.json()["contacts"]] == [first_id]
    problem(await client.delete(f"{url}/contacts/{second_id}", headers=assistant.headers), 404)

    fetched = await client.get(url, headers=assistant.headers)
    assert fetched.headers["etag"] == '"4"'
    assert [c["name"] for c in fetched.json()["contacts"]] == ["Первый Изменённый"]

    # A contact of another client cannot be reached through this one.
    other = await create(client, assistant.headers, assistant_id=assistant.id, contacts=[{"name": "Чужой"}])
    problem(
        await client.delete(f"{url}/contacts/{other['contacts'][0]['id']}", headers=assistant.headers), 404
    )


async def test_contact_change_moves_the_etag_even_within_one_clock_tick(
    client: httpx.AsyncClient, make_user
) -> None:
    """The ETag must change with every change of the card, whatever the clock says."""
    head = await make_user(Role.HEAD)
    created = await create(client, head.headers)
    added = await client.post(
        f"{URL}/{created['id']}/contacts", json={"name": "Новый"}, headers={**head.headers, "If-Match": '"1"'}
    )
    assert added.status_code == 201, added.text
    assert added.headers["etag"] == '"2"'
    problem(
        await client.post(
            f"{URL}/{created['id']}/contacts",
            json={"name": "Ещё"},
            headers={**head.headers, "If-Match": '"1"'},
        ),
        412,
    )


async def test_history(client: httpx.AsyncClient, make_user, clock) -> None:
    assistant = await make_user(Role.ASSISTANT)
    head = await make_user(Role.HEAD)
    created = await create(
        client, assistant.headers, name="ООО «Было»", assistant_id=assistant.id, contacts=[{"name": "Иванов"}]
    )
    url = f"{URL}/{created['id']}"
    contact_id = created["contacts"][0]["id"]
    clock.advance(timedelta(minutes=1))
    assert (await client.patch(url, json={"name": "ООО «Стало»"}, headers=head.headers)).status_code == 200
    clock.advance(timedelta(minutes=1))
    added = await client.post(f"{url}/contacts", json={"name": "Петров"}, headers=assistant.headers)
    assert added.status_code == 201
    new_id = added.json()["contacts"][1]["id"]
    clock.advance(timedelta(minutes=1))
    changed = await client.put(
        f"{url}/contacts/{contact_id}", json={"name": "Иванов И. И."}, headers=assistant.headers
    )
    assert changed.status_code == 200
    clock.advance(timedelta(minutes=1))
    assert (await client.delete(f"{url}/contacts/{new_id}", headers=assistant.headers)).status_code == 200

    response = await client.get(f"{url}/history", headers=assistant.headers)
    assert response.status_code == 200, response.text
    events = response.json()["items"]
    assert [e["action"] for e in events] == [
        "created",
        "updated",
        "contact_added",
        "contact_changed",
        "contact_removed",
    ]
    assert [e["actor_id"] for e in events] == [
        assistant.id,
        head.id,
        assistant.id,
        assistant.id,
        assistant.id,
    ]
    assert all(e["entity_type"] == "client" and e["entity_id"] == created["id"] for e in events)
    created_event, updated, contact_added, contact_changed, contact_removed = events
    assert created_event["before"] is None
    assert created_event["after"]["name"] == "ООО «Было»"
    assert created_event["after"]["inn"] == created["inn"]
    assert "name_search" not in created_event["after"]
    assert [c["name"] for c in created_event["after"]["contacts"]] == ["Иванов"]
    assert updated["before"] == {"name": "ООО «Было»"}
    assert updated["after"] == {"name": "ООО «Стало»"}
    assert contact_added["before"] is None
    assert contact_added["after"]["name"] == "Петров"
    assert contact_added["after"]["id"] == new_id
    assert contact_changed["before"]["name"] == "Иванов"
    assert contact_changed["after"]["name"] == "Иванов И. И."
    assert contact_removed["before"]["id"] == new_id
    assert contact_removed["after"] is None

    paged = await client.get(f"{url}/history", params={"limit": 2}, headers=assistant.headers)
    assert [e["action"] for e in paged.json()["items"]] == ["created", "updated"]
    rest = await client.get(
        f"{url}/history",
        params={"limit": 10, "cursor": paged.json()["next_cursor"]},
        headers=assistant.headers,
    )
    assert [e["action"] for e in rest.json()["items"]] == [
        "contact_added",
        "contact_changed",
        "contact_removed",
    ]
    assert rest.json()["next_cursor"] is None
    problem(await client.get(f"{URL}/999999/history", headers=assistant.headers), 404)
