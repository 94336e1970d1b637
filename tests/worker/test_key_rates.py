"""The daily key-rate refresh: the Bank of Russia's series (through the real client and a local fake of
its web service) merged into the table, a second run changes nothing, failures and staleness seen."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.adapters.cbr import CbrKeyRates
from app.core.clock import FixedClock
from app.core.config import KeyRateSettings
from app.models.rates import KeyRate, KeyRateRefresh, RateSource, RateStatus
from app.worker.context import JobContext
from app.worker.jobs import refresh_key_rates
from tests.adapters.cbr_server import PATH, FakeCbr
from tests.adapters.servers import LoopbackServer

D = Decimal
# The Bank of Russia's decisions as the fake service publishes them. The clock stands at 2026-12-01;
# 2026-04-27 differs from the packaged table (14.50) and 2026-10-26 is not in it at all.
DECISIONS = [
    (date(2025, 10, 27), D("16.50")),
    (date(2025, 12, 22), D("16.00")),
    (date(2026, 2, 16), D("15.50")),
    (date(2026, 3, 23), D("15.00")),
    (date(2026, 4, 27), D("14.75")),
    (date(2026, 6, 22), D("14.25")),
    (date(2026, 7, 27), D("14.00")),
    (date(2026, 10, 26), D("13.50")),
]


@pytest.fixture(scope="module")
def cbr_server() -> Iterator[tuple[FakeCbr, str]]:
    fake = FakeCbr()
    with LoopbackServer(fake.app()) as server:
        yield fake, server.url + PATH


@pytest.fixture
async def cbr_ctx(job_ctx: JobContext, cbr_server: tuple[FakeCbr, str]) -> Any:
    fake, url = cbr_server
    fake.reset(DECISIONS)
    rates = KeyRateSettings(adapter="cbr", url=url, lookback_days=400, max_retries=0, stale_after_days=3)
    client = CbrKeyRates(rates, backoff_seconds=0.01)
    ctx = dataclasses.replace(
        job_ctx, settings=job_ctx.settings.model_copy(update={"rates": rates}), key_rates=client
    )
    yield ctx, fake
    await client.aclose()


async def _table(ctx: JobContext) -> dict[date, tuple[int, RateStatus, RateSource]]:
    async with ctx.unit_of_work() as uow:
        rows = (await uow.session.scalars(select(KeyRate))).all()
        return {r.effective_from: (r.rate_bp, r.status, r.source) for r in rows}


async def _refreshes(ctx: JobContext) -> list[tuple[bool, int, str | None]]:
    async with ctx.unit_of_work() as uow:
        rows = (await uow.session.scalars(select(KeyRateRefresh).order_by(KeyRateRefresh.id))).all()
        return [(r.ok, r.changed, r.error) for r in rows]


async def test_the_refresh_stores_the_published_rates_and_a_second_run_changes_nothing(
    cbr_ctx: tuple[JobContext, FakeCbr],
) -> None:
    ctx, fake = cbr_ctx
    before = await _table(ctx)
    assert before[date(2026, 4, 27)] == (1450, RateStatus.UNCONFIRMED, RateSource.SEED)

    first = await refresh_key_rates({"app": ctx})

    # 400 days back from 2026-12-01 is 2025-10-27: the series covers the rows from there on.
    assert (fake.calls[0].start, fake.calls[0].end) == (date(2025, 10, 27), date(2026, 12, 1))
    after = await _table(ctx)
    assert after[date(2026, 10, 26)] == (1350, RateStatus.CONFIRMED, RateSource.CBR)  # a new decision
    assert after[date(2026, 4, 27)] == (1475, RateStatus.CONFIRMED, RateSource.CBR)  # corrected
    assert after[date(2026, 3, 23)] == (1500, RateStatus.CONFIRMED, RateSource.CBR)  # confirmed
    assert after[date(2025, 10, 27)] == before[date(2025, 10, 27)]  # already right: untouched
    assert after[date(2016, 6, 14)] == before[date(2016, 6, 14)]  # outside the series: untouched
    assert set(after) == set(before) | {date(2026, 10, 26)}  # no row for the series' first day
    # changed: 2026-03-23, 04-27, 06-22, 07-27 confirmed or corrected, and 10-26 added
    assert first == {"ok": True, "changed": 5, "stale": False}

    second = await refresh_key_rates({"app": ctx})
    assert second == {"ok": True, "changed": 0, "stale": False}
    assert await _table(ctx) == after
    assert await _refreshes(ctx) == [(True, 5, None), (True, 0, None)]


async def test_a_failed_refresh_is_recorded_and_the_table_goes_stale(
    cbr_ctx: tuple[JobContext, FakeCbr],
) -> None:
    ctx, fake = cbr_ctx
    assert await refresh_key_rates({"app": ctx}) == {"ok": True, "changed": 5, "stale": False}
    before = await _table(ctx)

    # A failure logs `key_rates.refresh_failed`; while the last success is recent the table is not stale.
    fake.failures.append(500)
    result = await refresh_key_rates({"app": ctx})
    assert result == {"ok": False, "changed": 0, "stale": False}
    assert await _table(ctx) == before

    assert isinstance(ctx.clock, FixedClock)
    ctx.clock.advance(timedelta(days=3, minutes=1))
    # Three days on without a success: `key_rates.stale` is logged too, and readiness says so.
    fake.failures.append(503)
    result = await refresh_key_rates({"app": ctx})
    assert result == {"ok": False, "changed": 0, "stale": True}
    refreshes = await _refreshes(ctx)
    assert [ok for ok, _, _ in refreshes] == [True, False, False]
    assert "SOAP fault" in (refreshes[1][2] or "")
    assert "HTTP 503" in (refreshes[2][2] or "")


async def test_an_empty_series_is_a_failure_not_a_silent_success(job_ctx: JobContext) -> None:
    class Silent:
        authoritative = True

        async def key_rates(self, start: date, end: date) -> list[Any]:
            return []

    ctx = dataclasses.replace(job_ctx, key_rates=Silent())
    assert await refresh_key_rates({"app": ctx}) == {"ok": False, "changed": 0, "stale": True}
    assert (await _refreshes(ctx))[0][2] == "no key rates published from 2026-10-17 to 2026-12-01"


async def test_the_stub_source_refreshes_without_changes_and_confirms_nothing(job_ctx: JobContext) -> None:
    before = await _table(job_ctx)
    assert await refresh_key_rates({"app": job_ctx}) == {"ok": True, "changed": 0, "stale": False}
    assert await _table(job_ctx) == before

    # Over a span with unconfirmed rows (2026-03-23 on): the stub serves the packaged table, so
    # nothing changes, and it is not the Bank of Russia, so nothing gets confirmed.
    rates = KeyRateSettings(lookback_days=400)
    ctx = dataclasses.replace(job_ctx, settings=job_ctx.settings.model_copy(update={"rates": rates}))
    assert await refresh_key_rates({"app": ctx}) == {"ok": True, "changed": 0, "stale": False}
    assert await _table(ctx) == before
    assert before[date(2026, 3, 23)][1] == RateStatus.UNCONFIRMED


async def test_readiness_reports_the_key_rate_table(client: httpx.AsyncClient, job_ctx: JobContext) -> None:
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["key_rates"] == "stale: never refreshed"
    assert ready.json()["status"] == "degraded"

    await refresh_key_rates({"app": job_ctx})
    ready = await client.get("/readyz")
    assert ready.json()["checks"]["key_rates"] == "ok"
    assert ready.json()["status"] == "ok"
