"""Settings: the APP_ environment, nested groups, and what production refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from app.core.clock import SystemClock, system_clock
from app.core.config import Settings
from app.main import create_app


def test_environment_variables_with_nested_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_DB__URL", "postgresql+asyncpg://u:p@db/pomoshnik")
    monkeypatch.setenv("APP_API__MAX_PAGE_SIZE", "25")
    monkeypatch.setenv(
        "APP_CHAT__CHANNELS", '{"delivery": {"title": "Доставка", "adapter": "telegram", "chat_id": "-1001"}}'
    )
    settings = Settings()
    assert settings.db.url == "postgresql+asyncpg://u:p@db/pomoshnik"
    assert settings.api.max_page_size == 25
    assert settings.chat.channels["delivery"].adapter == "telegram"


def test_default_has_the_eight_chats_of_the_regulation() -> None:
    titles = {c.title for c in Settings().chat.channels.values()}
    assert titles == {
        "Косяки в документах",
        "Логотипы.ЩЦ",
        "Швейный цех",
        "Нестандартные позиции",
        "Тех. задание швейный цех",
        "Доставка",
        "Заявки на склад",
        "Сервис в AMO",
    }


def test_production_refuses_placeholders() -> None:
    with pytest.raises(ValidationError, match="WEBHOOK_SECRET"):
        Settings(env="prod", db={"url": "postgresql+asyncpg://u@h/d"})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="PostgreSQL"):
        Settings(env="prod", amocrm={"webhook_secret": "s3cret-value"})  # type: ignore[arg-type]
    ok = Settings(env="prod", db={"url": "postgresql+asyncpg://u@h/d"}, amocrm={"webhook_secret": "x" * 32})  # type: ignore[arg-type]
    assert ok.env == "prod"


@pytest.mark.parametrize(
    ("given", "offset"),
    [
        ("+30d", timedelta(days=30)),
        ("-2h", timedelta(hours=-2)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("P30D", timedelta(days=30)),
        ("-PT90M", timedelta(minutes=-90)),
    ],
)
def test_the_clock_offset_moves_now(monkeypatch: pytest.MonkeyPatch, given: str, offset: timedelta) -> None:
    monkeypatch.setenv("APP_CLOCK__OFFSET", given)
    settings = Settings()
    assert settings.clock.offset == offset
    before = datetime.now(UTC)
    moved = system_clock(settings.clock.offset).now()
    after = datetime.now(UTC)
    assert before + offset <= moved <= after + offset
    # The API's clock is the same moved one.
    assert create_app(settings).state.clock.now() >= before + offset


def test_no_offset_is_the_system_clock() -> None:
    assert isinstance(system_clock(Settings().clock.offset), SystemClock)


def test_production_refuses_a_clock_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    prod = {
        "env": "prod",
        "db": {"url": "postgresql+asyncpg://u@h/d"},
        "amocrm": {"webhook_secret": "x" * 32},
    }
    with pytest.raises(ValidationError, match=r"APP_CLOCK__OFFSET .*unset it when APP_ENV=prod"):
        Settings(**prod, clock={"offset": "+30d"})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"clock\.offset"):
        Settings(clock={"offset": "thirty days"})  # type: ignore[arg-type]


def test_management_is_the_director_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().approvals.management_roles == ["director"]
    monkeypatch.setenv("APP_APPROVALS__MANAGEMENT_ROLES", '["director", "head"]')
    assert Settings().approvals.management_roles == ["director", "head"]
    for wrong in ('["boss"]', "[]"):
        monkeypatch.setenv("APP_APPROVALS__MANAGEMENT_ROLES", wrong)
        with pytest.raises(ValidationError, match="management_roles"):
            Settings()
