"""A price below the purchase price waits for a head: the proposal stays a draft, is listed for the
heads and goes nowhere until a head approves the price or rejects it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.adapters.onec import StubErp
from app.adapters.storage.local import LocalStorage
from app.core.config import Settings
from app.core.errors import Conflict, Forbidden
from app.models.clients import Client
from app.models.directory import Role
from app.models.events import Event
from app.models.proposals import ProposalStatus
from app.schemas.proposals import (
    BelowCostApproval,
    BelowCostRejection,
    ProposalCreate,
    ProposalLineIn,
    ProposalLineUpdate,
)
from app.services.directory.employees import AuthService
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.proposals import ProposalService, pending_positions
from app.services.seed import inn10


async def waiting(service: ProposalService, pending: bool) -> list[int]:
    page = await service.page(status=None, client_id=None, cursor=None, limit=100, below_cost_pending=pending)
    return [p.id for p in page.items]


async def test_a_below_cost_price_waits_until_a_head_decides(
    uow: UnitOfWork, make_user: Any, tmp_path: Path
) -> None:
    head, manager, assistant = [await make_user(r) for r in (Role.HEAD, Role.MANAGER, Role.ASSISTANT)]
    now = uow.clock.now()
    client = Client(
        name="ООО «Ясень»",
        name_search="ооо «ясень»",
        inn=inn10("352771234"),
        delivery_addresses=[],
        manager_id=manager.id,
        assistant_id=assistant.id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(client)
    await uow.session.flush()
    settings = Settings()
    service = ProposalService(
        uow, StubErp.default(), LocalStorage(tmp_path), settings.company, settings.proposals
    )

    async def acting(user: Any) -> None:
        uow.actor = await AuthService(uow).authenticate(user.token)

    await acting(manager)
    proposal = await service.create(
        ProposalCreate.model_validate(
            {"client_id": client.id, "workwear_kind": "жилеты", "models_count": 1, "markup_percent": "25"}
        )
    )
    await acting(assistant)
    line = ProposalLineIn(name="Жилет", quantity=3, purchase_price=Decimal("100.00"))
    proposal = await service.add_line(proposal.id, line, None)
    assert proposal.status == ProposalStatus.PRICED
    proposal = await service.update_line(proposal.id, 1, ProposalLineUpdate(price=Decimal("80.00")), None)
    assert (proposal.lines[0].price, proposal.status) == (Decimal("80.00"), ProposalStatus.DRAFT)
    assert pending_positions(proposal) == [1]
    await uow.commit(None)
    assert proposal.id in await waiting(service, True)
    assert proposal.id not in await waiting(service, False)
    with pytest.raises(Conflict) as refused:
        await service.send_to_manager(proposal.id, None, None)
    assert (refused.value.code, refused.value.extra["positions"]) == ("below_cost_pending", [1])

    # The proposal's own people do not decide; another head rejects: the line needs a price again.
    with pytest.raises(Forbidden):
        await service.reject_below_cost(proposal.id, 1, BelowCostRejection(reason="Дёшево"), None)
    await acting(head)
    proposal = await service.reject_below_cost(proposal.id, 1, BelowCostRejection(reason="Дёшево"), None)
    assert (proposal.lines[0].price, proposal.lines[0].price_source) == (None, None)
    assert (proposal.status, pending_positions(proposal)) == (ProposalStatus.DRAFT, [])
    await uow.commit(None)
    assert proposal.id not in await waiting(service, True)
    entry = await uow.session.scalar(
        select(Event).where(
            Event.entity_type == "proposal",
            Event.entity_id == proposal.id,
            Event.action == "below_cost_rejected",
        )
    )
    assert entry is not None
    assert entry.after is not None
    assert (entry.after["reason"], entry.after["price"]) == ("Дёшево", "80.00")

    # Asked again, approved at the price asked: priced, and it goes to the manager.
    await acting(assistant)
    await service.update_line(proposal.id, 1, ProposalLineUpdate(price=Decimal("90.00")), None)
    await acting(head)
    proposal = await service.approve_below_cost(
        proposal.id, 1, BelowCostApproval(reason="Пробная партия"), None
    )
    assert (proposal.lines[0].price, proposal.lines[0].below_cost_approved_by_id) == (
        Decimal("90.00"),
        head.id,
    )
    assert proposal.status == ProposalStatus.PRICED
    await uow.commit(None)
    assert proposal.id not in await waiting(service, True)
    await acting(assistant)
    proposal = await service.send_to_manager(proposal.id, None, None)
    assert proposal.status == ProposalStatus.SENT_TO_MANAGER
