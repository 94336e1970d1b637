"""Settings: the APP_ environment, nested groups, and what production refuses."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.core.config import Settings


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
