"""Nothing an anonymous caller sends to the webhooks may grow the database without bound: a refused
delivery keeps only the beginning of its body, one address has only so many refusals kept per window
(then 429 and nothing stored), and the sweep deletes old refusals — for amoCRM and Telegram alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from app.core.clock import FixedClock
from app.core.config import Settings, TelegramSettings
from app.models.orders import DeliveryStatus, WebhookDelivery
from app.worker.context import JobContext
from app.worker.jobs import sweep
from tests.conftest import AMOCRM_ACCOUNT, AMOCRM_SECRET, NOW
from tests.support.helpers import problem

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TG_SECRET = "tg-hook-Secret_1"
GOOD_LEAD = urlencode(
    [
        ("leads[add][0][id]", "31000101"),
        ("leads[add][0][status_id]", "61000001"),
        ("account[id]", AMOCRM_ACCOUNT),
        ("account[subdomain]", "example"),
    ]
)


@pytest.fixture(autouse=True)
def _telegram_secret(settings: Settings) -> None:
    settings.telegram = TelegramSettings(webhook_secret=SecretStr(TG_SECRET))


@pytest.fixture
async def stranger(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A caller from another address than the test client's."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def refuse(http: httpx.AsyncClient, webhook: str, body: bytes) -> httpx.Response:
    """A delivery with a wrong secret, to one of the two webhooks."""
    if webhook == "amocrm":
        return await http.post("/webhooks/amocrm/wrong-secret", content=body, headers=FORM)
    return await http.post(
        "/webhooks/telegram",
        content=body,
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "wrong"},
    )


async def stored(job_ctx: JobContext) -> tuple[int, int]:
    """How many deliveries are kept, and the characters of their bodies and reasons together."""
    async with job_ctx.session_factory() as session:
        count, chars = (
            await session.execute(
                select(
                    func.count(),
                    func.coalesce(
                        func.sum(
                            func.length(WebhookDelivery.body)
                            + func.coalesce(func.length(WebhookDelivery.reason), 0)
                        ),
                        0,
                    ),
                )
            )
        ).one()
    return int(count), int(chars)


@pytest.mark.parametrize("webhook", ["amocrm", "telegram"])
async def test_refused_large_bodies_grow_the_database_by_a_bounded_amount(
    client: httpx.AsyncClient, job_ctx: JobContext, webhook: str
) -> None:
    body = b"leads[add][0][id]=" + b"9" * (512 * 1024)
    for _ in range(20):
        problem(await refuse(client, webhook, body), 403)
    count, chars = await stored(job_ctx)
    assert count == 20
    # 10 MiB were sent; each refusal keeps at most its first 2 KiB and a bounded reason.
    assert chars <= 20 * (2048 + 500), chars
    async with job_ctx.session_factory() as session:
        kept = (await session.scalars(select(WebhookDelivery))).all()
    assert {d.status for d in kept} == {DeliveryStatus.REJECTED}
    assert {d.body_length for d in kept} == {len(body)}
    assert {d.body for d in kept} == {body[:2048].decode()}
    assert {d.source_address for d in kept} == {"127.0.0.1"}


async def test_a_huge_account_id_is_not_kept_whole_in_the_reason(
    client: httpx.AsyncClient, job_ctx: JobContext
) -> None:
    body = urlencode([("leads[add][0][id]", "1"), ("account[id]", "7" * 500_000)])
    problem(await client.post(f"/webhooks/amocrm/{AMOCRM_SECRET}", content=body, headers=FORM), 403)
    count, chars = await stored(job_ctx)
    assert count == 1
    assert chars <= 2048 + 500


@pytest.mark.parametrize("webhook", ["amocrm", "telegram"])
async def test_an_address_over_its_refusals_gets_429_and_nothing_is_stored(
    client: httpx.AsyncClient,
    stranger: httpx.AsyncClient,
    job_ctx: JobContext,
    settings: Settings,
    clock: FixedClock,
    webhook: str,
) -> None:
    settings.webhooks.refused_per_window = 3
    settings.webhooks.refused_window_seconds = 600
    for _ in range(3):
        problem(await refuse(client, webhook, b"x" * 10_000), 403)
        clock.advance(timedelta(seconds=10))
    limited = await refuse(client, webhook, b"x" * 10_000)
    problem(limited, 429)
    # Free again when the first of the three leaves the window: 600 s after it, 30 s after it now.
    assert limited.headers["Retry-After"] == "570"
    assert (await stored(job_ctx))[0] == 3
    # Another address is not limited by the first one.
    problem(await refuse(stranger, webhook, b"y"), 403)
    assert (await stored(job_ctx))[0] == 4
    # A good delivery from the limited address is still taken: amoCRM and Telegram send from
    # addresses shared by all their customers.
    if webhook == "amocrm":
        good = await client.post(f"/webhooks/amocrm/{AMOCRM_SECRET}", content=GOOD_LEAD, headers=FORM)
    else:
        good = await client.post(
            "/webhooks/telegram",
            json={"update_id": 1},
            headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
        )
    assert good.status_code == 200, good.text
    # Once the window has passed, refusals are kept again.
    clock.advance(timedelta(seconds=571))
    problem(await refuse(client, webhook, b"z"), 403)
    assert (await stored(job_ctx))[0] == 6


async def test_the_sweep_prunes_old_refusals_and_keeps_the_rest(
    client: httpx.AsyncClient, job_ctx: JobContext, clock: FixedClock, settings: Settings
) -> None:
    clock.set(NOW - timedelta(days=settings.webhooks.refused_keep_days + 1))
    problem(await refuse(client, "amocrm", b"old"), 403)
    problem(await refuse(client, "telegram", b"old"), 403)
    accepted_long_ago = await client.post(
        f"/webhooks/amocrm/{AMOCRM_SECRET}", content=GOOD_LEAD, headers=FORM
    )
    assert accepted_long_ago.status_code == 200, accepted_long_ago.text
    clock.set(NOW)
    problem(await refuse(client, "amocrm", b"new"), 403)
    summary = await sweep({"app": job_ctx})
    assert summary["refused_deliveries_pruned"] == 2
    async with job_ctx.session_factory() as session:
        kept = (await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))).all()
    assert [(d.status, d.body) for d in kept] == [
        (DeliveryStatus.RECEIVED, GOOD_LEAD),
        (DeliveryStatus.REJECTED, "new"),
    ]
    assert (await sweep({"app": job_ctx}))["refused_deliveries_pruned"] == 0
