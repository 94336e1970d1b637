"""The penalty calculation as the API and the claim letter ask for it: the rates read from the table."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from app.services.kernel.unit_of_work import UnitOfWork
from app.services.receivables.penalty.calculator import Method, RateTimeline, Request, Result, calculate
from app.services.receivables.rates import KeyRateService


@dataclass(frozen=True, slots=True)
class Calculation:
    result: Result
    # For a contractual penalty: the art. 395 interest on the same debt, for comparison. A court that
    # lowers a penalty (art. 333) may not go below it (art. 395 p. 6).
    key_rate_total: Decimal | None = None
    # Key rates the art. 395 figure used that are not yet confirmed against the Bank of Russia.
    unconfirmed_rates: tuple[date, ...] = ()


class PenaltyService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def calculate(self, request: Request) -> Calculation:
        """Interest under art. 395 over the key-rate table, or the contract's penalty with the art. 395
        amount beside it; a day the table has no rate for is refused (422), never guessed."""
        rates = KeyRateService(self.uow)
        timeline = await rates.timeline()
        result = calculate(request, self.uow.calendar, timeline)
        if request.method is Method.CONTRACTUAL:
            as_key_rate = replace(
                request, method=Method.KEY_RATE, rate_per_day_percent=None, cap_percent=None
            )
            key_rate = calculate(as_key_rate, self.uow.calendar, timeline)
        else:
            key_rate = result
        unconfirmed = _used(key_rate, timeline) & await rates.unconfirmed()
        return Calculation(
            result,
            key_rate_total=key_rate.total if key_rate is not result else None,
            unconfirmed_rates=tuple(sorted(unconfirmed)),
        )


def _used(result: Result, timeline: RateTimeline) -> set[date]:
    """The effective dates of the key-rate rows the result's periods used."""
    return {day for p in result.periods if (day := timeline.in_force_since(p.start)) is not None}
