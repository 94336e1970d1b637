"""A claim letter's tracking: only what happened to the letter counts. The post reuses its numbers and
a number can be mistyped, so operations dated before the letter was posted belong to another item:
they are left out of the case's history and never make the letter delivered."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from app.adapters.post import domestic_check_digit
from app.adapters.post.stub import MOSCOW_TIME
from app.models.collection import CaseStage, CollectionCase
from app.models.directory import Role
from app.services.kernel.ports import TrackingOperation
from app.services.seed import inn10
from app.worker.context import JobContext
from app.worker.jobs import track_claim_letters

BODY = "1600001234567"
TRACKING = f"{BODY}{domestic_check_digit(BODY)}"
POSTED_ON = date(2026, 11, 30)


def _op(day: date, hour: int, operation: str, attribute: str) -> TrackingOperation:
    at = datetime(day.year, day.month, day.day, hour, 0, tzinfo=MOSCOW_TIME)
    return TrackingOperation(at=at, operation=operation, attribute=attribute, place="160000, Вологда")


# What the post answers for the number: a parcel of last year under it, then our letter.
EARLIER_ITEM = [
    _op(date(2025, 3, 3), 10, "Приём", "Единичный"),
    _op(date(2025, 3, 5), 12, "Вручение", "Вручение адресату"),
]
OUR_LETTER = [
    _op(POSTED_ON, 11, "Приём", "Единичный"),
    _op(date(2026, 12, 1), 9, "Вручение", "Вручение адресату"),
]


async def test_operations_before_the_posting_are_not_the_letter_s(
    job_ctx: JobContext, client: Any, make_user: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    answers: list[list[TrackingOperation]] = [
        EARLIER_ITEM,
        EARLIER_ITEM + OUR_LETTER[:1],
        EARLIER_ITEM + OUR_LETTER,
    ]
    asked: list[tuple[str, date | None]] = []

    class Post:
        async def history(self, barcode: str, posted_on: date | None = None) -> list[TrackingOperation]:
            asked.append((barcode, posted_on))
            return answers[len(asked) - 1]

    job_ctx.post = Post()
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={"name": "ООО «Почтовый ящик»", "inn": inn10("352900101"), "kpp": "352801001"},
    )
    assert card.status_code == 201, card.text
    async with job_ctx.session_factory() as session:
        case = CollectionCase(
            client_id=card.json()["id"],
            episode=1,
            stage=CaseStage.CLAIM_SENT,
            assignee_id=assistant.id,
            opened_on=date(2026, 11, 2),
            debt_at_open=Decimal("1000.00"),
            invoice_ids=[],
            tracking_number=TRACKING,
            claim_sent_on=POSTED_ON,
            created_at=datetime(2026, 11, 2, tzinfo=UTC),
            updated_at=datetime(2026, 11, 2, tzinfo=UTC),
        )
        session.add(case)
        await session.commit()
        case_id = case.id

    async def state() -> tuple[CaseStage, date | None, list[str]]:
        async with job_ctx.session_factory() as session:
            row = await session.get(CollectionCase, case_id)
            assert row is not None
            return row.stage, row.delivered_on, [op["at"][:10] + " " + op["operation"] for op in row.tracking]

    # Only last year's parcel is known under the number: nothing of the letter yet, not delivered.
    assert await track_claim_letters({"app": job_ctx}) == {"tracked": 1, "failed": 0}
    assert await state() == (CaseStage.CLAIM_SENT, None, [])
    assert asked == [(TRACKING, POSTED_ON)]  # the posting day goes to the tracker

    await track_claim_letters({"app": job_ctx})
    assert await state() == (CaseStage.CLAIM_SENT, None, ["2026-11-30 Приём"])

    await track_claim_letters({"app": job_ctx})
    assert await state() == (
        CaseStage.DELIVERED,
        date(2026, 12, 1),
        ["2026-11-30 Приём", "2026-12-01 Вручение"],
    )
