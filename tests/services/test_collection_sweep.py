"""The sweep's cut: cases that wait (in court between checkpoints) never fill its batch, so a case
with a step due is reached however many wait before it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from app.core.clock import FixedClock
from app.models.clients import Client
from app.models.collection import CaseStage, CollectionCase
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.receivables.collection import CollectionService
from app.services.seed import inn10

TUESDAY = datetime(2026, 12, 15, 7, 0, tzinfo=UTC)  # no checkpoint on Tuesdays


async def _case(uow: UnitOfWork, n: int, stage: CaseStage, **fields: Any) -> CollectionCase:
    now = uow.clock.now()
    client = Client(
        name=f"ООО «Ольха-{n}»",
        name_search=f"ооо «ольха-{n}»",
        inn=inn10(f"35289{n:04d}"),
        delivery_addresses=[],
        created_at=now,
        updated_at=now,
    )
    uow.session.add(client)
    await uow.session.flush()
    case = CollectionCase(
        client_id=client.id,
        episode=1,
        stage=stage,
        opened_on=date(2026, 10, 1),
        debt_at_open=Decimal(1000),
        invoice_ids=[],
        tracking=[],
        hearings=[],
        created_at=now,
        updated_at=now,
        **fields,
    )
    uow.session.add(case)
    await uow.session.flush()
    return case


async def test_waiting_cases_do_not_fill_the_batch(uow: UnitOfWork, clock: FixedClock) -> None:
    clock.set(TUESDAY)
    for n in range(3):
        await _case(uow, n, CaseStage.IN_COURT, court_case_number=f"А13-{n}/2026")
    waiting = await _case(uow, 9, CaseStage.WAITING, negotiated_on=date(2026, 12, 9))
    service = CollectionService(uow)
    assert await service.advance(batch=1) == 1  # the claim is asked for, the court cases are skipped
    assert waiting.stage == CaseStage.CLAIM_REQUESTED
    assert await service.advance(batch=1) == 0
    clock.set(datetime(2026, 12, 17, 7, 0, tzinfo=UTC))  # Thursday: a checkpoint for each court case
    assert [await service.advance(batch=1) for _ in range(4)] == [1, 1, 1, 0]
