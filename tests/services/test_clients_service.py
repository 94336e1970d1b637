"""ClientService's rules for a card: an INN with its KPP (an organisation's branch is its own
client, an entrepreneur has none), no two cards for one INN/KPP, and the people on a card hold
their roles. The request's bounds (the INN's checksum, the KPP's form) are the schema's, checked
here too; the HTTP answers (422 naming the field) are in tests/api/test_clients.py."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from pydantic import ValidationError
from stdnum.ru import inn as stdnum_inn

from app.core.errors import FieldError
from app.models.directory import Role
from app.schemas.clients import ClientCreate, ClientUpdate
from app.services.directory.clients import ClientService
from app.services.directory.employees import AuthService
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.seed import inn10

KPP = "352501001"
_numbers = itertools.count(1)


def org_inn() -> str:
    return inn10(f"35260{next(_numbers):04d}")


def person_inn() -> str:
    first10 = f"5002{next(_numbers):06d}"
    return first10 + stdnum_inn.calc_personal_check_digits(first10)


def bad_checksum(inn: str) -> str:
    return inn[:-1] + str((int(inn[-1]) + 1) % 10)


def card(**overrides: Any) -> ClientCreate:
    return ClientCreate.model_validate({"name": "ООО «Ромашка»", "inn": org_inn(), "kpp": KPP} | overrides)


async def clients_of(uow: UnitOfWork, make_user: Any) -> tuple[ClientService, Any]:
    head = await make_user(Role.HEAD)
    uow.actor = await AuthService(uow).authenticate(head.token)
    return ClientService(uow), head


def refused(caught: pytest.ExceptionInfo[FieldError], field: str) -> FieldError:
    assert caught.value.field == field, caught.value
    return caught.value


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"inn": bad_checksum(inn10("352501234"))}, "inn"),
        ({"inn": "35250123"}, "inn"),
        ({"inn": "35250123ab"}, "inn"),
        ({"kpp": "12345"}, "kpp"),
        ({"inn": bad_checksum(person_inn()), "kpp": None}, "inn"),
    ],
)
def test_the_card_bounds_name_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        card(**changes)
    assert [".".join(str(part) for part in error["loc"]) for error in caught.value.errors()] == [field]


async def test_inn_and_kpp_go_together(uow: UnitOfWork, make_user: Any) -> None:
    clients, _ = await clients_of(uow, make_user)
    entrepreneur = person_inn()
    with pytest.raises(FieldError) as caught:
        await clients.create(card(inn=entrepreneur, kpp=KPP))
    assert "an entrepreneur (12-digit INN) has no KPP" in refused(caught, "kpp").reason
    with pytest.raises(FieldError) as caught:
        await clients.create(card(kpp=None))
    assert "an organisation (10-digit INN) needs its KPP" in refused(caught, "kpp").reason
    created = await clients.create(card(name="ИП Петров", inn=entrepreneur, kpp=None))
    assert (created.inn, created.kpp) == (entrepreneur, None)


async def test_one_card_for_an_inn_and_kpp(uow: UnitOfWork, make_user: Any) -> None:
    clients, _ = await clients_of(uow, make_user)
    inn = org_inn()
    await clients.create(card(inn=inn))
    with pytest.raises(FieldError) as caught:
        await clients.create(card(inn=inn))
    assert refused(caught, "inn").code == "duplicate"
    # Another branch of the same organisation (another KPP) is a separate client.
    branch = await clients.create(card(inn=inn, kpp="352502001"))
    assert branch.kpp == "352502001"
    # Entrepreneurs have no KPP: the same INN twice is still a duplicate.
    entrepreneur = person_inn()
    await clients.create(card(inn=entrepreneur, kpp=None))
    with pytest.raises(FieldError) as caught:
        await clients.create(card(inn=entrepreneur, kpp=None))
    assert refused(caught, "inn").code == "duplicate"


async def test_the_people_on_a_card_hold_their_roles(uow: UnitOfWork, make_user: Any) -> None:
    assistant = await make_user(Role.ASSISTANT)
    manager = await make_user(Role.MANAGER)
    clients, head = await clients_of(uow, make_user)
    for changes, field in (
        ({"manager_id": assistant.id}, "manager_id"),
        ({"manager_id": 999_999}, "manager_id"),
        ({"assistant_id": manager.id}, "assistant_id"),
    ):
        with pytest.raises(FieldError) as caught:
            await clients.create(card(**changes))
        refused(caught, field)
    created = await clients.create(card(manager_id=manager.id, assistant_id=assistant.id))
    with pytest.raises(FieldError) as caught:
        await clients.update(created.id, ClientUpdate.model_validate({"manager_id": head.id}), None)
    refused(caught, "manager_id")
