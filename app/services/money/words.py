"""The amount in words as printed on a Russian invoice: «Сто двадцать три рубля 45 копеек».

Roubles in words (num2words, masculine forms, which «рубль» needs), kopecks as two digits, the
noun agreeing with the number, the first letter capitalised.
"""

from __future__ import annotations

from decimal import Decimal

from num2words import num2words

from app.services.money.format import whole_kopecks

_ROUBLE_FORMS = ("рубль", "рубля", "рублей")
_KOPECK_FORMS = ("копейка", "копейки", "копеек")


def plural_ru(number: int, forms: tuple[str, str, str]) -> str:
    """Pick the Russian noun form for a count: (one, few, many) — 1 рубль, 2 рубля, 5 рублей."""
    one, few, many = forms
    n = abs(number)
    if 11 <= n % 100 <= 14:
        return many
    if n % 10 == 1:
        return one
    if 2 <= n % 10 <= 4:
        return few
    return many


def amount_in_words(amount: Decimal) -> str:
    """«Один миллион двести тридцать четыре тысячи пятьсот шестьдесят семь рублей 89 копеек».

    The amount must be non-negative and whole kopecks (round at the rule's boundary, not here).
    """
    value = whole_kopecks(amount)
    if value < 0:
        raise ValueError(f"amount: must not be negative, got {amount}")
    total_kopecks = int(value * 100)
    roubles, kopecks = divmod(total_kopecks, 100)
    words = str(num2words(roubles, lang="ru"))
    text = f"{words} {plural_ru(roubles, _ROUBLE_FORMS)} {kopecks:02d} {plural_ru(kopecks, _KOPECK_FORMS)}"
    return text[0].upper() + text[1:]
