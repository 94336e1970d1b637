"""How a document names an item with what the order required of it."""

from __future__ import annotations

import pytest

from app.services.money.format import item_title


@pytest.mark.parametrize(
    ("parts", "title"),
    [
        (
            ("Костюм рабочий зимний", "Север", "Тёмно-синий", "52-54", "182-188"),
            "Костюм рабочий зимний „Север“, тёмно-синий, 52-54/182-188",
        ),
        (
            ("Сапоги резиновые ПВХ", "Гидро", "Оливковый", "43", ""),
            "Сапоги резиновые ПВХ „Гидро“, оливковый, 43",
        ),
        (("Перчатки х/б", None, None, None, None), "Перчатки х/б"),
        # A model or colour the name already carries is not said twice.
        (
            ("Костюм «Механик» летний", "Механик", "серый", "48-50", "170-176"),
            "Костюм «Механик» летний, серый, 48-50/170-176",
        ),
    ],
)
def test_an_item_is_named_with_its_model_colour_size_and_height(
    parts: tuple[str, str | None, str | None, str | None, str | None], title: str
) -> None:
    assert item_title(*parts) == title
