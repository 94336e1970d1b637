"""The Russian Post tracking client against a fake speaking the service's SOAP 1.2 protocol."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest
from pydantic import SecretStr

from app.adapters.post import RussianPostTracker, build_post_tracker
from app.core.config import PostSettings
from app.services.kernel.ports import TrackingError
from tests.adapters.post_server import PATH, FakeRussianPost, Operation

MSK = timezone(timedelta(hours=3))
BARCODE = "10100087654329"


def _tracker(fake: FakeRussianPost, password: str = "secret") -> RussianPostTracker:
    settings = PostSettings(
        adapter="russianpost", url=f"http://post.test{PATH}", login="pomoshnik", password=SecretStr(password)
    )
    return RussianPostTracker(settings, transport=httpx.ASGITransport(app=fake.app()))


async def test_the_history_of_a_registered_letter() -> None:
    fake = FakeRussianPost()
    fake.histories[BARCODE] = [
        Operation(
            datetime(2026, 12, 30, 9, 12, tzinfo=MSK), "Вручение", "Вручение адресату", "162600", "Череповец"
        ),
        Operation(datetime(2026, 12, 29, 11, 5, tzinfo=MSK), "Приём", "Единичный", "101000", "Москва"),
    ]
    tracker = _tracker(fake)
    try:
        history = await tracker.history("1010 0087 6543 29")
        assert [(o.operation, o.attribute, o.place) for o in history] == [
            ("Приём", "Единичный", "101000, Москва"),
            ("Вручение", "Вручение адресату", "162600, Череповец"),
        ]
        assert history[0].at == datetime(2026, 12, 29, 11, 5, tzinfo=MSK)
        assert await tracker.history("80111587002939") == []  # nothing known yet
        assert fake.asked == [BARCODE, "80111587002939"]
    finally:
        await tracker.aclose()


async def test_refusals_and_failures() -> None:
    fake = FakeRussianPost()
    tracker = _tracker(fake, password="wrong")
    try:
        with pytest.raises(TrackingError, match="Ошибка авторизации"):
            await tracker.history(BARCODE)
        with pytest.raises(ValueError, match="check digit"):
            await tracker.history("10100087654321")
        assert fake.asked == []  # an invalid identifier is never sent
    finally:
        await tracker.aclose()
    down = RussianPostTracker(
        PostSettings(adapter="russianpost", url="http://127.0.0.1:1/rtm34", timeout_seconds=2)
    )
    try:
        with pytest.raises(TrackingError, match="network error"):
            await down.history(BARCODE)
    finally:
        await down.aclose()


def test_the_adapter_is_chosen_by_the_settings() -> None:
    assert isinstance(build_post_tracker(PostSettings(adapter="russianpost")), RussianPostTracker)
