"""Russian addressees in the dative («Генеральному директору … Лебедевой И. П.»), by libraries that
know the language: pytrovich (Petrovich's rules) for people's names, pymorphy3 for the words of a
position. A word neither knows is printed as given, never guessed."""

from __future__ import annotations

from functools import cache

import pymorphy3
from pytrovich.detector import PetrovichGenderDetector
from pytrovich.enums import Case, Gender, NamePart
from pytrovich.maker import PetrovichDeclinationMaker


@cache
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


@cache
def _maker() -> PetrovichDeclinationMaker:
    return PetrovichDeclinationMaker()


@cache
def _detector() -> PetrovichGenderDetector:
    return PetrovichGenderDetector()


def _is_initial(word: str) -> bool:
    return word.endswith(".") and len(word) <= 3


def _like(word: str, model: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if model[:1].isupper() else word


def person_dative(name: str) -> str:
    """«Лебедева И. П.» → «Лебедевой И. П.», «Смирнов Андрей Викторович» → «Смирнову Андрею
    Викторовичу»: a surname first, then the first name and the patronymic or their initials."""
    words = name.split()
    if not words:
        return name
    names = [w for w in words if not _is_initial(w)]
    last = names[0] if names and not _is_initial(words[0]) else None
    first = names[1] if len(names) > 1 else None
    middle = names[2] if len(names) > 2 else None
    try:
        gender = _detector().detect(firstname=first, middlename=middle, lastname=last)  # type: ignore[no-untyped-call]
    except (KeyError, ValueError, AttributeError):
        gender = Gender.ANDROGYNOUS
    parts = {last: NamePart.LASTNAME, first: NamePart.FIRSTNAME, middle: NamePart.MIDDLENAME}
    out = []
    for word in words:
        part = parts.get(word) if not _is_initial(word) else None
        if part is None:
            out.append(word)
            continue
        try:
            out.append(_maker().make(part, gender, Case.DATIVE, word))
        except (KeyError, ValueError, AttributeError):
            out.append(word)
    return " ".join(out)


def position_dative(position: str) -> str:
    """«Генеральный директор» → «Генеральному директору», «Заместитель генерального директора» →
    «Заместителю генерального директора»: the words up to the head noun agree, the rest stay."""
    words = position.split()
    out = list(words)
    morph = _morph()
    for index, word in enumerate(words):
        parse = next(
            (p for p in morph.parse(word) if "nomn" in p.tag and {"ADJF", "NOUN"} & {p.tag.POS}), None
        )
        if parse is None:
            break
        inflected = parse.inflect({"datv"})
        if inflected is None:
            break
        out[index] = _like(inflected.word, word)
        if parse.tag.POS == "NOUN":
            break
    return " ".join(out)
