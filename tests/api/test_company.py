"""The company's time zone and calendar, published for clients that show dates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from app.core.clock import FixedClock
from app.core.config import CompanySettings, Settings
from app.main import Overrides, create_app
from app.models.directory import Role
from tests.support.helpers import problem

URL = "/api/v1/reference/company"


async def test_today_is_the_company_s_day(
    client: httpx.AsyncClient, make_user: Any, clock: FixedClock
) -> None:
    keeper = await make_user(Role.WAREHOUSE)
    problem(await client.get(URL), 401)
    # Sunday evening in UTC is already Monday in Moscow.
    clock.set(datetime(2026, 12, 6, 22, 30, tzinfo=UTC))
    company = (await client.get(URL, headers=keeper.headers)).json()
    assert company["time_zone"] == "Europe/Moscow"
    assert company["currency"] == "RUB"
    assert (company["today"], company["working_day"], company["next_working_day"]) == (
        "2026-12-07",
        True,
        "2026-12-07",
    )
    # Friday evening in UTC is Saturday there: not a working day, the next one is Monday.
    clock.set(datetime(2026, 12, 4, 21, 30, tzinfo=UTC))
    company = (await client.get(URL, headers=keeper.headers)).json()
    assert (company["today"], company["working_day"], company["next_working_day"]) == (
        "2026-12-05",
        False,
        "2026-12-07",
    )


@pytest.fixture
async def far_east(settings: Settings, clock: FixedClock, queue: Any) -> AsyncIterator[httpx.AsyncClient]:
    zoned = settings.model_copy(
        update={"company": settings.company.model_copy(update={"timezone": "Asia/Vladivostok"})}
    )
    application = create_app(zoned, Overrides(clock=clock, queue=queue))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://t") as http:
        yield http
    await application.state.engine.dispose()


async def test_the_zone_is_the_setting_s(
    far_east: httpx.AsyncClient, make_user: Any, clock: FixedClock
) -> None:
    head = await make_user(Role.HEAD)
    # 15:00 UTC on Sunday 6 December is 01:00 on Monday 7 December in Vladivostok.
    clock.set(datetime(2026, 12, 6, 15, 0, tzinfo=UTC))
    company = (await far_east.get(URL, headers=head.headers)).json()
    assert (company["time_zone"], company["today"], company["working_day"]) == (
        "Asia/Vladivostok",
        "2026-12-07",
        True,
    )
    # The days the order list filters by are the same zone's.
    made = await far_east.post("/api/v1/orders", headers=head.headers, json={"channel": "phone"})
    assert made.status_code == 201, made.text
    found = await far_east.get("/api/v1/orders", headers=head.headers, params={"created_from": "2026-12-07"})
    assert [o["id"] for o in found.json()["items"]] == [made.json()["id"]]


def test_an_unknown_zone_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="is not a time zone of the tz database"):
        CompanySettings(timezone="Mars/Olympus")
