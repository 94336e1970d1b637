"""What was written before and should not have been: a quantity of `true`, prices in Arabic-Indic
digits or with an exponent, payments dated in year 1 or 1970, task deadlines in year 1 or 9999,
credit terms from 9999-12-31, names with a text-direction override or a zero-width space. Each is a
422 naming the field, and nothing changes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.models.directory import Role
from tests.api.test_clients import URL as CLIENTS
from tests.api.test_clients import body as client_body
from tests.api.test_proposals import people, with_catalogue_line
from tests.api.test_tasks import instant, task_body
from tests.support.helpers import problem

__all__ = ["people"]  # the fixture


def reason(response: httpx.Response, status: int, field: str) -> str:
    body = problem(response, status, field)
    return next(e["reason"] for e in body["errors"] if e["field"] == field)


async def test_numbers_are_numbers_in_ascii_digits(
    client: httpx.AsyncClient, app: Any, people: dict[str, Any]
) -> None:
    proposal = await with_catalogue_line(client, app, people)
    pid, a = proposal["id"], people["assistant"].headers
    line_url = f"/api/v1/proposals/{pid}/lines/1"
    for price in ("١٤٥٠", "1e3", "1E3", "1_450", "１４５０", True):
        said = reason(await client.patch(line_url, headers=a, json={"price": price}), 422, "price")
        assert "ASCII digits" in said or "true or false" in said, said
    said = reason(await client.patch(line_url, headers=a, json={"quantity": True}), 422, "quantity")
    assert "not true or false" in said
    problem(
        await client.post(
            f"/api/v1/proposals/{pid}/lines", headers=a, json={"name": "Куртка", "quantity": True}
        ),
        422,
        "quantity",
    )
    order = {"channel": "paper", "lines": [{"name": "Костюм", "quantity": True}]}
    problem(await client.post("/api/v1/orders", headers=a, json=order), 422, "lines.0.quantity")
    after = (await client.get(f"/api/v1/proposals/{pid}", headers=a)).json()
    assert after["version"] == proposal["version"]
    assert [(line["quantity"], line["price"]) for line in after["lines"]] == [
        (line["quantity"], line["price"]) for line in proposal["lines"]
    ]
    # Numbers as JSON writes them, and decimals as plain strings, are taken as before.
    taken = await client.patch(line_url, headers=a, json={"quantity": 3, "price": "1450.50"})
    assert taken.status_code == 200, taken.text


async def test_a_payment_dated_far_in_the_past_is_refused(
    client: httpx.AsyncClient, make_user: Any, people: dict[str, Any]
) -> None:
    accountant = await make_user(Role.ACCOUNTANT, department="finance")
    for day in ("0001-01-01", "1970-01-01", "2020-01-01"):
        payment = {"client_id": people["client"]["id"], "amount": "100.00", "paid_on": day}
        said = reason(
            await client.post("/api/v1/payments", headers=accountant.headers, json=payment), 422, "paid_on"
        )
        assert "must be between" in said
    payment = {"client_id": people["client"]["id"], "amount": "1e3", "paid_on": "2026-12-01"}
    problem(await client.post("/api/v1/payments", headers=accountant.headers, json=payment), 422, "amount")
    listed = await client.get("/api/v1/payments", headers=accountant.headers)
    assert listed.json()["items"] == []


@pytest.mark.parametrize("due_at", ["0001-01-01T00:00:00+03:00", "9999-12-31T23:59:00+03:00"])
async def test_a_task_deadline_far_off_is_refused(
    client: httpx.AsyncClient, make_user: Any, due_at: str
) -> None:
    head = await make_user(Role.HEAD)
    said = reason(
        await client.post("/api/v1/tasks", headers=head.headers, json=task_body(head.id, due_at=due_at)),
        422,
        "due_at",
    )
    assert "must be between" in said
    task = await client.post("/api/v1/tasks", headers=head.headers, json=task_body(head.id))
    assert task.status_code == 201, task.text
    url = f"/api/v1/tasks/{task.json()['id']}"
    problem(await client.patch(url, headers=head.headers, json={"due_at": due_at}), 422, "due_at")
    assert instant((await client.get(url, headers=head.headers)).json()["due_at"]) == instant(
        task.json()["due_at"]
    )


async def test_credit_terms_from_the_far_future_are_refused(
    client: httpx.AsyncClient, make_user: Any
) -> None:
    head = await make_user(Role.HEAD)
    director = await make_user(Role.DIRECTOR)
    card = await client.post(CLIENTS, headers=head.headers, json=client_body())
    assert card.status_code == 201, card.text
    terms = {"deferment_days": 10, "effective_from": "9999-12-31", "reason": "РО"}
    url = f"{CLIENTS}/{card.json()['id']}"
    said = reason(
        await client.put(f"{url}/credit-terms", headers=director.headers, json=terms), 422, "effective_from"
    )
    assert "must be between" in said
    assert (await client.get(url, headers=head.headers)).json()["version"] == card.json()["version"]


@pytest.mark.parametrize(
    ("hidden", "named"),
    [
        ("\u202e", "U+202E"),
        ("\u200b", "U+200B"),
        ("\u2066", "U+2066"),
        ("\ufeff", "U+FEFF"),
        ("\u00ad", "U+00AD"),
    ],
)
async def test_names_with_hidden_characters_are_refused(
    client: httpx.AsyncClient, make_user: Any, hidden: str, named: str
) -> None:
    head = await make_user(Role.HEAD)
    said = reason(
        await client.post(CLIENTS, headers=head.headers, json=client_body(name=f"ООО «Ром{hidden}ашка»")),
        422,
        "name",
    )
    assert named in said
    contact = {"name": f"Гусев{hidden} Олег", "level": "director", "emails": []}
    problem(
        await client.post(CLIENTS, headers=head.headers, json=client_body(contacts=[contact])),
        422,
        "contacts.0.name",
    )
    assert (await client.get(CLIENTS, headers=head.headers)).json()["items"] == []
