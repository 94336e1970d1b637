"""The guarantee letter's deadline: not received within 2 working days of the request, the case
escalates the next working day. The sweep's cut takes exactly the requests whose deadline has come,
over weekends and the new-year holidays, so requests still waiting never fill its batch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.core.calendar import BusinessCalendar
from app.core.clock import FixedClock
from app.models.clients import Client
from app.models.collection import CaseStage, CollectionCase
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.receivables.collection import policy
from app.services.receivables.collection.sweep import CollectionSweep
from app.services.seed import inn10

CAL = BusinessCalendar()


def test_the_letter_is_overdue_the_working_day_after_two_working_days() -> None:
    # Wednesday: Thursday and Friday to answer, escalated on Monday.
    assert policy.guarantee_overdue_on(date(2026, 12, 9), CAL) == date(2026, 12, 14)
    # Friday or Saturday: Monday and Tuesday to answer, escalated on Wednesday.
    assert policy.guarantee_overdue_on(date(2026, 12, 11), CAL) == date(2026, 12, 16)
    assert policy.guarantee_overdue_on(date(2026, 12, 12), CAL) == date(2026, 12, 16)


async def test_the_cut_takes_exactly_the_requests_past_their_deadline(
    uow: UnitOfWork, clock: FixedClock
) -> None:
    first = date(2026, 11, 1)
    now = datetime(2026, 11, 1, 7, 0, tzinfo=UTC)
    clock.set(now)
    opened = [first + timedelta(days=n) for n in range(80)]  # to mid-January
    clients = [
        Client(
            name=f"ООО «Липа-{n}»",
            name_search=f"ооо «липа-{n}»",
            inn=inn10(f"35277{n:04d}"),
            delivery_addresses=[],
            created_at=now,
            updated_at=now,
        )
        for n in range(len(opened) + 1)
    ]
    uow.session.add_all(clients)
    await uow.session.flush()
    cases = [
        CollectionCase(
            client_id=client.id,
            episode=1,
            stage=CaseStage.GUARANTEE_REQUESTED,
            opened_on=day,
            debt_at_open=Decimal("100.00"),
            invoice_ids=[],
            tracking=[],
            hearings=[],
            created_at=now,
            updated_at=now,
        )
        for client, day in zip(clients, opened, strict=False)
    ]
    # A letter received long ago, its promise ahead: the request's deadline does not concern it.
    received = CollectionCase(
        client_id=clients[-1].id,
        episode=1,
        stage=CaseStage.GUARANTEE_RECEIVED,
        opened_on=first,
        promised_on=date(2027, 2, 1),
        debt_at_open=Decimal("100.00"),
        invoice_ids=[],
        tracking=[],
        hearings=[],
        created_at=now,
        updated_at=now,
    )
    uow.session.add_all([*cases, received])
    await uow.session.flush()
    sweep = CollectionSweep(uow)
    for today in (date(2026, 12, 9), date(2026, 12, 14), date(2026, 12, 31), date(2027, 1, 11)):
        chosen = set(await uow.session.scalars(select(CollectionCase.id).where(sweep.due(today))))
        expected = {c.id for c in cases if policy.guarantee_overdue_on(c.opened_on, CAL) <= today}
        assert 0 < len(expected) < len(cases)  # both kinds on every day
        assert chosen == expected, today
