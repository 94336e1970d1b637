"""The key-rate table as the lawyer leaves it after checking it against the Bank of Russia."""

from __future__ import annotations

from app.models.rates import RateSource, RateStatus
from app.services.receivables.rates import KeyRateService, RateRow, from_bp
from app.worker.context import JobContext


async def confirm_key_rates(ctx: JobContext) -> int:
    """Every row confirmed at its rate, as `pomoshnik rates import` of the checked table does."""
    async with ctx.unit_of_work() as uow:
        rates = KeyRateService(uow)
        rows = [
            RateRow(r.effective_from, from_bp(r.rate_bp), RateStatus.CONFIRMED) for r in await rates.rows()
        ]
        return await rates.upsert(rows, RateSource.IMPORT)
