"""The penalty calculation as the API and the claim letter ask for it: the rates read from the table."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from app.services.receivables.penalty import Method, Request, Result, calculate
from app.services.receivables.rates import KeyRateService
from app.services.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Calculation:
    result: Result
    # For a contractual penalty: the art. 395 interest on the same debt, for comparison. A court that
    # lowers a penalty (art. 333) may not go below it (art. 395 p. 6).
    key_rate_total: Decimal | None = None


class PenaltyService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def calculate(self, request: Request) -> Calculation:
        """Interest under art. 395 over the key-rate table, or the contract's penalty with the art. 395
        amount beside it; a day the table has no rate for is refused (422), never guessed."""
        timeline = await KeyRateService(self.uow).timeline()
        result = calculate(request, self.uow.calendar, timeline)
        if request.method is not Method.CONTRACTUAL:
            return Calculation(result)
        as_key_rate = replace(request, method=Method.KEY_RATE, rate_per_day_percent=None, cap_percent=None)
        return Calculation(result, calculate(as_key_rate, self.uow.calendar, timeline).total)
