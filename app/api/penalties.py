"""The penalty calculator: interest under art. 395 of the Civil Code, or a contract's penalty."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from app.api.deps import UowDep, allowed
from app.api.routing import api_router
from app.schemas.penalties import PenaltyCalculate, PenaltyExcluded, PenaltyPeriod, PenaltyResult
from app.services.kernel.permissions import Permission
from app.services.receivables.penalty.calculator import Method, Payment, Request
from app.services.receivables.penalty.service import PenaltyService

router = api_router(prefix="/api/v1", tags=["penalties"])


async def penalty_service(uow: UowDep) -> PenaltyService:
    return PenaltyService(uow)


PenaltyDep = Annotated[PenaltyService, Depends(penalty_service)]


@router.post("/penalties/calculate", dependencies=allowed(Permission.PENALTIES_CALCULATE))
async def calculate_penalty(data: PenaltyCalculate, penalties: PenaltyDep) -> PenaltyResult:
    """Calculate interest under art. 395 of the Civil Code (`key_rate`) or a contract's penalty
    (`contractual`) for one debt, period by period.

    The delay begins the day after the due date (after the next working day when the due date is not
    one, art. 193) and runs through `until` inclusive. A payment lowers the debt from the next day. A
    period ends at every key-rate change, payment and year end; each uses its year's real length and
    is rounded half-up to the kopeck; the total is their sum. The 2022 moratorium is applied unless
    `moratorium_2022` is false. Nothing is stored."""
    request = Request(
        method=Method(data.method),
        principal=data.principal,
        due_date=data.due_date,
        until=data.until,
        payments=tuple(Payment(p.date, p.amount) for p in data.payments),
        rate_per_day_percent=data.rate_per_day_percent,
        cap_percent=data.cap_percent,
        moratorium_2022=data.moratorium_2022,
    )
    calculation = await penalties.calculate(request)
    result = calculation.result
    return PenaltyResult(
        method=data.method,
        accrues_from=result.accrues_from,
        total=result.total,
        days=result.days,
        periods=[
            PenaltyPeriod(
                start=p.start,
                end=p.end,
                days=p.days,
                principal=p.principal,
                rate_percent=p.rate_percent,
                days_in_year=p.days_in_year,
                amount=p.amount,
            )
            for p in result.periods
        ],
        excluded=[
            PenaltyExcluded(start=e.start, end=e.end, days=e.days, reason=e.reason) for e in result.excluded
        ],
        uncapped_total=result.uncapped_total,
        cap_amount=result.cap_amount,
        key_rate_total=calculation.key_rate_total,
        unconfirmed_rates=list(calculation.unconfirmed_rates),
    )
