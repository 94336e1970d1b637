"""Russian Post identifiers and the tracking stub."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from app.adapters.post import (
    StubPostTracker,
    build_post_tracker,
    domestic_check_digit,
    is_valid_barcode,
    parse_barcode,
    s10_check_digit,
    validate_barcode,
)
from app.adapters.post.stub import ARRIVED_FOR_DELIVERY, DELIVERY, PROCESSING, RECEPTION
from app.core.calendar import MOSCOW
from app.core.clock import FixedClock
from app.core.config import PostSettings


def test_s10_check_digit_rule() -> None:
    assert s10_check_digit("47312482") == 9  # the UPU's own example: AA473124829GB
    assert s10_check_digit("12345678") == 5
    assert s10_check_digit("00000000") == 5  # sum 0: 11 - 0 = 11 -> 5
    assert s10_check_digit("00000008") == 0  # sum 56: 11 - 1 = 10 -> 0
    assert s10_check_digit("00000001") == 4  # sum 7: 11 - 7 = 4
    with pytest.raises(ValueError, match="8 digits"):
        s10_check_digit("1234567")


@pytest.mark.parametrize(
    "barcode",
    ["AA473124829GB", "RA123456785RU", "ra 123 456 785 ru", "80111587002939", "8011 1587 0029 39"],
)
def test_valid_barcodes(barcode: str) -> None:
    assert is_valid_barcode(barcode)
    assert validate_barcode(barcode) == barcode.replace(" ", "").upper()


@pytest.mark.parametrize(
    ("barcode", "reason"),
    [
        ("RA123456784RU", "check digit"),
        ("80111587002938", "check digit"),
        ("10100087654321", "check digit"),
        ("AA473124828GB", "check digit"),
        ("8011158700293", "not a postal item id"),
        ("801115870029391", "not a postal item id"),
        ("R1123456785RU", "not a postal item id"),
        ("RA12345678RU", "not a postal item id"),
        ("", "not a postal item id"),
        ("РА123456785RU", "not a postal item id"),  # Cyrillic letters
    ],
)
def test_invalid_barcodes(barcode: str, reason: str) -> None:
    assert not is_valid_barcode(barcode)
    with pytest.raises(ValueError, match=reason):
        validate_barcode(barcode)


def test_domestic_check_digit() -> None:
    # Odd places three times, even places once: 1·3+0+1·3+0+0+0+8·3+7+6·3+5+4·3+3+2·3 = 81 -> 9.
    assert domestic_check_digit("1010008765432") == 9
    assert domestic_check_digit("8011158700293") == 9
    assert domestic_check_digit("0000000000000") == 0
    # The domestic identifier used as the example of Russian Post's tracking service
    # (getOperationHistory), 109440 22 44032 1, carries the digit this rule gives.
    assert domestic_check_digit("1094402244032") == 1
    with pytest.raises(ValueError, match="13 digits"):
        domestic_check_digit("123")


def test_barcode_parts() -> None:
    domestic = parse_barcode("10100087654329")
    assert (domestic.kind, domestic.postal_index, domestic.country) == ("domestic", "101000", None)
    international = parse_barcode("CP123456785CN")
    assert (international.kind, international.postal_index, international.country) == (
        "international",
        None,
        "CN",
    )


async def test_history_is_deterministic_and_plausible() -> None:
    tracker = build_post_tracker(PostSettings())
    assert isinstance(tracker, StubPostTracker)
    histories = {}
    for n in range(40):
        body = f"1900000{n:06d}"
        barcode = f"{body}{domestic_check_digit(body)}"
        first = await tracker.history(barcode)
        again = await StubPostTracker().history(barcode)
        assert first == again
        histories[barcode] = first

        assert first[0].operation == RECEPTION
        assert first[0].place.startswith("190000, Санкт-Петербург")
        assert all(a.at < b.at for a, b in itertools.pairwise(first))
        assert all(isinstance(op.at, datetime) and op.at.tzinfo is not None for op in first)
        assert {op.operation for op in first} <= {RECEPTION, PROCESSING, ARRIVED_FOR_DELIVERY, DELIVERY}
        if first[-1].operation == DELIVERY:
            assert first[-2].operation == ARRIVED_FOR_DELIVERY
            assert first[-1].place == first[-2].place

    # Different items get different stories: some still travel, some wait, some are handed over.
    finals = {h[-1].operation for h in histories.values()}
    assert finals == {PROCESSING, ARRIVED_FOR_DELIVERY, DELIVERY}
    assert len({h[0].at for h in histories.values()}) > 30


async def test_international_history() -> None:
    history = await StubPostTracker().history("CP123456785CN")
    assert history[0].operation == RECEPTION
    assert history[0].place == "Китай"
    assert any(op.attribute == "Импорт международного отправления" for op in history)


async def test_invalid_barcode_is_refused() -> None:
    with pytest.raises(ValueError, match="check digit"):
        await StubPostTracker().history("RA123456784RU")


async def test_a_posted_letter_s_history_starts_at_the_posting() -> None:
    """Told the day a letter was posted, the stub invents its history from then on, and shows only
    what has happened by its clock's now: never an operation from before the letter existed."""
    posted_on = date(2026, 12, 1)
    clock = FixedClock(datetime(2026, 12, 1, 5, 0, tzinfo=UTC))  # 8:00 in Moscow: not yet at the office
    tracker = StubPostTracker(clock=clock)
    barcodes = [f"{body}{domestic_check_digit(body)}" for body in (f"1600000{n:06d}" for n in range(30))]
    assert [await tracker.history(b, posted_on) for b in barcodes] == [[]] * len(barcodes)

    clock.set(datetime(2026, 12, 31, 9, 0, tzinfo=UTC))
    histories = [await tracker.history(b, posted_on) for b in barcodes]
    for barcode, history in zip(barcodes, histories, strict=True):
        assert history == await StubPostTracker(clock=clock).history(barcode, posted_on)  # deterministic
        assert history[0].operation == RECEPTION
        assert history[0].at.astimezone(MOSCOW).date() == posted_on
        assert 9 <= history[0].at.astimezone(MOSCOW).hour < 17
        assert all(op.at <= clock.now() for op in history)
    assert {h[-1].operation for h in histories} == {PROCESSING, ARRIVED_FOR_DELIVERY, DELIVERY}

    # A day after the posting: the reception and what followed within the day, the rest to come.
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    for barcode, later in zip(barcodes, histories, strict=True):
        early = await tracker.history(barcode, posted_on)
        assert early == later[: len(early)]
        assert DELIVERY not in {op.operation for op in early}
