"""Who may read a message in the outbox follows what it is about (its subject's permission and
department), not access to the work chats: the warehouse, the workshop and supply never read a debt's
e-mails, a claim or a reconciliation act, nor another department's manager."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.calendar import BusinessCalendar
from app.models.collection import CaseStage, CollectionCase
from app.models.directory import Role
from app.models.outbox import MessageAbout, OutboundKind
from app.services.kernel.outbox import OutboxService
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.seed import inn10
from tests.conftest import NOW


async def _messages(
    factory: async_sessionmaker[AsyncSession], clock: Any, case_id: int, act_id: int, order_id: int
) -> dict[str, int]:
    """A message of each sort, as the services record them."""
    async with factory() as session:
        uow = UnitOfWork(session=session, clock=clock, calendar=BusinessCalendar())
        outbox = OutboxService(uow)
        made = {}
        for name, kind, about in (
            ("claim", OutboundKind.EMAIL, (MessageAbout.COLLECTION_CASE, case_id)),
            ("act", OutboundKind.EMAIL, (MessageAbout.RECONCILIATION_ACT, act_id)),
            ("warehouse_order", OutboundKind.CHAT, (MessageAbout.ORDER, order_id)),
            ("document_flag", OutboundKind.CHAT, None),
            ("old_email", OutboundKind.EMAIL, None),  # recorded before subjects were kept
        ):
            message, _ = await outbox.add(
                kind=kind,
                channel="email" if kind == OutboundKind.EMAIL else "warehouse",
                recipient="buh@client.example.ru" if kind == OutboundKind.EMAIL else "",
                subject=f"Письмо {name}",
                body=f"Долг 100 000,00 ₽ ({name})",
                dedupe_key=f"test:{name}",
                about=about,
            )
            made[name] = message.id
        await uow.commit(None)
    return made


async def test_outbox_readers_follow_the_messages_subject(
    client: httpx.AsyncClient, app: Any, make_user: Any, session_factory: Any, clock: Any
) -> None:
    manager = await make_user(Role.MANAGER)
    card = await client.post(
        "/api/v1/clients",
        headers=manager.headers,
        json={
            "name": "ООО «Должник»",
            "inn": inn10("352806666"),
            "kpp": "352801001",
            "manager_id": manager.id,
        },
    )
    assert card.status_code == 201, card.text
    client_id = card.json()["id"]
    act = await client.post(
        "/api/v1/reconciliation-acts",
        headers=manager.headers,
        json={"client_id": client_id, "date_from": "2026-11-01", "date_to": "2026-11-30"},
    )
    assert act.status_code == 201, act.text
    suit = (await app.state.erp.search_products("Костюм", 1))[0]
    order = await client.post(
        "/api/v1/orders",
        headers=manager.headers,
        json={
            "channel": "phone",
            "client_id": client_id,
            "lines": [{"product_id": suit.id, "price_category": "Оптовая", "quantity": 1}],
        },
    )
    assert order.status_code == 201, order.text
    async with session_factory() as session:
        case = CollectionCase(
            client_id=client_id,
            episode=1,
            stage=CaseStage.GUARANTEE_REQUESTED,
            opened_on=NOW.date(),
            debt_at_open=Decimal("100000.00"),
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(case)
        await session.commit()
        case_id = case.id
    made = await _messages(session_factory, clock, case_id, act.json()["id"], order.json()["id"])

    async def readable(user: Any) -> set[str]:
        response = await client.get("/api/v1/outbound", params={"limit": 100}, headers=user.headers)
        assert response.status_code == 200, response.text
        ids = {m["id"] for m in response.json()["items"]}
        return {name for name, ident in made.items() if ident in ids}

    everything = set(made)
    assert await readable(await make_user(Role.HEAD, department="shop")) == everything
    assert await readable(manager) == everything - {"old_email"}
    assert await readable(await make_user(Role.MANAGER, department="shop")) == {"document_flag"}
    assert await readable(await make_user(Role.WAREHOUSE, department="warehouse")) == {
        "warehouse_order",
        "document_flag",
    }
    for role, department in ((Role.WORKSHOP, "workshop"), (Role.SUPPLY, "supply")):
        assert await readable(await make_user(role, department=department)) == {"document_flag"}, role
    listed = (await client.get("/api/v1/outbound", headers=manager.headers)).json()["items"]
    claim = next(m for m in listed if m["id"] == made["claim"])
    assert (claim["about"], claim["about_id"]) == ("collection_case", case_id)
