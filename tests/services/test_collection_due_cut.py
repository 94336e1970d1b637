"""The sweep's cut of collection cases is exact: it takes the cases with a step due today and no
others, so cases that wait (a promise days ahead, a letter on its way) never fill the batch in
front of a case whose step is due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.core.clock import FixedClock
from app.models.clients import Client
from app.models.collection import CaseStage, CollectionCase, CollectionStep
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.receivables.collection import CollectionService, policy
from app.services.receivables.collection.sweep import CollectionSweep, latest_day

TODAY = date(2026, 12, 9)  # a Wednesday


def test_latest_day_is_the_last_whose_deadline_has_come() -> None:
    def deadline(day: date) -> date:
        return day + timedelta(days=3)

    assert latest_day(TODAY, TODAY - timedelta(days=10), deadline) == TODAY - timedelta(days=3)
    assert latest_day(TODAY, TODAY, deadline) == TODAY - timedelta(days=1)  # none from today on


async def test_the_cut_takes_exactly_the_cases_with_a_step_due(uow: UnitOfWork, clock: FixedClock) -> None:
    clock.set(datetime(2026, 12, 9, 7, 0, tzinfo=UTC))
    calendar = uow.calendar
    now = clock.now()
    session = uow.session
    specs: list[tuple[dict[str, object], bool]] = []

    def case(due: bool, **fields: object) -> None:
        specs.append((fields, due))

    # A promise over a fortnight of dates around today: the call the working day before, the
    # breach the working day after; every other date waits.
    for offset in range(-14, 15):
        promised = TODAY + timedelta(days=offset)
        call_due = policy.confirmation_call_on(promised, calendar) <= TODAY <= promised
        breached = policy.breach_on(promised, calendar) <= TODAY
        case(call_due or breached, stage=CaseStage.GUARANTEE_RECEIVED, promised_on=promised)
    # Letters sent on each of the last three weeks' days: followed up after 5 days on the way.
    for offset in range(1, 22):
        sent = TODAY - timedelta(days=offset)
        case(
            policy.tracking_check_on(sent, calendar) <= TODAY,
            stage=CaseStage.CLAIM_SENT,
            claim_sent_on=sent,
            tracking_number="10100087654329",
            court_allowed_on=policy.court_allowed_on(sent, calendar),
        )
    # The wait after the negotiations: by its recorded end, or (older cases) by the policy.
    for offset in range(0, 8):
        negotiated = TODAY - timedelta(days=offset)
        case(
            policy.wait_ends(negotiated, calendar) <= TODAY, stage=CaseStage.WAITING, negotiated_on=negotiated
        )
    case(True, stage=CaseStage.WAITING, negotiated_on=TODAY - timedelta(days=1), wait_ends_on=TODAY)
    case(
        False,
        stage=CaseStage.WAITING,
        negotiated_on=TODAY - timedelta(days=6),
        wait_ends_on=TODAY + timedelta(days=1),
    )
    # A follow-up already made is not made again.
    followed = TODAY - timedelta(days=8)
    case(
        False,
        stage=CaseStage.CLAIM_SENT,
        claim_sent_on=followed,
        tracking_number="10100087654329",
        court_allowed_on=policy.court_allowed_on(followed, calendar),
    )
    clients = [
        Client(name=f"ООО «Проба {n}»", name_search="проба", inn="3528000000", created_at=now, updated_at=now)
        for n in range(len(specs))
    ]
    session.add_all(clients)
    await session.flush()
    cases = [
        (
            CollectionCase(
                client_id=client.id,
                episode=1,
                opened_on=TODAY - timedelta(days=20),
                debt_at_open=Decimal("100.00"),
                invoice_ids=[],
                tracking=[],
                hearings=[],
                created_at=now,
                updated_at=now,
                **fields,
            ),
            due,
        )
        for client, (fields, due) in zip(clients, specs, strict=True)
    ]
    session.add_all(row for row, _ in cases)
    await session.flush()
    session.add(CollectionStep(case_id=cases[-1][0].id, step="tracking_followup", created_at=now))
    await session.flush()

    service = CollectionService(uow)
    chosen = set(await session.scalars(select(CollectionCase.id).where(CollectionSweep(uow).due(TODAY))))
    expected = {row.id for row, due in cases if due}
    assert expected  # the fixture has both kinds
    assert chosen == expected

    # With a batch of one, the sweep still reaches every due case, one a run.
    runs = 0
    while await service.advance(1):
        runs += 1
        assert runs <= len(expected)
    assert runs == len(expected)
